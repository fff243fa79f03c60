"""A finished chat's transcript is cached and answers conditional GETs; changes show at once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive.models import HiddenReason, Post, PostPlacement
from archive.services.moderation import placement_hide
from chats.models import Chat
from chats.services.schedule import question_add
from members.models import User
from tests.archive.transcript.conftest import ALICE, BOB, HOST, START, Say, transcript_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(say: Say) -> dict:
    q1 = say(HOST, "Q1 What is an audit? #KMers", minutes=5)
    return say(ALICE, "A1 A map of what we know #KMers", minutes=6, reply_to=q1)


def test_it_sends_validators_and_public_caching_headers_to_anonymous_visitors(
    anonymous: Client, chat: Chat, answered: dict
) -> None:
    response = anonymous.get(transcript_url(chat))

    assert response.status_code == 200
    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in response["Vary"]
    chat.refresh_from_db()
    assert response["Last-Modified"] == chat.archive_changed_at.strftime(
        "%a, %d %b %Y %H:%M:%S GMT"
    )


def test_it_answers_304_to_a_matching_if_none_match_or_if_modified_since(
    anonymous: Client, chat: Chat, answered: dict
) -> None:
    first = anonymous.get(transcript_url(chat))

    by_etag = anonymous.get(transcript_url(chat), headers={"if-none-match": first["ETag"]})
    by_date = anonymous.get(
        transcript_url(chat), headers={"if-modified-since": first["Last-Modified"]}
    )

    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert by_date.status_code == 304


def test_it_varies_the_etag_with_view_handle_zone_and_visitor(
    anonymous: Client, member: Client, chat: Chat, answered: dict
) -> None:
    tokyo = Client()
    tokyo.cookies["tz"] = "Asia/Tokyo"

    etags = {
        anonymous.get(transcript_url(chat))["ETag"],
        anonymous.get(transcript_url(chat, view="time"))["ETag"],
        anonymous.get(transcript_url(chat, view="participant", handle="alice"))["ETag"],
        anonymous.get(transcript_url(chat, view="participant", handle="hannahhost"))["ETag"],
        tokyo.get(transcript_url(chat))["ETag"],
        member.get(transcript_url(chat))["ETag"],
    }

    assert len(etags) == 6
    assert member.get(transcript_url(chat))["Cache-Control"].startswith("private")


def test_it_serves_the_body_from_the_cache_with_one_query(
    anonymous: Client, chat: Chat, answered: dict
) -> None:
    anonymous.get(transcript_url(chat))
    # Changed behind the archive version's back: the cached body does not know.
    Post.objects.filter(external_id=answered["id"]).update(html="Silently edited")

    with CaptureQueriesContext(connection) as queries:
        html = anonymous.get(transcript_url(chat)).content.decode()

    assert "A map of what we know" in html
    assert "Silently edited" not in html
    assert len(queries) == 1  # the chat with its community


def test_it_shows_a_late_post_at_once_and_a_stale_etag_gets_the_new_page(
    anonymous: Client, chat: Chat, answered: dict, say: Say
) -> None:
    first = anonymous.get(transcript_url(chat))

    say(BOB, "A1 Late but keen #KMers", minutes=50)
    again = anonymous.get(transcript_url(chat), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "Late but keen" in again.content.decode()


def test_it_shows_a_moderation_action_at_once(
    anonymous: Client, chat: Chat, answered: dict, moderator_user: User
) -> None:
    first = anonymous.get(transcript_url(chat))
    placement = PostPlacement.objects.get(post__external_id=answered["id"])
    placement_hide(placement=placement, actor=moderator_user, reason=HiddenReason.ABUSE)

    again = anonymous.get(transcript_url(chat), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    html = again.content.decode()
    assert "A map of what we know" not in html
    assert "Removed: Hidden by the moderators: Abusive or harassing" in html


def test_it_regroups_at_once_when_an_organiser_edits_the_questions(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    say(ALICE, "A2 Nobody asked yet #KMers", minutes=20)
    first = anonymous.get(transcript_url(chat))

    question_add(chat=chat, text="What did the audit find?", planned_minute=0)
    question_add(chat=chat, text="Who keeps the map?", planned_minute=15)
    again = anonymous.get(transcript_url(chat), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert "Who keeps the map?" in again.content.decode()


def test_it_never_caches_a_live_chat(anonymous: Client, chat: Chat, answered: dict) -> None:
    with time_machine.travel(START + timedelta(minutes=30)):
        first = anonymous.get(transcript_url(chat))
        Post.objects.filter(external_id=answered["id"]).update(html="Edited while live")
        again = anonymous.get(transcript_url(chat))

    assert first["Cache-Control"] == again["Cache-Control"] == "no-store"
    assert "Edited while live" in again.content.decode()


def test_it_gives_a_new_session_of_the_same_member_a_new_etag(
    member_user: User, chat: Chat, answered: dict
) -> None:
    first, second = Client(), Client()
    first.force_login(member_user)
    second.force_login(member_user)

    etag = first.get(transcript_url(chat))["ETag"]

    assert first.get(transcript_url(chat), headers={"if-none-match": etag}).status_code == 304
    assert second.get(transcript_url(chat), headers={"if-none-match": etag}).status_code == 200
