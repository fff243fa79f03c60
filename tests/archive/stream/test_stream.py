"""The between-chat stream: newest first, 50 a page, cursors that only move backwards."""

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Post, PostPlacement
from archive.paging import BIGINT_MAX, CURSOR_YEARS, Cursor
from chats.models import Chat
from community.models import Community
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
AUTHORS = [make_user(f"streamer{n}", name=f"Streamer {n}") for n in range(3)]


@pytest.fixture
def store() -> Callable[..., list[dict[str, Any]]]:
    """store(count): posts a minute apart from BASE, outside any chat; returns the tweets."""

    def make(count: int, *, text: str = "between chats", start: int = 0) -> list[dict[str, Any]]:
        tweets = [
            make_tweet(
                author=AUTHORS[n % 3],
                text=f"{text} {n:03d} #KMers",
                created_at=BASE + timedelta(minutes=n),
            )
            for n in range(start, start + count)
        ]
        for first in range(0, len(tweets), 100):
            archive_tweets(tweets[first : first + 100], users=AUTHORS)
        return tweets

    return make


def _url(**params: str) -> str:
    url = reverse("archive:stream", kwargs={"slug": "kmers"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _ids(html: str) -> list[str]:
    return re.findall(r'<li class="post[^"]*" id="post-(\d+)"', html)


def _older_link(html: str) -> str | None:
    link = re.search(r'<a href="([^"]+)" rel="next">Older posts', html)
    return link[1].replace("&amp;", "&") if link else None


def test_it_pages_through_every_post_once_newest_first(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    tweets = store(120)
    pages, url = [], _url()
    while url:
        response = anonymous.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(_ids(html))
        url = _older_link(html)

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [i for page in pages for i in page] == [t["id"] for t in reversed(tweets)]


def test_it_keeps_pages_disjoint_when_posts_share_a_moment_and_new_ones_arrive(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    store(60)
    # 51st and 50th newest at the same moment: the post id breaks the tie.
    same = BASE + timedelta(minutes=10)
    PostPlacement.objects.filter(
        created_at__gte=same, created_at__lt=same + timedelta(minutes=2)
    ).update(created_at=same)
    first = anonymous.get(_url()).content.decode()
    store(5, text="newer", start=100)  # arrives while the reader is on page 1

    second = anonymous.get(_older_link(first)).content.decode()

    assert len(_ids(first)) == 50
    assert len(_ids(second)) == 10
    assert set(_ids(first)).isdisjoint(_ids(second))
    assert "newer" not in second


def test_it_leaves_out_chat_posts_hidden_posts_and_removed_posts(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    Chat.objects.create(community=community, title="A chat", hashtag="KMers",
                        start_at=BASE + timedelta(minutes=30), end_at=BASE + timedelta(minutes=60),
                        pre_window=timedelta(0), post_window=timedelta(0))  # fmt: skip
    tweets = store(5) + store(1, start=40)  # the last inside the chat's window
    PostPlacement.objects.filter(post__external_id=tweets[1]["id"]).update(hidden=True)
    Post.objects.filter(external_id=tweets[2]["id"]).update(removed=True)

    html = anonymous.get(_url()).content.decode()

    assert _ids(html) == [tweets[4]["id"], tweets[3]["id"], tweets[0]["id"]]


def test_it_links_back_to_the_newest_posts_and_says_when_there_is_nothing(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    assert "No posts between chats yet." in anonymous.get(_url()).content.decode()
    store(51)

    first = anonymous.get(_url()).content.decode()
    second = anonymous.get(_older_link(first)).content.decode()

    assert "Newest posts" not in first
    assert f'<a href="{_url()}">← Newest posts</a>' in second
    assert _older_link(second) is None


def _encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "-1-5", "1--5", "12", "12-", "-12", "1.5-3", "99999999999999999999-1",
     "1-99999999999999999999", "1-9223372036854775808", "١٢-٣", "<script>-1", "0x10-1",
     "1789000000000000-5",  # the stream's former micros-id cursors
     _encoded("0.0"), _encoded("1789000000000000.0"), _encoded(f"1789000000000000.{2**63}"),
     _encoded(f"{10**19 - 1}.1"), _encoded("-5.7"), _encoded("abc.def")],
)  # fmt: skip
def test_it_answers_400_with_a_message_to_a_cursor_it_never_made(
    anonymous: Client, community: Community, cursor: str
) -> None:
    response = anonymous.get(
        reverse("archive:stream", kwargs={"slug": "kmers"}), {"before": cursor}
    )

    assert response.status_code == 400
    assert "That page of the stream does not exist." in response.content.decode()
    assert "<script>-1" not in response.content.decode()


def test_it_accepts_the_extreme_cursors_it_could_make(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    store(2)

    earliest = Cursor(created_at=datetime(CURSOR_YEARS[0], 1, 1, tzinfo=UTC), post_id=1)
    latest = Cursor(
        created_at=datetime(CURSOR_YEARS[1], 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        post_id=BIGINT_MAX,
    )

    assert len(_ids(anonymous.get(_url(before=earliest.encode())).content.decode())) == 0
    assert len(_ids(anonymous.get(_url(before=latest.encode())).content.decode())) == 2


def test_it_answers_404_for_an_unknown_community(anonymous: Client) -> None:
    assert anonymous.get(reverse("archive:stream", kwargs={"slug": "nobody"})).status_code == 404


@pytest.mark.parametrize("count", [5, 120])
def test_it_renders_a_page_in_a_constant_number_of_queries(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]],
    count: int,
) -> None:  # fmt: skip
    tweets = store(count)
    cursor = Cursor(created_at=BASE + timedelta(minutes=count), post_id=2**62).encode()

    with CaptureQueriesContext(connection) as queries:
        html = anonymous.get(_url(before=cursor)).content.decode()

    assert len(_ids(html)) == min(count, 50)
    assert _ids(html)[0] == tweets[-1]["id"]
    assert len(queries) == 2  # the community, then a page of posts with their authors


def test_it_is_linked_from_the_community_page(anonymous: Client, community: Community) -> None:
    page = anonymous.get(community.get_absolute_url()).content.decode()

    assert f'href="{_url()}">Posts with #KMers between chats' in page


def test_it_groups_posts_by_the_visitors_day_and_shows_their_local_time(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    # 14:59 and 15:00 UTC on 20 November: 23:59 that day and 00:00 the next in Tokyo.
    store(1, start=6 * 60 + 59)
    store(1, start=7 * 60)
    anonymous.cookies["tz"] = "Asia/Tokyo"

    html = anonymous.get(_url()).content.decode()

    days = re.findall(r'<h2 id="day-([\d-]+)">([^<]+)</h2>', html)
    assert days == [("2026-11-21", "Saturday 21 November 2026"),
                    ("2026-11-20", "Friday 20 November 2026")]  # fmt: skip
    assert ">00:00 JST</time>" in html
    assert ">23:59 JST</time>" in html


def test_it_opens_a_page_on_a_given_post_for_links_from_elsewhere(
    anonymous: Client, community: Community, store: Callable[..., list[dict[str, Any]]]
) -> None:
    tweets = store(120)
    target = PostPlacement.objects.get(post__external_id=tweets[30]["id"])
    cursor = Cursor.landing_on(created_at=target.created_at, post_id=target.post_id)

    html = anonymous.get(_url(before=cursor.encode())).content.decode()

    assert _ids(html)[0] == tweets[30]["id"]
    assert len(_ids(html)) == 31
