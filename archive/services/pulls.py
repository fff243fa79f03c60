"""When and what to pull: chat windows, final sweeps, between-chat sweeps, source health.

Every community pulls from the networks it switched on (ArchiveSettings; X alone without
one), Mastodon from each of its servers. Each (network, server) has its own cursors,
locks and health: a 429 or an outage on one holds up none of the others.

The ingest service (archive.services.ingest) stores what a pull fetches; this module picks
the query, its time bounds and its cursor, and records failures on the cursor.
"""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from archive.models import Network, SourceHealth, SyncCursor
from archive.selectors.networks import community_targets
from archive.services.ingest import PullResult, cursor_for, pull_run, query_key
from archive.sources import registry
from archive.sources.base import (
    PullQuery,
    RateLimited,
    Source,
    SourceAuthError,
    SourceError,
)
from archive.sources.x import XSource
from chats.models import Chat
from common.locks import Predecessor, abandoned, exclusive, lease_left
from community.models import Community

logger = logging.getLogger(__name__)


def x_source() -> XSource:
    source = registry.source_for(network=Network.X)
    assert isinstance(source, XSource)
    return source


def _fingerprint(network: str, server: str) -> str:
    material = registry.credentials_material(network, server).encode()
    return hashlib.sha256(material).hexdigest()


# --- Source health ------------------------------------------------------------


def source_blocked_reason(*, network: str, now: datetime, server: str = "") -> str:
    """Why pulls of this network (server) must wait, or '' when they may go ahead."""
    health = SourceHealth.objects.filter(network=network, server=server).first()
    if health is None:
        return ""
    if not health.healthy:
        if health.config_fingerprint != _fingerprint(network, server):
            # The credentials changed since they failed: try again.
            SourceHealth.objects.filter(pk=health.pk).update(healthy=True, error="")
        else:
            return f"The {network} credentials were refused: {health.error}"
    if health.rate_limited_until and health.rate_limited_until > now:
        return f"Rate limited until {health.rate_limited_until:%H:%M:%S} UTC."
    return ""


def source_mark_unhealthy(*, network: str, error: str, server: str = "") -> None:
    fingerprint = _fingerprint(network, server)
    SourceHealth.objects.update_or_create(
        network=network,
        server=server,
        defaults={"healthy": False, "error": error[:1000], "config_fingerprint": fingerprint},
    )


def source_mark_rate_limited(*, network: str, until: datetime, server: str = "") -> None:
    SourceHealth.objects.update_or_create(
        network=network, server=server, defaults={"rate_limited_until": until}
    )


def cursor_record_error(
    *, cursor_id: int, error: str, now: datetime, retry_at: datetime | None = None
) -> None:
    # The failed request counts too: the rate limit sees it, though X bills no reads.
    SyncCursor.objects.filter(pk=cursor_id).update(
        last_error=error[:2000],
        last_error_at=now,
        last_attempt_at=now,
        consecutive_errors=F("consecutive_errors") + 1,
        next_allowed_at=retry_at,
        requests_total=F("requests_total") + 1,
    )


@contextmanager
def cursor_locked(*, cursor: SyncCursor) -> Iterator[SyncCursor | None]:
    """Hold the query's pull lock; yield its cursor as the holder before us left it, or
    None while another worker holds the lock.

    The lock is a short lease renewed while the pull runs, so a worker killed mid-pull
    holds up the next pull for one lease, not for the longest a pull may take.
    """
    with exclusive(
        _lock_name(cursor),
        lease=settings.ARCHIVE_PULL_LOCK_LEASE_SECONDS,
        max_hold=settings.ARCHIVE_PULL_LOCK_SECONDS,
    ) as held:
        if not held:
            yield None
            return
        # Read before the lock, the cursor may predate the last pull: pulling from it would
        # read that pull's posts again and could move the cursor back.
        cursor.refresh_from_db()
        if held.predecessor is not None:
            _record_lost_pull(cursor, held.predecessor)
        yield cursor


def cursor_lock_free_in(*, cursor: SyncCursor) -> float:
    """Seconds until the pull lock frees itself unless its holder renews it (0 if free)."""
    return lease_left(_lock_name(cursor))


def _lock_name(cursor: SyncCursor) -> str:
    return f"pull:{cursor.pk}"


def _record_lost_pull(cursor: SyncCursor, predecessor: Predecessor) -> None:
    """Record a pull that ended without a word on its cursor: its worker was killed, or
    what failed it (a database restart) also kept it from recording the failure."""
    if cursor.last_error_at and cursor.last_error_at >= predecessor.since:
        return  # it did record its failure
    error = f"The previous pull stopped before it finished ({predecessor.describe()})."
    logger.warning("%s: %s", cursor, error)
    cursor_record_error(cursor_id=cursor.pk, error=error, now=timezone.now())
    cursor.refresh_from_db()


def pull_failure_record(*, cursor: SyncCursor, error: SourceError, now: datetime) -> None:
    """Record a failed pull on its cursor, and on the source where the failure is the
    network's (a rate limit, refused credentials), so the dispatcher waits accordingly."""
    retry_at = None
    if isinstance(error, RateLimited):
        source_mark_rate_limited(network=cursor.network, server=cursor.server, until=error.reset_at)
        retry_at = error.reset_at
    elif isinstance(error, SourceAuthError):
        source_mark_unhealthy(network=cursor.network, server=cursor.server, error=str(error))
    cursor_record_error(cursor_id=cursor.pk, error=str(error), now=now, retry_at=retry_at)


# --- Pull targets -------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One pull to make: a chat's hashtags in its window, a community's stream, or a
    chat's final sweep (every network of its community in turn: network and server blank)."""

    kind: str  # "chat", "stream" or "final"
    pk: int
    network: str = Network.X
    server: str = ""


def chat_cursor(*, chat: Chat, network: str = Network.X, server: str = "") -> SyncCursor:
    return cursor_for(
        network=network, server=server, community=chat.community, hashtags=chat.hashtags
    )


def stream_cursor(
    *, community: Community, network: str = Network.X, server: str = ""
) -> SyncCursor:
    return cursor_for(
        network=network, server=server, community=community, hashtags=[community.hashtag]
    )


def is_fresh(
    cursor: SyncCursor, *, now: datetime, window: timedelta | None = XSource.SEARCH_WINDOW
) -> bool:
    """Whether the cursor's newest id may still go out as a since_id.

    Its post is no younger than the cursor's last success: once that is older than the
    network's search window (X: seven days), so is the id. (Younger, the id may still be
    older: the source then trades it for the window's start.) No window: always.
    """
    if window is None:
        return bool(cursor.newest_id)
    recent = cursor.last_success_at and now - cursor.last_success_at < window
    return bool(cursor.newest_id and recent)


def _window_start(start: datetime, now: datetime, window: timedelta | None) -> datetime:
    return start if window is None else max(start, now - window)


def pull_query_for(
    *,
    cursor: SyncCursor,
    start_time: datetime,
    end_time: datetime | None,
    now: datetime,
    window: timedelta | None = XSource.SEARCH_WINDOW,
) -> PullQuery:
    """Fill a stopped pull's gap first; else continue from a fresh cursor or the window's start."""
    hashtags = tuple(tag.lstrip("#") for tag in cursor.query.split(" OR "))
    if cursor.resuming:
        return PullQuery(
            hashtags=hashtags,
            since_id=cursor.resume_since_id or None,
            start_time=cursor.resume_start_time,
            end_time=end_time,
            until_id=cursor.resume_until_id,
        )
    if is_fresh(cursor, now=now, window=window):
        return PullQuery(hashtags=hashtags, since_id=cursor.newest_id, end_time=end_time)
    return PullQuery(hashtags=hashtags, start_time=start_time, end_time=end_time)


def chat_pull(
    *, chat: Chat, cursor: SyncCursor, source: Source, now: datetime | None = None
) -> PullResult:
    """Pull the chat's hashtags from the window's start (or the cursor) to its end."""
    now = now or timezone.now()
    window = registry.search_window(source)
    start = _window_start(chat.window_start, now, window)
    end = chat.window_end if chat.window_end <= now - registry.end_time_min_age(source) else None
    query = pull_query_for(cursor=cursor, start_time=start, end_time=end, now=now, window=window)
    followers = _stream_followers(chat=chat, cursor=cursor)
    fresh_start = query.since_id is None and query.until_id is None
    host_key = query_key([chat.community.hashtag])
    host_first = bool(followers) and followers[0].query == host_key
    if fresh_start and host_first and is_fresh(followers[0], now=now, window=window):
        # Start where the community's sweep stopped: it then follows this pull, and
        # the posts carrying both hashtags are read once, not by both queries. Not when
        # filling a gap: that must start exactly where the stopped pull started.
        query = replace(query, since_id=followers[0].newest_id, start_time=None)
    return pull_run(
        cursor=cursor, source=source, query=query, chat=chat, followers=followers, now=now
    )


def _stream_followers(*, chat: Chat, cursor: SyncCursor) -> list[SyncCursor]:
    """The sweep cursors this chat's wider query covers: its community's first, then its
    co-hosts' (a joint chat pulls their hashtags too)."""
    keys = _covered_streams(chat) - {cursor.query}
    followers = SyncCursor.objects.filter(
        network=cursor.network, server=cursor.server, query__in=keys
    )
    host_key = query_key([chat.community.hashtag])
    return sorted(followers, key=lambda follower: (follower.query != host_key, follower.pk))


def _covered_streams(chat: Chat) -> set[str]:
    """The sweep queries of the communities holding the chat whose hashtag it pulls."""
    chat_tags = {tag.lower() for tag in chat.hashtags}
    holders = [chat.community.hashtag, *chat.cohost_hashtags]
    return {query_key([tag]) for tag in holders if tag.lower() in chat_tags}


def stream_pull(
    *, community: Community, cursor: SyncCursor, source: Source, now: datetime | None = None
) -> PullResult:
    """Pull the community's hashtag since the last sweep (first time: a day back)."""
    now = now or timezone.now()
    window = registry.search_window(source)
    start = _window_start(now - settings.ARCHIVE_STREAM_BACKFILL, now, window)
    query = pull_query_for(cursor=cursor, start_time=start, end_time=None, now=now, window=window)
    return pull_run(cursor=cursor, source=source, query=query, now=now)


# --- The dispatcher -----------------------------------------------------------


def _open_chats(now: datetime) -> list[Chat]:
    margin = settings.CHAT_MAX_WINDOW
    candidates = (
        Chat.objects.not_cancelled()
        .filter(start_at__lte=now + margin, end_at__gte=now - margin)
        .select_related("community__archive_settings")
    )
    return [chat for chat in candidates if chat.window_start <= now < chat.window_end]


def _due(cursor: SyncCursor | None, interval: timedelta, now: datetime) -> bool:
    if cursor is None:
        return True
    if cursor.next_allowed_at and cursor.next_allowed_at > now:
        return False
    if cursor.last_attempt_at is None or cursor.last_attempt_at + interval <= now:
        return True
    # A pull that died mid-way (its worker killed) goes again at once, once its lease has
    # lapsed, not an interval after it began: its task comes back only after the broker's
    # visibility timeout.
    return abandoned(_lock_name(cursor))


def pulls_due(*, now: datetime | None = None) -> list[Target]:
    """Every pull that should start now, per network and server each community switched
    on; claims final sweeps so each runs once."""
    now = now or timezone.now()
    live = _open_chats(now)
    sweeping = Community.objects.filter(stream_sweep_minutes__gt=0)
    communities = list(sweeping.select_related("archive_settings"))
    pairs = _pullable(now, [c.community for c in live] + communities)
    keys = {query_key(c.hashtags) for c in live} | {query_key([c.hashtag]) for c in communities}
    cursors = {
        (c.network, c.server, c.query): c
        for c in SyncCursor.objects.filter(query__in=keys, network__in={n for n, _ in pairs})
    }
    targets: list[Target] = []
    covered: set[tuple[str, str, str]] = set()
    for chat in live:
        for network, server in _enabled(chat.community, pairs):
            targets += _chat_due(chat, network, server, cursors, covered, now)
    targets += [Target("final", pk, "", "") for pk in _claim_final_sweeps(now)]
    for community in communities:
        key = query_key([community.hashtag])
        interval = timedelta(minutes=community.stream_sweep_minutes)
        for network, server in _enabled(community, pairs):
            if (network, server, key) in covered:
                continue
            if _due(cursors.get((network, server, key)), interval, now):
                targets.append(Target("stream", community.pk, network, server))
    return targets


def _chat_due(
    chat: Chat,
    network: str,
    server: str,
    cursors: dict[tuple[str, str, str], SyncCursor],
    covered: set[tuple[str, str, str]],
    now: datetime,
) -> list[Target]:
    key = query_key(chat.hashtags)
    covered.add((network, server, key))
    # The chat's wider query stands in meanwhile for the sweeps of the communities
    # holding it (a joint chat's co-hosts too): no post read by both.
    covered |= {(network, server, stream) for stream in _covered_streams(chat)}
    interval = timedelta(seconds=chat.community.poll_interval_seconds)
    if _due(cursors.get((network, server, key)), interval, now):
        return [Target("chat", chat.pk, network, server)]
    return []


def _pullable(now: datetime, communities: list[Community]) -> set[tuple[str, str]]:
    """The (network, server) pairs any of these communities pulls from that may pull now:
    configured on this site, credentials not refused, not rate limited."""
    wanted = {pair for community in communities for pair in community_targets(community)}
    return {
        (network, server)
        for network, server in wanted
        if registry.network_configured(network)
        and not source_blocked_reason(network=network, server=server, now=now)
    }


def _enabled(community: Community, pullable: set[tuple[str, str]]) -> list[tuple[str, str]]:
    return [pair for pair in community_targets(community) if pair in pullable]


def _claim_final_sweeps(now: datetime) -> list[int]:
    delay = settings.ARCHIVE_FINAL_SWEEP_DELAY
    # X holds nothing of a chat that ended before; nor is an older chat's sweep news.
    searchable = now - XSource.SEARCH_WINDOW
    due = Chat.objects.not_cancelled().filter(
        final_sweep_at__isnull=True, end_at__lte=now - delay, end_at__gte=searchable
    )
    claimed = []
    for chat in due.select_related("community__archive_settings"):
        pairs = community_targets(chat.community)
        if not any(registry.network_configured(network) for network, _ in pairs):
            continue  # left unclaimed: it sweeps once the site can pull from its networks
        pk = chat.pk
        # A conditional update: two dispatchers cannot both claim the same sweep.
        if Chat.objects.filter(Q(pk=pk), Q(final_sweep_at__isnull=True)).update(final_sweep_at=now):
            claimed.append(pk)
    return claimed
