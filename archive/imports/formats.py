"""The archive file formats `import_posts` and the organisers' upload read, and how each
is recognised from its first bytes when nobody says which it is.

Readers are named by dotted module path and imported only when used: a format whose
reader needs a heavy library (the CAR reader needs atproto) costs nothing until then.
"""

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, cast

from archive.sources.base import Page

# Enough to see a CSV header, a JSON document's first key or a CAR header.
HEAD_BYTES = 4096


class Reader(Protocol):
    def __call__(self, stream: BinaryIO, *, hashtags: frozenset[str]) -> Iterator[Page]: ...


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    description: str
    detect: Callable[[bytes], bool]
    # A personal archive (a whole outbox, a whole repository) holds every post of its
    # owner: only those carrying the community's hashtags are imported. A search archive
    # is kept whole, as before: the ingest service places each post by its hashtags.
    filtered: bool
    # twarc pages are what a pull reads: a post already archived takes their newer counts,
    # as from a pull. Other files know less (TAGS has no display names, likes or
    # conversations) or are older: a post already archived is left as it is.
    refreshes: bool = False

    def reader(self) -> Reader:
        return cast(Reader, importlib.import_module(self.module).pages)


def _text_head(head: bytes) -> str:
    return head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")


def _is_transcript_json(head: bytes) -> bool:
    return re.match(r'\{\s*"chat"\s*:', _text_head(head)) is not None


def _is_outbox(head: bytes) -> bool:
    text = _text_head(head)
    return text.startswith("{") and '"@context"' in text and '"orderedItems"' in text


def _is_twarc(head: bytes) -> bool:
    text = _text_head(head)
    return text.startswith("{") and any(f'"{key}"' in text for key in ("data", "meta", "errors"))


def _is_tags_csv(head: bytes) -> bool:
    first_line = _text_head(head).split("\n", 1)[0]
    columns = {column.strip().strip('"').lower() for column in first_line.split(",")}
    return {"id_str", "from_user", "created_at"} <= columns


def _is_car(head: bytes) -> bool:
    # CAR v1: a varint length, then a DAG-CBOR map {"roots": [...], "version": 1}.
    return b"roots" in head[:64] and b"version" in head[:64] and head[1:2] in (b"\xa2", b"\xa1")


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "json",
            "archive.imports.transcript_json",
            "A transcript exported from this site as JSON",
            _is_transcript_json,
            filtered=False,
        ),
        Format(
            "mastodon-outbox",
            "archive.imports.mastodon_outbox",
            "A Mastodon account archive's outbox.json",
            _is_outbox,
            filtered=True,
        ),
        Format(
            "twarc",
            "archive.imports.twarc",
            "X API v2 search pages as JSON lines (twarc2 search)",
            _is_twarc,
            filtered=False,
            refreshes=True,
        ),
        Format(
            "tags",
            "archive.imports.tags_csv",
            "A TAGS (Twitter Archiving Google Sheet) Archive sheet as CSV",
            _is_tags_csv,
            filtered=False,
        ),
        Format(
            "bluesky-car",
            "archive.imports.bluesky_car",
            "A Bluesky repository export (CAR file)",
            _is_car,
            filtered=True,
        ),
    )
}
# Tried in this order: our JSON and an outbox are JSON objects a twarc line also is.
DETECTION_ORDER = ("json", "mastodon-outbox", "twarc", "tags", "bluesky-car")


def format_detect(head: bytes) -> Format | None:
    """The format the file's first bytes show, or None when they show none we read."""
    for name in DETECTION_ORDER:
        if FORMATS[name].detect(head):
            return FORMATS[name]
    return None
