"""Result snippets: matches marked, everything else escaped; each result links to its post."""

import html
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from archive.selectors.search import marked_snippet
from chats.models import Chat
from tests.archive.search.support import START, found
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db


def test_it_marks_the_matching_words(archive: Callable, search: Callable) -> None:
    archive(["A1 we are still learning to share #KMers"])

    page = search(q="learned").content.decode()

    assert "<mark>learning</mark>" in page


def test_it_escapes_markup_around_the_marked_words(archive: Callable, search: Callable) -> None:
    archive(['A1 <script>alert("x")</script> learning <img src=x onerror=alert(1)> #KMers'])

    page = search(q="learning").content.decode()

    assert "<mark>learning</mark>" in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    # A fragment starts at a word, so the first "<" may fall outside it.
    assert "alert(&quot;x&quot;)&lt;/script&gt; <mark>learning</mark> &lt;img src=x" in page


def test_it_keeps_angle_bracketed_words_in_the_snippet(archive: Callable, search: Callable) -> None:
    archive(["A1 people who are <still> learning #KMers"])

    page = search(q="learning").content.decode()

    assert "are &lt;still&gt; <mark>learning</mark>" in page


def test_it_strips_marker_characters_a_post_brings_itself(
    archive: Callable, search: Callable
) -> None:
    archive(["A1 odd \x02bytes\x03 and learning #KMers"])

    response = search(q="bytes")

    (result,) = response.context["page"].results
    assert str(result.snippet).count("<mark>") == 1
    assert "\x02" not in str(result.snippet)
    assert "\x03" not in str(result.snippet)


def test_it_marks_the_hashtag_of_a_hashtag_search(archive: Callable, search: Callable) -> None:
    archive(["A1 narrate your work #KMers #WOL"])

    page = search(q="#wol").content.decode()

    assert "<mark>WOL</mark>" in page


def test_it_shows_the_start_of_the_post_for_a_filter_only_search(
    archive: Callable, search: Callable
) -> None:
    archive([("A1 a <b>bold</b> claim #KMers", {"author": "bob"})])

    (result,) = search(participant="bob").context["page"].results

    assert str(result.snippet) == "A1 a &lt;b&gt;bold&lt;/b&gt; claim #KMers"


def test_it_never_lets_unmarked_text_through_unescaped() -> None:
    snippet = marked_snippet('<a href="x">\x02<b>\x03 \x02 stray & \x03\x03')

    assert str(snippet) == (
        "&lt;a href=&quot;x&quot;&gt;<mark>&lt;b&gt;</mark> <mark> stray &amp; </mark>"
    )


def test_it_links_a_chat_post_to_its_anchor_in_the_transcript(
    archive: Callable, search: Callable, anonymous: Client, chat: Chat
) -> None:
    (post,) = archive(["A1 onboarding buddies #KMers"])

    page = search(q="onboarding").content.decode()

    url = reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk})
    assert f'href="{url}#post-{post.external_id}"' in page
    assert chat.title in page
    assert f'id="post-{post.external_id}"' in anonymous.get(url).content.decode()


def test_it_links_a_stream_post_to_the_stream_page_that_starts_with_it(
    archive: Callable, search: Callable, anonymous: Client
) -> None:
    stream_posts = archive(
        [
            (f"{'filler' if n else 'serendipity'} between chats {n} #KMers", {"minutes": n - 4000})
            for n in range(60)
        ]
    )
    post = stream_posts[0]  # the oldest: not on the stream's first page of 50

    response = search(q="serendipity")

    assert found(response) == [post]
    (link,) = re.findall(r'class="result-link" href="([^"]+)"', response.content.decode())
    link = html.unescape(link)
    assert link.startswith(reverse("archive:stream", kwargs={"slug": "kmers"}) + "?before=")
    assert link.endswith(f"#post-{post.external_id}")
    assert "Between chats" in response.content.decode()
    stream_page = anonymous.get(link.split("#")[0]).content.decode()
    assert f'id="post-{post.external_id}"' in stream_page


def test_it_shows_the_time_in_the_visitors_zone(
    archive: Callable, anonymous: Client, chat: Chat
) -> None:
    (post,) = archive([("A1 clocks #KMers", {"minutes": 0})])
    anonymous.cookies["tz"] = "Asia/Tokyo"

    response = anonymous.get(reverse("archive:search"), {"q": "clocks"})

    local = (post.created_at + timedelta(hours=9)).strftime("%H:%M")
    assert found(response) == [post]
    assert f"21 Nov 2026, {local} JST" in response.content.decode()


def test_it_shows_links_as_the_transcripts_do_not_as_t_co(chat: Chat, search: Callable) -> None:
    author = make_user("linker")
    tweet = make_tweet(
        author=author,
        text="A2 our wiki guide https://t.co/AbC123 #KMers",
        created_at=START + timedelta(minutes=3),
        links={"https://t.co/AbC123": "https://example.org/wiki-guide"},
    )
    archive_tweets([tweet], users=[author])

    for query in ("wiki", "#KMers"):
        html_page = search(q=query).content.decode()

        assert "t.co/AbC123" not in html_page
        assert "example.org/wiki-guide" in html_page
