"""Object permissions: the one place that decides who may act on a community."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from community.models import Community
from community.selectors import membership_for

if TYPE_CHECKING:
    from archive.models import Account, Post, PostPlacement
    from chats.models import Chat, ChatSeries


def get_community_for_organiser(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user organises it; 404 or 403 otherwise."""
    community = get_object_or_404(Community, slug=slug)
    membership = membership_for(community=community, user=request.user)
    if membership is None or not membership.is_organiser:
        raise PermissionDenied("Only this community's organisers can do that.")
    return community


def get_community_for_moderator(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user organises or moderates it."""
    community = get_object_or_404(Community, slug=slug)
    membership = membership_for(community=community, user=request.user)
    if membership is None or not membership.can_moderate:
        raise PermissionDenied("Only this community's organisers and moderators can do that.")
    return community


def get_chat_for_moderator(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat of the community, if the requesting user organises or moderates it."""
    from chats.models import Chat  # chats depends on communities, not the reverse

    community = get_community_for_moderator(request, slug)
    chat = get_object_or_404(Chat.objects.select_related("community"), pk=pk, community=community)
    return chat


def get_series_for_moderator(request: HttpRequest, slug: str, pk: int) -> ChatSeries:
    """A chat series of the community, if the requesting user organises or moderates it."""
    from chats.models import ChatSeries

    community = get_community_for_moderator(request, slug)
    return get_object_or_404(
        ChatSeries.objects.select_related("community"), pk=pk, community=community
    )


def get_placement_for_moderator(request: HttpRequest, slug: str, pk: int) -> PostPlacement:
    """A post's placement in the community, if the requesting user organises or moderates it."""
    from archive.models import PostPlacement

    community = get_community_for_moderator(request, slug)
    placements = PostPlacement.objects.select_related("post__author").defer(
        "post__raw", "post__search_vector"
    )
    placement = get_object_or_404(placements, pk=pk, community=community)
    placement.community = community  # loaded above: no second fetch when the caller reads it
    return placement


def get_account_for_moderator(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Community, Account]:
    """The community and an account that posted in it or is excluded from it, for its
    organisers and moderators; any other account is not this community's business."""
    from archive.models import Account, AccountExclusion, PostPlacement

    community = get_community_for_moderator(request, slug)
    posted = PostPlacement.objects.filter(community=community, post__author=OuterRef("pk"))
    excluded = AccountExclusion.objects.filter(community=community, account=OuterRef("pk"))
    accounts = Account.objects.filter(Q(Exists(posted)) | Q(Exists(excluded)))
    return community, get_object_or_404(accounts, pk=pk)


def get_post_for_author(request: HttpRequest, pk: int) -> Post:
    """The requesting member's own archived post, if their X link is verified.

    Anyone else gets a 404, not a 403: whose post it is stays private.
    """
    from archive.models import Post

    user = request.user
    if not user.is_authenticated or not user.has_verified_x:
        raise Http404("No such post of yours.")
    posts = Post.objects.select_related("author").defer("raw", "search_vector")
    return get_object_or_404(posts, pk=pk, author__member=user)


def get_community_for_member(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user belongs to it (any role)."""
    community = get_object_or_404(Community, slug=slug)
    if membership_for(community=community, user=request.user) is None:
        raise PermissionDenied(f"Join {community.name} first.")
    return community
