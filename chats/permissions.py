"""Who may see or act on a chat or a series: one helper per object kind and role."""

from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from chats.models import Chat, ChatCohost, ChatSeries
from chats.selectors.schedule import chat_for_page
from community.models import Community
from community.permissions import (
    get_community_for_member,
    get_community_for_moderator,
    get_community_for_organiser,
)


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


def get_chat_for_archive_moderator(
    request: HttpRequest, slug: str, pk: int
) -> tuple[Community, Chat]:
    """The community and a chat it holds, or co-holds as an accepted co-host, if the
    requesting user organises or moderates that community: a joint chat's transcript is
    moderated by the moderators of every community holding it."""
    community = get_community_for_moderator(request, slug)
    cohosted = ChatCohost.objects.filter(community=community, status=ChatCohost.Status.ACCEPTED)
    chats = Chat.objects.select_related("community")
    held = Q(community=community) | Q(pk__in=cohosted.values("chat_id"))
    return community, get_object_or_404(chats.filter(held), pk=pk)


def get_chat_for_organiser(request: HttpRequest, slug: str, pk: int) -> Chat:
    """A chat of the community, if the requesting user organises it: only organisers
    invite other communities to hold it jointly."""
    community = get_community_for_organiser(request, slug)
    chats = Chat.objects.select_related("community")
    return get_object_or_404(chats, pk=pk, community=community)


def get_cohost_for_inviter(request: HttpRequest, slug: str, pk: int, cohost_pk: int) -> ChatCohost:
    """An invitation of the community's chat, for the inviting community's organisers."""
    chat = get_chat_for_organiser(request, slug, pk)
    cohost = get_object_or_404(
        ChatCohost.objects.select_related("community"), pk=cohost_pk, chat=chat
    )
    cohost.chat = chat
    return cohost


def get_cohost_for_invitee(request: HttpRequest, slug: str, pk: int) -> ChatCohost:
    """An invitation the community received, for the invited community's organisers."""
    community = get_community_for_organiser(request, slug)
    cohosts = ChatCohost.objects.select_related("chat__community")
    cohost = get_object_or_404(cohosts, pk=pk, community=community)
    cohost.community = community
    return cohost
