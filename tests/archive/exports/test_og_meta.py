"""OpenGraph and Twitter-card meta on the community, chat and transcript pages."""

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from community.models import Community
from tests.archive.exports.conftest import Say

pytestmark = pytest.mark.django_db


def _meta(html: str) -> dict[str, str]:
    """property/name → content, unescaped as a browser (or a card scraper) reads them."""
    pairs = re.findall(
        r'<meta (?:property|name)="((?:og|twitter):[a-z_]+)" content="([^"]*)">', html
    )
    return {key: unescape(value) for key, value in pairs}


def test_it_describes_the_community_page_and_links_its_transcript_feed(
    anonymous: Client, community: Community
) -> None:
    html = anonymous.get(community.get_absolute_url()).content.decode()

    meta = _meta(html)
    assert meta == {
        "og:title": "Knowledge Managers (#KMers)",
        "og:description": "We talk about knowledge.",
        "og:url": "http://testserver/communities/kmers/",
        "og:type": "website",
        "og:site_name": "Hashtag Commons",
        "twitter:card": "summary",
        "twitter:title": "Knowledge Managers (#KMers)",
        "twitter:description": "We talk about knowledge.",
    }
    feed = reverse("archive:community_feed", kwargs={"slug": "kmers"})
    link = '<link rel="alternate" type="application/atom+xml" title="#KMers transcripts" href="'
    assert f'{link}{feed}">' in html


def test_it_escapes_and_shortens_what_organisers_wrote(
    anonymous: Client, community: Community
) -> None:
    Community.objects.filter(pk=community.pk).update(
        name='"><script>alert(1)</script>',
        description_html="<p>" + "Long &amp; winding " * 30 + "</p>",
    )

    html = anonymous.get(community.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    meta = _meta(html)
    assert meta["og:title"] == '"><script>alert(1)</script> (#KMers)'
    assert meta["og:description"].startswith("Long & winding Long & winding")
    assert len(meta["og:description"]) <= 200
    assert meta["og:description"].endswith("…")


def test_it_describes_the_chat_page(anonymous: Client, chat: Chat) -> None:
    html = anonymous.get(chat.get_absolute_url()).content.decode()

    meta = _meta(html)
    assert meta["og:title"] == "#KMers: Knowledge audits"
    assert meta["og:type"] == "article"
    assert meta["og:url"] == f"http://testserver/communities/kmers/chats/{chat.pk}/"
    assert meta["og:description"] == (
        "A #KMers chat of Knowledge Managers, Tuesday 24 November 2026, 17:00 UTC."
    )
    assert meta["twitter:card"] == "summary"


def test_it_uses_the_chats_own_description_escaped(anonymous: Client, chat: Chat) -> None:
    Chat.objects.filter(pk=chat.pk).update(
        title="<b>Audits</b>", description_html='<p>Bring "examples" &amp; <em>stories</em>.</p>'
    )

    html = anonymous.get(chat.get_absolute_url()).content.decode()

    meta = _meta(html)
    assert meta["og:title"] == "#KMers: <b>Audits</b>"
    assert meta["og:description"] == 'Bring "examples" & stories.'
    assert "<b>Audits</b>" not in html


def test_it_describes_the_transcript_page(anonymous: Client, chat: Chat, say: Say) -> None:
    from tests.archive.exports.conftest import ALICE

    say(ALICE, "A1 hello #KMers", minutes=7)
    url = reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk})

    meta = _meta(anonymous.get(url).content.decode())

    assert meta["og:title"] == "#KMers: Knowledge audits — transcript"
    assert meta["og:url"] == f"http://testserver{url}"
    assert meta["og:type"] == "article"
    assert meta["twitter:card"] == "summary"
    assert meta["twitter:description"] == meta["og:description"] != ""


def test_it_renders_no_meta_where_a_page_gives_none(anonymous: Client, db: None) -> None:
    html = anonymous.get(reverse("chats:schedule")).content.decode()

    assert 'property="og:' not in html
    assert 'name="twitter:' not in html
