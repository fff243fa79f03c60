"""Pulls that overlap without the task's lock (the lock is per query; a chat with extra
hashtags and its community's sweep are two queries reading the same posts)."""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection

from archive.models import Post, PostPlacement
from archive.services.pulls import chat_cursor, chat_pull, stream_cursor, stream_pull, x_source
from chats.models import Chat
from community.models import Community
from tests.archive.ingest.conftest import AUTHORS, add_posts, make_chat, stored_ids
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_tweet

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(*pulls: Callable[[], object]) -> list[BaseException]:
    """Start every pull at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(pulls))
    errors: list[BaseException] = []

    def run(pull: Callable[[], object]) -> None:
        try:
            barrier.wait()
            pull()
        except BaseException as error:  # reported by the test, whatever it is
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(pull,)) for pull in pulls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_it_stores_no_duplicates_when_two_threads_pull_the_same_chat_at_once(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    tweets = add_posts(x_api, 400, start=chat.window_start)
    x_api.delay_next(0.3, times=2)  # both first pages are answered together

    def pull() -> None:
        chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)

    errors = _run_together(pull, pull)

    assert errors == []
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert PostPlacement.objects.count() == len(tweets)


def test_it_stores_no_duplicates_when_a_chat_and_its_hashtags_sweep_pull_at_once(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(minutes=30), extra_hashtags=["KMchat"])
    tweets = add_posts(x_api, 300, start=chat.window_start, every=timedelta(seconds=3))
    # Posts carrying only the extra hashtag shift the chat's pages against the sweep's.
    tweets += [
        make_tweet(
            author=AUTHORS[(i * 5) % len(AUTHORS)],
            text=f"A{i % 6 + 1} aside {i} #KMchat",
            created_at=chat.window_start + timedelta(seconds=7 * i + 1),
        )
        for i in range(130)
    ]
    x_api.add_tweets(*tweets[300:])

    def chat_side() -> None:
        chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)

    def sweep_side() -> None:
        stream_pull(
            community=community, cursor=stream_cursor(community=community), source=x_source(),
            now=now,
        )  # fmt: skip

    errors = _run_together(chat_side, sweep_side, chat_side, sweep_side)

    assert errors == []
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert PostPlacement.objects.count() == len(tweets)
    assert Post.objects.filter(placements__chat=chat).count() == len(tweets)
