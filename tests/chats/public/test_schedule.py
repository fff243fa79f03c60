"""/schedule/: upcoming chats of every community, grouped by the visitor's local day."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.models import Chat, ChatHost
from chats.services.schedule import chat_cancel
from community.models import Community
from members.models import User
from tests.chats.public.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _days(response: object) -> dict[str, list[str]]:
    """{day heading: [chat titles]} as the page groups them."""
    return {
        day.day.strftime("%A %-d %B %Y"): [entry.chat.title for entry in day.entries]
        for day in response.context["schedule_days"]
    }


def _titles(response: object) -> list[str]:
    return [title for titles in _days(response).values() for title in titles]


def _headings(html: str) -> list[str]:
    return re.findall(r'<h2 id="day-[\d-]+">([^<]+)</h2>', html)


def test_it_groups_a_late_monday_utc_chat_under_tuesday_in_tokyo(
    make_chat: Callable[..., Chat], cookie_visitor: Callable[[str], Client]
) -> None:
    make_chat(datetime(2026, 3, 9, 23, 30, tzinfo=UTC), title="Late Monday in UTC")

    in_tokyo = cookie_visitor("Asia/Tokyo").get(reverse("chats:schedule"))
    in_utc = Client().get(reverse("chats:schedule"))

    assert _days(in_tokyo) == {"Tuesday 10 March 2026": ["Late Monday in UTC"]}
    assert _headings(in_tokyo.content.decode()) == ["Tuesday 10 March 2026"]
    assert '<time datetime="2026-03-09T23:30:00Z">08:30</time>' in in_tokyo.content.decode()
    assert _days(in_utc) == {"Monday 9 March 2026": ["Late Monday in UTC"]}
    assert '<time datetime="2026-03-09T23:30:00Z">23:30</time>' in in_utc.content.decode()


def test_it_groups_chats_by_day_in_start_order_across_communities(
    make_chat: Callable[..., Chat],
    london_community: Community,
    sydney_community: Community,
    anonymous: Client,
) -> None:
    make_chat(NOW + timedelta(days=1, hours=2), title="B", of=london_community)
    make_chat(NOW + timedelta(hours=3), title="A")
    make_chat(NOW + timedelta(days=1, hours=1), title="C", of=sydney_community)

    response = anonymous.get(reverse("chats:schedule"))

    assert _days(response) == {"Monday 9 March 2026": ["A"], "Tuesday 10 March 2026": ["C", "B"]}
    html = response.content.decode()
    assert "Library Londoners" in html
    assert "#OzEdChat" in html


def test_it_shows_the_next_fourteen_days_unless_asked_for_more(
    make_chat: Callable[..., Chat], anonymous: Client
) -> None:
    make_chat(NOW + timedelta(days=13), title="Soon")
    make_chat(NOW + timedelta(days=20), title="Later")
    make_chat(NOW + timedelta(days=59), title="Much later")

    default = anonymous.get(reverse("chats:schedule"))
    month = anonymous.get(reverse("chats:schedule"), {"days": 30})
    most = anonymous.get(reverse("chats:schedule"), {"days": 60})

    assert _titles(default) == ["Soon"]
    assert _titles(month) == ["Soon", "Later"]
    assert _titles(most) == ["Soon", "Later", "Much later"]


@pytest.mark.parametrize("days", ["61", "0", "soon"])
def test_it_explains_a_bad_number_of_days_and_shows_the_default(
    make_chat: Callable[..., Chat], anonymous: Client, days: str
) -> None:
    make_chat(NOW + timedelta(days=2), title="Soon")

    response = anonymous.get(reverse("chats:schedule"), {"days": days})

    assert response.status_code == 400
    assert response.context["form"].errors["days"]
    assert 'id="id_days_error"' in response.content.decode()
    assert _titles(response) == ["Soon"]


def test_it_leaves_out_ended_chats_and_marks_live_and_cancelled_ones(
    make_chat: Callable[..., Chat], anonymous: Client
) -> None:
    make_chat(NOW - timedelta(hours=3), title="Over")
    make_chat(NOW - timedelta(minutes=20), title="Happening")
    cancelled = make_chat(NOW + timedelta(days=1), title="Called off")
    chat_cancel(chat=cancelled)

    response = anonymous.get(reverse("chats:schedule"))

    entries = [entry for day in response.context["schedule_days"] for entry in day.entries]
    assert [(e.chat.title, e.status) for e in entries] == [
        ("Happening", "live"),
        ("Called off", "cancelled"),
    ]
    html = response.content.decode()
    assert html.count('<span class="badge live">Live now</span>') == 1
    assert re.search(r'<tr class="live">.*?Happening', html, re.S)
    assert re.search(r'<tr class="cancelled">.*?Cancelled.*?Called off', html, re.S)


def test_it_lists_hosts_linked_to_profiles_and_to_x(
    make_chat: Callable[..., Chat], member_user: User, anonymous: Client
) -> None:
    make_chat(NOW + timedelta(days=1), hosts=(member_user,), handles=("guest_host",))

    html = anonymous.get(reverse("chats:schedule")).content.decode()

    assert f'<a href="{member_user.get_absolute_url()}">Mona Member</a>' in html
    assert 'href="https://x.com/guest_host" rel="nofollow noopener">@guest_host</a>' in html


# Monday 9 March 2026 in Europe/Paris (UTC+1): chats at 07:00, 13:00, 19:00
# local on Tuesday, and at 02:00 local on Wednesday.
FILTER_CHATS = [
    ("Tuesday breakfast", datetime(2026, 3, 10, 6, 0, tzinfo=UTC)),
    ("Tuesday lunch", datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),
    ("Tuesday evening", datetime(2026, 3, 10, 18, 0, tzinfo=UTC)),
    ("Wednesday small hours", datetime(2026, 3, 11, 1, 0, tzinfo=UTC)),
]


@pytest.fixture
def filter_chats(make_chat: Callable[..., Chat], london_community: Community) -> None:
    for index, (title, start) in enumerate(FILTER_CHATS):
        make_chat(start, title=title, of=london_community if index % 2 else None)


@pytest.mark.usefixtures("filter_chats")
@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({}, [title for title, _ in FILTER_CHATS]),
        ({"day": "1"}, ["Tuesday breakfast", "Tuesday lunch", "Tuesday evening"]),
        ({"day": "2"}, ["Wednesday small hours"]),
        ({"day": "4"}, []),
        ({"time": "morning"}, ["Tuesday breakfast"]),
        ({"time": "afternoon"}, ["Tuesday lunch"]),
        ({"time": "evening"}, ["Tuesday evening"]),
        ({"time": "night"}, ["Wednesday small hours"]),
        ({"day": "1", "time": "night"}, []),
        ({"q": "lunch"}, ["Tuesday lunch"]),
        ({"q": "library londoners"}, ["Tuesday lunch", "Wednesday small hours"]),
        ({"q": "#kmers"}, ["Tuesday breakfast", "Tuesday evening"]),
        ({"q": "LibLon", "time": "night"}, ["Wednesday small hours"]),
    ],
)
def test_it_filters_by_local_day_time_of_day_and_text(
    cookie_visitor: Callable[[str], Client], query: dict[str, str], titles: list[str]
) -> None:
    response = cookie_visitor("Europe/Paris").get(reverse("chats:schedule"), query)

    assert response.status_code == 200
    assert _titles(response) == titles


@pytest.mark.usefixtures("filter_chats")
def test_it_applies_the_time_of_day_in_the_visitors_zone(
    cookie_visitor: Callable[[str], Client],
) -> None:
    # 18:00 UTC is evening in Paris but night (05:00 the next day) in Sydney.
    in_sydney = cookie_visitor("Australia/Sydney").get(reverse("chats:schedule"), {"time": "night"})

    assert _days(in_sydney) == {"Wednesday 11 March 2026": ["Tuesday evening"]}


@pytest.mark.usefixtures("filter_chats")
def test_it_keeps_the_filters_in_the_form(cookie_visitor: Callable[[str], Client]) -> None:
    html = (
        cookie_visitor("Europe/Paris")
        .get(reverse("chats:schedule"), {"q": "lunch", "day": "1", "time": "afternoon"})
        .content.decode()
    )

    assert 'value="lunch"' in html
    assert '<option value="1" selected>Tuesday</option>' in html
    assert '<option value="afternoon" selected>' in html


def test_it_escapes_html_in_titles(make_chat: Callable[..., Chat], anonymous: Client) -> None:
    make_chat(NOW + timedelta(days=1), title="<script>alert(1)</script> & more")

    html = anonymous.get(reverse("chats:schedule")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_it_says_so_when_nothing_matches(anonymous: Client) -> None:
    html = anonymous.get(reverse("chats:schedule"), {"q": "nothing"}).content.decode()

    assert "No chats match these filters in the next 14 days." in html


def _weekly_chats_for(count: int, host: User) -> None:
    """`count` communities, each with a weekly chat (two in the next 14 days) and two hosts."""
    communities = Community.objects.bulk_create(
        Community(name=f"Community {i}", slug=f"community-{i}", hashtag=f"Community{i}",
                  time_zone="America/New_York")
        for i in range(count)
    )  # fmt: skip
    chats = []
    for index, community in enumerate(communities):
        for week in range(2):
            start = NOW + timedelta(days=7 * week, minutes=index)
            chats.append(
                Chat(community=community, title=f"Week {week} of {community.name}",
                     hashtag=community.hashtag, start_at=start, end_at=start + timedelta(hours=1))
            )  # fmt: skip
    chats = Chat.objects.bulk_create(chats)
    ChatHost.objects.bulk_create(
        chat_host
        for chat in chats
        for chat_host in (
            ChatHost(chat=chat, member=host),
            ChatHost(chat=chat, handle="guest", position=1),
        )
    )


@pytest.mark.parametrize("signed_in", [False, True])
def test_it_renders_the_schedule_with_the_same_queries_for_5_and_500_communities(
    make_user: Callable[..., User], signed_in: bool
) -> None:
    host = make_user("hana", time_zone="Europe/London")
    client = Client()
    if signed_in:
        client.force_login(host)
    counts = {}
    for total in (5, 500):
        Community.objects.all().delete()
        _weekly_chats_for(total, host)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("chats:schedule"))
        assert response.status_code == 200
        rows = sum(len(day.entries) for day in response.context["schedule_days"])
        assert rows == 2 * total
        hosts = '">hana</a>, <a href="https://x.com/guest" rel="nofollow noopener">@guest</a>'
        assert response.content.decode().count(hosts) == 2 * total
        counts[total] = len(queries)

    assert counts[5] == counts[500]
    # Chats with their communities, then hosts with their members; a signed-in
    # visitor adds the session and the user.
    assert counts[500] == (4 if signed_in else 2)


def test_it_says_when_it_shows_other_days_than_asked_and_names_the_zone_once(
    anonymous: Client,
) -> None:
    html = anonymous.get(reverse("chats:schedule"), {"days": "999"}).content.decode()

    assert "“999” days cannot be shown" in html
    assert "so these are the next 14 days" in html
    head = html[html.index("<main") : html.index('class="schedule-filters"')]
    assert "<strong>UTC</strong>" in head
    assert "in your time zone: UTC" not in head
