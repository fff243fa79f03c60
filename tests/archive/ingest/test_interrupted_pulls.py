"""A pull cut short (a page without meta, a 429, a 503, a killed worker) keeps what it stored,
remembers the gap below it with every page, and the next pull reads only that gap."""

import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from celery.signals import task_retry
from django.core.management import CommandError, call_command

from archive.models import Post, SourceHealth, SyncCursor
from archive.services.pulls import chat_cursor, chat_pull, x_source
from archive.sources.base import Page, PullQuery, SourceUnavailable
from archive.sources.x import XSource
from archive.tasks import pull_chat
from chats.models import Chat
from tests.archive.ingest.conftest import add_posts, pull_now, reads_total, stored_ids
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db

MAX_READS_PER_POST = 1.05


def _newest(tweets: list[dict]) -> str:
    return max((t["id"] for t in tweets), key=int)


def test_it_takes_a_page_without_meta_for_an_interrupted_pull_not_the_last_page(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    tweets = add_posts(x_api, 350, start=chat.window_start)
    x_api.delay_next(0)  # page one is whole,
    x_api.drop_meta_next()  # page two comes without meta: no next_token, no counts.

    with pytest.raises(SourceUnavailable, match="without meta"):
        pull_now(chat, now=now)

    cursor = chat_cursor(chat=chat)
    assert Post.objects.count() == 200
    assert cursor.newest_id == ""
    assert cursor.resume_until_id == min(stored_ids(), key=int)
    assert cursor.resume_newest_id == _newest(tweets)

    result = pull_now(chat, now=now + timedelta(minutes=1))

    assert (result.posts_read, result.complete) == (150, True)
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert reads_total() == 350
    cursor = chat_cursor(chat=chat)
    assert (cursor.newest_id, cursor.resuming) == (_newest(tweets), False)


def test_it_records_a_page_without_meta_on_the_cursor_and_the_task_resumes_below_it(
    x_api: FakeXApi, chat: Chat
) -> None:
    tweets = add_posts(x_api, 250, start=chat.window_start)
    x_api.drop_meta_next()
    errors_at_retry: list[str] = []

    def record(**kwargs: object) -> None:
        errors_at_retry.append(SyncCursor.objects.get().last_error)

    task_retry.connect(record, weak=False)
    try:
        outcome = pull_chat.apply(args=[chat.pk]).get()
    finally:
        task_retry.disconnect(record)

    assert len(errors_at_retry) == 1
    assert "without meta" in errors_at_retry[0]
    # The retry asked only for what lies below the page that came without meta.
    assert outcome == "2 pages, 150 read, 150 new"
    assert [r.status for r in x_api.requests] == [200, 200, 200]
    assert "until_id" in x_api.search_requests[1]
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert reads_total() == 250
    assert chat_cursor(chat=chat).newest_id == _newest(tweets)


class _Killed(BaseException):
    """What SIGKILL leaves: nothing after it runs, no handler, no finally that writes."""


class _DiesAfter:
    def __init__(self, source: XSource, pages: int) -> None:
        self.network, self.source, self.pages = source.network, source, pages

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        for number, page in enumerate(self.source.fetch_pages(query), start=1):
            yield page
            if number == self.pages:
                raise _Killed


def test_it_records_the_gap_with_every_page_so_a_killed_pull_leaves_it_too(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    tweets = add_posts(x_api, 500, start=chat.window_start)

    dying = _DiesAfter(x_source(), 2)

    with pytest.raises(_Killed):
        chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=dying, now=now)

    cursor = chat_cursor(chat=chat)
    assert Post.objects.count() == 200
    assert cursor.resume_until_id == min(stored_ids(), key=int)
    assert cursor.resume_newest_id == _newest(tweets)
    assert cursor.resume_start_time == chat.window_start

    result = pull_now(chat, now=now + timedelta(minutes=1))

    assert (result.pages, result.posts_read) == (3, 300)
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert reads_total() == 500


def test_it_resumes_an_interrupted_gap_where_its_own_interruption_left_it(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    tweets = add_posts(x_api, 600, start=chat.window_start)
    for _ in range(2):  # killed after two pages, then killed after two pages of the gap
        dying = _DiesAfter(x_source(), 2)
        with pytest.raises(_Killed):
            chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=dying, now=now)

    result = pull_now(chat, now=now + timedelta(minutes=1))

    assert (result.pages, result.posts_read, result.complete) == (2, 200, True)
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert reads_total() == 600
    assert chat_cursor(chat=chat).newest_id == _newest(tweets)


def _cut_twice(api: FakeXApi, pages: int, *, reset_in: float) -> None:
    """A 429 a third of the way through the pull, a 503 two thirds of the way."""
    api.delay_next(0, times=pages // 3)
    api.fail_next(status=429, reset_in=reset_in)
    api.delay_next(0, times=pages // 3)
    api.fail_next(status=503)


def _by_task(chat: Chat) -> None:
    # Celery's eager apply runs each retry the task asks for at once.
    pull_chat.apply(args=[chat.pk]).get()


def _by_command(chat: Chat) -> None:
    for _ in range(5):
        try:
            call_command("pull_posts", chat=chat.pk, stdout=io.StringIO())
            return
        except CommandError:
            # The operator runs it again once the rate limit has reset.
            SourceHealth.objects.update(rate_limited_until=None)
    pytest.fail("pull_posts never finished the chat")


@pytest.mark.parametrize("posts", [300, 3000])
@pytest.mark.parametrize("run", [_by_task, _by_command], ids=["task", "pull_posts"])
def test_it_reads_each_post_about_once_though_a_429_and_a_503_cut_the_pull_short(
    x_api: FakeXApi, chat: Chat, posts: int, run: object
) -> None:
    tweets = add_posts(x_api, posts, start=chat.window_start, every=timedelta(milliseconds=800))
    _cut_twice(x_api, posts // 100, reset_in=1)

    run(chat)  # type: ignore[operator]

    ratio = reads_total() / Post.objects.count()
    statuses = [r.status for r in x_api.requests]
    print(f"\n{posts} posts: {ratio:.3f} reads per archived post, {len(statuses)} requests")
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert statuses.count(429) == statuses.count(503) == 1
    assert ratio <= MAX_READS_PER_POST
    cursor = SyncCursor.objects.get()
    assert (cursor.newest_id, cursor.resuming) == (_newest(tweets), False)
