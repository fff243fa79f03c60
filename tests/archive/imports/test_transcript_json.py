"""Our own JSON export imports back into an empty site and renders the same transcript."""

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from archive.imports.transcript_json import pages, safe_post_html
from archive.models import Account, Network, Post, PostPlacement
from archive.services.imports import posts_import
from archive.services.ingest import posts_store
from archive.sources.base import NormalisedAccount, NormalisedPost
from chats.models import Chat
from community.models import Community
from tests.archive.exports.conftest import ALICE, BOB, CAROL, HOST, NOW, START, export_url
from tests.archive.support import Say

pytestmark = pytest.mark.django_db


def _other_network_posts() -> list[NormalisedPost]:
    dana = NormalisedAccount(
        network=Network.MASTODON,
        external_id="https://scholar.social/users/dana",
        handle="dana@scholar.social",
        display_name="Dana D",
        avatar_url="https://scholar.social/avatars/dana.png",
    )
    erin = NormalisedAccount(
        network=Network.BLUESKY,
        external_id="did:plc:erin1234",
        handle="erin.bsky.social",
        display_name="Erin ✨",
    )
    return [
        NormalisedPost(
            network=Network.MASTODON,
            external_id="https://scholar.social/users/dana/statuses/1001",
            author=dana,
            text="A1 From the fediverse: ask people first #KMers",
            html='A1 From the fediverse: ask people first <a href="/search/?q=%23KMers">#KMers</a>',
            created_at=START + timedelta(minutes=10, seconds=1, milliseconds=250),
            hashtags=("kmers",),
            metrics={"likes": 3, "replies": 0, "reposts": 1, "quotes": 0},
            url="https://scholar.social/@dana/1001",
        ),
        NormalisedPost(
            network=Network.BLUESKY,
            external_id="at://did:plc:erin1234/app.bsky.feed.post/3kabc",
            author=erin,
            text="A1 and from Bluesky: https://example.org/maps #KMers",
            html=(
                'A1 and from Bluesky: <a href="https://example.org/maps" rel="nofollow noopener '
                'ugc">example.org/maps</a> <a href="/search/?q=%23KMers">#KMers</a>'
            ),
            created_at=START + timedelta(minutes=12),
            hashtags=("kmers",),
            links=({"url": "https://example.org/maps", "title": "Knowledge maps"},),
            media=(
                {
                    "type": "photo",
                    "url": "https://cdn.bsky.app/img/a.jpg",
                    "preview_url": "https://cdn.bsky.app/img/a_thumb.jpg",
                },
            ),
            url="https://bsky.app/profile/erin.bsky.social/post/3kabc",
        ),
    ]


def _transcripts(client: Client, chat: Chat) -> dict[str, str]:
    """Each view's post lists and recap, placement ids (row numbers) left out."""
    url = reverse("archive:transcript", kwargs={"slug": chat.community.slug, "pk": chat.pk})
    shown = {}
    for view in ("questions", "time", "participant"):
        response = client.get(url, {"view": view})
        assert response.status_code == 200
        page = response.content.decode()
        article = page[page.index('<article class="transcript-page">') : page.index("</article>")]
        shown[view] = re.sub(r'data-placement="\d+"', "", article)
    return shown


def _wipe() -> None:
    PostPlacement.objects.all().delete()
    Post.objects.all().delete()
    Account.objects.all().delete()
    Chat.objects.all().mark_archive_changed()  # what shows changed: no cached transcript


def test_it_renders_the_same_transcript_after_an_export_and_an_import_into_an_empty_site(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    q1 = say(HOST, "Q1: What is a knowledge audit? #KMers", minutes=5)
    a1 = say(ALICE, "A1 An inventory of what we know & <don't> #KMers 🧭", minutes=7, likes=4)
    say(BOB, "A1: Asking who knows what #KMers", minutes=8, likes=9)
    say(CAROL, "@alice so true #KMers", minutes=9, reply_to=a1)
    say(CAROL, "Good read https://t.co/abc123 #KMers", minutes=20,
        links={"https://t.co/abc123": "https://example.org/audits"})  # fmt: skip
    with transaction.atomic():
        posts_store(posts=_other_network_posts())
    before = _transcripts(anonymous, chat)
    exported = anonymous.get(export_url(chat, "json")).content
    assert all(shown in before["time"] for shown in ("Dana D", "Erin ✨", q1["id"]))

    # Transcripts are cached by the moment their chat's archive last changed: the clock
    # moves between the wipe and the import, as it would.
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _wipe()
        assert "Dana D" not in _transcripts(anonymous, chat)["time"]
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        summary = posts_import(stream=io.BytesIO(exported), format=None, community=chat.community)

    assert (summary.format, summary.new, summary.skipped) == ("json", 7, 0)
    assert len(summary.in_chats) == 7
    assert _transcripts(anonymous, chat) == before


def test_it_cannot_bring_back_hidden_or_removed_posts_and_says_so(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    exported = anonymous.get(export_url(chat, "json")).content
    _wipe()

    summary = posts_import(stream=io.BytesIO(exported), format="json", community=chat.community)

    assert summary.new == 5
    assert summary.skipped == 2
    hidden = discussed["hidden"]["id"]
    assert any(
        r.startswith("record ") and f"post {hidden}: exported without its text" in r
        for r in summary.reasons
    )
    assert not Post.objects.filter(external_id=hidden).exists()


def test_it_keeps_nothing_of_hostile_html_but_text_breaks_and_web_links() -> None:
    hostile = (
        '<script>alert(1)</script><a href="javascript:alert(1)">x</a><b onclick="y">bold</b>'
        '<a href="https://ok.example/" rel="nofollow" onmouseover="z">ok</a><br/>'
        "<img src=x onerror=alert(1)>&lt;kept&gt; it's"
    )

    assert safe_post_html(hostile) == (
        'xbold<a href="https://ok.example/" rel="nofollow">ok</a><br>&lt;kept&gt; it&#x27;s'
    )


def test_it_skips_broken_records_with_their_number_and_reads_the_rest() -> None:
    good = {
        "post_id": "1", "network": "x", "author_id": "7", "author_handle": "alice",
        "author_name": "Alice", "text": "hi #KMers", "html": "hi #KMers",
        "created_at_utc": "2026-11-24T17:05:00Z", "hashtags": ["KMers"],
    }  # fmt: skip
    document = {
        "posts": [
            good,
            "not an object",
            {**good, "post_id": "2", "network": "myspace"},
            {**good, "post_id": "3", "created_at_utc": "yesterday"},
            {**good, "post_id": "4", "author_id": ""},
            {**good, "post_id": "../5"},
        ]
    }

    (page,) = pages(io.BytesIO(json.dumps(document).encode()), hashtags=frozenset())

    assert [p.external_id for p in page.posts] == ["1"]
    assert page.posts[0].hashtags == ("kmers",)
    assert [s.reason for s in page.skipped] == [
        "record 2: post (no id): not a JSON object",
        "record 3: post 2: unknown network 'myspace'",
        "record 4: post 3: created_at 'yesterday' is not a timestamp",
        "record 5: post 4: author_id is missing: exported before imports were possible",
        "record 6: post ../5: an X post's post_id and author_id are numeric ids",
    ]
    (broken,) = pages(io.BytesIO(b'{"chat": {"id": 1}'), hashtags=frozenset())
    assert broken.skipped[0].reason.startswith("record 0: not a JSON document")


def test_it_places_imported_posts_in_the_community_chat_by_time(
    anonymous: Client, chat: Chat, community: Community, say: Say
) -> None:
    say(ALICE, "A1 early #KMers", minutes=3)
    exported = anonymous.get(export_url(chat, "json")).content
    _wipe()

    posts_import(stream=io.BytesIO(exported), format="detect", community=community)

    placement = PostPlacement.objects.get()
    assert (placement.community_id, placement.chat_id) == (community.pk, chat.pk)
