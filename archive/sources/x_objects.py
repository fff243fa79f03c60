"""Pieces of X API v2 objects in their real shape: snowflake ids, timestamps, escaped text
and entities. Used by the demo recording, the fake X API in tests, and the benchmark.

Standard library only, so the test fakes and the benchmark can import it without Django.
"""

import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# Snowflake: 41 bits of milliseconds since X's epoch, 10 bits of worker, 12 of sequence.
X_EPOCH_MS = 1288834974657
BASE62_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# X tags "#tag" and the full-width "＃tag" alike, and never a tag of digits only.
_HASHTAG_RE = re.compile(r"(?<![\w/&])[#\uff03](\w*[^\W\d_]\w*)")
_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})")
_sequence = itertools.count()


def snowflake(at: datetime, *, worker: int = 0, sequence: int | None = None) -> str:
    """An id X could have given a post created at `at`; later posts get larger ids.

    Without `sequence`, a process-wide counter keeps posts of the same millisecond apart.
    """
    ms = int(at.timestamp() * 1000) - X_EPOCH_MS
    seq = next(_sequence) if sequence is None else sequence
    return str((ms << 22) | ((worker % 1024) << 12) | (seq % 4096))


def snowflake_time(snowflake_id: str | int) -> datetime:
    ms = (int(snowflake_id) >> 22) + X_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def x_time(at: datetime) -> str:
    """X's timestamp format: "2026-11-24T17:00:00.000Z"."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def escape_x_text(text: str) -> str:
    """The text as X returns it: only "&", "<" and ">" are escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def entities(raw_text: str, urls: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """X's entities of the escaped `raw_text`, offsets in code points (see archive/post_html.py).

    A URL entity without offsets is placed at the first occurrence of its link. Hashtags
    and mentions inside a URL are not entities; kinds with none are left out, as X does.
    """
    placed = [_placed(raw_text, url) for url in urls]
    spans = [(u["start"], u["end"]) for u in placed]

    def outside_urls(match: re.Match[str]) -> bool:
        return all(match.end() <= s or match.start() >= e for s, e in spans)

    found = {
        "hashtags": [
            {"start": m.start(), "end": m.end(), "tag": m.group(1)}
            for m in _HASHTAG_RE.finditer(raw_text)
            if outside_urls(m)
        ],
        "mentions": [
            {"start": m.start(), "end": m.end(), "username": m.group(1)}
            for m in _MENTION_RE.finditer(raw_text)
            if outside_urls(m)
        ],
        "urls": placed,
    }
    return {kind: values for kind, values in found.items() if values}


def user_id(handle: str) -> str:
    """A stable numeric id for an invented account, from its handle."""
    return str(int(hashlib.sha256(handle.encode()).hexdigest()[:15], 16))


def search_page(
    tweets: Sequence[Mapping[str, Any]],
    *,
    users: Iterable[Mapping[str, Any]] = (),
    media: Iterable[Mapping[str, Any]] = (),
    referenced: Iterable[Mapping[str, Any]] = (),
    next_token: str | None = None,
) -> dict[str, Any]:
    """A recent-search response page of `tweets` (newest first) with these includes.

    No "data" and no "includes" when nothing matched, and no empty include, as X sends it.
    """
    if not tweets:
        return {"meta": {"result_count": 0}}
    includes = {
        key: list(values)
        for key, values in (("users", users), ("tweets", referenced), ("media", media))
        if values
    }
    ids = [int(t["id"]) for t in tweets]
    meta: dict[str, Any] = {
        "newest_id": str(max(ids)),
        "oldest_id": str(min(ids)),
        "result_count": len(tweets),
    }
    if next_token:
        meta["next_token"] = next_token
    page: dict[str, Any] = {"data": [dict(t) for t in tweets]}
    if includes:
        page["includes"] = includes
    page["meta"] = meta
    return page


def display_url(expanded: str) -> str:
    """The link as X shows it: no scheme, cut to 25 characters with an ellipsis."""
    shown = re.sub(r"^https?://", "", expanded)
    return shown if len(shown) <= 25 else shown[:24] + "\u2026"


def base62(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62_DIGITS[rest] + digits
    return digits or "0"


def _placed(raw_text: str, url: Mapping[str, Any]) -> dict[str, Any]:
    if "start" in url:
        return dict(url)
    start = raw_text.index(url["url"])
    return {**url, "start": start, "end": start + len(url["url"])}
