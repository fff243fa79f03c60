"""iCalendar output, parsed back with the icalendar library and checked field by field."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar, Event

from chats.models import Chat, ChatHost
from chats.services.schedule import chat_cancel, chat_update
from community.models import Community
from members.models import User
from tests.chats.public.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _calendar(response: object) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _events(response: object) -> list[Event]:
    return list(_calendar(response).walk("VEVENT"))


def _chat_ics(client: Client, chat: Chat) -> object:
    return client.get(
        reverse("chats:chat_ics", kwargs={"slug": chat.community.slug, "pk": chat.pk})
    )


@pytest.fixture
def chat(make_chat: Callable[..., Chat], member_user: User) -> Chat:
    return make_chat(
        NOW + timedelta(days=1),
        title="Taxonomies, again",
        description="Bring *examples*; and questions.",
        minutes=60,
        hosts=(member_user,),
        handles=("guest_host",),
    )


@override_settings(SITE_URL="https://chats.example.org")
def test_it_serves_one_chat_as_a_valid_calendar_file(chat: Chat, anonymous: Client) -> None:
    response = _chat_ics(anonymous, chat)

    calendar = _calendar(response)
    assert str(calendar["PRODID"]) == "-//Hashtag Commons//Chat schedule//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"chat-{chat.pk}@chats.example.org"
    assert event.decoded("DTSTART") == chat.start_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == chat.end_at
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["SUMMARY"]) == "#KMers: Taxonomies, again"
    assert str(event["URL"]) == f"https://chats.example.org/communities/kmers/chats/{chat.pk}/"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("LAST-MODIFIED") == chat.updated_at
    assert event.decoded("SEQUENCE") == 0
    description = str(event["DESCRIPTION"])
    assert "Bring *examples*; and questions." in description
    assert "Hosts: Mona Member, @guest_host" in description
    assert "post with #KMers" in description
    assert description.endswith(f"https://chats.example.org/communities/kmers/chats/{chat.pk}/")
    # UTC instants on the wire: calendar apps convert them to their user's zone.
    assert b"DTSTART:20260310T120000Z" in response.content
    assert response["Content-Disposition"] == 'attachment; filename="KMers-2026-03-10.ics"'


def test_it_keeps_the_uid_stable_across_requests_and_edits(chat: Chat, anonymous: Client) -> None:
    first = _events(_chat_ics(anonymous, chat))[0]
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        chat_update(
            chat=chat, title="Taxonomies, once more",
            start_at=chat.start_at + timedelta(minutes=30), end_at=chat.end_at,
        )  # fmt: skip
        second = _events(_chat_ics(anonymous, chat))[0]

    assert str(first["UID"]) == str(second["UID"])
    assert str(second["SUMMARY"]) == "#KMers: Taxonomies, once more"
    assert second.decoded("DTSTART") == NOW + timedelta(days=1, minutes=30)
    # An edit raises SEQUENCE and LAST-MODIFIED, so calendar apps apply it.
    assert second.decoded("SEQUENCE") > first.decoded("SEQUENCE")
    assert second.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")


def test_it_marks_a_cancelled_chat_and_raises_its_sequence(chat: Chat, anonymous: Client) -> None:
    before = _events(_chat_ics(anonymous, chat))[0]
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        chat_cancel(chat=chat)
        after = _events(_chat_ics(anonymous, chat))[0]

    assert str(after["STATUS"]) == "CANCELLED"
    assert after.decoded("SEQUENCE") > before.decoded("SEQUENCE")


def test_it_names_a_non_ascii_hashtag_file_safely(
    make_chat: Callable[..., Chat],
    make_community: Callable[[str, str, str], Community],
    anonymous: Client,
) -> None:
    community = make_community("Bibliothèques", "Bibliothèque", "Europe/Paris")
    chat = make_chat(NOW + timedelta(days=2), of=community)

    response = _chat_ics(anonymous, chat)

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Biblioth%C3%A8que-2026-03-11.ics"
    )
    assert str(_events(response)[0]["SUMMARY"]).startswith("#Bibliothèque: ")


def test_it_feeds_a_communitys_chats_from_a_month_ago_to_the_horizon(
    make_chat: Callable[..., Chat], london_community: Community, anonymous: Client
) -> None:
    make_chat(NOW - timedelta(days=31), title="Too old")
    make_chat(NOW - timedelta(days=29), title="Last month")
    cancelled = make_chat(NOW + timedelta(days=3), title="Called off")
    chat_cancel(chat=cancelled)
    make_chat(NOW + timedelta(weeks=7), title="In seven weeks")
    make_chat(NOW + timedelta(weeks=9), title="Beyond the horizon")
    make_chat(NOW + timedelta(days=1), title="Another community", of=london_community)

    response = anonymous.get(reverse("chats:community_ics", kwargs={"slug": "kmers"}))

    events = {str(e["SUMMARY"]): str(e["STATUS"]) for e in _events(response)}
    assert events == {
        "#KMers: Last month": "CONFIRMED",
        "#KMers: Called off": "CANCELLED",
        "#KMers: In seven weeks": "CONFIRMED",
    }
    assert "#KMers" in str(_calendar(response)["X-WR-CALNAME"])


def test_it_answers_404_for_the_feed_of_an_unknown_community(anonymous: Client) -> None:
    response = anonymous.get(reverse("chats:community_ics", kwargs={"slug": "nope"}))

    assert response.status_code == 404


def test_it_feeds_every_communitys_chats_in_the_global_calendar(
    make_chat: Callable[..., Chat],
    london_community: Community,
    sydney_community: Community,
    anonymous: Client,
) -> None:
    chats = [
        make_chat(NOW + timedelta(days=1)),
        make_chat(NOW + timedelta(days=2), of=london_community),
        make_chat(NOW + timedelta(days=3), of=sydney_community),
    ]

    events = _events(anonymous.get(reverse("chats:schedule_ics")))

    assert sorted(str(e["UID"]) for e in events) == sorted(
        f"chat-{chat.pk}@127.0.0.1" for chat in chats
    )
    assert [str(e["SUMMARY"]).split(":")[0] for e in events] == [
        "#KMers",
        "#LibLon",
        "#OzEdChat",
    ]


def _communities_with_chats(count: int, host: User) -> None:
    communities = Community.objects.bulk_create(
        Community(name=f"C{i}", slug=f"c-{i}", hashtag=f"C{i}", time_zone="UTC")
        for i in range(count)
    )
    chats = Chat.objects.bulk_create(
        Chat(community=community, title="Weekly", hashtag=community.hashtag,
             start_at=NOW + timedelta(days=1), end_at=NOW + timedelta(days=1, hours=1))
        for community in communities
    )  # fmt: skip
    ChatHost.objects.bulk_create(ChatHost(chat=chat, member=host) for chat in chats)


def test_it_builds_the_global_feed_with_the_same_queries_for_5_and_200_communities(
    make_user: Callable[..., User], anonymous: Client
) -> None:
    host = make_user("hugo")
    counts = {}
    for total in (5, 200):
        Community.objects.all().delete()
        _communities_with_chats(total, host)
        with CaptureQueriesContext(connection) as queries:
            events = _events(anonymous.get(reverse("chats:schedule_ics")))
        assert len(events) == total
        counts[total] = len(queries)

    assert counts[5] == counts[200] == 2
