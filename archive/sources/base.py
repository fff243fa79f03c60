"""What every network source hands the ingest service: plain values, no Django models."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from archive.networks import Network


@dataclass(frozen=True, slots=True)
class NormalisedAccount:
    network: str
    external_id: str
    handle: str
    display_name: str
    avatar_url: str = ""


@dataclass(frozen=True, slots=True)
class NormalisedPost:
    network: str
    external_id: str
    author: NormalisedAccount
    text: str
    html: str
    created_at: datetime
    conversation_id: str | None = None
    reply_to_id: str | None = None
    quoted_id: str | None = None
    language: str = ""
    # Keys: likes, replies, reposts, quotes.
    metrics: dict[str, int] = field(default_factory=dict)
    # Each: {"type", "url", "preview_url"}.
    media: tuple[dict[str, str], ...] = ()
    # Web links shared in the post (not its media, not links to other posts): {"url", "title"}.
    links: tuple[dict[str, str], ...] = ()
    # Lower case, without "#", in order of first appearance.
    hashtags: tuple[str, ...] = ()
    # Earlier versions of this post that an edit replaced (their ids on the network).
    replaces: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SkippedItem:
    external_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Page:
    posts: tuple[NormalisedPost, ...]
    skipped: tuple[SkippedItem, ...] = ()
    newest_id: str | None = None
    oldest_id: str | None = None
    next_token: str | None = None
    result_count: int = 0

    @property
    def reads(self) -> int:
        """Posts read with this page, for the budget: the count the network reported,
        else every item the page carried, the skipped ones included."""
        return self.result_count or len(self.posts) + len(self.skipped)


@dataclass(frozen=True, slots=True)
class PullQuery:
    hashtags: tuple[str, ...]
    since_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    # Only posts older than this id: what a pull stopped between pages has still to read.
    until_id: str | None = None


class SourceError(Exception):
    """A pull failed; nothing of the failed page was returned."""


class RateLimited(SourceError):
    def __init__(self, reset_at: datetime) -> None:
        super().__init__(f"rate limited until {reset_at.isoformat()}")
        self.reset_at = reset_at


class SourceAuthError(SourceError):
    """The network refused our credentials (401/403): a configuration problem, not transient."""


class SourceUnavailable(SourceError):
    """5xx, timeout or connection failure: worth retrying later."""


class Source(Protocol):
    network: Network

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        """Yield pages newest first; the caller may commit each page and stop at any time."""
        ...
