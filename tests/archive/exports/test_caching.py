"""A finished chat's exports: cached, answered by conditional GET, fresh after any change."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from archive.services.moderation import placement_hide
from chats.models import Chat
from community.models import Community
from members.models import User
from tests.archive.exports.conftest import ALICE, NOW, Say, export_url, print_url

pytestmark = pytest.mark.django_db


def _texts(client: Client, url: str) -> list[str]:
    body = client.get(url).content.decode()
    return [row["text"] for row in csv.DictReader(io.StringIO(body, newline=""))]


def test_it_answers_a_conditional_get_with_304(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    first = anonymous.get(export_url(chat, "csv"))

    again = anonymous.get(export_url(chat, "csv"), HTTP_IF_NONE_MATCH=first["ETag"])
    since = anonymous.get(export_url(chat, "csv"), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first["Cache-Control"] == "public, max-age=60"
    assert (again.status_code, since.status_code) == (304, 304)
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_it_gives_each_format_and_the_print_view_its_own_etag(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    etags = {anonymous.get(export_url(chat, fmt))["ETag"] for fmt in ("md", "csv", "json")}
    etags.add(anonymous.get(print_url(chat))["ETag"])

    assert len(etags) == 4


def test_it_shows_a_late_post_at_once(anonymous: Client, chat: Chat, say: Say) -> None:
    say(ALICE, "A1 early #KMers", minutes=7)
    first = anonymous.get(export_url(chat, "csv"))

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        say(ALICE, "A1 late #KMers", minutes=50)
        again = anonymous.get(export_url(chat, "csv"), HTTP_IF_NONE_MATCH=first["ETag"])
        texts = _texts(anonymous, export_url(chat, "csv"))

    assert again.status_code == 200
    assert texts == ["A1 early #KMers", "A1 late #KMers"]


def test_it_leaves_out_a_post_hidden_after_the_export_was_cached(
    anonymous: Client, chat: Chat, say: Say, moderator_user: User, community: Community
) -> None:
    say(ALICE, "A1 fine #KMers", minutes=7)
    say(ALICE, "A1 spam #KMers", minutes=8)
    assert _texts(anonymous, export_url(chat, "csv")) == ["A1 fine #KMers", "A1 spam #KMers"]
    placement = chat.placements.get(post__text="A1 spam #KMers")

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        placement_hide(placement=placement, actor=moderator_user, reason="spam")
        texts = _texts(anonymous, export_url(chat, "csv"))

    assert texts == ["A1 fine #KMers", ""]


def test_it_never_caches_a_live_chats_exports(
    anonymous: Client, community: Community, say: Say
) -> None:
    live = Chat.objects.create(
        community=community, title="Live one", hashtag="KMers",
        start_at=NOW - timedelta(minutes=10), end_at=NOW + timedelta(minutes=50),
    )  # fmt: skip

    response = anonymous.get(export_url(live, "csv"))

    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")


def test_it_caches_the_printable_transcript_per_time_zone(
    chat: Chat, discussed: dict[str, Any]
) -> None:
    berlin, tokyo = Client(), Client()
    berlin.cookies["tz"] = "Europe/Berlin"
    tokyo.cookies["tz"] = "Asia/Tokyo"

    first_berlin = berlin.get(print_url(chat))
    first_tokyo = tokyo.get(print_url(chat))
    again_berlin = berlin.get(print_url(chat))

    assert "18:05 CET" in again_berlin.content.decode()
    assert "02:05 JST" in first_tokyo.content.decode()
    assert first_berlin["ETag"] == again_berlin["ETag"] != first_tokyo["ETag"]
    assert "Cookie" in again_berlin["Vary"]
    not_modified = berlin.get(print_url(chat), HTTP_IF_NONE_MATCH=first_berlin["ETag"])
    assert not_modified.status_code == 304
    assert tokyo.get(print_url(chat), HTTP_IF_NONE_MATCH=first_berlin["ETag"]).status_code == 200
