"""Object permissions: the one place that decides who may act on a community."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from .models import Community
from .selectors import membership_for

if TYPE_CHECKING:
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


def get_community_for_member(request: HttpRequest, slug: str) -> Community:
    """The community, if the requesting user belongs to it (any role)."""
    community = get_object_or_404(Community, slug=slug)
    if membership_for(community=community, user=request.user) is None:
        raise PermissionDenied(f"Join {community.name} first.")
    return community
