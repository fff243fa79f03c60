"""Bluesky rich text (a post's text plus its facets) into the HTML the X renderer emits.

A facet names a span of the text by UTF-8 byte offsets (`index.byteStart`, inclusive, and
`index.byteEnd`, exclusive) and what it is: `app.bsky.richtext.facet#link` (uri),
`#mention` (did) or `#tag` (tag, without "#"). Facets are written by the author's client
and arrive unchecked, so each is trusted only as far as it holds: offsets must be whole
numbers inside the text that fall on character boundaries, a facet overlapping an earlier
one is dropped, a link must be http(s), a mention a DID; a facet that fails shows its
text escaped, never its markup, and never stops the rest of the post from rendering.

Links show the text the facet covers (Bluesky clients already shorten it), mentions link
to the profile on bsky.app by DID (stable when the handle changes), tags to our search,
exactly as `archive.post_html` does for X.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from django.utils.html import escape

from archive.post_html import (
    _LINK_REL,
    DEFAULT_HASHTAG_URL_PREFIX,
    _assemble,
    _escape_text,
    _is_web_url,
)

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"
PROFILE_URL = "https://bsky.app/profile/"
# did:plc:… and did:web:…; the method-specific part as the DID spec allows it.
DID_RE = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
# The lexicon's tag: at most 64 graphemes (640 bytes), no whitespace.
_TAG_RE = re.compile(r"[^\s#\uff03][^\s]{0,639}")
# PostgreSQL stores neither NUL nor (from "\ud83d" escapes in JSON) a lone surrogate.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
# Hashtags typed in the text, for posts whose client wrote no tag facet (and for imports).
TEXT_HASHTAG_RE = re.compile(r"(?<![\w/&])[#\uff03](\w*[^\W\d_]\w*)")

Facet = Mapping[str, Any]


def storable(text: str) -> str:
    """The text with NUL and lone surrogates as U+FFFD: one character for one, so code
    point offsets still hold."""
    return _UNSTORABLE_RE.sub("\ufffd", text) if _UNSTORABLE_RE.search(text) else text


def render_bluesky_html(text: str, facets: object) -> str:
    """Safe HTML for a post's text and facets (any JSON value: what is not a list of
    facets is ignored)."""
    text = text if isinstance(text, str) else ""
    plain = storable(text)
    spans: list[tuple[int, int, str]] = []
    for start, end, feature in _facet_spans(text, facets):
        html = _feature_html(feature, plain[start:end])
        spans.append((start, end, html))
    return _assemble(plain, spans)


def facet_tags(facets: object) -> list[str]:
    """The tags of a post's tag facets, as written (no "#")."""
    return [
        feature["tag"]
        for facet in _facet_list(facets)
        for feature in _features(facet)
        if feature.get("$type") == TAG and _valid_tag(feature.get("tag"))
    ]


def facet_links(facets: object) -> list[str]:
    """The web links of a post's link facets, in order."""
    return [
        feature["uri"]
        for facet in _facet_list(facets)
        for feature in _features(facet)
        if feature.get("$type") == LINK
        and isinstance(feature.get("uri"), str)
        and _is_web_url(feature["uri"])
    ]


def _facet_list(facets: object) -> list[Facet]:
    if not isinstance(facets, list):
        return []
    return [f for f in facets if isinstance(f, Mapping)]


def _features(facet: Facet) -> list[Mapping[str, Any]]:
    features = facet.get("features")
    if not isinstance(features, list):
        return []
    return [f for f in features if isinstance(f, Mapping)]


def _facet_spans(text: str, facets: object) -> Iterator[tuple[int, int, Mapping[str, Any]]]:
    """(start, end, feature) in code points, sorted, never overlapping."""
    facet_list = _facet_list(facets)
    if not facet_list:
        return
    boundaries = _char_offsets(text)
    candidates = []
    for order, facet in enumerate(facet_list):
        span = _span(facet.get("index"), boundaries)
        feature = next((f for f in _features(facet) if _usable(f)), None)
        if span is not None and feature is not None:
            candidates.append((span[0], order, span[1], feature))
    end_of_last = 0
    for start, _order, end, feature in sorted(candidates, key=lambda c: (c[0], c[1])):
        if start >= end_of_last:
            end_of_last = end
            yield start, end, feature


def _char_offsets(text: str) -> dict[int, int]:
    """Each UTF-8 byte offset that starts a character (and the end) → its code point offset."""
    offsets, position = {}, 0
    for index, char in enumerate(text):
        offsets[position] = index
        # A lone surrogate (kept as U+FFFD) takes the three bytes "surrogatepass" gives it.
        position += len(char.encode("utf-8", "surrogatepass"))
    offsets[position] = len(text)
    return offsets


def _span(index: object, boundaries: dict[int, int]) -> tuple[int, int] | None:
    if not isinstance(index, Mapping):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not (_is_int(start) and _is_int(end)):
        return None
    # Offsets in the middle of a character, or beyond the text, are not in `boundaries`.
    if start not in boundaries or end not in boundaries or start >= end:
        return None
    return boundaries[start], boundaries[end]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _usable(feature: Mapping[str, Any]) -> bool:
    kind = feature.get("$type")
    if kind == LINK:
        return isinstance(feature.get("uri"), str) and _is_web_url(feature["uri"])
    if kind == MENTION:
        did = feature.get("did")
        return isinstance(did, str) and DID_RE.fullmatch(did) is not None
    if kind == TAG:
        return _valid_tag(feature.get("tag"))
    return False


def _valid_tag(tag: object) -> bool:
    return isinstance(tag, str) and _TAG_RE.fullmatch(tag) is not None


def _feature_html(feature: Mapping[str, Any], shown: str) -> str:
    kind = feature["$type"]
    if kind == LINK:
        return f'<a href="{escape(feature["uri"])}" rel="{_LINK_REL}">{_escape_text(shown)}</a>'
    if kind == MENTION:
        href = PROFILE_URL + quote(feature["did"], safe=":")
        return f'<a href="{escape(href)}" rel="{_LINK_REL}">{_escape_text(shown)}</a>'
    href = DEFAULT_HASHTAG_URL_PREFIX + quote(feature["tag"], safe="")
    return f'<a href="{escape(href)}">{_escape_text(shown)}</a>'


def post_hashtags(text: str, facets: object, tags: object) -> tuple[str, ...]:
    """Lower case, no "#", first appearance first: tag facets, then the record's own
    `tags` (hashtags a client attached without showing them), then #words in the text."""
    found: list[str] = list(facet_tags(facets))
    if isinstance(tags, Sequence) and not isinstance(tags, str):
        found += [t.lstrip("#\uff03") for t in tags if _valid_tag(t)]
    if isinstance(text, str):
        found += TEXT_HASHTAG_RE.findall(text)
    return tuple(dict.fromkeys(storable(t).lower() for t in found if t))
