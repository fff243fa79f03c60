"""Chats on the community page and the home page."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.models import Chat
from chats.services.reminders import reminder_subscribe_chat, reminder_subscribe_community
from chats.services.schedule import chat_cancel
from community.models import Community
from members.models import User
from tests.chats.public.conftest import NEW_YORK, NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _community_page(client: Client, community: Community) -> str:
    response = client.get(community.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading_id: str) -> str:
    match = re.search(rf'<h3 id="{heading_id}">.*?(?=<h3 |</section>)', html, re.S)
    assert match is not None, f"no {heading_id} on the page"
    return match.group(0)


def test_it_shows_the_next_chat_in_the_visitors_and_the_communitys_zone(
    make_chat: Callable[..., Chat],
    community: Community,
    cookie_visitor: Callable[[str], Client],
) -> None:
    make_chat(datetime(2026, 3, 10, 12, 0, tzinfo=NEW_YORK), title="Tuesday's chat")

    html = _community_page(cookie_visitor("Europe/London"), community)

    next_chat = _section(html, "next-chat-heading")
    assert "Tuesday&#x27;s chat" in next_chat
    assert "Tuesday 10 March 2026, 16:00 GMT" in next_chat
    assert "your time (Europe/London)" in next_chat
    assert "Tuesday 10 March, 12:00 EDT in America/New_York" in next_chat


def test_it_skips_a_cancelled_chat_for_next_and_marks_it_in_upcoming(
    make_chat: Callable[..., Chat], community: Community, anonymous: Client
) -> None:
    chat_cancel(chat=make_chat(NOW + timedelta(days=1), title="Called off"))
    make_chat(NOW + timedelta(days=8), title="Week two")
    make_chat(NOW + timedelta(days=15), title="Week three")

    html = _community_page(anonymous, community)

    assert "Week two" in _section(html, "next-chat-heading")
    upcoming = _section(html, "upcoming-chats-heading")
    assert re.search(r'<tr class="cancelled">.*?Cancelled.*?Called off', upcoming, re.S)
    assert "Week three" in upcoming
    assert "Week two" not in upcoming


def test_it_marks_a_live_chat_as_the_next_one(
    make_chat: Callable[..., Chat], community: Community, anonymous: Client
) -> None:
    make_chat(NOW - timedelta(minutes=5), title="Happening")

    next_chat = _section(_community_page(anonymous, community), "next-chat-heading")

    assert "Happening" in next_chat
    assert '<span class="badge live">Live now</span>' in next_chat


def test_it_shows_only_this_communitys_chats_and_its_calendar_feed(
    make_chat: Callable[..., Chat],
    community: Community,
    london_community: Community,
    anonymous: Client,
) -> None:
    make_chat(NOW + timedelta(days=1), title="Ours")
    make_chat(NOW + timedelta(days=1), title="Theirs", of=london_community)

    html = _community_page(anonymous, community)

    assert "Ours" in html
    assert "Theirs" not in html
    assert f'href="{reverse("chats:community_ics", kwargs={"slug": "kmers"})}"' in html


def test_it_says_when_no_chat_is_scheduled(community: Community, anonymous: Client) -> None:
    html = _community_page(anonymous, community)

    assert "No chat is scheduled yet." in html
    assert "upcoming-chats-heading" not in html


def test_it_shows_chats_live_now_and_in_the_next_seven_days_on_the_home_page(
    make_chat: Callable[..., Chat],
    london_community: Community,
    sydney_community: Community,
    cookie_visitor: Callable[[str], Client],
) -> None:
    make_chat(NOW - timedelta(minutes=10), title="Live in New York")
    make_chat(NOW - timedelta(hours=3), title="Already over")
    make_chat(NOW + timedelta(days=6, hours=23), title="Next week in London", of=london_community)
    make_chat(NOW + timedelta(days=7, hours=1), title="Too far ahead", of=sydney_community)
    chat_cancel(chat=make_chat(NOW + timedelta(days=2), title="Called off", of=sydney_community))

    response = cookie_visitor("Asia/Tokyo").get(reverse("home"))

    entries = [(e.chat.title, e.status) for e in response.context["home_chats"]]
    assert entries == [("Live in New York", "live"), ("Next week in London", "scheduled")]
    html = response.content.decode()
    assert '<span class="badge live">Live now</span>' in html
    # 11:00 UTC on Monday 16 March is 20:00 in Tokyo.
    assert "Mon 16 Mar, 20:00</time>" in html
    assert "Times in Asia/Tokyo." in html


def test_it_renders_the_home_page_with_a_constant_number_of_chat_queries(
    make_chat: Callable[..., Chat],
    make_community: Callable[[str, str, str], Community],
    anonymous: Client,
) -> None:
    counts = []
    for index in range(3):
        other = make_community(f"Community {index}", f"Tag{index}", "UTC")
        make_chat(NOW + timedelta(days=1, hours=index), of=other)
        with CaptureQueriesContext(connection) as queries:
            anonymous.get(reverse("home"))
        counts.append(len(queries))

    assert counts[0] == counts[1] == counts[2]


def test_it_gives_a_signed_in_member_their_communities_chats_and_reminders_at_home(
    make_chat: Callable[..., Chat],
    london_community: Community,
    sydney_community: Community,
    community: Community,
    member: Client,
    member_user: User,
) -> None:
    mine = make_chat(NOW + timedelta(days=1), title="Ours tomorrow")
    make_chat(NOW + timedelta(days=1), title="Someone else's", of=sydney_community)
    reminder_subscribe_chat(member=member_user, chat=mine, minutes_before=15)
    reminder_subscribe_community(member=member_user, community=london_community, minutes_before=60)

    response = member.get(reverse("home"))

    home = response.context["member_home"]
    assert home.communities == [community]
    assert [entry.chat.title for entry in home.next_chats] == ["Ours tomorrow"]
    html = response.content.decode()
    assert "Welcome back, Mona Member" in html
    assert "Weekly hashtag chats, for everyone" not in html
    assert "Every chat of <a" in html
    assert "15 minutes before" in html


def test_it_keeps_the_anonymous_home_page_for_visitors(anonymous: Client) -> None:
    response = anonymous.get(reverse("home"))

    assert "member_home" not in response.context
    assert "Weekly hashtag chats, for everyone" in response.content.decode()
