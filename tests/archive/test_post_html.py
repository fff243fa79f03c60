"""Post text becomes safe HTML once, at ingest, from X's entities."""

from django.urls import reverse

from archive.post_html import DEFAULT_HASHTAG_URL_PREFIX, render_post_html
from tests.fakes.x_data import escape_x_text

SEARCH = reverse("archive:search") + "?q=%23"


def _entity(raw: str, token: str, **fields: str) -> dict[str, object]:
    """An entity with offsets as X gives them: code points into the escaped text."""
    start = raw.index(token)
    return {"start": start, "end": start + len(token), **fields}


def test_it_links_urls_by_their_display_url() -> None:
    raw = "Slides: https://t.co/AbC123 (long)"
    url = _entity(
        raw,
        "https://t.co/AbC123",
        url="https://t.co/AbC123",
        expanded_url="https://example.org/km/slides?id=1&v=2",
        display_url="example.org/km/slides?i\u2026",
    )

    html = render_post_html(raw, urls=[url])

    assert html == (
        'Slides: <a href="https://example.org/km/slides?id=1&amp;v=2" '
        'rel="nofollow noopener ugc">example.org/km/slides?i\u2026</a> (long)'
    )


def test_it_links_mentions_to_x_and_hashtags_to_our_search() -> None:
    raw = "@Ada_L asks about #KMers and #km"
    html = render_post_html(
        raw,
        mentions=[_entity(raw, "@Ada_L", username="ada_l")],
        hashtags=[_entity(raw, "#KMers", tag="KMers"), _entity(raw, "#km", tag="km")],
    )

    assert html == (
        '<a href="https://x.com/ada_l" rel="nofollow noopener ugc">@Ada_L</a> asks about '
        f'<a href="{SEARCH}KMers">#KMers</a> and <a href="{SEARCH}km">#km</a>'
    )


def test_it_defaults_hashtag_links_to_the_search_page() -> None:
    assert DEFAULT_HASHTAG_URL_PREFIX == SEARCH


def test_it_escapes_markup_once_and_never_unescapes_it() -> None:
    typed = 'Tom & Jerry <script>alert("x")</script> 5 > 3 &amp; "quotes" #km'
    raw = escape_x_text(typed)  # X sends &, <, > escaped

    html = render_post_html(raw, hashtags=[_entity(raw, "#km", tag="km")])

    assert "<script" not in html
    assert html == (
        "Tom &amp; Jerry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 5 &gt; 3 "
        f'&amp;amp; &quot;quotes&quot; <a href="{SEARCH}km">#km</a>'
    )


def test_it_keeps_offsets_right_after_emoji_and_escaped_characters() -> None:
    typed = "🇧🇹 Q&A 😀🙂 <3 #KMers with @ada_l: https://t.co/xyz"
    raw = escape_x_text(typed)

    html = render_post_html(
        raw,
        urls=[
            _entity(
                raw,
                "https://t.co/xyz",
                url="https://t.co/xyz",
                expanded_url="https://example.org/",
                display_url="example.org",
            )
        ],
        mentions=[_entity(raw, "@ada_l", username="ada_l")],
        hashtags=[_entity(raw, "#KMers", tag="KMers")],
    )

    assert html == (
        f'🇧🇹 Q&amp;A 😀🙂 &lt;3 <a href="{SEARCH}KMers">#KMers</a> with '
        '<a href="https://x.com/ada_l" rel="nofollow noopener ugc">@ada_l</a>: '
        '<a href="https://example.org/" rel="nofollow noopener ugc">example.org</a>'
    )


def test_it_also_accepts_offsets_counted_on_the_unescaped_text() -> None:
    typed = "A & B <> #KMers"
    raw = escape_x_text(typed)
    start = typed.index("#KMers")

    html = render_post_html(raw, hashtags=[{"start": start, "end": start + 6, "tag": "KMers"}])

    assert html == f'A &amp; B &lt;&gt; <a href="{SEARCH}KMers">#KMers</a>'


def test_it_does_not_link_javascript_urls() -> None:
    raw = "click https://t.co/evil now"
    url = _entity(
        raw,
        "https://t.co/evil",
        url="https://t.co/evil",
        expanded_url="javascript:alert(document.cookie)",
        display_url="totally-safe.example",
    )

    html = render_post_html(raw, urls=[url])

    assert html == "click https://t.co/evil now"
    assert "javascript" not in html


def test_it_turns_newlines_into_line_breaks_and_leaves_out_media_links() -> None:
    raw = "Q1: What is KM?\n\nA1 below #KMers https://t.co/pic1"
    media_link = _entity(
        raw,
        "https://t.co/pic1",
        url="https://t.co/pic1",
        expanded_url="https://x.com/ada/status/1/photo/1",
        display_url="pic.x.com/pic1",
        media_key="3_1",
    )

    html = render_post_html(raw, urls=[media_link], hashtags=[_entity(raw, "#KMers", tag="KMers")])

    assert html == f'Q1: What is KM?<br><br>A1 below <a href="{SEARCH}KMers">#KMers</a>'


def test_it_quotes_non_ascii_hashtags_in_links() -> None:
    raw = "Bonjour #café"

    html = render_post_html(raw, hashtags=[_entity(raw, "#café", tag="café")])

    assert html == f'Bonjour <a href="{SEARCH}caf%C3%A9">#café</a>'


def test_it_ignores_entities_that_point_at_the_wrong_text() -> None:
    raw = "no tags here"

    html = render_post_html(
        raw, hashtags=[{"start": 0, "end": 2, "tag": "zz"}], mentions=[{"start": 3, "end": 99}]
    )

    assert html == "no tags here"
