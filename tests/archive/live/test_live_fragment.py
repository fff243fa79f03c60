"""The fragment a live page polls: only what is new and visible, in post-time order."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import HiddenReason, Post, PostPlacement
from archive.selectors.live import chat_posts
from archive.services.moderation import placement_hide
from chats.models import Chat
from chats.services.schedule import chat_set_hosts
from members.models import User
from tests.archive.live.conftest import GUESTS, HOST, placement_of

pytestmark = pytest.mark.django_db


def _fragment(client: Client, chat: Chat, **params: object) -> str:
    url = reverse("archive:chat_posts", kwargs={"slug": chat.community.slug, "pk": chat.pk})
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    return response.content.decode()


def _post_ids(html: str) -> list[str]:
    return re.findall(r'<li class="post[^"]*" id="post-(\d+)"', html)


def test_it_returns_only_newer_placements_in_post_time_order_with_their_times(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    seen = archive("A1 first", minute=10)
    later = archive("A1 later", minute=12)
    late = archive("A1 written early, archived late", minute=5)

    html = _fragment(anonymous, live_chat, after=placement_of(seen).pk)

    assert _post_ids(html) == [late["id"], later["id"]]
    assert f'data-created="{placement_of(late).created_at.isoformat()}"' in html
    assert f'data-placement="{placement_of(late).pk}"' in html


def test_it_returns_nothing_when_nothing_is_new(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    last = archive("A1 only one", minute=10)

    assert _post_ids(_fragment(anonymous, live_chat, after=placement_of(last).pk)) == []
    assert len(_post_ids(_fragment(anonymous, live_chat, after=0))) == 1


def test_it_leaves_out_hidden_and_removed_posts(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    shown = archive("A1 visible", minute=1)
    hidden = archive("A1 spam", minute=2)
    removed = archive("A1 withdrawn", minute=3)
    PostPlacement.objects.filter(pk=placement_of(hidden).pk).update(
        hidden=True, hidden_reason="spam"
    )
    Post.objects.filter(external_id=removed["id"]).update(
        removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
    )

    html = _fragment(anonymous, live_chat)
    page = anonymous.get(live_chat.get_absolute_url()).content.decode()

    assert _post_ids(html) == [shown["id"]]
    assert _post_ids(page) == [shown["id"]]


@pytest.mark.parametrize(
    "after", ["-1", "x", "1.5", "1e3", " 1", "", "٣", "9223372036854775808", "9" * 40]
)
def test_it_answers_400_to_an_after_that_is_no_placement_id(
    anonymous: Client, live_chat: Chat, after: str
) -> None:
    url = reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})

    assert anonymous.get(url, {"after": after}).status_code == 400


def test_it_accepts_the_largest_placement_id(anonymous: Client, live_chat: Chat) -> None:
    assert _post_ids(_fragment(anonymous, live_chat, after=str(2**63 - 1))) == []


def test_it_answers_404_for_an_unknown_chat_or_another_communitys_chat(
    anonymous: Client, live_chat: Chat
) -> None:
    missing = reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk + 1})
    elsewhere = reverse("archive:chat_posts", kwargs={"slug": "other", "pk": live_chat.pk})

    assert anonymous.get(missing).status_code == 404
    assert anonymous.get(elsewhere).status_code == 404


def test_it_carries_the_hosts_latest_question_among_the_new_posts(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"]])
    archive("Q1 What is an audit?", minute=5, author=HOST)
    archive("Q2 Who runs it?", minute=15, author=HOST)
    archive("Q7 a guest asking", minute=20, author=GUESTS[1])

    html = _fragment(anonymous, live_chat)

    template = re.search(r"<template data-current-question[^>]*>(.*?)</template>", html, re.S)
    assert template is not None
    assert "Q2 Who runs it?" in template[1]
    assert "Q7" not in template[1]


def test_it_carries_no_question_when_the_new_posts_hold_none(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"]])
    archive("Q3 Not from the host", minute=5, author=GUESTS[2])

    assert "data-current-question" not in _fragment(anonymous, live_chat)


@pytest.mark.parametrize("count", [5, 60])
def test_it_answers_a_poll_in_two_queries_whatever_the_number_of_posts(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any],
    count: int,
) -> None:  # fmt: skip
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"]])
    for n in range(count):
        archive(f"Q{n % 9 + 1} question {n}" if n % 10 == 0 else f"A1 post {n}", minute=n * 0.9,
                author=HOST if n % 10 == 0 else GUESTS[n % 4])  # fmt: skip
    url = reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})

    with CaptureQueriesContext(connection) as queries:
        html = anonymous.get(url).content.decode()

    assert len(_post_ids(html)) == count
    assert "data-current-question" in html
    assert len(queries) == 2  # the chat with its community; the posts, authors, host flag


def test_it_shows_post_times_in_the_visitors_time_zone(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    archive("A1 at a quarter past", minute=15)
    anonymous.cookies["tz"] = "Asia/Tokyo"

    html = _fragment(anonymous, live_chat)

    assert ">02:15 JST</time>" in html  # 17:15 UTC
    assert 'data-created="2026-11-25T02:15:00+09:00"' in html


def test_it_caps_a_poll_by_arrival_so_the_next_poll_misses_nothing(
    live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    first = archive("A1 arrived first", minute=10)
    second = archive("A1 arrived second, written earlier", minute=5)
    third = archive("A1 arrived third, written earliest", minute=1)

    capped = chat_posts(chat=live_chat, limit=2)
    rest = chat_posts(chat=live_chat, after=max(p.pk for p in capped), limit=2)

    assert [p.post.external_id for p in capped] == [second["id"], first["id"]]
    assert [p.post.external_id for p in rest] == [third["id"]]


def test_it_answers_only_reads(anonymous: Client, live_chat: Chat) -> None:
    url = reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})

    assert anonymous.post(url).status_code == 405


def test_it_takes_back_posts_hidden_or_removed_after_the_page_showed_them(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any],
    moderator_user: User,
) -> None:  # fmt: skip
    spam = archive("A1 buy followers", minute=1)
    mine = archive("A1 thought better of it", minute=2)
    edited = archive("A1 typo", minute=3)
    kept = archive("A1 fine", minute=4)
    placement_hide(placement=placement_of(spam), actor=moderator_user, reason=HiddenReason.SPAM)
    Post.objects.filter(external_id=mine["id"]).update(
        removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
    )
    Post.objects.filter(external_id=edited["id"]).update(
        removed=True, removed_reason=Post.REMOVED_EDITED
    )

    html = _fragment(anonymous, live_chat, after=placement_of(kept).pk)
    withdrawn = html.split("<template data-withdrawn>")[1].split("</template>")[0]

    assert f'id="post-{spam["id"]}"' in withdrawn
    assert "Removed: Hidden by the moderators: Spam" in withdrawn
    assert "Removed: Removed by its author" in withdrawn
    assert f'data-placement="{placement_of(edited).pk}" data-withdrawn="replaced"' in withdrawn
    assert "buy followers" not in html
    assert "thought better" not in html
    assert kept["id"] not in withdrawn
    # A page that has seen nothing yet has nothing to take back.
    assert "data-withdrawn" not in _fragment(anonymous, live_chat, after=0)


@pytest.mark.parametrize("hidden", [1, 20])
def test_it_answers_a_later_poll_in_three_queries_whatever_was_withdrawn(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any],
    hidden: int,
) -> None:  # fmt: skip
    tweets = [archive(f"A1 post {n}", minute=n * 0.5) for n in range(hidden + 5)]
    PostPlacement.objects.filter(post__external_id__in=[t["id"] for t in tweets[:hidden]]).update(
        hidden=True, hidden_reason=HiddenReason.ABUSE
    )
    url = reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})
    after = placement_of(tweets[-1]).pk

    with CaptureQueriesContext(connection) as queries:
        html = anonymous.get(url, {"after": after}).content.decode()

    assert html.count('data-withdrawn="removed"') == hidden
    assert len(queries) == 3  # the chat; new posts; posts withdrawn since the page loaded


def test_it_tells_an_open_live_tab_when_the_chat_has_ended(
    anonymous: Client, live_chat: Chat, during_chat: datetime
) -> None:
    url = reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk})
    assert anonymous.get(url)["X-Chat-Status"] == "live"

    with time_machine.travel(live_chat.end_at + timedelta(minutes=1), tick=False):
        response = anonymous.get(url)

    assert response["X-Chat-Status"] == "ended"
