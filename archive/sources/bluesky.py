"""Bluesky: app.bsky.feed.searchPosts through the atproto SDK, logged in with an app password.

How a pull maps onto Bluesky's search:
- One search per hashtag (`tag=[t]`, `sort=latest`): several `tag` values AND together at
  Bluesky, and its query syntax promises no OR. A chat with two hashtags reads both
  searches; a post carrying both is read twice (and handed on once).
- Search has no since_id. The cursor's ids are timestamps: the `sortAt` (the earlier of
  createdAt and indexedAt, what search orders and filters by) of a page's newest and
  oldest post, "2026-12-04T22:00:00.123Z" at millisecond precision. `since_id` goes out
  as `since` one millisecond later (since is inclusive; no overlap, so a pull that finds
  nothing new reads nothing, and reads per archived post stay at 1), `until_id` as `until`
  (exclusive). A post indexed late (its sortAt older than a newer post a pull already
  saw) is missed by live pulls: a final sweep from the chat's start finds it.
- The hashtags' searches are merged newest first into pages of 100: a page is handed on
  only once every search has been read below its oldest post, so the first page carries
  the newest post of all, and a pull cut short after any page leaves exactly the gap
  below it (until_id), whichever hashtag the unread posts carry.
- The session (createSession is limited to 30 a 5 minutes and 300 a day per account) is
  kept per process and handle, refreshed by the SDK before its access token expires; an
  `ExpiredToken` answer refreshes it (or logs in again) once.
- The SDK's response models would refuse a whole page for one malformed post, so pages
  are read as JSON (`invoke_query`), through the same client, session and errors.
"""

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from atproto import Client, models
from atproto_client import exceptions as atproto_errors
from atproto_client.models.common import XrpcError
from atproto_client.request import Request

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
from archive.sources.bluesky_objects import (
    Malformed,
    normalise_post_view,
    parse_time,
    skip,
    sort_at,
)

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bsky.social"
PAGE_SIZE = 100  # searchPosts' largest limit
GET_POSTS_BATCH = 25  # getPosts' largest batch
ONE_MS = timedelta(milliseconds=1)
# The wait after a 429 whose ratelimit-reset is missing or unusable.
RATE_LIMIT_FALLBACK = timedelta(seconds=60)
RATE_LIMIT_LONGEST = timedelta(hours=24)
RATE_LIMIT_SKEW = timedelta(seconds=60)

# (base_url, handle) → exported session string; see the module's docstring.
_SESSIONS: dict[tuple[str, str], str] = {}
_SESSIONS_LOCK = threading.Lock()


def forget_sessions() -> None:
    """Drop every kept session (tests; an operator who changed the app password)."""
    with _SESSIONS_LOCK:
        _SESSIONS.clear()


def stamp(moment: datetime) -> str:
    """A cursor id: the moment in UTC at millisecond precision, as Bluesky writes times."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def search_bounds(query: PullQuery) -> tuple[datetime | None, datetime | None] | None:
    """(since, until) for the query, or None when the window holds nothing."""
    for moment in (query.start_time, query.end_time):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("PullQuery times must be timezone-aware")
    since = query.start_time
    after = parse_time(query.since_id)
    if after is not None:
        after = after.replace(microsecond=after.microsecond // 1000 * 1000) + ONE_MS
        since = max(since, after) if since else after
    until = query.end_time
    before = parse_time(query.until_id)
    if before is not None:
        until = min(until, before) if until else before
    if since is not None and until is not None and since >= until:
        return None
    return since, until


@dataclass
class _Answer:
    """One searchPosts answer: its posts with their sortAt, what could not be read, and
    the cursor to the next page."""

    posts: list[tuple[datetime, NormalisedPost]]
    skipped: list[SkippedItem]
    cursor: str | None
    count: int


def read_answer(payload: object) -> _Answer:
    """A searchPosts (or getPosts) answer; a bad post is skipped, never raised."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("posts"), list):
        raise SourceUnavailable("Bluesky answered without a list of posts")
    items = payload["posts"]
    answer = _Answer(posts=[], skipped=[], cursor=None, count=len(items))
    for item in items:
        try:
            post = normalise_post_view(item)
        except Malformed as exc:
            answer.skipped.append(skip(item, str(exc)))
            continue
        indexed_at = parse_time(item.get("indexedAt")) or post.created_at
        answer.posts.append((sort_at(item["record"], indexed_at=indexed_at), post))
    cursor = payload.get("cursor")
    answer.cursor = cursor if isinstance(cursor, str) and cursor and items else None
    return answer


def normalise_search_page(payload: object, *, last: bool) -> Page:
    """One searchPosts answer as a Page (for tools and tests; pulls merge answers)."""
    answer = read_answer(payload)
    return _page(answer.posts, answer.skipped, reads=answer.count, last=last)


def _page(
    posts: list[tuple[datetime, NormalisedPost]],
    skipped: list[SkippedItem],
    *,
    reads: int,
    last: bool,
) -> Page:
    moments = [moment for moment, _ in posts]
    return Page(
        posts=tuple(post for _, post in posts),
        skipped=tuple(skipped),
        newest_id=stamp(max(moments)) if moments else None,
        oldest_id=stamp(min(moments)) if moments else None,
        result_count=reads,
        last=last,
    )


@dataclass
class _Stream:
    """One hashtag's search: what has been fetched and not yet handed on, newest first."""

    tag: str
    buffer: deque[tuple[datetime, NormalisedPost]] = field(default_factory=deque)
    cursor: str | None = None
    open: bool = True


class BlueskySource:
    """Search by hashtag, page by page, as one logged-in account."""

    network = Network.BLUESKY

    def __init__(
        self,
        *,
        handle: str,
        app_password: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30,
    ) -> None:
        self.handle = handle
        self.app_password = app_password
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: Client | None = None
        # Until when the rate limit is spent, as the last answer's headers said.
        self._spent_until: datetime | None = None

    # --- the Source protocol ---------------------------------------------------------

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        bounds = search_bounds(query)
        if bounds is None:
            return
        since, until = bounds
        tags = query_hashtags(query.hashtags)
        try:
            yield from self._pages(tags, since, until)
        finally:
            self.close()

    def close(self) -> None:
        """Close the connections; the session is kept for the next request or pull."""
        if self._client is not None:
            self._client.request.close()
            self._client = None

    def _pages(
        self, tags: list[str], since: datetime | None, until: datetime | None
    ) -> Iterator[Page]:
        """The hashtags' searches merged newest first, 100 posts a page: everything newer
        than a page's oldest post is in it or an earlier page, whichever search found it,
        so a pull cut short after any page leaves exactly the gap below it."""
        streams = [_Stream(tag) for tag in tags]
        seen: set[str] = set()
        posts: list[tuple[datetime, NormalisedPost]] = []
        skipped: list[SkippedItem] = []
        reads = 0
        while True:
            for stream in streams:
                if stream.open and not stream.buffer:
                    # An open search may still hold a post newer than any fetched: read
                    # its next page before handing on anything older.
                    answer = self._search(stream.tag, since, until, stream.cursor)
                    stream.buffer.extend(sorted(answer.posts, key=lambda p: p[0], reverse=True))
                    stream.cursor, stream.open = answer.cursor, answer.cursor is not None
                    skipped += answer.skipped
                    reads += len(answer.skipped)
            heads = [stream for stream in streams if stream.buffer]
            if not heads:
                yield _page(posts, skipped, reads=reads, last=True)
                return
            moment, post = max(heads, key=lambda s: s.buffer[0][0]).buffer.popleft()
            reads += 1
            if post.external_id in seen:
                continue  # carries two of the hashtags: read twice, handed on once
            seen.add(post.external_id)
            posts.append((moment, post))
            if len(posts) == PAGE_SIZE:
                done = not any(stream.open or stream.buffer for stream in streams)
                yield _page(posts, skipped, reads=reads, last=done)
                if done:
                    return
                posts, skipped, reads = [], [], 0

    # --- deletions ---------------------------------------------------------------------

    def posts_existing(self, uris: list[str]) -> set[str]:
        """Which of these post URIs Bluesky still returns (getPosts, 25 a request):
        a deleted post, or one of a deleted account, is left out of the answer."""
        try:
            return self._existing(uris)
        finally:
            self.close()

    def _existing(self, uris: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(uris), GET_POSTS_BATCH):
            batch = uris[start : start + GET_POSTS_BATCH]
            payload = self._call(partial(_query, nsid="app.bsky.feed.getPosts", params=_get(batch)))
            posts = payload.get("posts") if isinstance(payload, Mapping) else None
            if not isinstance(posts, list):
                raise SourceUnavailable("Bluesky answered getPosts without a list of posts")
            found |= {p["uri"] for p in posts if isinstance(p, Mapping) and p.get("uri") in batch}
        return found

    # --- requests ----------------------------------------------------------------------

    def _search(
        self, tag: str, since: datetime | None, until: datetime | None, cursor: str | None
    ) -> _Answer:
        params = models.AppBskyFeedSearchPosts.Params(
            q=f"#{tag}",
            tag=[tag],
            sort="latest",
            since=stamp(since) if since else None,
            until=stamp(until) if until else None,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        return read_answer(
            self._call(partial(_query, nsid="app.bsky.feed.searchPosts", params=params))
        )

    def _call(self, request: Callable[[Client], Any]) -> Any:
        """The JSON of one XRPC query; no request at all when the last answer said the
        rate limit is spent (ratelimit-remaining 0): that would only earn a 429."""
        if self._spent_until is not None and datetime.now(UTC) < self._spent_until:
            raise RateLimited(self._spent_until)
        client = self._logged_in()
        try:
            response = _mapped(lambda: request(client))
        except _ExpiredToken:
            # The access token ran out sooner than its claims said: refresh once.
            self._renew(client)
            try:
                response = _mapped(lambda: request(client))
            except _ExpiredToken as exc:
                raise SourceAuthError("Bluesky refused a fresh session token") from exc
        headers = response.headers if isinstance(response.headers, Mapping) else {}
        if headers.get("ratelimit-remaining") == "0":
            self._spent_until = rate_limited(headers.get("ratelimit-reset")).reset_at
        return response.content

    def _logged_in(self) -> Client:
        if self._client is not None:
            return self._client
        client = Client(base_url=self.base_url, request=Request(timeout=self.timeout))
        key = (self.base_url, self.handle)
        with _SESSIONS_LOCK:
            kept = _SESSIONS.get(key)
        client.on_session_change(lambda _event, _session: self._keep(client))
        try:
            if kept:
                _mapped(lambda: client.login(session_string=kept, fetch_bsky_profile=False))
            else:
                self._login(client)
        except BaseException:
            client.request.close()
            raise
        self._client = client
        return client

    def _login(self, client: Client) -> None:
        if not (self.handle and self.app_password):
            raise SourceAuthError("No Bluesky handle and app password are configured.")
        # Back at the address we were given: a session may have moved the client to its PDS.
        client.update_base_url(self.base_url)
        try:
            _mapped(lambda: client.login(self.handle, self.app_password, fetch_bsky_profile=False))
        except _ExpiredToken as exc:
            raise SourceAuthError(str(exc)) from exc

    def _renew(self, client: Client) -> None:
        try:
            _mapped(client._refresh_and_set_session)
        except (_ExpiredToken, SourceAuthError, atproto_errors.LoginRequiredError):
            logger.info("Bluesky session for %s could not be refreshed; logging in", self.handle)
            self._login(client)

    def _keep(self, client: Client) -> None:
        with _SESSIONS_LOCK:
            _SESSIONS[(self.base_url, self.handle)] = client.export_session_string()


class _ExpiredToken(SourceAuthError):
    pass


def _get(uris: list[str]) -> Any:
    return models.AppBskyFeedGetPosts.Params(uris=uris)


def _query(client: Client, *, nsid: str, params: Any) -> Any:
    return client.invoke_query(nsid, params=params, output_encoding="application/json")


def _mapped(request: Callable[[], Any]) -> Any:
    """Run one request, its failure as a SourceError."""
    try:
        return request()
    except atproto_errors.RateLimitExceededError as exc:
        raise rate_limited(_header(exc, "ratelimit-reset")) from exc
    except atproto_errors.UnauthorizedError as exc:
        if _error_name(exc) == "ExpiredToken":
            raise _ExpiredToken(_describe(exc)) from exc
        raise SourceAuthError(_describe(exc)) from exc
    except atproto_errors.BadRequestError as exc:
        if _error_name(exc) in ("ExpiredToken", "InvalidToken"):
            raise _ExpiredToken(_describe(exc)) from exc
        if _error_name(exc) in ("AuthFactorTokenRequired", "AccountTakedown"):
            raise SourceAuthError(_describe(exc)) from exc
        raise SourceError(_describe(exc)) from exc
    except (atproto_errors.NetworkError, atproto_errors.InvokeTimeoutError) as exc:
        raise SourceUnavailable(_describe(exc)) from exc
    except atproto_errors.RequestException as exc:
        status = exc.response.status_code if exc.response is not None else 0
        if status >= 500 or status == 0:
            raise SourceUnavailable(_describe(exc)) from exc
        raise SourceError(_describe(exc)) from exc
    except atproto_errors.LoginRequiredError as exc:
        raise SourceAuthError("Bluesky session lost") from exc
    except atproto_errors.AtProtocolError as exc:
        # A session or answer the SDK could not read (a garbled token, bad JSON).
        raise SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _header(exc: atproto_errors.RequestErrorBase, name: str) -> str | None:
    if exc.response is None:
        return None
    value = exc.response.headers.get(name)
    return value if isinstance(value, str) else None


def _error_name(exc: atproto_errors.RequestErrorBase) -> str:
    content = exc.response.content if exc.response is not None else None
    return content.error if isinstance(content, XrpcError) else ""


def _describe(exc: atproto_errors.AtProtocolError) -> str:
    response = getattr(exc, "response", None)
    if response is None:
        cause = exc.__cause__
        return f"{type(exc).__name__}: {cause or exc}"
    content = response.content
    if isinstance(content, XrpcError):
        detail = f"{content.error}: {content.message}" if content.message else content.error
    else:
        detail = repr(content)[:200]
    return f"Bluesky answered {response.status_code} ({detail})"


def rate_limited(reset_header: str | None, *, now: datetime | None = None) -> RateLimited:
    """A 429, until Bluesky's ratelimit-reset (epoch seconds) or RATE_LIMIT_FALLBACK."""
    now = now or datetime.now(UTC)
    try:
        reset_at: datetime | None = datetime.fromtimestamp(int(reset_header or ""), tz=UTC)
    except (ValueError, OverflowError, OSError):
        reset_at = None
    if reset_at is None or not now - RATE_LIMIT_SKEW <= reset_at <= now + RATE_LIMIT_LONGEST:
        logger.warning(
            "Bluesky rate limited us with an unusable ratelimit-reset (%r); waiting %s",
            reset_header,
            RATE_LIMIT_FALLBACK,
        )
        reset_at = now + RATE_LIMIT_FALLBACK
    return RateLimited(max(reset_at, now))
