"""The printable transcript, the export links, and which chats have exports at all."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from community.models import Community
from tests.archive.exports.conftest import NOW, Say, export_url, make_ended_chat, print_url
from tests.fakes.x_data import make_user

pytestmark = pytest.mark.django_db


def test_it_prints_the_whole_transcript_by_question_and_in_time_order(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    response = anonymous.get(print_url(chat))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html
    assert "<nav" not in html
    assert "site-header" not in html
    assert "/static/css/print.css" in html
    assert html.index("By question") < html.index("Q1 What is a knowledge audit?")
    assert html.index("Conversation") < html.index("In time order")
    # Post HTML from ingest (its hashtag link), twice: once per arrangement.
    assert html.count('Asking who knows what <a href="/search/?q=%23KMers"') == 2
    assert html.count(f'id="post-{discussed["a1b"]["id"]}"') == 1
    assert "Removed: Hidden by the moderators: Spam" in html
    assert "cheap followers" not in html
    assert "(host)" in html
    assert "hannahhost" in html


def test_it_escapes_names_on_the_printable_transcript(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    say(make_user("mallory", name="<script>alert(1)</script>"), "A1 hi #KMers", minutes=9)

    html = anonymous.get(print_url(chat)).content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_shows_times_in_the_visitors_zone_on_the_printable_transcript(
    chat: Chat, discussed: dict[str, Any]
) -> None:
    client = Client()
    client.cookies["tz"] = "Europe/Berlin"

    html = client.get(print_url(chat)).content.decode()

    assert "Tuesday 24 November 2026, 18:00 CET" in html
    assert "18:08 CET" in html


def test_it_links_every_export_from_the_transcript_page(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    transcript = reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk})

    html = anonymous.get(transcript).content.decode()

    for fmt in ("md", "csv", "json"):
        assert f'href="{export_url(chat, fmt)}"' in html
    assert f'href="{print_url(chat)}"' in html


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_it_exports_a_live_chat_so_far(
    anonymous: Client, community: Community, say: Say, fmt: str
) -> None:
    live = Chat.objects.create(
        community=community, title="Live one", hashtag="KMers",
        start_at=NOW - timedelta(minutes=10), end_at=NOW + timedelta(minutes=50),
    )  # fmt: skip

    assert anonymous.get(export_url(live, fmt)).status_code == 200


@pytest.mark.parametrize("fmt", ["txt", "html", "CSV", "csv.exe"])
def test_it_answers_404_for_an_unknown_format(anonymous: Client, chat: Chat, fmt: str) -> None:
    assert anonymous.get(export_url(chat, fmt)).status_code == 404


def test_it_answers_404_for_an_unknown_chat_or_another_communitys_slug(
    anonymous: Client, chat: Chat
) -> None:
    missing = reverse(
        "archive:transcript_export", kwargs={"slug": "kmers", "pk": 999999, "fmt": "csv"}
    )
    wrong_slug = reverse(
        "archive:transcript_export", kwargs={"slug": "other", "pk": chat.pk, "fmt": "csv"}
    )

    assert anonymous.get(missing).status_code == 404
    assert anonymous.get(wrong_slug).status_code == 404
    assert anonymous.get(print_url(Chat(pk=999999, community=chat.community))).status_code == 404


def test_it_answers_404_for_a_scheduled_chat_without_posts(
    anonymous: Client, community: Community
) -> None:
    upcoming = Chat.objects.create(
        community=community, title="Next week", hashtag="KMers",
        start_at=NOW + timedelta(days=7), end_at=NOW + timedelta(days=7, hours=1),
    )  # fmt: skip

    assert anonymous.get(export_url(upcoming, "csv")).status_code == 404
    assert anonymous.get(print_url(upcoming)).status_code == 404


def test_it_exports_an_ended_chat_without_posts_as_an_empty_transcript(
    anonymous: Client, community: Community
) -> None:
    quiet = make_ended_chat(community, title="Nobody came", days=7)

    response = anonymous.get(export_url(quiet, "csv"))

    assert response.status_code == 200
    assert response.content.decode().count("\r\n") == 1  # the header only


@pytest.mark.parametrize("pk", ["0", "99999999999999999999", "9223372036854775808"])
def test_it_answers_404_for_a_chat_id_out_of_range(anonymous: Client, chat: Chat, pk: str) -> None:
    base = export_url(chat, "csv").replace(f"/chats/{chat.pk}/", f"/chats/{pk}/")

    assert anonymous.get(base).status_code == 404
    assert anonymous.get(print_url(chat).replace(f"/{chat.pk}/", f"/{pk}/")).status_code == 404


def test_it_answers_head_requests_and_refuses_posts(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    assert anonymous.head(export_url(chat, "csv")).status_code == 200
    assert anonymous.post(export_url(chat, "csv")).status_code == 405


def test_it_names_a_utc_time_once_and_brings_its_own_icon_on_the_printable_transcript(
    chat: Chat, discussed: dict[str, Any]
) -> None:
    client = Client()
    client.cookies["tz"] = "UTC"

    html = client.get(print_url(chat)).content.decode()

    assert "17:00 UTC" in html
    assert "UTC (UTC)" not in html
    assert "(America/New_York)" in html
    assert 'rel="icon" href="/static/img/favicon' in html
