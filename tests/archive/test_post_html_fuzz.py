"""Property: whatever text and entities X sends, the rendered HTML holds only links and breaks.

Feeds random (and deliberately hostile) post texts and entities to the ingest-time
renderer and parses the result: no element or attribute outside a small allow-list
survives, and every link points where the renderer means it to. Besides entities drawn
at random (whose offsets almost never cover their token, so nothing gets linked), every
example carries tokens inserted into its text with entities at (or near) where they
landed, and one well-formed link whose target is a web URL or a hostile one: each
example checks that the first is linked and the second is not.
"""

from html import escape as html_escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from archive.post_html import DEFAULT_HASHTAG_URL_PREFIX, render_post_html, shared_links
from archive.sources.mastodon_objects import render_mastodon_html

ALLOWED = {"a": {"href", "rel"}, "br": set()}
HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>',
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "&lt;script&gt;", "&amp;", "&#x3C;", "\u202e", "\u200b", "\u200d", "\ufeff", "\x00",
    "https://t.co/abc", "@user", "#KMers", "\n", "\r\n", "'", '"', "`", "&", "<", ">",
    "\U0001f600", "\ufffd", "vbscript:msgbox", "//evil.example/", "https://ok.example/?a=1&b=<2>",
]  # fmt: skip
fragments = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
texts = st.lists(fragments, max_size=12).map("".join)
offsets = st.one_of(st.integers(-3, 80), st.none(), st.text(max_size=3), st.floats())
strings = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20), st.none(), st.integers())


def _entity(**fields: st.SearchStrategy) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({"start": offsets, "end": offsets}, optional=fields)


url_entities = _entity(
    url=strings, expanded_url=strings, display_url=strings, unwound_url=strings, title=strings,
    media_key=strings,
)  # fmt: skip
mention_entities = _entity(username=strings)
hashtag_entities = _entity(tag=strings)


REL = "nofollow noopener ugc"
# Targets a link may have, and targets that must never become one (each with its t.co link).
WEB_URLS = [
    "https://example.org/kmers", "http://kmers.example/a?b=1&c=<2>#top",
    'https://ok.example/"onmouseover=alert(1)', "https://xn--bcher-kva.example/\u00fc",
    "HTTPS://UPPER.EXAMPLE/", "https://example.org/&quot;&lt;script&gt;",
]  # fmt: skip
HOSTILE_URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:x",
    "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "//evil.example/",
    "https://ok.example/ onmouseover=alert(1)", "http://evil.example/\x00", "https:evil",
    "http://", "file:///etc/passwd", "\u202ehttps://example.org/",
]  # fmt: skip
T_CO = ["https://t.co/abc123", "https://t.co/KMers0", "http://t.co/x"]
# Tokens placed in the text, with the fields of the entity that covers them.
TOKENS = [
    *(("urls", link, {"url": link, "expanded_url": url}) for link in T_CO for url in WEB_URLS),
    ("urls", "https://t.co/zz", {"url": "https://t.co/zz", "expanded_url": "javascript:x"}),
    ("urls", "https://t.co/<b>", {"url": "https://t.co/<b>", "display_url": "<script>"}),
    ("mentions", "@user", {"username": "user"}),
    ("mentions", "@User_1", {"username": "User_1"}),
    ("mentions", "@<svg>", {"username": "<svg>"}),
    ("mentions", '@a"b', {"username": 'a"b'}),
    ("hashtags", "#KMers", {"tag": "KMers"}),
    ("hashtags", "\uff03KMers", {"tag": "KMers"}),
    ("hashtags", "#k\u00fcmmer", {"tag": "k\u00fcmmer"}),
    ("hashtags", "#<img>", {"tag": "<img>"}),
    ("hashtags", "#a&b", {"tag": "a&b"}),
]
# Mostly where the token landed; sometimes off by a little, or with the wrong length.
shifts = st.sampled_from([(0, 0)] * 4 + [(1, 1), (-1, -1), (5, 5), (0, 1), (0, -1), (-40, 0)])


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    parser.close()
    return parser.elements


def _is_allowed_href(href: str) -> bool:
    if href.startswith(DEFAULT_HASHTAG_URL_PREFIX):
        return True
    parts = urlsplit(href)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _placed(
    data: st.DataObject, pieces: list[str], token: str, fields: dict[str, Any]
) -> dict[str, Any]:
    """Insert `token` among the text's pieces; its entity, with offsets where it landed
    in the text as X would send it (or, sometimes, a little off)."""
    at = data.draw(st.integers(0, len(pieces)))
    start = len("".join(pieces[:at]))
    pieces.insert(at, token)
    shift_start, shift_end = data.draw(shifts)
    return {"start": start + shift_start, "end": start + len(token) + shift_end, **fields}


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    pieces=st.lists(fragments, max_size=10),
    link=st.sampled_from(T_CO),
    target=st.sampled_from(WEB_URLS + HOSTILE_URLS),
    display=st.one_of(st.none(), st.sampled_from(HOSTILE), st.text(max_size=20)),
    urls=st.lists(url_entities, max_size=3),
    mentions=st.lists(mention_entities, max_size=2),
    hashtags=st.lists(hashtag_entities, max_size=2),
)
def test_it_lets_no_element_or_attribute_outside_the_allow_list_survive(
    data: st.DataObject, pieces: list[str], link: str, target: str, display: object,
    urls: list[dict], mentions: list[dict], hashtags: list[dict],
) -> None:  # fmt: skip
    placed: dict[str, list[dict]] = {"urls": urls, "mentions": mentions, "hashtags": hashtags}
    for kind, token, fields in data.draw(st.lists(st.sampled_from(TOKENS), max_size=5)):
        entity = _placed(data, pieces, token, fields)
        placed[kind].insert(data.draw(st.integers(0, len(placed[kind]))), entity)
    # Exactly where it landed, and first of the links, so no other entity takes its place.
    # The token has no "&", "<", ">", so X's escaping around it cannot move its offsets.
    at = data.draw(st.integers(0, len(pieces)))
    start = len("".join(pieces[:at]))
    pieces.insert(at, link)
    checked = {"start": start, "end": start + len(link), "url": link, "expanded_url": target}
    if display is not None:
        checked["display_url"] = display
    text = "".join(pieces)

    html = render_post_html(
        text, urls=[checked, *placed["urls"]], mentions=mentions, hashtags=hashtags
    )

    elements = _elements(html)
    for tag, attrs in elements:
        assert tag in ALLOWED, (tag, html)
        assert set(attrs) <= ALLOWED[tag], (tag, attrs, html)
        if tag == "a":
            assert _is_allowed_href(attrs.get("href") or ""), (attrs, html)
            assert attrs.get("rel") in (None, REL), (attrs, html)
    # Closing tags only for what was opened: nothing smuggled in by an entity's text.
    assert html.count("</a>") == sum(1 for tag, _ in elements if tag == "a")
    links = [attrs for tag, attrs in elements if tag == "a"]
    if target in WEB_URLS:
        assert {"href": target, "rel": REL} in links, (target, html)
    else:
        assert all(attrs.get("href") != target for attrs in links), (target, html)
        assert link in html, html  # shown as text, not dropped


@settings(max_examples=200, deadline=None)
@given(urls=st.lists(url_entities, max_size=5))
def test_it_only_ever_lists_web_links_as_shared_resources(urls: list[dict]) -> None:
    for link in shared_links(urls):
        parts = urlsplit(link["url"])
        assert parts.scheme.lower() in ("http", "https")
        assert parts.netloc
        assert isinstance(link["title"], str)


# --- Bluesky: text plus facets (UTF-8 byte offsets) ------------------------------------

BSKY_TOKENS = [
    ("#KMers", {"$type": "app.bsky.richtext.facet#tag", "tag": "KMers"}),
    ("#k\u00fcmmer", {"$type": "app.bsky.richtext.facet#tag", "tag": "k\u00fcmmer"}),
    ("#<img>", {"$type": "app.bsky.richtext.facet#tag", "tag": "<img>"}),
    ("@olga.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:olga"}),
    ("@evil", {"$type": "app.bsky.richtext.facet#mention", "did": '"><script>'}),
    ("@x", {"$type": "app.bsky.richtext.facet#mention", "did": "javascript:alert(1)"}),
    ("\U0001f9e0\u200d", {"$type": "app.bsky.richtext.facet#tag", "tag": "\U0001f9e0"}),
    ("\u05e9\u05dc\u05d5\u05dd", {"$type": "app.bsky.richtext.facet#tag", "tag": "rtl"}),
]
BSKY_FRAGMENTS = st.one_of(
    fragments, st.sampled_from(["\u05e9\u05dc\u05d5\u05dd", "\U0001f468\u200d\U0001f469", "é"])
)
byte_offsets = st.one_of(st.integers(-3, 120), st.none(), st.text(max_size=3), st.booleans())
bsky_features = st.fixed_dictionaries(
    {"$type": st.sampled_from(["app.bsky.richtext.facet#link", "app.bsky.richtext.facet#mention",
                               "app.bsky.richtext.facet#tag", "x", *HOSTILE[:3]])},
    optional={"uri": strings, "did": strings, "tag": strings},
)  # fmt: skip
bsky_facets = st.fixed_dictionaries(
    {"index": st.fixed_dictionaries({"byteStart": byte_offsets, "byteEnd": byte_offsets})},
    optional={"features": st.one_of(st.lists(bsky_features, max_size=2), strings)},
)


def _bsky_facet(data: st.DataObject, pieces: list[str], token: str, feature: dict) -> dict:
    """Insert `token` among the pieces; a facet over its bytes, sometimes a byte off (into
    the middle of a multi-byte character, or past the end)."""
    at = data.draw(st.integers(0, len(pieces)))
    start = len("".join(pieces[:at]).encode("utf-8", "surrogatepass"))
    pieces.insert(at, token)
    end = start + len(token.encode("utf-8", "surrogatepass"))
    shift_start, shift_end = data.draw(shifts)
    return {"index": {"byteStart": start + shift_start, "byteEnd": end + shift_end},
            "features": [feature]}  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    pieces=st.lists(BSKY_FRAGMENTS, max_size=10),
    target=st.sampled_from(WEB_URLS + HOSTILE_URLS),
    noise=st.lists(bsky_facets, max_size=3),
)
def test_it_lets_no_bluesky_facet_smuggle_markup_or_a_hostile_link(
    data: st.DataObject, pieces: list[str], target: str, noise: list[dict]
) -> None:
    from archive.sources.bluesky_richtext import render_bluesky_html, storable

    placed = [
        _bsky_facet(data, pieces, token, feature)
        for token, feature in data.draw(st.lists(st.sampled_from(BSKY_TOKENS), max_size=4))
    ]
    link_feature = {"$type": "app.bsky.richtext.facet#link", "uri": target}
    alone = not (placed or noise)
    at = data.draw(st.integers(0, len(pieces)))
    start = len("".join(pieces[:at]).encode("utf-8", "surrogatepass"))
    pieces.insert(at, "link text")
    checked = {"index": {"byteStart": start, "byteEnd": start + 9}, "features": [link_feature]}
    facets = [*placed, *noise]
    facets.insert(data.draw(st.integers(0, len(facets))), checked)
    text = "".join(pieces)

    html = render_bluesky_html(text, facets)

    elements = _elements(html)
    for tag, attrs in elements:
        assert tag in ALLOWED, (tag, html)
        assert set(attrs) <= ALLOWED[tag], (tag, attrs, html)
        if tag == "a":
            assert _is_allowed_href(attrs.get("href") or ""), (attrs, html)
            assert attrs.get("rel") in (None, REL), (attrs, html)
    assert html.count("</a>") == sum(1 for tag, _ in elements if tag == "a")
    links = [attrs for tag, attrs in elements if tag == "a"]
    if target not in WEB_URLS:
        assert all(attrs.get("href") != target for attrs in links), (target, html)
    elif alone:
        assert {"href": target, "rel": REL} in links, (target, html)
    # Every character of the text is shown once, linked or not: none lost, none doubled.
    shown = _text_of(html)
    assert shown == storable(text).replace("\r\n", "\n").rstrip(), (text, html)


def _text_of(html: str) -> str:
    parts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            parts.append(data)

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "br":
                parts.append("\n")

    parser = Text(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return "".join(parts).rstrip()


# --- Mastodon: content HTML from a server we do not control ------------------------------

MASTODON_MARKUP = [
    "<p>", "</p>", "<br>", "<br />", "<span>", "</span>", '<span class="invisible">', "</a>",
    '<span class="ellipsis">', '<span class="h-card" translate="no">',
    '<a href="https://mastodon.social/tags/KMers" class="mention hashtag" rel="tag">'
    "#<span>KMers</span></a>",
    '<a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a>',
    '<a href="javascript:alert(1)">', '<a href="https://ok.example/" onclick="alert(1)">',
    "<script>alert(1)</script>", "<style>p{color:red}</style>", '<iframe src="https://evil.example/">',
    '<b style="color:red">', "</b>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<!-- comment -->", "<![CDATA[x]]>", "&lt;script&gt;", ":blobcat:", "\u202e", "<a href=",
    '<a href="https://ok.example/">', '"', "'", "<", ">", "&", "<p dir=rtl>", "<ul><li>",
]  # fmt: skip
mastodon_fragments = st.one_of(
    st.sampled_from(MASTODON_MARKUP), st.sampled_from(HOSTILE), st.text(max_size=12)
)


@settings(max_examples=400, deadline=None)
@given(
    pieces=st.lists(mastodon_fragments, max_size=14),
    target=st.sampled_from(WEB_URLS + HOSTILE_URLS),
    shown=st.text(alphabet="abcdefghij. ", min_size=1, max_size=12),
)
def test_it_reemits_only_links_and_breaks_from_mastodon_content(
    pieces: list[str], target: str, shown: str
) -> None:
    # The checked link is whole and first: whatever follows cannot have opened it.
    link = f'<a href="{html_escape(target)}" rel="nofollow">{html_escape(shown)}</a>'
    html, _text, links = render_mastodon_html(link + " " + "".join(pieces))

    elements = _elements(html)
    for tag, attrs in elements:
        assert tag in ALLOWED, (tag, html)
        assert set(attrs) <= ALLOWED[tag], (tag, attrs, html)
        if tag == "a":
            assert _is_allowed_href(attrs.get("href") or ""), (attrs, html)
            assert attrs.get("rel") in (None, REL), (attrs, html)
    assert html.count("</a>") == sum(1 for tag, _ in elements if tag == "a")
    hrefs = [attrs.get("href") for tag, attrs in elements if tag == "a"]
    if target in WEB_URLS and shown.strip():
        assert target in hrefs, (target, html)
    else:
        assert target not in hrefs, (target, html)
    for shared in links:
        assert urlsplit(shared["url"]).scheme.lower() in ("http", "https")
