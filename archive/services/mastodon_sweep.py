"""Statuses deleted on a Mastodon server, noticed by asking the server for each again.

Mastodon's tag timeline leaves a deleted status out and says nothing more: a pull cannot
tell "deleted" from "not on this page". The sweep asks GET /api/v1/statuses/:id for each
of a chat's posts read through one server (the id on that server is in `raw`), and marks
those the server no longer has (404) as removed by their author, as an author's own
removal shows. One request per post, at most MASTODON_SWEEP_LIMIT a sweep, the least
recently checked first, so that a large chat is covered over a few sweeps.
"""

import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.utils import timezone

from archive.models import Post, PostPlacement
from archive.networks import Network
from archive.sources.mastodon import MastodonSource
from chats.models import Chat

logger = logging.getLogger(__name__)

CHECKED_KEY = "_checked_at"
# Requests of the server's window (300 per 5 minutes) the sweep leaves to pulls: it stops
# when fewer remain, and the next sweep goes on where it stopped.
RATE_LIMIT_RESERVE = 60


def _candidates(*, chat_id: int, server: str, limit: int) -> list[Post]:
    posts = (
        Post.objects.filter(
            network=Network.MASTODON,
            removed=False,
            placements__chat_id=chat_id,
            raw___server=server,
        )
        .distinct()
        .only("pk", "raw")
        # Never checked first, then the longest unchecked: bounded sweeps still cover all.
        .order_by(KT(f"raw__{CHECKED_KEY}").asc(nulls_first=True), "pk")
    )
    return list(posts[:limit])


def _mark_removed(post: Post) -> bool:
    with transaction.atomic():
        changed = Post.objects.filter(pk=post.pk, removed=False).update(
            removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
        )
        if changed:
            chat_ids = PostPlacement.objects.filter(post=post, chat__isnull=False).values("chat_id")
            Chat.objects.filter(pk__in=chat_ids).mark_archive_changed()
    return bool(changed)


def _mark_checked(post: Post) -> None:
    # Kept in raw (a pull's upsert replaces raw, which only puts the post back in front),
    # on PostgreSQL set in place, so that a pull storing a newer raw meanwhile keeps it.
    now = timezone.now().isoformat()
    raw: object = {**post.raw, CHECKED_KEY: now}
    if connection.vendor == "postgresql":
        raw = RawSQL("jsonb_set(raw, %s::text[], to_jsonb(%s::text))", (f"{{{CHECKED_KEY}}}", now))
    Post.objects.filter(pk=post.pk).update(raw=raw)


def mastodon_deletions_sweep(
    *, chat_id: int, source: MastodonSource, limit: int | None = None
) -> int:
    """Mark the chat's posts read through `source`'s server that it no longer serves as
    removed; the number marked. Stops early when the server's rate-limit window runs low
    (RATE_LIMIT_RESERVE left for pulls); the next sweep checks the rest first.

    Raises what the source raises (RateLimited with the server's reset, SourceAuthError,
    SourceUnavailable) after committing what it found before: the caller retries later.
    """
    limit = settings.MASTODON_SWEEP_LIMIT if limit is None else limit
    removed = 0
    for post in _candidates(chat_id=chat_id, server=source.server, limit=limit):
        status_id = post.raw.get("id")
        if not isinstance(status_id, str) or not status_id.isdigit():
            continue
        if source.status_exists(status_id):
            _mark_checked(post)
        elif _mark_removed(post):
            removed += 1
        if (source.ratelimit_remaining or RATE_LIMIT_RESERVE) < RATE_LIMIT_RESERVE:
            logger.info(
                "Mastodon sweep of chat %s stopped: %s's rate limit is low", chat_id, source.server
            )
            break
    if removed:
        logger.info("Mastodon sweep of chat %s on %s: %d deleted", chat_id, source.server, removed)
    return removed
