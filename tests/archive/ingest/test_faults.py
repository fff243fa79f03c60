"""Faults under a real Celery worker on a real broker: a worker killed mid-pull, its pool
process killed mid-pull, Redis restarted mid-pull, PostgreSQL restarted mid-pull.

Each ends with every post stored exactly once and no person involved: the worker lives on,
or the harness starts another as a supervisor (docker's restart policy) would. What the
fault cost is printed (`pytest -s`): the seconds from the fault until the archive was whole
again, and the reads X served beyond the posts stored. benchmarks/faults.py measures the
same on a 3,000-post chat with production's timings.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from archive.models import Post, PostPlacement, SyncCursor
from chats.models import Chat
from tests.archive.ingest.conftest import Broker, Worker, add_posts, stored_ids, wait_for
from tests.fakes.servers import PrivatePostgres, PrivateRedis
from tests.fakes.x_api import FakeXApi

StartWorker = Callable[..., Worker]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("celery")]

POSTS = 300
LOST = "The previous pull stopped before it finished"


def _stall_page_three(x_api: FakeXApi, seconds: float) -> None:
    """Pages one and two come at once and are stored; page three hangs: mid-pull."""
    x_api.delay_next(0, times=2)
    x_api.delay_next(seconds)


def _at_page_three(x_api: FakeXApi) -> None:
    wait_for(lambda: len(x_api.search_requests) >= 3, "the pull to reach page three")


def _all_stored(tweets: list[dict]) -> bool:
    try:
        done = SyncCursor.objects.exclude(newest_id="").exists()
        return done and Post.objects.count() == len(tweets)
    except (OperationalError, InterfaceError):
        connection.close()  # the database restarted under this process too
        return False


def _assert_each_stored_once(tweets: list[dict]) -> None:
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert PostPlacement.objects.count() == len(tweets)
    newest = max(tweets, key=lambda t: int(t["id"]))["id"]
    assert SyncCursor.objects.get().newest_id == newest


def _assert_lost_pull_recorded(since: datetime, worker: Worker, *, reason: str) -> None:
    """The pull that came after saw what ended the lost one and recorded it on the cursor
    (cleared by its own success since: the cursor says when)."""
    cursor = SyncCursor.objects.get()
    assert cursor.last_error_at is not None
    assert cursor.last_error_at >= since
    assert LOST in worker.log()
    assert reason in worker.log()


def _report(fault: str, seconds: float, x_api: FakeXApi, tweets: list[dict]) -> None:
    extra = x_api.posts_served - len(tweets)
    print(
        f"\n{fault}: whole again {seconds:.1f} s after the fault; "
        f"{x_api.posts_served} posts served for {len(tweets)} stored ({extra} extra reads)"
    )


def test_it_recovers_from_a_worker_killed_mid_pull(
    x_api: FakeXApi, chat: Chat, broker: Broker, start_worker: StartWorker
) -> None:
    tweets = add_posts(x_api, POSTS, start=chat.window_start)
    _stall_page_three(x_api, 60)
    doomed = start_worker("doomed")
    broker.enqueue_pull(chat)
    _at_page_three(x_api)

    killed_at = timezone.now()
    doomed.kill()
    started = time.monotonic()
    heir = start_worker("heir")  # the supervisor's restart
    wait_for(lambda: _all_stored(tweets), "the redelivered pull to finish")

    _report("worker killed", time.monotonic() - started, x_api, tweets)
    _assert_each_stored_once(tweets)
    _assert_lost_pull_recorded(killed_at, heir, reason="never finished")


def test_it_recovers_from_a_pool_process_killed_mid_pull(
    x_api: FakeXApi, chat: Chat, broker: Broker, start_worker: StartWorker
) -> None:
    tweets = add_posts(x_api, POSTS, start=chat.window_start)
    _stall_page_three(x_api, 60)
    # A lease long enough that the pull handed back finds the dead process's lock held.
    worker = start_worker("prefork", pool="prefork", lease_seconds=10)
    broker.enqueue_pull(chat)
    _at_page_three(x_api)

    killed_at = timezone.now()
    worker.kill_pool_process()
    started = time.monotonic()
    wait_for(lambda: _all_stored(tweets), "the handed-back pull to finish")

    _report("pool process killed", time.monotonic() - started, x_api, tweets)
    assert worker.alive
    # Handed back at once, it came back when the dead process's lease lapsed.
    assert "Retry in" in worker.log()
    _assert_each_stored_once(tweets)
    _assert_lost_pull_recorded(killed_at, worker, reason="never finished")


@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_it_keeps_archiving_through_a_redis_restart_mid_pull(
    x_api: FakeXApi,
    chat: Chat,
    private_redis: PrivateRedis,
    private_broker: Broker,
    start_worker: StartWorker,
    pool: str,
) -> None:
    tweets = add_posts(x_api, POSTS, start=chat.window_start)
    _stall_page_three(x_api, 3)
    worker = start_worker("worker", pool=pool, on=private_broker)
    worker.wait_ready()
    private_broker.enqueue_pull(chat)
    _at_page_three(x_api)

    private_redis.restart(down=1)
    started = time.monotonic()
    wait_for(lambda: _all_stored(tweets), "the pull to finish")
    seconds = time.monotonic() - started
    # Not only alive: consuming again.
    tweets += add_posts(x_api, 50, start=timezone.now() - timedelta(minutes=15))
    private_broker.enqueue_pull(chat)
    wait_for(lambda: Post.objects.count() == len(tweets), "a pull after the restart")

    _report(f"Redis restarted ({pool})", seconds, x_api, tweets)
    assert worker.alive
    assert "Unrecoverable error" not in worker.log()
    _assert_each_stored_once(tweets)


def test_it_recovers_from_a_database_restart_mid_pull(
    private_database: PrivatePostgres,
    x_api: FakeXApi,
    chat: Chat,
    broker: Broker,
    start_worker: StartWorker,
) -> None:
    tweets = add_posts(x_api, POSTS, start=chat.window_start)
    _stall_page_three(x_api, 3)
    worker = start_worker("worker")
    broker.enqueue_pull(chat)
    _at_page_three(x_api)

    restarted_at = timezone.now()
    private_database.restart(down=1)
    started = time.monotonic()
    wait_for(lambda: _all_stored(tweets), "the retried pull to finish")

    _report("PostgreSQL restarted", time.monotonic() - started, x_api, tweets)
    assert worker.alive
    assert "Retry in" in worker.log()
    _assert_each_stored_once(tweets)
    _assert_lost_pull_recorded(restarted_at, worker, reason="OperationalError")
