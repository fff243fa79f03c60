"""Reads for feeds and the sitemap: one query per list, whatever its length."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from archive.models import Post, PostPlacement
from chats.models import Chat, ChatCohost
from community.models import Community

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

FEED_LENGTH = 20


class TranscriptTotals(TypedDict):
    """What recent_transcripts counts on each chat."""

    post_total: int
    participant_total: int


def _ended(now: datetime) -> QuerySet[Chat]:
    return Chat.objects.not_cancelled().filter(end_at__lte=now)


def transcript_chats(*, now: datetime) -> QuerySet[Chat]:
    """Ended, not cancelled chats with at least one archived post: the ones with a transcript.

    An Exists per chat, not a count of every ended chat's placements: a list that stops at
    LIMIT looks only at the chats it lists.
    """
    # An edit replaced these versions: the edit is in the transcript, they are not.
    archived = PostPlacement.objects.filter(
        chat=OuterRef("pk"), community=OuterRef("community_id")
    ).exclude(post__removed_reason=Post.REMOVED_EDITED)
    return _ended(now).filter(Exists(archived)).select_related("community")


def _visible_count(column: str, *, distinct: bool = False) -> Coalesce:
    # A correlated subquery (as archive.selectors.live._usage_of_chat), not a join and
    # GROUP BY: PostgreSQL evaluates it after ORDER BY … LIMIT, for the listed chats only.
    visible = PostPlacement.objects.filter(
        chat=OuterRef("pk"), community=OuterRef("community_id"), hidden=False, post__removed=False
    )
    total = visible.values("chat").annotate(total=Count(column, distinct=distinct))
    return Coalesce(Subquery(total.values("total"), output_field=IntegerField()), 0)


def recent_transcripts(
    *, now: datetime, community: Community | None = None, limit: int | None = FEED_LENGTH
) -> "list[WithAnnotations[Chat, TranscriptTotals]]":
    """The newest transcripts, each with post_total and participant_total (visible posts)."""
    chats = transcript_chats(now=now).annotate(
        post_total=_visible_count("pk"),
        participant_total=_visible_count("post__author", distinct=True),
    )
    if community is not None:
        # A joint chat's transcript is one, listed by each community holding it.
        cohosted = ChatCohost.objects.filter(community=community, status=ChatCohost.Status.ACCEPTED)
        chats = chats.filter(Q(community=community) | Q(pk__in=cohosted.values("chat_id")))
    ordered = chats.order_by("-end_at", "-pk")
    return list(ordered if limit is None else ordered[:limit])


def sitemap_communities() -> QuerySet[Community]:
    return Community.objects.order_by("pk")


def sitemap_chats() -> QuerySet[Chat]:
    """Chats past and upcoming, cancelled ones left out."""
    return Chat.objects.not_cancelled().select_related("community").order_by("pk")


@dataclass(frozen=True)
class ArchiveMonth:
    month: date
    chats: list[Chat]
    post_total: int


@dataclass(frozen=True)
class ArchiveYear:
    year: int
    months: list[ArchiveMonth]
    post_total: int


def community_archive(*, community: Community, now: datetime) -> list[ArchiveYear]:
    """Every transcript of the community, newest first, by year and month of its zone."""
    chats = recent_transcripts(now=now, community=community, limit=None)
    zone = ZoneInfo(community.time_zone)
    by_month: dict[date, list[Chat]] = {}
    for chat in chats:
        by_month.setdefault(chat.start_at.astimezone(zone).date().replace(day=1), []).append(chat)
    years: dict[int, list[ArchiveMonth]] = {}
    for month, listed in by_month.items():
        total = sum(chat.post_total for chat in listed)  # type: ignore[attr-defined]
        years.setdefault(month.year, []).append(ArchiveMonth(month, listed, total))
    return [
        ArchiveYear(year, months, sum(m.post_total for m in months))
        for year, months in years.items()
    ]
