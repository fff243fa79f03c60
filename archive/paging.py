"""Positions in newest-first lists of posts (search results, a community's stream), and
the ids URLs carry: one way to write them and one way to refuse what we never wrote.

A cursor is the (created_at, post id) of the last post a page showed: keyset pagination,
so pages stay disjoint while new posts arrive. URLs carry it base64-encoded.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime

# PostgreSQL's bigint: no row id is larger, and a larger number in a query is an error.
BIGINT_MAX = 2**63 - 1
# Years a post can carry: anything outside cannot be a cursor we handed out.
CURSOR_YEARS = (2006, 2200)
_CURSOR_RE = re.compile(r"(\d{1,19})\.(\d{1,19})")


def bigint_id(value: str) -> int | None:
    """`value` as a non-negative id that fits a bigint; None for anything else (signs,
    spaces, other scripts' digits, numbers too large)."""
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(BIGINT_MAX))):
        return None
    number = int(value)
    return number if number <= BIGINT_MAX else None


class BadCursor(ValueError):
    """A cursor that no page of ours ever handed out."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last post shown, in newest-first order."""

    created_at: datetime
    post_id: int

    def encode(self) -> str:
        micros = int(self.created_at.timestamp()) * 1_000_000 + self.created_at.microsecond
        raw = f"{micros}.{self.post_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def landing_on(cls, *, created_at: datetime, post_id: int) -> "Cursor":
        """The cursor of the page that starts with this post (for links to it)."""
        return cls(created_at=created_at, post_id=post_id + 1)

    @classmethod
    def decode(cls, value: str) -> "Cursor":
        """The cursor, or BadCursor for anything we could not have handed out."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise BadCursor("not a cursor") from error
        match = _CURSOR_RE.fullmatch(raw)
        if match is None:
            raise BadCursor("not a cursor")
        micros, post_id = (int(part) for part in match.groups())
        if not 0 < post_id <= BIGINT_MAX:
            raise BadCursor("post id out of range")
        seconds, micro = divmod(micros, 1_000_000)
        try:
            created_at = datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micro)
        except (OverflowError, OSError, ValueError) as error:
            raise BadCursor("time out of range") from error
        if not CURSOR_YEARS[0] <= created_at.year <= CURSOR_YEARS[1]:
            raise BadCursor("time out of range")
        return cls(created_at=created_at, post_id=post_id)
