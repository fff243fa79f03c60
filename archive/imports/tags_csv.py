"""TAGS (Martin Hawksey's Twitter Archiving Google Sheet): its "Archive" sheet as CSV.

The sheet holds one v1.1 status a row: id_str, from_user, text, created_at ("Tue Nov 24
17:05:09 +0000 2015"), time, geo_coordinates, user_lang, in_reply_to_user_id_str,
in_reply_to_screen_name, from_user_id_str, in_reply_to_status_id_str, source,
profile_image_url, user_followers_count, user_friends_count, user_location, status_url,
and in newer sheets entities_str (the status's v1.1 entities as JSON). Each row is turned
into the v2 shape the live X source reads and normalised by it: the same post id, the
same HTML renderer, so a later pull of the same post stores it once.
"""

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, BinaryIO

from archive.sources.base import NormalisedPost, Page, SkippedItem
from archive.sources.x import normalise_x_page

PAGE_SIZE = 100
REQUIRED = ("from_user", "text", "created_at")
_ID_RE = re.compile(r"[0-9]{1,19}")
_STATUS_URL_RE = re.compile(r"/status(?:es)?/([0-9]{1,19})")
# Without entities_str, entities are found as X finds the common ones.
_URL_RE = re.compile(r"https?://[^\s<>\"'\u3000]+", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})(?!\w)", re.ASCII)
_HASHTAG_RE = re.compile(r"(?<![\w&])[#\uff03](\w*[^\W\d]\w*)")


class _Unusable(Exception):
    pass


def pages(stream: BinaryIO, *, hashtags: frozenset[str]) -> Iterator[Page]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        yield from _pages(csv.reader(text), hashtags)
    finally:
        # Else the wrapper, once collected, closes the caller's stream.
        text.detach()


def _pages(reader: Any, hashtags: frozenset[str]) -> Iterator[Page]:
    try:
        header = [column.strip().lower() for column in next(reader)]
    except (StopIteration, csv.Error):
        yield Page(posts=(), skipped=(SkippedItem(None, "line 1: the file is empty"),))
        return
    missing = [c for c in REQUIRED if c not in header]
    if missing or not ({"id_str", "status_url"} & set(header)):
        reason = f"line 1: not a TAGS archive sheet: no {', '.join(missing) or 'id_str'} column"
        yield Page(posts=(), skipped=(SkippedItem(None, reason),))
        return
    posts: list[NormalisedPost] = []
    skipped: list[SkippedItem] = []
    for line, row in _rows(reader):
        if isinstance(row, SkippedItem):
            skipped.append(row)
        else:
            _read_row(line, dict(zip(header, row, strict=False)), hashtags, posts, skipped)
        if len(posts) >= PAGE_SIZE or len(skipped) >= PAGE_SIZE:
            yield Page(posts=tuple(posts), skipped=tuple(skipped), result_count=len(posts))
            posts, skipped = [], []
    if posts or skipped:
        yield Page(posts=tuple(posts), skipped=tuple(skipped), result_count=len(posts))


def _rows(reader: Any) -> Iterator[tuple[int, list[str] | SkippedItem]]:
    """Each record with the line it starts on (a text may hold line breaks)."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, SkippedItem(None, f"line {line}: not CSV ({error})")
            continue
        if any(cell.strip() for cell in row):
            yield line, row


def _read_row(
    line: int,
    row: Mapping[str, str],
    hashtags: frozenset[str],
    posts: list[NormalisedPost],
    skipped: list[SkippedItem],
) -> None:
    try:
        payload = _v2_page(row)
    except _Unusable as error:
        post_id = _post_id(row)
        skipped.append(SkippedItem(post_id, f"line {line}: post {post_id or '(no id)'}: {error}"))
        return
    page = normalise_x_page(payload)
    skipped += [
        SkippedItem(i.external_id, f"line {line}: post {i.external_id or '(no id)'}: {i.reason}")
        for i in page.skipped
    ]
    posts += [p for p in page.posts if not hashtags or hashtags & set(p.hashtags)]


def _post_id(row: Mapping[str, str]) -> str | None:
    given = (row.get("id_str") or "").strip()
    if _ID_RE.fullmatch(given):
        return given
    # A sheet that turned the id into a number (1.23E+17) still has it in the URL.
    found = _STATUS_URL_RE.search(row.get("status_url") or "")
    return found[1] if found else None


def _v2_page(row: Mapping[str, str]) -> dict[str, Any]:
    post_id = _post_id(row)
    if post_id is None:
        raise _Unusable("no usable id_str or status_url")
    handle = (row.get("from_user") or "").strip()
    author_id = (row.get("from_user_id_str") or "").strip()
    if not _ID_RE.fullmatch(author_id):
        raise _Unusable("from_user_id_str is missing or not a numeric id")
    text = row.get("text") or ""
    if text.startswith("RT @"):
        raise _Unusable("is a repost")
    try:
        # X's v1.1 format: "Tue Nov 24 17:05:09 +0000 2015".
        created_at = datetime.strptime(
            (row.get("created_at") or "").strip(), "%a %b %d %H:%M:%S %z %Y"
        )
    except ValueError:
        value = (row.get("created_at") or "")[:40]
        raise _Unusable(f"created_at {value!r} is not X's time format") from None
    entities, media = _entities(row.get("entities_str") or "", text, post_id)
    item: dict[str, Any] = {
        "id": post_id,
        "text": text,
        "author_id": author_id,
        "created_at": created_at.isoformat(),
        "entities": entities,
        "public_metrics": _metrics(row),
    }
    reply_to = (row.get("in_reply_to_status_id_str") or "").strip()
    if _ID_RE.fullmatch(reply_to):
        item["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
    if media:
        item["attachments"] = {"media_keys": [m["media_key"] for m in media]}
    user = {"id": author_id, "username": handle, "name": handle}
    if avatar := (row.get("profile_image_url") or "").strip():
        user["profile_image_url"] = avatar
    return {"data": [item], "includes": {"users": [user], "media": media}}


def _metrics(row: Mapping[str, str]) -> dict[str, int]:
    # Only some sheets keep counts; a count that is no number is left at 0.
    counts = {"favorite_count": "like_count", "retweet_count": "retweet_count"}
    found = {}
    for theirs, ours in counts.items():
        value = (row.get(theirs) or "").strip()
        found[ours] = int(value) if value.isdigit() and len(value) < 10 else 0
    return found


def _entities(raw: str, text: str, post_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """v2 entities (and media) from the sheet's v1.1 entities, else found in the text."""
    try:
        given = json.loads(raw) if raw.strip() else None
    except ValueError:
        given = None
    if not isinstance(given, dict):
        return _found_entities(text), []
    urls = [_v2_url(e) for e in _objects(given.get("urls"))]
    mentions = [
        {**_span(e), "username": e.get("screen_name")} for e in _objects(given.get("user_mentions"))
    ]
    tags = [{**_span(e), "tag": e.get("text")} for e in _objects(given.get("hashtags"))]
    media: list[dict[str, Any]] = []
    for number, entity in enumerate(_objects(given.get("media"))):
        key = f"tags_{post_id}_{number}"
        urls.append({**_v2_url(entity), "media_key": key})
        url = entity.get("media_url_https") or entity.get("media_url")
        if isinstance(url, str):
            media.append({"media_key": key, "type": str(entity.get("type") or "photo"), "url": url})
    return {"urls": urls, "mentions": mentions, "hashtags": tags}, media


def _objects(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _span(entity: Mapping[str, Any]) -> dict[str, Any]:
    indices = entity.get("indices")
    if isinstance(indices, list) and len(indices) == 2:
        return {"start": indices[0], "end": indices[1]}
    return {}


def _v2_url(entity: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("url", "expanded_url", "display_url")
    return {**_span(entity), **{k: entity[k] for k in keys if isinstance(entity.get(k), str)}}


def _found_entities(text: str) -> dict[str, Any]:
    urls: list[dict[str, Any]] = []
    for match in _URL_RE.finditer(text):
        # Closing punctuation after a link is the sentence's, not the link's.
        url = match[0].rstrip(".,;:!?)")
        urls.append({"start": match.start(), "end": match.start() + len(url), "url": url})
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m[1]} for m in _MENTION_RE.finditer(text)
    ]
    tags = [{"start": m.start(), "end": m.end(), "tag": m[1]} for m in _HASHTAG_RE.finditer(text)]
    return {"urls": urls, "mentions": mentions, "hashtags": tags}
