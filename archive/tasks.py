"""Pull tasks: they take ids, hold the query's lock, call the pull service and retry;
and the cost meter's check against X's own count (reconcile_usage).

No worker ever sleeps: a 429 reschedules the task for when the limit resets,
transient failures back off exponentially (X's, and our own database's or Redis's going
away mid-pull), and credentials X refuses stop every pull of that network until the
configuration changes.
"""

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

import redis
from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from archive.models import Network, SyncCursor
from archive.selectors.networks import community_targets
from archive.services import connections, imports, pulls, usage, vitality
from archive.services.ingest import PullResult
from archive.sources import registry
from archive.sources.base import (
    RateLimited,
    Source,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)
from chats.models import Chat
from community.models import Community

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
# Our own services going away mid-pull (a PostgreSQL or Redis restart): the pull is
# retried shortly, once they are back, rather than left for the dispatcher's next round.
# What it stored stays stored; the lock's note tells the retry what stopped it.
OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# At-least-once delivery is every task's (settings: CELERY_TASK_ACKS_LATE and friends);
# pulls differ in their retries and in a time limit of their own.
PULL_TASK_OPTIONS = {
    "bind": True,
    "max_retries": MAX_RETRIES,
    "soft_time_limit": settings.ARCHIVE_PULL_TIME_LIMIT - 30,
    "time_limit": settings.ARCHIVE_PULL_TIME_LIMIT,
    "autoretry_for": OUTAGES,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
}


def _run(task: Task, cursor: SyncCursor, pull: Callable[[SyncCursor], PullResult]) -> str:
    now = timezone.now()
    with pulls.cursor_locked(cursor=cursor) as locked:
        if locked is None:
            redelivered = (task.request.delivery_info or {}).get("redelivered")
            if redelivered and not task.request.retries:
                # Handed back by the broker: its worker died, most likely still holding
                # the lock. Come back once that lease lapses, rather than give the pull up.
                wait = pulls.cursor_lock_free_in(cursor=cursor) + random.uniform(1, 3)  # noqa: S311
                raise task.retry(countdown=wait)
            return "busy: another worker is pulling this query"
        try:
            result = pull(locked)
        except SourceError as error:
            pulls.pull_failure_record(cursor=locked, error=error, now=now)
            failure = error
        else:
            return f"{result.pages} pages, {result.posts_read} read, {result.new} new"
    # Retried with the lock released: a recorded failure is a clean end of the pull.
    return _after_failure(task, locked, failure, now)


def _after_failure(task: Task, cursor: SyncCursor, error: SourceError, now: datetime) -> str:
    """Retry what time may cure; else give up, and the dispatcher tries again later."""
    if isinstance(error, RateLimited):
        wait = max((error.reset_at - now).total_seconds(), 1) + random.uniform(1, 5)  # noqa: S311
        raise task.retry(countdown=wait, max_retries=None) from error
    if isinstance(error, SourceUnavailable):
        if task.request.retries >= MAX_RETRIES:
            logger.error("giving up on %s after %d retries: %s", cursor, MAX_RETRIES, error)
            return f"failed: {error}"
        backoff = 2**task.request.retries * 5 + random.uniform(0, 5)  # noqa: S311
        raise task.retry(countdown=backoff) from error
    if isinstance(error, SourceAuthError):
        logger.error("%s credentials refused; pulls stop until they change", cursor.network)
        return f"unhealthy: {error}"
    # Any other refusal (a 400, a 404) comes back the same at once: retrying only spends
    # the rate limit. Recorded on the cursor, it waits for the next due pull.
    logger.error("pull of %s failed: %s", cursor, error)
    return f"failed: {error}"


@shared_task(**PULL_TASK_OPTIONS)
def pull_chat(self: Task, chat_id: int, network: str = Network.X, server: str = "") -> str:
    # network and server default to X's: messages queued before other networks still run.
    chat = Chat.objects.select_related("community").filter(pk=chat_id).first()
    if chat is None:
        return "gone"
    source = registry.source_for(network=network, server=server)
    cursor = pulls.chat_cursor(chat=chat, network=network, server=server)
    return _run(self, cursor, lambda c: pulls.chat_pull(chat=chat, cursor=c, source=source))


@shared_task(**PULL_TASK_OPTIONS)
def pull_stream(self: Task, community_id: int, network: str = Network.X, server: str = "") -> str:
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return "gone"
    source = registry.source_for(network=network, server=server)
    cursor = pulls.stream_cursor(community=community, network=network, server=server)
    return _run(
        self, cursor, lambda c: pulls.stream_pull(community=community, cursor=c, source=source)
    )


@shared_task(**PULL_TASK_OPTIONS)
def pull_final(self: Task, chat_id: int) -> str:
    """A chat's final sweep, claimed once: every network of its community in turn, then
    the deletion sweeps. One network's failure stops none of the others; what time may
    cure goes on as that network's own chat pull, which retries by itself."""
    chat = Chat.objects.select_related("community__archive_settings").filter(pk=chat_id).first()
    if chat is None:
        return "gone"
    outcomes = []
    for network, server in community_targets(chat.community):
        if not registry.network_configured(network):
            outcomes.append(f"{network}: not configured")
            continue
        outcome = _final_pull(chat, network, server)
        outcomes.append(f"{network}{'@' + server if server else ''}: {outcome}")
    return "; ".join(outcomes)


def _final_pull(chat: Chat, network: str, server: str) -> str:
    source = registry.source_for(network=network, server=server)
    cursor = pulls.chat_cursor(chat=chat, network=network, server=server)
    now = timezone.now()
    with pulls.cursor_locked(cursor=cursor) as locked:
        if locked is None:
            # A chat pull of this network still runs: sweep once its lease lapses.
            wait = pulls.cursor_lock_free_in(cursor=cursor) + random.uniform(1, 3)  # noqa: S311
            pull_chat.apply_async(args=[chat.pk, network, server], countdown=wait)
            return "busy: sweeping once the running pull ends"
        try:
            result = pulls.chat_pull(chat=chat, cursor=locked, source=source, now=now)
        except SourceError as error:
            pulls.pull_failure_record(cursor=locked, error=error, now=now)
            if isinstance(error, RateLimited | SourceUnavailable):
                wait = max((getattr(error, "reset_at", now) - now).total_seconds(), 5)
                pull_chat.apply_async(args=[chat.pk, network, server], countdown=wait)
            return f"failed: {error}"
    removed = _deletions_sweep(chat, network, source)
    return f"{result.posts_read} read, {result.new} new, {removed} removed"


def _deletions_sweep(chat: Chat, network: str, source: Source) -> int:
    """Posts withdrawn since they were stored, where the network has no edit stream to
    say so (Mastodon, Bluesky)."""
    # Imported here, as the registry imports the sources: an X-only worker loads neither.
    from archive.services.bluesky_sweep import bluesky_deletions_sweep
    from archive.services.mastodon_sweep import mastodon_deletions_sweep
    from archive.sources.bluesky import BlueskySource
    from archive.sources.mastodon import MastodonSource

    try:
        if isinstance(source, MastodonSource):
            return mastodon_deletions_sweep(chat_id=chat.pk, source=source)
        if isinstance(source, BlueskySource):
            return bluesky_deletions_sweep(chat_id=chat.pk, source=source)
    except SourceError as error:
        logger.warning("deletions sweep of %s on %s failed: %s", chat, network, error)
    return 0


_TASKS = {"chat": pull_chat, "stream": pull_stream}


@shared_task
def dispatch_pulls() -> int:
    """Beat, every 30 s: enqueue every pull that is due, once the claims are committed."""
    with transaction.atomic():
        targets = pulls.pulls_due()
        for target in targets:
            if target.kind == "final":
                pull_final.delay_on_commit(target.pk)
            else:
                _TASKS[target.kind].delay_on_commit(target.pk, target.network, target.server)
    return len(targets)


@shared_task
def reconcile_usage() -> str:
    """Beat, every quarter of an hour: forget billed posts of past days, and fetch X's own
    count of the posts it billed per day, to check ours against (archive-health page)."""
    now = timezone.now()
    usage.billed_reads_prune(now=now)
    if not settings.X_BEARER_TOKEN:
        return "off: no X credentials"
    try:
        days = usage.usage_reconcile(source=pulls.x_source(), now=now)
    except SourceError as error:
        # Only a check on our own count: the next run tries again. Refused credentials
        # (X's usage endpoint wants an app inside a project) stop no pull either.
        logger.warning("X's usage count not fetched: %s", error)
        return f"unavailable: {error}"
    return f"{days} days of X's usage stored"


# A 50 MB file is a few minutes' work (about 550 TAGS rows a second on a busy 2-core
# machine); the default ten-minute limit would cut a slow one short. Past the broker's
# visibility timeout a second delivery may arrive: the job's claim turns it away.
IMPORT_TIME_LIMIT = 1800


@shared_task(
    bind=True,
    max_retries=MAX_RETRIES,
    autoretry_for=OUTAGES,
    # The retry finds the job still claimed: it takes it over once the heartbeat is stale.
    default_retry_delay=int(imports.JOB_STALE_AFTER.total_seconds()) + 30,
    soft_time_limit=IMPORT_TIME_LIMIT - 60,
    time_limit=IMPORT_TIME_LIMIT,
)
def import_run(self: Task, job_id: int) -> str:
    """Read an uploaded archive file into the archive (imports.import_job_run).

    Claimed by a conditional UPDATE, so a redelivered task never runs a job twice at
    once; one whose worker died is taken again once its heartbeat is stale."""
    return imports.import_job_run(job_id=job_id)


@shared_task
def refresh_connections() -> int:
    """Beat, hourly: recount what each pair of communities shares (the connections pages)."""
    return connections.connections_refresh()


@shared_task(bind=True, autoretry_for=OUTAGES, retry_backoff=2, retry_backoff_max=60)
def refresh_vitality(self: Task, community_id: int) -> str:
    community = Community.objects.filter(pk=community_id).first()
    if community is None:
        return "gone"
    state = vitality.vitality_refresh(community=community, now=timezone.now())
    return f"rebuilt in {state.duration_ms} ms"


@shared_task
def dispatch_vitality() -> int:
    """Beat: rebuild the vitality rollups of every community whose archive changed."""
    every = timedelta(seconds=settings.VITALITY_MAX_AGE_SECONDS)
    due = vitality.vitality_due(now=timezone.now(), every=every)
    for community_id in due:
        refresh_vitality.delay(community_id)
    return len(due)
