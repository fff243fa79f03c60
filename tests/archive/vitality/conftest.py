"""A small hand-built #KMers history for the vitality tests (see test_figures.py)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from archive.models import Account, PostPlacement
from archive.services.vitality import vitality_refresh
from chats.models import Chat
from community.models import Community
from members.models import User
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet
from tests.fakes.x_data import make_user as make_x_user

FIRST = datetime(2026, 1, 6, 17, 0, tzinfo=UTC)
NOW = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)
PEOPLE = {
    name: make_x_user(name) for name in ("alice", "bob", "carol", "dan", "erin", "frank", "spam")
}
MIA_X = make_x_user("mia")
MIA_ALT = make_x_user("mia_alt")
USERS = [*PEOPLE.values(), MIA_X, MIA_ALT]
CHAT_POSTS = {
    0: [("alice", 3), ("bob", 1)],
    1: [("alice", 1), ("mia", 1), ("erin", 1)],
    2: [("carol", 1), ("spam", 1)],
    3: [("mia_alt", 1)],
    4: [("dan", 1)],
    5: [("alice", 1)],
    6: [("bob", 1)],
    7: [("dan", 1)],
}
STREAM_POSTS = [
    ("erin", datetime(2026, 1, 10, 15, 0, tzinfo=UTC)),
    ("frank", datetime(2026, 1, 11, 15, 0, tzinfo=UTC)),
    ("alice", datetime(2026, 1, 12, 15, 0, tzinfo=UTC)),
]


def _user(handle: str) -> dict[str, object]:
    return {"mia": MIA_X, "mia_alt": MIA_ALT}.get(handle) or PEOPLE[handle]


@pytest.fixture
def chats(community: Community) -> list[Chat]:
    return [
        Chat.objects.create(
            community=community,
            title=f"Chat {n}",
            hashtag="KMers",
            start_at=FIRST + timedelta(days=14 * n),
            end_at=FIRST + timedelta(days=14 * n, hours=1),
        )
        for n in range(8)
    ]


@pytest.fixture
def mia(make_user: Callable[..., User]) -> User:
    return make_user("mia", hide_from_rankings=True)


@pytest.fixture
def history(community: Community, chats: list[Chat], mia: User) -> Community:
    tweets = []
    for n, posts in CHAT_POSTS.items():
        for handle, count in posts:
            tweets += [
                make_tweet(
                    author=_user(handle),
                    text=f"A{k + 1} from {handle} #KMers",
                    created_at=chats[n].start_at + timedelta(minutes=5 + k),
                )
                for k in range(count)
            ]
    tweets += [
        make_tweet(author=_user(handle), text=f"between chats, {handle} #KMers", created_at=at)
        for handle, at in STREAM_POSTS
    ]
    with time_machine.travel(NOW, tick=False):  # the archive's versions: as of NOW
        archive_tweets(tweets, users=USERS)
    Account.objects.filter(handle__in=["mia", "mia_alt"]).update(member=mia)
    PostPlacement.objects.filter(post__author__handle="spam").update(hidden=True)
    vitality_refresh(community=community, now=NOW)
    return community
