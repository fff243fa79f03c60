"""Reads for feeds and the sitemap: one query per list, whatever its length."""

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from chats.models import Chat, Post
from community.models import Community

FEED_LENGTH = 20

# An edit replaced these versions: the edit is in the transcript, they are not.
_ARCHIVED = ~Q(placements__post__removed_reason=Post.REMOVED_EDITED)
_VISIBLE = Q(placements__hidden=False, placements__post__removed=False)


def _ended(now: datetime) -> QuerySet[Chat]:
    return Chat.objects.not_cancelled().filter(end_at__lte=now)


def transcript_chats(*, now: datetime) -> QuerySet[Chat]:
    """Ended, not cancelled chats with at least one archived post: the ones with a transcript."""
    return (
        _ended(now)
        .annotate(archived_total=Count("placements", filter=_ARCHIVED))
        .filter(archived_total__gt=0)
        .select_related("community")
    )


def recent_transcripts(
    *, now: datetime, community: Community | None = None, limit: int = FEED_LENGTH
) -> list[Chat]:
    """The newest transcripts, each with post_total and participant_total (visible posts)."""
    chats = transcript_chats(now=now).annotate(
        post_total=Count("placements", filter=_VISIBLE),
        participant_total=Count("placements__post__author", filter=_VISIBLE, distinct=True),
    )
    if community is not None:
        chats = chats.filter(community=community)
    return list(chats.order_by("-end_at", "-pk")[:limit])


def sitemap_communities() -> QuerySet[Community]:
    return Community.objects.order_by("pk")


def sitemap_chats() -> QuerySet[Chat]:
    """Chats past and upcoming, cancelled ones left out."""
    return Chat.objects.not_cancelled().select_related("community").order_by("pk")
