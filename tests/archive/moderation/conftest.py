"""Fixtures of the moderation tests: a finished #KMers chat whose posts came through the
real ingest path, and a chat of the second community (#libchat, other_community in
tests/conftest.py) sharing some of those posts; that community's own moderator
(other_moderator) must not reach the first."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from archive.models import Account, AccountExclusion, ModerationAction, Post, PostPlacement
from chats.models import Chat
from community.models import Community
from members.models import User
from members.services import member_link_x_account
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet
from tests.fakes.x_data import make_user as make_x_user

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)

ADA = make_x_user("ada", name="Ada Answerer")
SPAMMER = make_x_user("spammy", name="<script>alert(1)</script>")
USERS = [ADA, SPAMMER]


def tweet(author: dict[str, Any], text: str, minute: int, **extra: object) -> dict[str, Any]:
    return make_tweet(
        author=author, text=text, created_at=START + timedelta(minutes=minute, seconds=1), **extra
    )


@pytest.fixture
def chat(community: Community) -> Chat:
    return Chat.objects.create(
        community=community, title="Knowledge audits", hashtag="KMers",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip


@pytest.fixture
def other_chat(other_community: Community) -> Chat:
    return Chat.objects.create(
        community=other_community, title="Catalogues", hashtag="libchat",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip


@dataclass(frozen=True)
class Archive:
    chat: Chat
    other_chat: Chat
    # Ada's answer carries both hashtags: one post, a placement in each community.
    shared: Post
    spam: Post
    placement: PostPlacement
    other_placement: PostPlacement
    spam_placement: PostPlacement
    ada: Account
    spammer: Account


@pytest.fixture
def archive(chat: Chat, other_chat: Chat) -> Archive:
    archive_tweets(
        [
            tweet(ADA, "A1 graphs connect what we know #KMers #libchat", 5),
            tweet(SPAMMER, "Buy followers now #KMers", 6),
        ],
        users=USERS,
    )
    shared = Post.objects.get(author__handle="ada")
    spam = Post.objects.get(author__handle="spammy")
    return Archive(
        chat=chat, other_chat=other_chat, shared=shared, spam=spam,
        placement=PostPlacement.objects.get(post=shared, chat=chat),
        other_placement=PostPlacement.objects.get(post=shared, chat=other_chat),
        spam_placement=PostPlacement.objects.get(post=spam, chat=chat),
        ada=shared.author, spammer=spam.author,
    )  # fmt: skip


def age_archives() -> None:
    """Set every chat's archive version far back, so that a test sees it move."""
    Chat.objects.update(archive_changed_at=LONG_AGO)


def changed_chats() -> set[int]:
    return set(Chat.objects.exclude(archive_changed_at=LONG_AGO).values_list("pk", flat=True))


@dataclass(frozen=True)
class Snapshot:
    placements: list[dict]
    posts: list[tuple]
    exclusions: list[dict]
    actions: list[dict]
    chats: list[tuple]


def snapshot() -> Snapshot:
    """Everything moderation can write, to prove a refused request changed nothing."""
    return Snapshot(
        placements=list(PostPlacement.objects.order_by("pk").values()),
        posts=list(Post.objects.order_by("pk").values_list("pk", "removed", "removed_reason")),
        exclusions=list(AccountExclusion.objects.order_by("pk").values()),
        actions=list(ModerationAction.objects.order_by("pk").values()),
        chats=list(Chat.objects.order_by("pk").values_list("pk", "archive_changed_at")),
    )


def verified_author(make_user: Callable[..., User], x_user: dict[str, Any], name: str) -> User:
    """A member who logged in with the X account `x_user`, linked to its archived posts."""
    user = make_user(name)
    return member_link_x_account(user=user, x_user_id=x_user["id"], handle=x_user["username"])
