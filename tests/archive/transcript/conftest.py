"""A finished #KMers chat and a way to post into it through the real ingest pipeline."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from chats.services.schedule import chat_set_hosts
from community.models import Community
from tests.archive.support import Say, saying
from tests.fakes.x_data import make_user

# Tuesday 24 November 2026, 17:00 UTC (12:00 in New York, the community's zone): long over.
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)

HOST = make_user("hannahhost", name="Hannah Host")
ALICE = make_user("alice", name="Alice A")
BOB = make_user("bob", name="Bob B")
CAROL = make_user("carol", name="Carol C")


@pytest.fixture
def chat(community: Community) -> Chat:
    chat = Chat.objects.create(
        community=community, title="Knowledge audits", hashtag="KMers",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip
    chat_set_hosts(chat=chat, members=(), handles=("HannahHost",))
    return chat


@pytest.fixture
def say(chat: Chat) -> Say:
    """Archive one post `minutes` after the chat's start; returns the tweet (for replies)."""
    return saying(START)


def transcript_url(chat: Chat, **params: str) -> str:
    url = reverse("archive:transcript", kwargs={"slug": chat.community.slug, "pk": chat.pk})
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def page(client: Client, chat: Chat, **params: str) -> str:
    response = client.get(transcript_url(chat, **params))
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()
