"""A chat live at a fixed moment, and posts archived into it the way a pull stores them."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from archive.models import PostPlacement
from chats.models import Chat
from community.models import Community
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
DURING = START + timedelta(minutes=30)
HOST = make_user("hostess", name="Hanna Host")
GUESTS = [make_user(f"guest{n}", name=f"Guest {n}") for n in range(4)]


@pytest.fixture
def during_chat() -> Iterator[datetime]:
    with time_machine.travel(DURING, tick=False):
        yield DURING


@pytest.fixture
def live_chat(community: Community) -> Chat:
    return Chat.objects.create(
        community=community, title="Knowledge audits", hashtag="KMers",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip


@pytest.fixture
def archive() -> Callable[..., dict[str, Any]]:
    """archive(text, minute=…, author=…, reply_to=…, described=…): one post stored through
    the real ingest path; `described=False`: X left its author out of the page."""

    def store(
        text: str,
        *,
        minute: float,
        author: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
        described: bool = True,
    ) -> dict[str, Any]:
        author = author or GUESTS[0]
        tweet = make_tweet(
            author=author, text=f"{text} #KMers", created_at=START + timedelta(minutes=minute),
            reply_to=reply_to,
        )  # fmt: skip
        archive_tweets([tweet], users=[author] if described else [])
        return tweet

    return store


def placement_of(tweet: dict[str, Any]) -> PostPlacement:
    return PostPlacement.objects.get(post__external_id=tweet["id"])
