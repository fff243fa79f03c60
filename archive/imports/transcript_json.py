"""A transcript this site exported as JSON (archive.exports.transcript_json), back in.

Each post is rebuilt as its source stored it, HTML included: that HTML came from a file,
so it is rebuilt from its parts, keeping only what the renderers emit (text, <br>, <a>
with an http(s) or site-relative href) and escaping the text the way they do, so that
our own HTML comes back byte for byte and anything else comes back inert. Hidden and
removed posts were exported without their text: they cannot come back and are skipped.
"""

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from django.utils.html import escape

from archive.networks import Network
from archive.sources.base import NormalisedAccount, NormalisedPost, Page, SkippedItem

PAGE_SIZE = 100
_NETWORKS = {str(n.value) for n in Network}


class _Unusable(Exception):
    pass


def pages(stream: BinaryIO, *, hashtags: frozenset[str]) -> Iterator[Page]:
    try:
        document = json.load(stream)
    except UnicodeDecodeError:
        yield _refused("record 0: not UTF-8 text")
        return
    except ValueError as error:
        yield _refused(f"record 0: not a JSON document ({error})")
        return
    except RecursionError:
        yield _refused("record 0: not a transcript export: nested too deeply")
        return
    records = document.get("posts") if isinstance(document, dict) else None
    if not isinstance(records, list):
        yield _refused("record 0: not a transcript export: it has no list of posts")
        return
    posts: list[NormalisedPost] = []
    skipped: list[SkippedItem] = []
    for number, record in enumerate(records, start=1):
        try:
            post = _post(record)
        except _Unusable as error:
            raw_id = record.get("post_id") if isinstance(record, dict) else None
            post_id = raw_id if isinstance(raw_id, str) and raw_id else None
            reason = f"record {number}: post {post_id or '(no id)'}: {error}"
            skipped.append(SkippedItem(post_id, reason))
        else:
            if not hashtags or hashtags & set(post.hashtags):
                posts.append(post)
        if len(posts) >= PAGE_SIZE or len(skipped) >= PAGE_SIZE:
            yield Page(posts=tuple(posts), skipped=tuple(skipped), result_count=len(posts))
            posts, skipped = [], []
    if posts or skipped:
        yield Page(posts=tuple(posts), skipped=tuple(skipped), result_count=len(posts))


def _refused(reason: str) -> Page:
    return Page(posts=(), skipped=(SkippedItem(None, reason),))


def _post(record: object) -> NormalisedPost:
    if not isinstance(record, Mapping):
        raise _Unusable("not a JSON object")
    if record.get("removed"):
        raise _Unusable(f"exported without its text ({_text(record, 'removed')[:80]})")
    network = _text(record, "network") or Network.X
    if network not in _NETWORKS:
        raise _Unusable(f"unknown network {network[:40]!r}")
    post_id, author_id = _text(record, "post_id"), _text(record, "author_id")
    if not post_id:
        raise _Unusable("post_id is missing")
    if not author_id:
        raise _Unusable("author_id is missing: exported before imports were possible")
    if network == Network.X and not (post_id.isdigit() and author_id.isdigit()):
        # What the live X source would refuse too: X ids are numbers.
        raise _Unusable("an X post's post_id and author_id are numeric ids")
    handle = _text(record, "author_handle")
    url = _web_url(_text(record, "url"))
    return NormalisedPost(
        network=network,
        external_id=post_id,
        author=NormalisedAccount(
            network=network,
            external_id=author_id,
            handle=handle,
            display_name=_text(record, "author_name"),
            avatar_url=_web_url(_text(record, "author_avatar_url")),
        ),
        text=_text(record, "text"),
        html=safe_post_html(_text(record, "html")),
        created_at=_time(record),
        conversation_id=_text(record, "conversation_id") or None,
        reply_to_id=_text(record, "reply_to_id") or None,
        quoted_id=_text(record, "quoted_id") or None,
        language=_text(record, "language"),
        metrics={
            ours: _count(record.get(theirs))
            for ours, theirs in (
                ("likes", "like_count"),
                ("replies", "reply_count"),
                ("reposts", "repost_count"),
                ("quotes", "quote_count"),
            )
        },
        media=tuple(_media(record.get("media"))),
        links=tuple(_links(record)),
        hashtags=tuple(
            dict.fromkeys(t.lower() for t in _list(record.get("hashtags")) if isinstance(t, str))
        ),
        # X posts link by the network's rule; only other networks' URLs are their own.
        url="" if network == Network.X else url,
    )


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _time(record: Mapping[str, Any]) -> datetime:
    value = _text(record, "created_at") or _text(record, "created_at_utc")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Unusable(f"created_at {value[:40]!r} is not a timestamp") from None
    if moment.tzinfo is None:
        raise _Unusable("created_at has no time zone")
    return moment.astimezone(UTC)


def _web_url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    ok = parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in value)
    return value if ok else ""


def _media(value: object) -> Iterator[dict[str, str]]:
    for item in _list(value):
        if not isinstance(item, Mapping):
            continue
        url = _web_url(_text(item, "url"))
        preview = _web_url(_text(item, "preview_url")) or url
        if url or preview:
            yield {"type": _text(item, "type")[:40], "url": url or preview, "preview_url": preview}


def _links(record: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    shared = _list(record.get("shared_links"))
    if not shared:  # an export from before shared_links: the URLs without their titles
        shared = [{"url": u, "title": ""} for u in _list(record.get("links"))]
    for item in shared:
        if isinstance(item, Mapping) and (url := _web_url(_text(item, "url"))):
            yield {"url": url, "title": _text(item, "title")}


def safe_post_html(markup: str) -> str:
    """The post HTML a file holds, with nothing kept but what our renderers emit."""
    builder = _PostHtml()
    builder.feed(markup)
    builder.close()
    return "".join(builder.parts)


class _PostHtml(HTMLParser):
    _DROPPED_WITH_CONTENT = frozenset({"script", "style", "template", "textarea", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open_links = 0
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._DROPPED_WITH_CONTENT:
            self.dropping += 1
        elif self.dropping:
            return
        elif tag == "br":
            self.parts.append("<br>")
        elif tag == "a" and not self.open_links:
            values = dict(attrs)
            href = values.get("href") or ""
            if _web_url(href) or (href.startswith("/") and not href.startswith("//")):
                rel = values.get("rel")
                rel_part = f' rel="{escape(rel)}"' if rel else ""
                self.parts.append(f'<a href="{escape(href)}"{rel_part}>')
                self.open_links += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._DROPPED_WITH_CONTENT:
            self.dropping = max(self.dropping - 1, 0)
        elif tag == "a" and self.open_links and not self.dropping:
            self.parts.append("</a>")
            self.open_links -= 1

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(str(escape(data)))

    def close(self) -> None:
        super().close()
        self.parts += ["</a>"] * self.open_links
        self.open_links = 0
