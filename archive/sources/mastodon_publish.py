"""Mastodon: a member's post, sent through Mastodon.py with their own token on their server.

The post is returned normalised like a pulled one, so that the ingest service stores it as
the next pull would: same external id (the status's canonical `uri`), nothing new then.

Replies: the archive knows a post by its canonical `uri`, which every server agrees on; a
reply needs the id of that post on the member's own server, so the uri is resolved there
first (`GET /api/v2/search?q=<uri>&resolve=true&type=statuses`, one extra request). A
reply target that is not a URL is taken to be a local id already.

Limits: Mastodon allows an account 300 requests in 5 minutes (a 429 says when it resets:
RateLimited) and 300 posts in 3 hours; the latter is checked before calling by
`mastodon_post_limit_check`, from the caller's count of the member's recent posts.
"""

import json
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from archive.networks import Network
from archive.sources.base import (
    NormalisedPost,
    PublishRefused,
    RateLimited,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)
from archive.sources.mastodon_objects import Malformed, normalise_status
from members.mastodon_client import mastodon_client

logger = logging.getLogger(__name__)

# Mastodon's own limit on statuses an account may create (its rate_limit config).
POSTS_PER_WINDOW = 300
# Mastodon's default status length, links counted as 23 characters whatever their length
# (a server may allow more: we keep to what every server takes).
MASTODON_MAX_CHARACTERS = 500
MASTODON_URL_LENGTH = 23
POST_WINDOW = timedelta(hours=3)
# Its API limit's window: the wait after a 429 that did not say when it resets.
REQUEST_WINDOW = timedelta(minutes=5)
# A reset further ahead than the longest window is garbage.
LONGEST_WAIT = POST_WINDOW
# The server's own words reach the member; a hostile server gets a sentence, not a page.
MAX_REASON = 300


class MastodonPublisher:
    """Posts for one member through their connected account (`Publisher` in base.py)."""

    network = Network.MASTODON

    def __init__(self, *, server: str, access_token: str, client: Mastodon | None = None) -> None:
        self.server = server
        # Kept to tell the connection which token its server refused (never logged).
        self.access_token = access_token
        self._client = client or mastodon_client(server=server, access_token=access_token)

    def publish(
        self, *, text: str, reply_to_id: str | None = None, idempotency_key: str | None = None
    ) -> NormalisedPost:
        """Post publicly (a chat's hashtag is seen only on public posts).

        The same `idempotency_key` (one per submit) makes the server return the status it
        already created instead of a second one: a retried request never posts twice."""
        in_reply_to = self._local_id(reply_to_id) if reply_to_id else None
        try:
            status = self._client.status_post(
                text,
                in_reply_to_id=in_reply_to,
                visibility="public",
                idempotency_key=idempotency_key,
            )
        except MastodonError as error:
            raise self._translate(error) from error
        try:
            post = normalise_status(_api_json(status), server=self.server, uris={}, roots={})
        except Malformed as error:
            # Posted or not, we cannot tell: a retry with the same key finds out.
            logger.info("Mastodon server %s answered an odd status", self.server)
            raise SourceUnavailable(
                f"{self.server} did not answer as a Mastodon server does."
            ) from error
        # The archive's id of the parent (its uri), not the local id the server answers with.
        return replace(post, reply_to_id=reply_to_id) if reply_to_id else post

    def _local_id(self, reply_to_id: str) -> str:
        if not reply_to_id.startswith(("https://", "http://")):
            return reply_to_id
        try:
            found = self._client.search_v2(reply_to_id, resolve=True, result_type="statuses")
        except MastodonError as error:
            raise self._translate(error) from error
        for status in found.get("statuses") or []:
            if reply_to_id in (status.get("uri"), status.get("url")):
                return str(status["id"])
        raise PublishRefused(
            f"{self.server} could not find the post you are replying to: it may have been"
            " deleted, or your server may not reach its author's. Post without replying,"
            " or try again later.",
            retryable=False,
        )

    def _translate(self, error: MastodonError) -> SourceError:
        """Mastodon.py's error as the Publisher interface's: what the caller can act on."""
        status, message = _status_and_message(error)
        if isinstance(error, MastodonRatelimitError):
            return RateLimited(self._reset_at())
        if isinstance(error, MastodonUnauthorizedError) or (
            status == 403 and "scope" in message.lower()
        ):
            return SourceAuthError(
                f"{self.server} no longer accepts our access to your account: connect it again."
            )
        if isinstance(error, (MastodonServerError, MastodonNetworkError)):
            logger.info("Mastodon server %s unavailable: %s", self.server, type(error).__name__)
            return SourceUnavailable(f"{self.server} did not answer. Please try again.")
        if isinstance(error, MastodonNotFoundError):
            return PublishRefused(
                message[:MAX_REASON] or "The post you are replying to no longer exists.",
                retryable=False,
            )
        if isinstance(error, MastodonAPIError) and status:
            # 422: the server's validation (too long, blank, a duplicate...); 403: the
            # account may not post (suspended, silenced).
            reason = message[:MAX_REASON] or "it gave no reason"
            return PublishRefused(f"{self.server} refused the post: {reason}", retryable=False)
        logger.info("Mastodon server %s answered oddly: %s", self.server, type(error).__name__)
        return SourceUnavailable(f"{self.server} did not answer as a Mastodon server does.")

    def _reset_at(self) -> datetime:
        now = datetime.now(UTC)
        reset = self._client.ratelimit_reset
        if reset is None:
            return now + REQUEST_WINDOW
        at = datetime.fromtimestamp(float(reset), UTC)
        return min(max(at, now), now + LONGEST_WAIT)


def mastodon_post_limit_check(
    *, posts_in_window: int, oldest_in_window: datetime | None, now: datetime
) -> None:
    """Refuse before calling Mastodon once the member has made its 300 posts in 3 hours.

    The caller counts the member's posts made since `now - POST_WINDOW` (the posting
    service's submissions to Mastodon) and passes the oldest of them; RateLimited then says
    when the oldest leaves the window."""
    if posts_in_window < POSTS_PER_WINDOW:
        return
    reset_at = (oldest_in_window or now) + POST_WINDOW
    raise RateLimited(max(reset_at, now))


def _status_and_message(error: MastodonError) -> tuple[int | None, str]:
    # Mastodon.py's API errors carry (text, status code, reason phrase, server's message).
    args = error.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    message = args[3] if len(args) > 3 and isinstance(args[3], str) else ""
    return status, message


# --- Normalising --------------------------------------------------------------------------


def _api_json(status: Any) -> Any:
    """The status as the server sent it: Mastodon.py parses times and may turn ids into
    numbers; the read source's normaliser takes the API's JSON, so that a posted status
    and a pulled one are stored alike."""
    plain = json.loads(json.dumps(status, default=_json_default))
    if isinstance(plain, dict) and isinstance(plain.get("id"), int):
        plain["id"] = str(plain["id"])
    return plain


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)
