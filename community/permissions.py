"""Who may act on a community: the one place that decides it.

Chats and the archive decide for their own objects in their own permissions.py, each
starting from the community helpers here.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from community.models import Community, Membership
from community.selectors import membership_for
from members.models import User


def membership_is_organiser(membership: Membership | None) -> bool:
    """Whether this membership (None: not a member) makes its holder an organiser."""
    return membership is not None and membership.is_organiser


def membership_can_moderate(membership: Membership | None) -> bool:
    """Whether this membership (None: not a member) lets its holder moderate."""
    return membership is not None and membership.can_moderate


def community_can_moderate(*, community: Community, user: User | AnonymousUser) -> bool:
    """Whether the user organises or moderates the community."""
    return membership_can_moderate(membership_for(community=community, user=user))


def get_community_for_organiser(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user organises it; 404 or 403 otherwise."""
    community = get_object_or_404(Community, slug=slug)
    if not membership_is_organiser(membership_for(community=community, user=request.user)):
        raise PermissionDenied("Only this community's organisers can do that.")
    return community


def get_community_for_moderator(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user organises or moderates it."""
    community = get_object_or_404(Community, slug=slug)
    if not community_can_moderate(community=community, user=request.user):
        raise PermissionDenied("Only this community's organisers and moderators can do that.")
    return community


def get_community_for_member(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user belongs to it (any role)."""
    community = get_object_or_404(Community, slug=slug)
    if membership_for(community=community, user=request.user) is None:
        raise PermissionDenied(f"Join {community.name} first.")
    return community
