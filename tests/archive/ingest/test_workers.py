"""Real Celery workers (subprocesses) on the real Redis broker and the test database:
posts land, a worker killed mid-pull loses and duplicates nothing, two workers pull once."""

from collections.abc import Callable

import pytest

from archive.models import Post, PostPlacement, SyncCursor
from chats.models import Chat
from tests.archive.ingest.conftest import (
    Broker,
    Worker,
    add_posts,
    reads_total,
    stored_ids,
    wait_for,
)
from tests.fakes.x_api import FakeXApi

StartWorker = Callable[..., Worker]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("celery")]


def _all_stored(tweets: list[dict]) -> bool:
    return Post.objects.count() == len(tweets) and SyncCursor.objects.exclude(newest_id="").exists()


def _assert_each_stored_once(tweets: list[dict]) -> None:
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert PostPlacement.objects.count() == len(tweets)
    newest = max(tweets, key=lambda t: int(t["id"]))["id"]
    assert SyncCursor.objects.get().newest_id == newest


def test_it_pulls_a_chat_on_a_real_celery_worker(
    x_api: FakeXApi, chat: Chat, broker: Broker, start_worker: StartWorker
) -> None:
    tweets = add_posts(x_api, 150, start=chat.window_start)
    start_worker("solo")

    broker.enqueue_pull(chat)
    seconds = wait_for(lambda: _all_stored(tweets), "the posts to land")

    print(f"\nposts landed {seconds:.2f} s after enqueueing (the worker starting meanwhile)")
    _assert_each_stored_once(tweets)
    assert Post.objects.filter(placements__chat=chat).count() == len(tweets)


def test_it_stores_every_post_exactly_once_after_a_worker_is_killed_mid_pull(
    x_api: FakeXApi, chat: Chat, broker: Broker, start_worker: StartWorker
) -> None:
    tweets = add_posts(x_api, 500, start=chat.window_start)
    x_api.delay_next(0, times=2)  # pages one and two come at once,
    x_api.delay_next(60)  # page three hangs: the worker is mid-pull.
    doomed = start_worker("doomed")

    task_id = broker.enqueue_pull(chat)
    wait_for(lambda: len(x_api.search_requests) == 3, "the pull to reach page three")
    doomed.kill()

    # Two pages were committed, each with the gap below it; the cursor was not moved.
    assert Post.objects.count() == 200
    cursor = SyncCursor.objects.get()
    assert (cursor.newest_id, cursor.resume_until_id) == ("", min(stored_ids(), key=int))
    heir = start_worker("heir")
    seconds = wait_for(lambda: _all_stored(tweets), "the redelivered pull to finish")

    print(f"\nredelivered and finished {seconds:.2f} s after the kill")
    # The broker handed the killed worker's task back; it read only the gap.
    assert f"pull_chat[{task_id}] received" in heir.log()
    assert len(x_api.search_requests) == 3 + 3
    _assert_each_stored_once(tweets)
    assert reads_total() == 500


def test_it_lets_one_of_two_workers_pull_a_chat_while_the_other_skips(
    x_api: FakeXApi, chat: Chat, broker: Broker, start_worker: StartWorker
) -> None:
    tweets = add_posts(x_api, 300, start=chat.window_start)
    x_api.delay_next(2)  # the first page is slow, so the two pulls overlap
    workers: list[Worker] = [
        start_worker(name, visibility=60, lock_seconds=30, lease_seconds=10)
        for name in ("left", "right")
    ]
    for worker in workers:
        worker.wait_ready()

    broker.enqueue_pull(chat)
    broker.enqueue_pull(chat)
    wait_for(lambda: _all_stored(tweets), "the posts to land")
    wait_for(
        lambda: sum(w.log().count("succeeded in") for w in workers) == 2, "both tasks to finish"
    )

    skipped = [w for w in workers if "busy: another worker is pulling this query" in w.log()]
    assert len(skipped) == 1
    assert [w.log().count("succeeded in") for w in workers] == [1, 1], "one task each"
    assert len(x_api.search_requests) == 3
    _assert_each_stored_once(tweets)
    assert reads_total() == len(tweets)
