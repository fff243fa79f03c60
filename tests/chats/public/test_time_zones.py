"""The visitor's time zone: where it comes from, how it is changed, how chat times show in it."""

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import reverse

from chats.models import Chat
from common.timezones import visitor_zone
from members.models import User
from tests.chats.public.conftest import NEW_YORK

pytestmark = pytest.mark.django_db


def _shown_time(html: str, whose: str) -> tuple[str, str]:
    """(zone named, time shown) from the chat page's "Your time" or "Community time" row."""
    match = re.search(rf"{whose} \(([^)]+)\)</dt>\s*<dd><time [^>]*>([^<]+)</time>", html)
    assert match is not None, f"no {whose} on the page"
    return match.group(1), match.group(2)


def _resolve(user: User | None = None, cookie: str | None = None) -> tuple[str, str]:
    request = RequestFactory().get("/")
    request.user = user if user is not None else AnonymousUser()
    if cookie is not None:
        request.COOKIES["tz"] = cookie
    zone = visitor_zone(request)
    return zone.name, zone.source


def test_it_prefers_the_members_profile_zone_to_the_cookie(
    make_user: Callable[..., User],
) -> None:
    user = make_user("pia", time_zone="Europe/Berlin")

    assert _resolve(user, cookie="Asia/Tokyo") == ("Europe/Berlin", "profile")


def test_it_uses_the_cookie_when_the_member_has_no_profile_zone(
    make_user: Callable[..., User],
) -> None:
    user = make_user("noz", time_zone="")

    assert _resolve(user, cookie="Asia/Tokyo") == ("Asia/Tokyo", "cookie")


def test_it_uses_the_cookie_for_an_anonymous_visitor() -> None:
    assert _resolve(cookie="America/Chicago") == ("America/Chicago", "cookie")


@pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "", "../../etc/passwd", "utc "])
def test_it_falls_back_to_utc_for_an_invalid_cookie(cookie: str) -> None:
    assert _resolve(cookie=cookie) == ("UTC", "default")


def test_it_falls_back_to_utc_without_profile_or_cookie() -> None:
    assert _resolve() == ("UTC", "default")


def test_it_sets_the_cookie_and_redirects_back_to_the_page(anonymous: Client) -> None:
    response = anonymous.post(
        reverse("chats:set_timezone"),
        {"tz-time_zone": "Asia/Tokyo", "tz-next": reverse("chats:schedule") + "?day=1"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("chats:schedule") + "?day=1"
    cookie = response.cookies["tz"]
    assert cookie.value == "Asia/Tokyo"
    assert cookie["path"] == "/"
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    assert not cookie["httponly"]  # timezone.js must see it
    page = anonymous.get(reverse("chats:schedule"))
    assert "Times are shown in <strong>Asia/Tokyo</strong>" in page.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example.org/", "//evil.example.org/x", ""])
def test_it_never_redirects_off_site_after_setting_the_zone(anonymous: Client, target: str) -> None:
    response = anonymous.post(
        reverse("chats:set_timezone"), {"tz-time_zone": "Asia/Tokyo", "tz-next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("chats:schedule")


def test_it_refuses_an_unknown_zone_and_sets_no_cookie(anonymous: Client) -> None:
    response = anonymous.post(reverse("chats:set_timezone"), {"tz-time_zone": "Mars/Base"})

    assert response.status_code == 400
    assert "tz" not in response.cookies


def test_it_requires_post_and_csrf_to_set_the_zone() -> None:
    client = Client(enforce_csrf_checks=True)

    assert client.get(reverse("chats:set_timezone")).status_code == 405
    response = client.post(reverse("chats:set_timezone"), {"tz-time_zone": "Asia/Tokyo"})
    assert response.status_code == 403


def test_it_shows_a_labelled_zone_select_and_the_detection_script_to_a_new_visitor(
    anonymous: Client,
) -> None:
    html = anonymous.get(reverse("chats:schedule")).content.decode()

    assert '<label for="id_tz-time_zone">Your time zone</label>' in html
    assert '<option value="Europe/London">' in html
    assert "Times are shown in <strong>UTC</strong>" in html
    assert 'src="/static/js/timezone.js" defer' in html


def test_it_leaves_out_the_detection_script_once_the_zone_is_known(
    cookie_visitor: Callable[[str], Client], visitor_in: Callable[[str], Client]
) -> None:
    by_cookie = cookie_visitor("Europe/Paris").get(reverse("chats:schedule")).content.decode()
    by_profile = visitor_in("Europe/Paris").get(reverse("chats:schedule")).content.decode()

    assert "timezone.js" not in by_cookie
    assert "timezone.js" not in by_profile
    assert "the time zone of your profile" in by_profile
    assert reverse("members:profile_edit") in by_profile


# A chat at 12:00 New York time, seen from London, New York and Sydney, on
# dates either side of each DST change of 2026: NY springs forward on 8 March
# and falls back on 1 November, London on 29 March and 25 October, Sydney
# (southern hemisphere, the other way round) falls back on 5 April and springs
# forward on 4 October.
DST_CASES = [
    # NY EST, London GMT, Sydney AEDT
    ((2026, 1, 13), "Tuesday 13 January 2026, 17:00 GMT", "Wednesday 14 January 2026, 04:00 AEDT",
     "Tuesday 13 January 2026, 12:00 EST"),
    # NY has moved to EDT, London has not: 16:00 in London for three weeks
    ((2026, 3, 10), "Tuesday 10 March 2026, 16:00 GMT", "Wednesday 11 March 2026, 03:00 AEDT",
     "Tuesday 10 March 2026, 12:00 EDT"),
    # Both north on summer time, Sydney still on daylight time
    ((2026, 3, 31), "Tuesday 31 March 2026, 17:00 BST", "Wednesday 1 April 2026, 03:00 AEDT",
     "Tuesday 31 March 2026, 12:00 EDT"),
    # Sydney back on standard time
    ((2026, 4, 7), "Tuesday 7 April 2026, 17:00 BST", "Wednesday 8 April 2026, 02:00 AEST",
     "Tuesday 7 April 2026, 12:00 EDT"),
    # London back on GMT, NY still on EDT, Sydney on daylight time again
    ((2026, 10, 27), "Tuesday 27 October 2026, 16:00 GMT",
     "Wednesday 28 October 2026, 03:00 AEDT", "Tuesday 27 October 2026, 12:00 EDT"),
    # All three on their winter (Sydney: summer) offsets again
    ((2026, 11, 3), "Tuesday 3 November 2026, 17:00 GMT",
     "Wednesday 4 November 2026, 04:00 AEDT", "Tuesday 3 November 2026, 12:00 EST"),
]  # fmt: skip


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize(("day", "in_london", "in_sydney", "in_new_york"), DST_CASES)
def test_it_shows_a_new_york_noon_chat_in_each_visitors_zone_across_dst_changes(
    make_chat: Callable[..., Chat],
    visitor_in: Callable[[str], Client],
    day: tuple[int, int, int],
    in_london: str,
    in_sydney: str,
    in_new_york: str,
) -> None:
    chat = make_chat(datetime(*day, 12, 0, tzinfo=NEW_YORK))

    london = visitor_in("Europe/London").get(chat.get_absolute_url()).content.decode()
    sydney = visitor_in("Australia/Sydney").get(chat.get_absolute_url()).content.decode()
    new_york = visitor_in("America/New_York").get(chat.get_absolute_url()).content.decode()

    assert _shown_time(london, "Your time") == ("Europe/London", in_london)
    assert _shown_time(sydney, "Your time") == ("Australia/Sydney", in_sydney)
    assert _shown_time(new_york, "Your time") == ("America/New_York", in_new_york)
    # The community's own time is named on every visitor's page.
    for html in (london, sydney, new_york):
        assert _shown_time(html, "Community time") == ("America/New_York", in_new_york)


@pytest.mark.usefixtures("frozen_now")
def test_it_shows_schedule_times_in_the_cookie_zone(
    make_chat: Callable[..., Chat], cookie_visitor: Callable[[str], Client]
) -> None:
    make_chat(datetime(2026, 3, 10, 12, 0, tzinfo=NEW_YORK))

    html = cookie_visitor("Australia/Sydney").get(reverse("chats:schedule")).content.decode()

    assert '<h2 id="day-2026-03-11">Wednesday 11 March 2026</h2>' in html
    assert '<time datetime="2026-03-10T16:00:00Z">03:00</time>' in html
