"""Atom feeds of new transcripts, per community and for the whole site."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Post, PostPlacement
from chats.models import Chat
from chats.services.schedule import chat_cancel
from community.models import Community
from community.services import community_create
from members.models import User
from tests.archive.exports.conftest import ALICE, BOB, NOW, make_ended_chat
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _post_in(chat: Chat, *authors: dict[str, Any], text: str = "hello") -> None:
    tweets = [
        make_tweet(
            author=author,
            text=f"{text} {n} #{chat.hashtag}",
            created_at=chat.start_at + timedelta(minutes=n + 1),
        )
        for n, author in enumerate(authors)
    ]
    archive_tweets(tweets, users=list({a["id"]: a for a in authors}.values()))


def _feed(client: Client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 — our own output
    assert root.tag == f"{ATOM}feed"
    return root


def _entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def _text(entry: ET.Element, name: str) -> str:
    element = entry.find(f"{ATOM}{name}")
    assert element is not None, name
    return element.text or ""


def test_it_lists_ended_chats_with_posts_newest_first_with_counts(
    anonymous: Client, community: Community
) -> None:
    older = make_ended_chat(community, title="Older chat", days=7)
    newer = make_ended_chat(community, title="Newer chat")
    _post_in(older, ALICE)
    _post_in(newer, ALICE, BOB, ALICE)

    root = _feed(anonymous, reverse("archive:community_feed", kwargs={"slug": "kmers"}))

    entries = _entries(root)
    assert [_text(e, "title") for e in entries] == ["Newer chat (#KMers)", "Older chat (#KMers)"]
    assert _text(entries[0], "summary") == "3 posts, 2 participants"
    assert _text(entries[1], "summary") == "1 post, 1 participant"
    link = entries[0].find(f"{ATOM}link").attrib["href"]
    assert link == f"http://testserver/communities/kmers/chats/{newer.pk}/transcript/"
    assert _text(entries[0], "id") == link
    assert _text(entries[0].find(f"{ATOM}author"), "name") == "Knowledge Managers"
    assert _text(entries[0], "published") == "2026-11-24T18:00:00+00:00"
    # The archive changed when the posts were stored (now): late posts re-announce it.
    assert _text(entries[0], "updated") == NOW.isoformat()
    assert _text(root, "title") == "#KMers transcripts · Hashtag Commons"
    self_link = root.find(f"{ATOM}link[@rel='self']").attrib["href"]
    assert self_link == "http://testserver/communities/kmers/transcripts.atom"


def test_it_leaves_out_live_upcoming_cancelled_and_empty_chats(
    anonymous: Client, community: Community
) -> None:
    live = Chat.objects.create(
        community=community,
        title="Live chat",
        hashtag="KMers",
        start_at=NOW - timedelta(minutes=5),
        end_at=NOW + timedelta(minutes=55),
    )
    _post_in(live, ALICE)
    make_ended_chat(community, title="Empty chat", days=1)
    cancelled = make_ended_chat(community, title="Cancelled chat", days=14)
    _post_in(cancelled, ALICE)
    chat_cancel(chat=cancelled)
    edited_only = make_ended_chat(community, title="Only edited-away versions", days=21)
    _post_in(edited_only, BOB)
    Post.objects.filter(placements__chat=edited_only).update(
        removed=True, removed_reason=Post.REMOVED_EDITED
    )
    kept = make_ended_chat(community, title="Kept chat", days=28)
    _post_in(kept, ALICE)

    root = _feed(anonymous, reverse("archive:site_feed"))

    assert [_text(e, "title") for e in _entries(root)] == ["Kept chat (#KMers)"]


def test_it_counts_only_posts_still_shown(anonymous: Client, community: Community) -> None:
    chat = make_ended_chat(community)
    _post_in(chat, ALICE, BOB)
    PostPlacement.objects.filter(post__author__handle="bob").update(
        hidden=True, hidden_reason="spam"
    )

    root = _feed(anonymous, reverse("archive:site_feed"))

    assert _text(_entries(root)[0], "summary") == "1 post, 1 participant"


def test_it_escapes_titles_once_as_xml(anonymous: Client, community: Community) -> None:
    chat = make_ended_chat(community, title='Tags <script>alert("x")</script> & more')
    _post_in(chat, ALICE)

    response = anonymous.get(reverse("archive:site_feed"))

    assert b"<script>" not in response.content
    root = ET.fromstring(response.content)  # noqa: S314 — our own output
    assert _text(_entries(root)[0], "title") == 'Tags <script>alert("x")</script> & more (#KMers)'


def test_it_keeps_each_communitys_feed_to_its_own_chats_and_the_site_feed_has_all(
    anonymous: Client, community: Community, organiser_user: User
) -> None:
    other = community_create(
        creator=organiser_user,
        data={
            "name": "Library Londoners",
            "hashtag": "LibLon",
            "time_zone": "Europe/London",
            "description": "",
            "rules": "",
            "website": "",
        },
    )
    ours, theirs = (
        make_ended_chat(community, title="Ours", days=1),
        make_ended_chat(other, title="Theirs"),
    )
    _post_in(ours, ALICE)
    _post_in(theirs, BOB)

    community_feed = _feed(anonymous, reverse("archive:community_feed", kwargs={"slug": "liblon"}))
    site_feed = _feed(anonymous, reverse("archive:site_feed"))

    assert [_text(e, "title") for e in _entries(community_feed)] == ["Theirs (#LibLon)"]
    assert [_text(e, "title") for e in _entries(site_feed)] == ["Theirs (#LibLon)", "Ours (#KMers)"]


def test_it_answers_404_for_an_unknown_community(anonymous: Client, db: None) -> None:
    url = reverse("archive:community_feed", kwargs={"slug": "nobody"})

    assert anonymous.get(url).status_code == 404


def test_it_shows_at_most_20_transcripts_in_a_constant_number_of_queries(
    anonymous: Client, community: Community
) -> None:
    people = [make_user(f"p{n}") for n in range(3)]
    url = reverse("archive:community_feed", kwargs={"slug": "kmers"})
    _post_in(make_ended_chat(community, title="Chat 0", days=0), *people)
    anonymous.get(url)  # the Site row is cached after the first request
    with CaptureQueriesContext(connection) as one:
        _feed(anonymous, url)
    for n in range(1, 22):
        _post_in(make_ended_chat(community, title=f"Chat {n}", days=n), *people[: n % 3 + 1])

    with CaptureQueriesContext(connection) as many:
        root = _feed(anonymous, url)

    assert len(_entries(root)) == 20
    assert _text(_entries(root)[-1], "title") == "Chat 19 (#KMers)"
    assert len(one) == len(many) <= 2
