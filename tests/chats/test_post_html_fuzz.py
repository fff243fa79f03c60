"""Property: whatever text and entities X sends, the rendered HTML holds only links and breaks.

Feeds random (and deliberately hostile) post texts and entities to the ingest-time
renderer and parses the result: no element or attribute outside a small allow-list
survives, and every link points where the renderer means it to.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from chats.post_html import DEFAULT_HASHTAG_URL_PREFIX, render_post_html, shared_links

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


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _is_allowed_href(href: str) -> bool:
    if href.startswith(DEFAULT_HASHTAG_URL_PREFIX):
        return True
    parts = urlsplit(href)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@settings(max_examples=400, deadline=None)
@given(
    text=texts,
    urls=st.lists(url_entities, max_size=4),
    mentions=st.lists(mention_entities, max_size=3),
    hashtags=st.lists(hashtag_entities, max_size=3),
)
def test_it_lets_no_element_or_attribute_outside_the_allow_list_survive(
    text: str, urls: list[dict], mentions: list[dict], hashtags: list[dict]
) -> None:
    html = render_post_html(text, urls=urls, mentions=mentions, hashtags=hashtags)

    parser = _Collector()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in ALLOWED, (tag, html)
        assert set(attrs) <= ALLOWED[tag], (tag, attrs, html)
        if tag == "a":
            assert _is_allowed_href(attrs.get("href") or ""), (attrs, html)
            assert attrs.get("rel") in (None, "nofollow noopener ugc"), (attrs, html)
    # Closing tags only for what was opened: nothing smuggled in by an entity's text.
    assert html.count("</a>") == sum(1 for tag, _ in parser.elements if tag == "a")


@settings(max_examples=200, deadline=None)
@given(urls=st.lists(url_entities, max_size=5))
def test_it_only_ever_lists_web_links_as_shared_resources(urls: list[dict]) -> None:
    for link in shared_links(urls):
        parts = urlsplit(link["url"])
        assert parts.scheme.lower() in ("http", "https")
        assert parts.netloc
        assert isinstance(link["title"], str)
