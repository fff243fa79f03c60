"""Mastodon: one server's public hashtag timeline through Mastodon.py.

GET /api/v1/timelines/tag/:hashtag (several hashtags: the first plus `any[]`), newest
first, 40 statuses a request, paged down with `max_id` while the `Link` header offers a
next page. Page ids are the server's own status ids (snowflakes): the cursor of one
(network, server) stores them. Posts themselves are keyed by their canonical uri, so the
same status read through two servers is stored once (see mastodon_objects).
"""

import logging
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
    MastodonWarning,
)

from archive.networks import Network
from archive.sources.base import (
    NormalisedPost,
    Page,
    PullQuery,
    RateLimited,
    SkippedItem,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
    query_hashtags,
)
from archive.sources.mastodon_objects import IsBoost, Malformed, normalise_status, status_id
from members.mastodon_client import pin_session

logger = logging.getLogger(__name__)

PAGE_SIZE = 40  # the most Mastodon's timelines give per request
RATE_LIMIT_FALLBACK = timedelta(seconds=60)
# Mastodon's windows are five minutes; a reset further ahead is garbage, as one long past.
RATE_LIMIT_LONGEST = timedelta(minutes=30)
RATE_LIMIT_SKEW = timedelta(seconds=60)


class _RecordingSession(requests.Session):
    """Keeps the last response: statuses are read from its JSON as the server sent them
    (Mastodon.py's typed objects turn times into datetimes, which `raw` cannot store)."""

    def __init__(self) -> None:
        super().__init__()
        self.last: requests.Response | None = None

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.last = super().request(method, url, *args, **kwargs)
        return self.last


def api_base_url_for(server: str, override: str = "") -> str:
    """The API root of a server: `https://<server>`, or the override every server shares
    (tests point every server at one fake)."""
    return override.rstrip("/") if override else f"https://{server}"


class MastodonSource:
    """A server's tag timeline, page by page; also single statuses for the deletion sweep."""

    network = Network.MASTODON

    def __init__(
        self,
        *,
        server: str,
        access_token: str = "",
        timeout: float = 30,
        api_base_url: str | None = None,
    ) -> None:
        self.server = server.strip().lower()
        self.access_token = access_token
        self.timeout = timeout
        self.api_base_url = api_base_url or api_base_url_for(self.server)
        self.requests_made = 0
        # What the server's rate-limit window had left after our last single-status
        # request (None: not known); Mastodon allows 300 requests per 5 minutes.
        self.ratelimit_remaining: int | None = None
        self._status_client: Mastodon | None = None

    def _client(self) -> tuple[Mastodon, _RecordingSession]:
        # Organisers name the servers: held to that host and, in production, to public
        # addresses, as members' clients are.
        session = pin_session(_RecordingSession(), self.api_base_url)
        client = Mastodon(
            api_base_url=self.api_base_url,
            access_token=self.access_token or None,
            ratelimit_method="throw",
            request_timeout=self.timeout,
            session=session,
            version_check_mode="none",
        )
        return client, session

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        tags = _tags(query.hashtags)
        client, session = self._client()
        uris: dict[str, str] = {}
        roots: dict[str, str] = {}
        max_id = query.until_id
        try:
            while True:
                result = self._call(
                    client.timeline_hashtag,
                    _tag_path(tags),
                    max_id=max_id,
                    since_id=query.since_id,
                    limit=PAGE_SIZE,
                )
                payload = _json(session)
                page = self._page(payload, query, uris, roots)
                # No next link: the server has nothing older (an empty page has none).
                follows = getattr(result, "_pagination_next", None) is not None
                page = _with_last(page, page.last or not follows or not payload)
                yield page
                if page.last or page.oldest_id is None:
                    return
                max_id = page.oldest_id
        finally:
            session.close()

    def status_exists(self, status_id: str) -> bool:
        """Whether the server still serves the status (404: deleted, or never there).

        One client serves a sweep's requests (one connection, kept alive); after each,
        `ratelimit_remaining` says what the server's window has left."""
        if self._status_client is None:
            self._status_client = self._client()[0]
        try:
            self._call(self._status_client.status, status_id)
            return True
        except _NotFound:
            return False
        finally:
            self.ratelimit_remaining = _remaining(self._status_client)

    def _call(self, request: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        client = getattr(request, "__self__")  # noqa: B009 (mypy knows no __self__)
        self.requests_made += 1
        try:
            with warnings.catch_warnings():
                # Mastodon.py warns when the instance says the timeline needs a login; the
                # server's answer (401/422) is what counts, and says so in our error.
                warnings.simplefilter("ignore", MastodonWarning)
                return request(*args, **kwargs)
        except MastodonRatelimitError as exc:
            raise _rate_limited(client.ratelimit_reset) from exc
        except MastodonNotFoundError as exc:
            raise _NotFound(str(exc)) from exc
        except MastodonUnauthorizedError as exc:
            raise SourceAuthError(self._auth_message(exc)) from exc
        except MastodonServerError as exc:
            raise SourceUnavailable(f"{self.server} answered {_status(exc)}") from exc
        except MastodonNetworkError as exc:
            raise SourceUnavailable(f"{self.server} could not be reached: {exc}") from exc
        except MastodonAPIError as exc:
            if _status(exc) in (403, 422):
                raise SourceAuthError(self._auth_message(exc)) from exc
            raise SourceError(f"{self.server} refused the request: {exc}") from exc
        except MastodonError as exc:
            raise SourceError(f"{self.server}: {exc}") from exc

    def _auth_message(self, exc: MastodonError) -> str:
        if self.access_token:
            return f"{self.server} refused our access token ({_status(exc)}): renew it."
        return (
            f"{self.server} answered {_status(exc)}: it does not show its hashtag timelines "
            f"without a login. Set a user access token for it in MASTODON_ACCESS_TOKENS."
        )

    def _page(
        self,
        payload: object,
        query: PullQuery,
        uris: dict[str, str],
        roots: dict[str, str],
    ) -> Page:
        if not isinstance(payload, list):
            raise SourceUnavailable(f"{self.server} sent a timeline that is not a list")
        ids = [int(i) for item in payload if (i := status_id(item))]
        # Parents first (older): a reply in the same page finds its parent's uri.
        for item in payload:
            if (sid := status_id(item)) and isinstance(uri := item.get("uri"), str):
                uris.setdefault(sid, uri)
        posts: list[NormalisedPost] = []
        skipped: list[SkippedItem] = []
        reached_start = False
        for item in sorted(payload, key=lambda i: int(status_id(i) or 0)):
            try:
                post = normalise_status(item, server=self.server, uris=uris, roots=roots)
            except IsBoost:
                skipped.append(SkippedItem(status_id(item), "boost"))
                continue
            except Malformed as exc:
                logger.warning("Skipped Mastodon status %s: %s", status_id(item), exc)
                skipped.append(SkippedItem(status_id(item), str(exc)))
                continue
            if post.conversation_id:
                roots[post.external_id] = post.conversation_id
            if query.start_time and post.created_at < query.start_time:
                reached_start = True
                continue
            if query.end_time and post.created_at > query.end_time:
                continue
            posts.append(post)
        posts.reverse()  # newest first, like the timeline
        return Page(
            posts=tuple(posts),
            skipped=tuple(skipped),
            newest_id=str(max(ids)) if ids else None,
            oldest_id=str(min(ids)) if ids else None,
            result_count=len(payload),
            last=reached_start,
        )


class _NotFound(SourceError):
    pass


def _with_last(page: Page, last: bool) -> Page:
    if page.last == last:
        return page
    return Page(
        posts=page.posts,
        skipped=page.skipped,
        newest_id=page.newest_id,
        oldest_id=page.oldest_id,
        result_count=page.result_count,
        last=last,
    )


def _tags(hashtags: tuple[str, ...]) -> list[str]:
    return [tag.lower() for tag in query_hashtags(hashtags)]


def _tag_path(tags: list[str]) -> str:
    # Mastodon.py's timeline_hashtag takes one tag; the rest go as `any[]` on its path
    # (requests appends the paging parameters after them).
    first, *others = tags
    return first + ("?" + "&".join(f"any[]={t}" for t in others) if others else "")


def _json(session: _RecordingSession) -> object:
    try:
        return session.last.json() if session.last is not None else None
    except ValueError as exc:
        raise SourceUnavailable("the server sent a page that is not JSON") from exc


def _remaining(client: Mastodon) -> int | None:
    value = getattr(client, "ratelimit_remaining", None)
    return value if isinstance(value, int) else None


def _status(exc: MastodonError) -> object:
    return exc.args[1] if len(exc.args) > 1 else "an error"


def _rate_limited(reset: object, *, now: datetime | None = None) -> RateLimited:
    """A 429: until the server's X-RateLimit-Reset (Mastodon.py parsed it into
    `ratelimit_reset`, epoch seconds), else RATE_LIMIT_FALLBACK."""
    now = now or datetime.now(UTC)
    reset_at = None
    if isinstance(reset, int | float):
        try:
            reset_at = datetime.fromtimestamp(reset, tz=UTC)
        except (OverflowError, OSError, ValueError):
            reset_at = None
    if reset_at is None or not now - RATE_LIMIT_SKEW <= reset_at <= now + RATE_LIMIT_LONGEST:
        reset_at = now + RATE_LIMIT_FALLBACK
    return RateLimited(reset_at)
