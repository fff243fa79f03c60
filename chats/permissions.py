"""Who may see or act on a chat or a series: one helper per object kind and role."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from chats.models import Chat, ChatSeries
from chats.selectors.schedule import chat_for_page
from community.permissions import get_community_for_member, get_community_for_moderator


def get_chat_for_visitor(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat of the community, with what its public page shows; anyone may see it."""
    chat = chat_for_page(slug=slug, pk=pk)
    if chat is None:
        raise Http404("No such chat.")
    return chat


def get_chat_for_reminders(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat of the community: any signed-in visitor may be reminded of it, member or not
    (the views that call this require sign-in)."""
    chats = Chat.objects.select_related("community")
    return get_object_or_404(chats, pk=pk, community__slug=slug)


def get_chat_for_member(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat of the community, if the requesting user belongs to the community."""
    community = get_community_for_member(request, slug)
    chats = Chat.objects.select_related("community")
    return get_object_or_404(chats, pk=pk, community=community)


def get_chat_for_moderator(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat of the community, if the requesting user organises or moderates it."""
    community = get_community_for_moderator(request, slug)
    chats = Chat.objects.select_related("community")
    return get_object_or_404(chats, pk=pk, community=community)


def get_series_for_moderator(request: HttpRequest, slug: str, pk: int) -> ChatSeries:
    """A chat series of the community, if the requesting user organises or moderates it."""
    community = get_community_for_moderator(request, slug)
    series = ChatSeries.objects.select_related("community")
    return get_object_or_404(series, pk=pk, community=community)
