"""What every network source hands the ingest service: plain values, no Django models."""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from archive.networks import Network


@dataclass(frozen=True, slots=True)
class NormalisedAccount:
    """An author. One the network did not describe (X leaves suspended and protected
    authors out of a page's users) has an empty handle: it is known only by its id, and
    the ingest service never lets it replace what an earlier page said of the account."""

    network: str
    external_id: str
    handle: str
    display_name: str
    avatar_url: str = ""

    @property
    def known(self) -> bool:
        return bool(self.handle)


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
    # The post's own page on its network (Mastodon: the status's url; Bluesky: bsky.app).
    # Empty: pages build it from the network's rule (X: x.com/<handle>/status/<id>).
    url: str = ""


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
    # The network said no page follows (X: a page with meta and no next_token). A page that
    # cannot say (X: one without meta) is not last: the pull was cut short there.
    last: bool = False

    @property
    def reads(self) -> int:
        """Posts read with this page, for the budget: the count the network reported,
        else every item the page carried, the skipped ones included."""
        return self.result_count or len(self.posts) + len(self.skipped)


_HASHTAG_RE = re.compile(r"\w+")


def query_hashtags(hashtags: Iterable[str]) -> list[str]:
    """The hashtags a pull asks every network for: without "#", each once whatever its
    case, in order. ValueError for one that is no hashtag, or for none at all."""
    tags: list[str] = []
    for raw in hashtags:
        tag = raw.strip().lstrip("#")
        if not _HASHTAG_RE.fullmatch(tag):
            raise ValueError(f"not a hashtag: {raw!r}")
        if tag.casefold() not in (t.casefold() for t in tags):
            tags.append(tag)
    if not tags:
        raise ValueError("at least one hashtag is needed")
    return tags


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


class PublishRefused(SourceError):
    """The network would not take a member's post (duplicate text, too long, muted...).

    `reason` is for the member, in plain words; `retryable` says whether the same text may
    succeed later (an outage) or must be changed first (a duplicate)."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Publisher(Protocol):
    """Posts for a member, with the member's own credentials, on one network."""

    network: Network

    def publish(
        self, *, text: str, reply_to_id: str | None = None, idempotency_key: str | None = None
    ) -> "NormalisedPost":
        """Send the post; return it as the network stored it, normalised like a pulled one,
        so the ingest service stores it as the next pull would.

        `idempotency_key` (one per submit) is handed to networks that honour one (Mastodon's
        Idempotency-Key header), so a retried request never posts twice there.

        Raises PublishRefused, RateLimited, SourceAuthError (token expired or revoked)
        or SourceUnavailable."""
        ...


class Source(Protocol):
    network: Network

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        """Yield pages newest first; the caller may commit each page and stop at any time.

        The query is read to its end only once a page says it is the last; a source that
        stops before (raising or not) leaves the rest to the next pull."""
        ...
