"""A finished #KMers chat with questions, answers, replies, links and moderated posts.

Posts go in through the real pipeline (tests/archive.py); the clock is frozen two days
after the chat so "ended" never depends on when the suite runs.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from archive.models import HiddenReason, Post, PostPlacement
from chats.models import Chat
from chats.services.schedule import chat_set_hosts
from community.models import Community
from tests.archive.support import Say, saying
from tests.fakes.x_data import make_user

# Tuesday 24 November 2026, 17:00 UTC (12:00 in New York, the community's zone).
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
NOW = START + timedelta(days=2)

HOST = make_user("hannahhost", name="Hannah Host")
ALICE = make_user("alice", name="Alice A")
BOB = make_user("bob", name="Bob B")
CAROL = make_user("carol", name="Carol C")


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make_ended_chat(
    community: Community, *, title: str = "Knowledge audits", days: int = 0
) -> Chat:
    start = START - timedelta(days=days)
    return Chat.objects.create(
        community=community,
        title=title,
        hashtag=community.hashtag,
        start_at=start,
        end_at=start + timedelta(hours=1),
    )


@pytest.fixture
def chat(community: Community) -> Chat:
    chat = make_ended_chat(community)
    chat_set_hosts(chat=chat, members=(), handles=("HannahHost",))
    chat.questions.create(position=1, text="What is a knowledge audit?", planned_minute=5)
    return chat


@pytest.fixture
def say(chat: Chat) -> Say:
    """Archive one post `minutes` after the chat's start; returns the tweet (for replies)."""
    return saying(START)


@pytest.fixture
def discussed(chat: Chat, say: Say) -> dict[str, dict[str, Any]]:
    """Q1 by the host, two answers, a reply, a link, a hidden and an author-removed post."""
    tweets = {
        "q1": say(HOST, "Q1: What is a knowledge audit? #KMers", minutes=5),
        "a1": say(ALICE, "A1 An inventory of what we know #KMers", minutes=7, likes=4),
        "a1b": say(BOB, "A1: Asking who knows what #KMers", minutes=8, likes=9),
        "link": say(
            CAROL,
            "Good read https://t.co/abc123 #KMers",
            minutes=20,
            links={"https://t.co/abc123": "https://example.org/audits"},
        ),
        "hidden": say(BOB, "Buy cheap followers #KMers", minutes=21),
        "withdrawn": say(CAROL, "I should not have said this #KMers", minutes=22),
    }
    tweets["reply"] = say(CAROL, "@alice so true #KMers", minutes=9, reply_to=tweets["a1"])
    PostPlacement.objects.filter(post__external_id=tweets["hidden"]["id"]).update(
        hidden=True, hidden_reason=HiddenReason.SPAM
    )
    Post.objects.filter(external_id=tweets["withdrawn"]["id"]).update(
        removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
    )
    return tweets


def export_url(chat: Chat, fmt: str) -> str:
    kwargs = {"slug": chat.community.slug, "pk": chat.pk, "fmt": fmt}
    return reverse("archive:transcript_export", kwargs=kwargs)


def print_url(chat: Chat) -> str:
    return reverse("archive:transcript_print", kwargs={"slug": chat.community.slug, "pk": chat.pk})
