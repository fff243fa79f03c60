"""Fixtures of the management commands: the fake X API behind the real tweepy client,
chats placed around the real clock, and archive files written to tmp_path.
"""

import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from chats.models import Chat
from chats.services import schedule
from community.models import Community
from community.services import community_create
from members.models import User
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_tweet, make_user, search_response

AUTHORS = [make_user(f"cmd_{n:02d}", name=f"Chatter {n}") for n in range(6)]


@pytest.fixture
def now() -> datetime:
    # Real time, not a fixed date: recent search refuses windows older than seven days.
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def x_api(settings: Any) -> Iterator[FakeXApi]:
    """The fake X API, and the settings the commands read pointed at it."""
    with FakeXApi() as api:
        api.add_users(*AUTHORS)
        settings.X_API_BASE_URL = api.base_url
        settings.X_BEARER_TOKEN = api.bearer_token
        yield api


def make_chat(
    community: Community,
    *,
    start: datetime,
    minutes: int = 60,
    title: str = "Taxonomies",
    **fields: Any,
) -> Chat:
    return schedule.chat_create(
        community=community, title=title, start_at=start,
        end_at=start + timedelta(minutes=minutes), now=start - timedelta(days=1), **fields,
    )  # fmt: skip


@pytest.fixture
def live_chat(community: Community, now: datetime) -> Chat:
    """Started 20 minutes ago: its window runs from 35 minutes ago to 70 minutes ahead."""
    return make_chat(community, start=now - timedelta(minutes=20))


@pytest.fixture
def other_community(organiser_user: User, community_data: dict[str, str]) -> Community:
    return community_create(
        creator=organiser_user,
        data={**community_data, "name": "Librarians", "hashtag": "LibChat"},
    )


def tweets_at(
    times: Sequence[datetime], *, tags: Sequence[str] = ("KMers",), start: int = 0
) -> list[dict[str, Any]]:
    """One post per moment, by the authors in turn, carrying `tags`."""
    hashtags = " ".join(f"#{tag}" for tag in tags)
    return [
        make_tweet(
            author=AUTHORS[(start + i) % len(AUTHORS)],
            text=f"A{i % 5 + 1} thought number {start + i} {hashtags}",
            created_at=at,
        )
        for i, at in enumerate(times)
    ]


def page_line(tweets: Sequence[dict[str, Any]]) -> str:
    """One recent-search response page as `twarc2 search` writes it: one JSON line."""
    authors = {t.get("author_id") for t in tweets}
    page = search_response(
        sorted(tweets, key=lambda t: int(t["id"]), reverse=True),
        users=[u for u in AUTHORS if u["id"] in authors],
    )
    page["__twarc"] = {"url": "http://127.0.0.1/2/tweets/search/recent", "version": "2.14.0"}
    return json.dumps(page)


def write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path
