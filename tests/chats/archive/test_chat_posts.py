"""The chat page shows what the archive holds, and a live page fetches only what is new."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.ingest import posts_store
from chats.models import Chat, Post, PostPlacement
from chats.sources.base import NormalisedAccount, NormalisedPost
from community.models import Community

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def _post(n: int, *, minute: int) -> NormalisedPost:
    author = NormalisedAccount(network="x", external_id=f"u{n % 7}", handle=f"person{n % 7}",
                               display_name=f"Person {n % 7}")  # fmt: skip
    return NormalisedPost(
        network="x", external_id=str(1000 + n), author=author,
        text=f"A{n % 5 + 1} answer {n} #KMers",
        html=f'A{n % 5 + 1} answer {n} <a href="/search/?q=%23KMers">#KMers</a>',
        created_at=START + timedelta(minutes=minute), hashtags=("kmers",),
    )  # fmt: skip


@pytest.fixture
def live_chat(community: Community) -> Chat:
    return Chat.objects.create(
        community=community, title="Knowledge audits", hashtag="KMers",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip


def _page(client: Client, chat: Chat) -> str:
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        return client.get(chat.get_absolute_url()).content.decode()


def test_it_shows_the_archived_posts_of_a_live_chat_in_time_order(
    anonymous: Client, live_chat: Chat
) -> None:
    posts_store(posts=[_post(2, minute=5), _post(1, minute=3)])

    page = _page(anonymous, live_chat)

    assert page.index("answer 1 ") < page.index("answer 2 ")
    assert '<a href="/search/?q=%23KMers">#KMers</a>' in page
    assert "updating live" in page
    assert '<a href="#posts-heading">Follow the posts as they arrive' in page
    assert reverse("chats:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk}) in page


def test_it_hides_removed_posts(anonymous: Client, live_chat: Chat) -> None:
    posts_store(posts=[_post(1, minute=3), _post(2, minute=5)])
    Post.objects.filter(external_id="1002").update(removed=True, removed_reason="spam")

    page = _page(anonymous, live_chat)

    assert "answer 1 " in page
    assert "answer 2 " not in page


def test_it_returns_only_posts_newer_than_the_last_seen_one(
    anonymous: Client, live_chat: Chat
) -> None:
    posts_store(posts=[_post(1, minute=3)])
    seen = PostPlacement.objects.get().pk
    posts_store(posts=[_post(2, minute=5)])
    url = reverse("chats:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})

    fragment = anonymous.get(url, {"after": seen})

    assert fragment.status_code == 200
    assert "answer 2 " in fragment.content.decode()
    assert "answer 1 " not in fragment.content.decode()
    assert anonymous.get(url, {"after": "x"}).status_code == 400


@pytest.mark.parametrize("count", [5, 60])
def test_it_renders_the_posts_with_a_constant_number_of_queries(
    anonymous: Client, live_chat: Chat, count: int
) -> None:
    posts_store(posts=[_post(n, minute=n % 60) for n in range(count)])
    url = reverse("chats:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})

    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(url)

    assert response.content.decode().count('class="post"') == count
    assert len(queries) == 2  # the chat with its community, then the posts with authors
