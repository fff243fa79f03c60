"""Safe HTML for a post's text, rendered once at ingest from the network's entities.

Where X's entity offsets point (researched, since X's v2 docs do not say):
- They count Unicode code points, not UTF-16 units or bytes (twitter-text-js PR #39,
  "Twitter API ... produces indices based on Unicode where supplementary characters are
  counted as single characters"; Twitter4J PR #263). A Python str indexes code points,
  so no conversion is needed for emoji and other astral characters.
- They refer to the text as delivered, where X has escaped "&", "<", ">" as "&amp;",
  "&lt;", "&gt;": Twitter4J's HTMLEntityTest, built on the real status
  https://twitter.com/WHO/status/874656370829799424, has "#Maldives" at 28 only when
  "&amp;" counts as five; moa issue #107 (FedStoa/moa) broke by unescaping first. That
  evidence is from v1.1 and no source states it for v2, so each entity is checked against
  the text it must cover, and the unescaped reading is tried when the escaped one misses.
"""

import re
from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import Any
from urllib.parse import quote, urlsplit

from django.utils.html import escape

Entity = Mapping[str, Any]

_X_ESCAPES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
_X_ESCAPE_RE = re.compile("|".join(_X_ESCAPES))
_HANDLE_RE = re.compile(r"\w{1,50}", re.ASCII)
_LINK_REL = "nofollow noopener ugc"
DEFAULT_HASHTAG_URL_PREFIX = "/search/?q=%23"


def unescape_x_text(text: str) -> str:
    """X escapes exactly these three in post text; any other "&…;" is what the author typed."""
    return _X_ESCAPE_RE.sub(lambda m: _X_ESCAPES[m.group()], text)


def render_post_html(
    text: str,
    *,
    urls: Sequence[Entity] = (),
    mentions: Sequence[Entity] = (),
    hashtags: Sequence[Entity] = (),
) -> str:
    """Render X's post text (as X sends it, escaped) with its v2 entities into safe HTML.

    Links show their display URL, mentions link to the profile on X, hashtags link to
    our own search (DEFAULT_HASHTAG_URL_PREFIX + tag), links to attached media are left out
    (the template shows the media); everything else is escaped.
    """
    plain, raw_to_plain = _unescape_with_map(text)
    candidates = [
        *((e, _url_token(e), _url_html) for e in urls),
        *((e, _mention_token(e), _mention_html) for e in mentions),
        *((e, _hashtag_token(e), _hashtag_html) for e in hashtags),
    ]
    spans: list[tuple[int, int, str]] = []
    for entity, token, to_html in candidates:
        if token is None:
            continue
        span = _locate(entity, token, plain, raw_to_plain, spans)
        if span is not None:
            start, end = span
            spans.append((start, end, to_html(entity, plain[start:end])))
    return _assemble(plain, sorted(spans))


def _unescape_with_map(raw: str) -> tuple[str, list[int]]:
    """The unescaped text, and for each raw offset (0..len) the matching unescaped offset."""
    if "&" not in raw:  # most posts: nothing to unescape, offsets map to themselves
        return raw, list(range(len(raw) + 1))
    plain: list[str] = []
    raw_to_plain: list[int] = []
    done = size = 0  # raw characters consumed, unescaped characters produced
    # Whole runs between escapes at once: a regex match at every character was most of
    # normalise_x_page's time in benchmarks/ingest.py.
    for match in _X_ESCAPE_RE.finditer(raw):
        run = raw[done : match.start()]
        raw_to_plain += range(size, size + len(run))
        size += len(run)
        raw_to_plain += [size] * (match.end() - match.start())
        plain += [run, _X_ESCAPES[match.group()]]
        size += 1
        done = match.end()
    raw_to_plain += range(size, size + len(raw) - done + 1)
    plain.append(raw[done:])
    return "".join(plain), raw_to_plain


def _locate(
    entity: Entity,
    token: str,
    plain: str,
    raw_to_plain: list[int],
    taken: list[tuple[int, int, str]],
) -> tuple[int, int] | None:
    start, end = entity.get("start"), entity.get("end")
    tries: list[tuple[int, int]] = []
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end < len(raw_to_plain):
        tries.append((raw_to_plain[start], raw_to_plain[end]))
        tries.append((start, end))
    # Last resort for offsets that fit neither reading: the token's first free occurrence.
    # Searched only when the offsets miss, which they rarely do.
    for s, e in chain(tries, _occurrences(token, plain)):
        if e <= len(plain) and _covers(plain[s:e], token) and _is_free(s, e, taken):
            return s, e
    return None


def _occurrences(token: str, plain: str) -> Iterator[tuple[int, int]]:
    for match in re.finditer(re.escape(token), plain, re.IGNORECASE):
        yield match.span()


def _covers(fragment: str, token: str) -> bool:
    # Hashtags may start with the full-width number sign, which X accepts as "#".
    if token.startswith("#") and fragment[:1] in ("#", "\uff03"):
        return fragment[1:].casefold() == token[1:].casefold()
    return fragment.casefold() == token.casefold()


def _is_free(start: int, end: int, taken: list[tuple[int, int, str]]) -> bool:
    return all(end <= s or start >= e for s, e, _ in taken)


def _assemble(plain: str, spans: list[tuple[int, int, str]]) -> str:
    parts, pos = [], 0
    for start, end, html in spans:
        parts += [_escape_text(plain[pos:start]), html]
        pos = end
    parts.append(_escape_text(plain[pos:]))
    # Trailing space is left where a media link was dropped from the end.
    return "".join(parts).rstrip()


def _escape_text(text: str) -> str:
    return str(escape(text)).replace("\r\n", "\n").replace("\n", "<br>")


def _url_token(entity: Entity) -> str | None:
    url = entity.get("url")
    return url if isinstance(url, str) and url else None


def _mention_token(entity: Entity) -> str | None:
    username = entity.get("username")
    if isinstance(username, str) and _HANDLE_RE.fullmatch(username):
        return "@" + username
    return None


def _hashtag_token(entity: Entity) -> str | None:
    tag = entity.get("tag")
    return "#" + tag if isinstance(tag, str) and tag else None


def _url_html(entity: Entity, shown: str) -> str:
    if _is_media_link(entity):
        return ""
    expanded = entity.get("expanded_url") or entity.get("url")
    display = entity.get("display_url") or expanded
    if not (isinstance(expanded, str) and isinstance(display, str) and _is_web_url(expanded)):
        return _escape_text(shown)
    return f'<a href="{escape(expanded)}" rel="{_LINK_REL}">{escape(display)}</a>'


def link_display_names(urls: object) -> dict[str, str]:
    """Each t.co link of a post's text → what its HTML shows instead: the display URL, or
    nothing for a link to attached media. For plain-text views of the text (search)."""
    names: dict[str, str] = {}
    for entity in urls if isinstance(urls, list) else []:
        token = _url_token(entity) if isinstance(entity, dict) else None
        if token is None:
            continue
        display = entity.get("display_url") or entity.get("expanded_url")
        if _is_media_link(entity):
            names[token] = ""
        elif isinstance(display, str) and display:
            names[token] = display
    return names


_POST_HOSTS = {"x.com", "twitter.com", "www.x.com", "www.twitter.com", "mobile.twitter.com"}


def shared_links(urls: Sequence[Entity]) -> tuple[dict[str, str], ...]:
    """The web resources a post shares, for a chat's recap: each {"url", "title"} once.

    Media attachments and links to other posts (quotes) are not resources.
    """
    found: dict[str, dict[str, str]] = {}
    for entity in urls:
        url = entity.get("unwound_url") or entity.get("expanded_url") or entity.get("url")
        if _is_media_link(entity) or not isinstance(url, str) or not _is_web_url(url):
            continue
        if (urlsplit(url).hostname or "").lower() in _POST_HOSTS:
            continue
        title = entity.get("title")
        found.setdefault(url, {"url": url, "title": title if isinstance(title, str) else ""})
    return tuple(found.values())


def _is_media_link(entity: Entity) -> bool:
    # X appends a t.co link for attached media; the template shows the media itself.
    display = entity.get("display_url")
    is_pic = isinstance(display, str) and display.startswith(("pic.x.com/", "pic.twitter.com/"))
    return "media_key" in entity or is_pic


def _is_web_url(url: str) -> bool:
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _mention_html(entity: Entity, shown: str) -> str:
    href = "https://x.com/" + quote(entity["username"], safe="")
    return f'<a href="{escape(href)}" rel="{_LINK_REL}">{escape(shown)}</a>'


def _hashtag_html(entity: Entity, shown: str) -> str:
    href = DEFAULT_HASHTAG_URL_PREFIX + quote(entity["tag"], safe="")
    return f'<a href="{escape(href)}">{escape(shown)}</a>'
