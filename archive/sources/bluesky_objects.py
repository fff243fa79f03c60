"""Bluesky's JSON shapes into NormalisedPosts: a PostView from searchPosts/getPosts, or a
bare post record from a repository export (CAR), through one normaliser.

- external_id is the post's at:// URI (at://<did>/app.bsky.feed.post/<rkey>), the one
  name every view of a post shares; url is its bsky.app page.
- The author is keyed by DID; handle, display name and avatar fill in from views.
- A reply keeps its parent (reply_to_id) and root (conversation_id); a post that is no
  reply is its own conversation's root.
- Quotes (embed record, or record with media) give quoted_id; images, video and external
  link cards give media and links as X posts do.
- created_at is the record's createdAt when it is a sane, aware timestamp; Bluesky lets
  clients write any string there, so a missing, naive or future one falls back to
  indexedAt (what Bluesky sorts by then too).
"""

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from archive.networks import Network
from archive.post_html import _is_web_url
from archive.sources.base import NormalisedAccount, NormalisedPost, SkippedItem
from archive.sources.bluesky_richtext import (
    DID_RE,
    facet_links,
    post_hashtags,
    render_bluesky_html,
    storable,
)

logger = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
POST_URI_RE = re.compile(
    r"at://(did:[a-z]+:[A-Za-z0-9._:%-]{1,200})/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]{1,512})"
)
POST_PAGE_URL = "https://bsky.app/profile/{actor}/post/{rkey}"
# A createdAt this far past indexedAt is a client's clock or a lie, not the post's time.
FUTURE_SKEW = timedelta(minutes=5)
# Before Bluesky existed: an import or a broken clock; the post is still kept.
EARLIEST = datetime(2022, 1, 1, tzinfo=UTC)
_HTTP_URL_RE = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f][^\s\x00-\x1f\x7f]*", re.IGNORECASE)
_INVALID_HANDLE = "handle.invalid"
_IMAGES = "app.bsky.embed.images#view"
_VIDEO = "app.bsky.embed.video#view"
_EXTERNAL = "app.bsky.embed.external#view"
_RECORD = "app.bsky.embed.record#view"
_RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia#view"
_POST_HOSTS = {"bsky.app", "www.bsky.app"}


class Malformed(ValueError):
    pass


def normalise_post_view(view: object) -> NormalisedPost:
    """One PostView (app.bsky.feed.defs#postView); Malformed when it cannot be stored."""
    if not isinstance(view, Mapping):
        raise Malformed("item is not an object")
    uri = _post_uri(view.get("uri"), "uri")
    author = _mapping(view.get("author"))
    did = author.get("did")
    if not (isinstance(did, str) and DID_RE.fullmatch(did)):
        raise Malformed("author.did is missing or not a DID")
    if uri_did(uri) != did:
        raise Malformed("uri is not in the author's repository")
    record = view.get("record")
    if not isinstance(record, Mapping):
        raise Malformed("record is not an object")
    indexed_at = _time(view.get("indexedAt"))
    if indexed_at is None:
        raise Malformed("indexedAt is missing or not a timestamp")
    embed = _mapping(view.get("embed"))
    return build_post(
        uri=uri,
        account=_account(did, author),
        record=record,
        created_at=created_at(record, indexed_at=indexed_at),
        metrics=_metrics(view),
        embed=embed,
        raw=dict(view),
    )


def skip(item: object, reason: str) -> SkippedItem:
    uri = item.get("uri") if isinstance(item, Mapping) else None
    item_id = uri if isinstance(uri, str) and POST_URI_RE.fullmatch(uri) else None
    logger.warning("Skipped Bluesky post %s: %s", item_id or "(no uri)", reason)
    return SkippedItem(item_id, reason)


def build_post(
    *,
    uri: str,
    account: NormalisedAccount,
    record: Mapping[str, Any],
    created_at: datetime,
    metrics: dict[str, int],
    embed: Mapping[str, Any],
    raw: dict[str, Any],
) -> NormalisedPost:
    """A post from its record and what a view adds (embed views, counts); shared by the
    live source and the CAR importer, so both store the same post the same way."""
    text = record.get("text")
    if not isinstance(text, str):
        raise Malformed("record.text is missing or not a string")
    facets = record.get("facets")
    parent, root = _reply(record.get("reply"))
    handle = account.handle if account.handle not in ("", _INVALID_HANDLE) else account.external_id
    return NormalisedPost(
        network=Network.BLUESKY,
        external_id=uri,
        author=account,
        text=storable(text),
        html=render_bluesky_html(text, facets),
        created_at=created_at,
        conversation_id=root or uri,
        reply_to_id=parent,
        quoted_id=_quoted(embed) or _quoted(_mapping(record.get("embed"))),
        language=_language(record.get("langs")),
        metrics=metrics,
        media=_media(embed),
        links=_links(facets, embed),
        hashtags=post_hashtags(text, facets, record.get("tags")),
        raw=storable_json(raw),
        url=POST_PAGE_URL.format(actor=handle, rkey=uri.rsplit("/", 1)[1]),
    )


def storable_json(value: Any) -> Any:
    """The JSON value with every string storable (see `storable`)."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, Mapping):
        return {storable(str(k)): storable_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable_json(v) for v in value]
    return value


def uri_did(uri: str) -> str:
    return uri.removeprefix("at://").split("/", 1)[0]


def created_at(record: Mapping[str, Any], *, indexed_at: datetime | None) -> datetime:
    """The record's createdAt when usable; else indexedAt; Malformed when neither is."""
    written = _time(record.get("createdAt"))
    if indexed_at is None:
        if written is None:
            raise Malformed("record.createdAt is missing or not a timestamp")
        return written
    if written is None or written > indexed_at + FUTURE_SKEW or written < EARLIEST:
        return indexed_at
    return written


def sort_at(record: Mapping[str, Any], *, indexed_at: datetime) -> datetime:
    """What Bluesky's search orders and filters (since/until) by: the earlier of createdAt
    and indexedAt."""
    written = _time(record.get("createdAt"))
    return min(written, indexed_at) if written else indexed_at


def parse_time(value: object) -> datetime | None:
    return _time(value)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # naive: whose clock? never stored as a guess
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _account(did: str, author: Mapping[str, Any]) -> NormalisedAccount:
    handle = storable(_str(author.get("handle")))
    name = storable(_str(author.get("displayName"))).strip()
    return NormalisedAccount(
        network=Network.BLUESKY,
        external_id=did,
        handle=handle,
        display_name=name or handle,
        avatar_url=_http_url(author.get("avatar")),
    )


def account_from_did(
    did: str, *, display_name: str = "", avatar_url: str = ""
) -> NormalisedAccount:
    """An author known by DID alone (a repository export names no handle): an unknown
    account to the ingest service, which never lets it blank a handle a pull stored, and
    which shows its name (from the export's profile record) until a pull fills it in."""
    return NormalisedAccount(
        network=Network.BLUESKY,
        external_id=did,
        handle="",
        display_name=storable(display_name).strip()[:200],
        avatar_url=_http_url(avatar_url),
    )


def _post_uri(value: object, field: str) -> str:
    if not isinstance(value, str) or not POST_URI_RE.fullmatch(value):
        raise Malformed(f"{field} is not the at:// URI of a post")
    return value


def _reply(reply: object) -> tuple[str | None, str | None]:
    if reply is None:
        return None, None
    if not isinstance(reply, Mapping):
        raise Malformed("record.reply is not an object")
    parent = _post_uri(_mapping(reply.get("parent")).get("uri"), "record.reply.parent.uri")
    root = _post_uri(_mapping(reply.get("root")).get("uri"), "record.reply.root.uri")
    return parent, root


def _quoted(embed: Mapping[str, Any]) -> str | None:
    kind = embed.get("$type")
    if kind in (_RECORD_WITH_MEDIA, "app.bsky.embed.recordWithMedia"):
        embed = _mapping(embed.get("record"))
        kind = embed.get("$type") or _RECORD
    if kind not in (_RECORD, "app.bsky.embed.record"):
        return None
    record = _mapping(embed.get("record"))
    # A view's record (viewRecord, viewNotFound, viewBlocked...) or a record's strongRef:
    # a quote only when it names a post (not a feed, a list or a starter pack).
    uri = record.get("uri")
    return uri if isinstance(uri, str) and POST_URI_RE.fullmatch(uri) else None


def _media(embed: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    if embed.get("$type") == _RECORD_WITH_MEDIA:
        embed = _mapping(embed.get("media"))
    kind = embed.get("$type")
    found = []
    if kind == _IMAGES:
        images = embed.get("images")
        for image in images if isinstance(images, list) else []:
            image = _mapping(image)
            preview = _http_url(image.get("thumb"))
            url = _http_url(image.get("fullsize")) or preview
            if url:
                alt = storable(_str(image.get("alt")))[:1000]
                found.append(
                    {"type": "photo", "url": url, "preview_url": preview or url, "alt": alt}
                )
    elif kind == _VIDEO:
        preview = _http_url(embed.get("thumbnail"))
        url = _http_url(embed.get("playlist")) or preview
        if url:
            alt = storable(_str(embed.get("alt")))[:1000]
            found.append({"type": "video", "url": url, "preview_url": preview or url, "alt": alt})
    return tuple(found)


def _links(facets: object, embed: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
    found: dict[str, dict[str, str]] = {}
    if embed.get("$type") == _RECORD_WITH_MEDIA:
        embed = _mapping(embed.get("media"))
    if embed.get("$type") == _EXTERNAL:
        card = _mapping(embed.get("external"))
        uri = card.get("uri")
        if isinstance(uri, str) and _shared(uri):
            found[uri] = {"url": uri, "title": storable(_str(card.get("title")))[:300]}
    for uri in facet_links(facets):
        if _shared(uri):
            found.setdefault(uri, {"url": uri, "title": ""})
    return tuple(found.values())


def _shared(url: str) -> bool:
    # A link to another Bluesky post is a quote in all but name, not a shared resource.
    if not _is_web_url(url) or len(url) > 2000:
        return False
    return (urlsplit(url).hostname or "").lower() not in _POST_HOSTS


def _metrics(view: Mapping[str, Any]) -> dict[str, int]:
    names = {"likes": "likeCount", "replies": "replyCount", "reposts": "repostCount"}
    names["quotes"] = "quoteCount"
    metrics = {}
    for ours, theirs in names.items():
        value = view.get(theirs, 0)
        if not isinstance(value, int) or isinstance(value, bool):
            raise Malformed(f"{theirs} is not a number")
        metrics[ours] = max(value, 0)
    return metrics


def _language(langs: object) -> str:
    if isinstance(langs, list) and langs and isinstance(langs[0], str):
        return langs[0][:16]
    return ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _http_url(value: object) -> str:
    return value if isinstance(value, str) and _HTTP_URL_RE.fullmatch(value) else ""
