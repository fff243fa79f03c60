"""A Mastodon account archive's outbox.json (ActivityStreams) → pages of posts.

Settings → Import and export → Request your archive gives a zip holding `outbox.json`:
an OrderedCollection whose `orderedItems` are the account's activities, oldest first —
`Create` of a `Note` (a post) or `Announce` (a boost: skipped). Each public Note becomes
the post the live source makes of the same status (same uri, same HTML renderer), so a
post imported and later pulled is stored once. The rules for what is kept are in
`archive.sources.mastodon_objects.normalise_note`.

The file is one JSON document, read whole (an account's outbox runs to a few megabytes);
the stream's position moves through it in step with the records read, for progress.
"""

import json
from collections.abc import Iterator, Mapping
from typing import BinaryIO

from archive.sources.base import NormalisedPost, Page, SkippedItem
from archive.sources.mastodon_objects import IsBoost, Malformed, normalise_note

PAGE_SIZE = 100


def pages(stream: BinaryIO, *, hashtags: frozenset[str]) -> Iterator[Page]:
    start = stream.tell()
    data = stream.read()
    size = len(data)
    items, problem = _ordered_items(data)
    if problem:
        yield Page(posts=(), skipped=(SkippedItem(None, problem),))
        return
    posts: list[NormalisedPost] = []
    skipped: list[SkippedItem] = []
    roots: dict[str, str] = {}
    for number, item in enumerate(items, start=1):
        try:
            post = normalise_note(item, roots=roots)
        except IsBoost:
            skipped.append(SkippedItem(_id(item), f"record {number}: a boost is not a post"))
        except Malformed as exc:
            skipped.append(SkippedItem(_id(item), f"record {number}: {exc}"))
        else:
            if not hashtags or hashtags & set(post.hashtags):
                posts.append(post)
        if len(posts) + len(skipped) >= PAGE_SIZE:
            stream.seek(start + size * number // len(items))
            yield Page(posts=tuple(posts), skipped=tuple(skipped))
            posts, skipped = [], []
    stream.seek(start + size)
    if posts or skipped:
        yield Page(posts=tuple(posts), skipped=tuple(skipped))


def _ordered_items(data: bytes) -> tuple[list[object], str]:
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        return [], "record 0: the file is not UTF-8 text"
    except json.JSONDecodeError as exc:
        return [], f"line {exc.lineno}: the file is not JSON ({exc.msg})"
    items = document.get("orderedItems") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        return [], "record 0: not an outbox (no orderedItems list)"
    return items, ""


def _id(item: object) -> str | None:
    if not isinstance(item, Mapping):
        return None
    note = item.get("object")
    value = note.get("id") if isinstance(note, Mapping) else item.get("id")
    return value if isinstance(value, str) else None
