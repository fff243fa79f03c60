"""Atom feeds of new transcripts: one per community and one for the whole site.

Links are built from the request's own host (not the sites framework's Site row, which
says example.com unless an operator edits it), so a feed read through any allowed host
links back to that host.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from archive.selectors.exports import TranscriptTotals, recent_transcripts
from chats.models import Chat
from community.models import Community

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SITE_NAME = "Hashtag Commons"


@dataclass(frozen=True)
class FeedScope:
    request: HttpRequest
    community: Community | None


class _TranscriptFeed(Feed):
    feed_type = Atom1Feed

    def items(self, scope: FeedScope) -> "list[WithAnnotations[Chat, TranscriptTotals]]":
        chats = recent_transcripts(community=scope.community, now=timezone.now())
        for chat in chats:
            # item_link sees only the chat: give it the absolute URL while we have the request.
            chat.feed_link = scope.request.build_absolute_uri(chat.get_transcript_url())
        return chats

    def feed_url(self, scope: FeedScope) -> str:
        return scope.request.build_absolute_uri()

    def item_title(self, chat: Chat) -> str:
        # Atom titles are text constructs: the feed generator escapes them once, as XML.
        return f"{chat.title} (#{chat.community.hashtag})"

    def item_link(self, chat: Chat) -> str:
        return chat.feed_link

    def item_description(self, chat: "WithAnnotations[Chat, TranscriptTotals]") -> str:
        return (
            f"{chat.post_total} post{'' if chat.post_total == 1 else 's'}, "
            f"{chat.participant_total} participant{'' if chat.participant_total == 1 else 's'}"
        )

    def item_author_name(self, chat: Chat) -> str:
        return chat.community.name

    def item_pubdate(self, chat: Chat) -> datetime:
        return chat.end_at

    def item_updateddate(self, chat: Chat) -> datetime:
        return max(chat.end_at, chat.archive_changed_at or chat.end_at)


class SiteTranscriptFeed(_TranscriptFeed):
    def get_object(self, request: HttpRequest) -> FeedScope:
        return FeedScope(request=request, community=None)

    def title(self) -> str:
        return f"New transcripts on {SITE_NAME}"

    def subtitle(self) -> str:
        return "Transcripts of hashtag chats, newest first."

    def link(self, scope: FeedScope) -> str:
        return scope.request.build_absolute_uri(reverse("home"))


class CommunityTranscriptFeed(_TranscriptFeed):
    def get_object(self, request: HttpRequest, slug: str) -> FeedScope:
        community = get_object_or_404(Community, slug=slug)
        return FeedScope(request=request, community=community)

    def title(self, scope: FeedScope) -> str:
        assert scope.community is not None
        return f"#{scope.community.hashtag} transcripts · {SITE_NAME}"

    def subtitle(self, scope: FeedScope) -> str:
        assert scope.community is not None
        return f"Transcripts of {scope.community.name}'s chats, newest first."

    def link(self, scope: FeedScope) -> str:
        assert scope.community is not None
        return scope.request.build_absolute_uri(scope.community.get_absolute_url())
