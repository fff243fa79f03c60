"""sitemap.xml sections: communities, chats (past and upcoming) and transcripts."""

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.utils import timezone

from archive.selectors.exports import sitemap_chats, sitemap_communities, transcript_chats
from chats.models import Chat
from community.models import Community


class CommunitySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> QuerySet[Community]:
        return sitemap_communities()

    def lastmod(self, community: Community) -> datetime:
        return community.updated_at


class ChatSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self) -> QuerySet[Chat]:
        return sitemap_chats()

    def lastmod(self, chat: Chat) -> datetime:
        return chat.updated_at


class TranscriptSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self) -> QuerySet[Chat]:
        return transcript_chats(now=timezone.now()).order_by("pk")

    def location(self, chat: Chat) -> str:
        return chat.get_transcript_url()

    def lastmod(self, chat: Chat) -> datetime:
        return max(chat.updated_at, chat.archive_changed_at or chat.updated_at)


SITEMAPS: dict[str, type[Sitemap]] = {
    "communities": CommunitySitemap,
    "chats": ChatSitemap,
    "transcripts": TranscriptSitemap,
}
