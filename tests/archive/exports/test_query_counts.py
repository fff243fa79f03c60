"""Exports cost the same number of queries for 10 posts as for 100."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chats.models import Chat
from tests.archive.exports.conftest import NOW, START, export_url, print_url
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db

PEOPLE = [make_user(f"person{n}") for n in range(7)]


def _archive(count: int, *, offset: int = 0) -> None:
    tweets = [
        make_tweet(
            author=PEOPLE[n % 7],
            text=f"A{n % 3 + 1} answer {n} #KMers",
            created_at=START + timedelta(minutes=1, seconds=n * 7),
        )
        for n in range(offset, offset + count)
    ]
    archive_tweets(tweets, users=PEOPLE)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "print"])
def test_it_uses_as_many_queries_for_100_posts_as_for_10(
    anonymous: Client, chat: Chat, fmt: str
) -> None:
    url = print_url(chat) if fmt == "print" else export_url(chat, fmt)
    _archive(10)
    small = _queries(anonymous, url)

    # Later, so that the archive version moves and the cached export is not reused.
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _archive(90, offset=10)
        large = _queries(anonymous, url)
        body = anonymous.get(url).content

    assert small == large <= 6
    assert b"answer 99 " in body


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_it_answers_a_cached_export_with_one_query(anonymous: Client, chat: Chat, fmt: str) -> None:
    _archive(30)
    anonymous.get(export_url(chat, fmt))

    assert _queries(anonymous, export_url(chat, fmt)) == 1
