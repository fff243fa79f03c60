"""X failing: 429 reschedules, 5xx backs off, refused credentials stop pulls until they change.

The pull task runs through Celery's own eager apply(): a retry it asks for is run at once,
and the task_retry signal tells the countdown it asked for. Nothing sleeps.
"""

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery.signals import task_retry
from django.utils import timezone

from archive.models import Post, PostPlacement, SourceHealth, SyncCursor
from archive.services.pulls import Target, pulls_due
from archive.tasks import MAX_RETRIES, pull_chat
from chats.models import Chat
from tests.archive.ingest.conftest import add_posts, reads_total
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db

RESET_IN = 30


@pytest.fixture
def countdowns() -> Iterator[list[float]]:
    """The countdown of every retry the pull task asks for."""
    asked: list[float] = []

    def record(sender: Any, reason: Any, **kwargs: Any) -> None:
        if sender.name == pull_chat.name:
            asked.append(reason.when)

    task_retry.connect(record, weak=False)
    yield asked
    task_retry.disconnect(record)


def _run_task(chat: Chat) -> tuple[str, float]:
    started = time.monotonic()
    result = pull_chat.apply(args=[chat.pk])
    return result.get(), time.monotonic() - started


def test_it_retries_a_429_when_the_limit_resets_plus_jitter_without_sleeping(
    x_api: FakeXApi, chat: Chat, countdowns: list[float]
) -> None:
    add_posts(x_api, 150, start=chat.window_start)
    x_api.fail_next(status=429, reset_in=RESET_IN)

    outcome, seconds = _run_task(chat)

    # X's reset is a whole second, so the wait lies within a second under it, plus 1–5 s.
    assert len(countdowns) == 1
    assert RESET_IN < countdowns[0] < RESET_IN + 5 + 0.5
    assert seconds < 3, "a worker must not sleep through the rate limit"
    assert outcome == "2 pages, 150 read, 150 new"
    health = SourceHealth.objects.get(network="x")
    assert health.rate_limited_until > timezone.now() + timedelta(seconds=RESET_IN - 2)
    # Rate limits are per app: no pull of any query is dispatched until the reset.
    assert pulls_due() == []
    later = health.rate_limited_until + timedelta(seconds=61)
    assert Target("chat", chat.pk) in pulls_due(now=later)


def test_it_stores_everything_and_counts_reads_once_after_a_429_then_success(
    x_api: FakeXApi, chat: Chat, countdowns: list[float]
) -> None:
    tweets = add_posts(x_api, 150, start=chat.window_start)
    x_api.fail_next(status=429, reset_in=RESET_IN)

    _run_task(chat)

    # The 429 answered the first request, before any page was read: nothing is read twice.
    assert [r.status for r in x_api.requests] == [429, 200, 200]
    assert Post.objects.count() == PostPlacement.objects.count() == len(tweets)
    assert reads_total() == Post.objects.count()
    cursor = SyncCursor.objects.get()
    assert cursor.newest_id == max(tweets, key=lambda t: int(t["id"]))["id"]
    assert (cursor.last_error, cursor.consecutive_errors) == ("", 0)


def test_it_reads_no_page_twice_when_a_429_cuts_a_pull_short_in_the_middle(
    x_api: FakeXApi, chat: Chat, countdowns: list[float]
) -> None:
    tweets = add_posts(x_api, 250, start=chat.window_start)
    x_api.delay_next(0)  # the first page is served,
    x_api.fail_next(status=429, reset_in=RESET_IN)  # the second is refused.

    _run_task(chat)

    # Page one recorded the gap below it: the retry asks only for what is older.
    assert [r.status for r in x_api.requests] == [200, 429, 200, 200]
    assert "until_id" in x_api.search_requests[2]
    assert Post.objects.count() == PostPlacement.objects.count() == len(tweets)
    assert reads_total() == len(tweets)
    cursor = SyncCursor.objects.get()
    assert cursor.newest_id == max(tweets, key=lambda t: int(t["id"]))["id"]
    assert not cursor.resuming


def test_it_backs_off_exponentially_on_503_then_records_the_error_on_the_cursor(
    x_api: FakeXApi, chat: Chat, countdowns: list[float]
) -> None:
    add_posts(x_api, 20, start=chat.window_start)
    x_api.fail_next(status=503, times=MAX_RETRIES + 1)

    outcome, seconds = _run_task(chat)

    assert len(countdowns) == MAX_RETRIES
    for attempt, countdown in enumerate(countdowns):
        assert 5 * 2**attempt <= countdown <= 5 * 2**attempt + 5
    assert seconds < 5
    assert outcome.startswith("failed: 503 Service Unavailable")
    cursor = SyncCursor.objects.get()
    assert "503 Service Unavailable" in cursor.last_error
    assert cursor.consecutive_errors == MAX_RETRIES + 1
    assert cursor.last_error_at is not None
    assert Post.objects.count() == 0

    _run_task(chat)

    cursor.refresh_from_db()
    assert (cursor.last_error, cursor.consecutive_errors) == ("", 0)
    assert Post.objects.count() == 20


@pytest.mark.parametrize("status", [401, 403])
def test_it_marks_the_source_unhealthy_on_refused_credentials_until_the_token_changes(
    x_api: FakeXApi, chat: Chat, countdowns: list[float], settings: Any, status: int
) -> None:
    add_posts(x_api, 20, start=chat.window_start)
    if status == 401:
        settings.X_BEARER_TOKEN = "a-revoked-token"
    else:
        x_api.fail_next(status=403)

    outcome, _ = _run_task(chat)
    later = timezone.now() + timedelta(minutes=10)

    assert countdowns == []
    assert outcome.startswith("unhealthy:")
    health = SourceHealth.objects.get(network="x")
    assert not health.healthy
    assert str(status) in health.error
    assert pulls_due(now=later) == []

    # The operator rotates the token.
    x_api.bearer_token = settings.X_BEARER_TOKEN = "a-new-token"

    assert Target("chat", chat.pk) in pulls_due(now=later)
    assert SourceHealth.objects.get(network="x").healthy
    assert _run_task(chat)[0] == "1 pages, 20 read, 20 new"
    assert Post.objects.count() == 20


def test_it_records_a_refused_request_on_the_cursor_and_waits_for_the_next_due_pull(
    x_api: FakeXApi, chat: Chat, countdowns: list[float]
) -> None:
    add_posts(x_api, 20, start=chat.window_start)
    x_api.fail_next(status=400)

    outcome, _ = _run_task(chat)
    cursor = SyncCursor.objects.get()
    interval = timedelta(seconds=chat.community.poll_interval_seconds)

    # A 400 comes back the same however often it is asked: no retry, no task failure.
    assert countdowns == []
    assert outcome.startswith("failed: 400")
    assert len(x_api.requests) == 1
    assert "400" in cursor.last_error
    assert cursor.consecutive_errors == 1
    assert cursor.last_attempt_at is not None
    # The dispatcher (every 30 s) leaves it until the chat's poll interval has passed.
    assert Target("chat", chat.pk) not in pulls_due(now=cursor.last_attempt_at + interval / 2)
    assert Target("chat", chat.pk) in pulls_due(now=cursor.last_attempt_at + interval)
    # Not the network's failure: other queries go on being pulled.
    assert not SourceHealth.objects.filter(network="x", healthy=False).exists()
