"""Posting to X for a member (POST /2/tweets through tweepy, with the member's own OAuth 2
user token), and the demo's stand-in that posts nowhere.

Both return the post as a pull would normalise it: the object X returns (id, text with its
t.co links) is completed with what we know (author, time from the snowflake id, the
conversation, entities found as X finds them) into a v2 post object and passed through the
X normaliser, so its HTML is rendered by the same code as a pulled post's. No follow-up
GET: that would be one more read and one more request against the member's limits, when
the next pull reads the post anyway (the same id: the ingest upsert changes nothing).
"""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from archive.networks import Network
from archive.sources.base import (
    NormalisedPost,
    PublishRefused,
    SourceAuthError,
    SourceUnavailable,
)
from archive.sources.x import DEFAULT_BASE_URL, _RebasingSession, normalise_x_page
from archive.sources.x_objects import (
    display_url,
    entities,
    escape_x_text,
    snowflake,
    snowflake_time,
    x_time,
)
from archive.x_text import extract_urls_with_indices

logger = logging.getLogger(__name__)

DUPLICATE_REASON = "You already posted this exact text on X. Change it a little and post again."
_TCO_RE = re.compile(r"https://t\.co/\w+")
_ZERO_METRICS = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}


@dataclass(frozen=True, slots=True)
class XAuthor:
    """The member's X account, as the post's author (X's create response names none)."""

    id: str
    username: str
    name: str = ""
    profile_image_url: str = ""

    def as_user(self) -> dict[str, Any]:
        user = {"id": self.id, "username": self.username, "name": self.name or self.username}
        if self.profile_image_url:
            user["profile_image_url"] = self.profile_image_url
        return user


class XPublisher:
    network = Network.X

    def __init__(
        self,
        access_token: str,
        *,
        author: XAuthor,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 15,
    ) -> None:
        self._access_token = access_token
        self.author = author
        self.base_url = base_url
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<XPublisher for {self.author.username}>"  # never the token

    def publish(
        self, *, text: str, reply_to_id: str | None = None, idempotency_key: str | None = None
    ) -> NormalisedPost:
        # X takes no idempotency key: the posting service's claim on it stands in.
        client = tweepy.Client(
            bearer_token=self._access_token, wait_on_rate_limit=False, return_type=dict
        )
        # The 429 is raised by the session itself (RateLimited, from x-rate-limit-reset).
        client.session = _RebasingSession(self.base_url, self.timeout)
        try:
            payload = client.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to_id, user_auth=False
            )
        except tweepy.Unauthorized as exc:
            raise SourceAuthError("X refused the member's token") from exc
        except tweepy.Forbidden as exc:
            raise _forbidden(exc) from exc
        except tweepy.TwitterServerError as exc:
            raise SourceUnavailable(str(exc)) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc
        except tweepy.HTTPException as exc:
            raise PublishRefused(f"X refused the post: {_detail(exc)}") from exc
        finally:
            client.session.close()
        data = payload.get("data") if isinstance(payload, Mapping) else None
        if not isinstance(data, Mapping):
            raise SourceUnavailable("X answered the post without its data")
        return created_post(data, sent_text=text, author=self.author, reply_to_id=reply_to_id)


def _detail(exc: tweepy.HTTPException) -> str:
    try:
        body = exc.response.json()
    except ValueError:
        return str(exc)
    return str(body.get("detail") or body.get("title") or exc) if isinstance(body, dict) else ""


def _forbidden(exc: tweepy.Forbidden) -> Exception:
    detail = _detail(exc)
    if "duplicate" in detail.lower():
        return PublishRefused(DUPLICATE_REASON, retryable=False)
    return PublishRefused(f"X refused the post: {detail}", retryable=False)


def created_post(
    data: Mapping[str, Any],
    *,
    sent_text: str,
    author: XAuthor,
    reply_to_id: str | None = None,
) -> NormalisedPost:
    """The post X created, normalised as a pull will normalise it."""
    tweet_id = str(data.get("id", ""))
    given = data.get("text")
    raw_text = given if isinstance(given, str) else escape_x_text(sent_text)
    item: dict[str, Any] = {
        "id": tweet_id,
        "text": raw_text,
        "edit_history_tweet_ids": data.get("edit_history_tweet_ids") or [tweet_id],
        "created_at": x_time(snowflake_time(tweet_id)) if tweet_id.isdigit() else "",
        "author_id": author.id,
        "public_metrics": dict(_ZERO_METRICS),
        "entities": entities(raw_text, _link_entities(raw_text, sent_text)),
    }
    if reply_to_id:
        # A reply's conversation is its thread's first post, which X does not name here:
        # left unknown until the next pull reads it.
        item["referenced_tweets"] = [{"type": "replied_to", "id": reply_to_id}]
    else:
        item["conversation_id"] = tweet_id
    page = normalise_x_page({"data": [item], "includes": {"users": [author.as_user()]}})
    if not page.posts:
        reason = page.skipped[0].reason if page.skipped else "unreadable"
        raise SourceUnavailable(f"X's answer to the post could not be read: {reason}")
    return page.posts[0]


def _link_entities(raw_text: str, sent_text: str) -> list[dict[str, Any]]:
    """X wraps every link of a post in a t.co link, in order: pair them up again."""
    sent = [u["url"] for u in extract_urls_with_indices(sent_text)]
    found = []
    for short, expanded in zip(_TCO_RE.finditer(raw_text), sent, strict=False):
        full = expanded if re.match(r"https?://", expanded, re.I) else f"http://{expanded}"
        found.append(
            {
                "start": short.start(),
                "end": short.end(),
                "url": short.group(),
                "expanded_url": full,
                "display_url": display_url(full),
            }
        )
    return found


class StandInPublisher:
    """The demo's network (ARCHIVE_DEMO_REPLAY): "posts" by answering as X would, with a
    fresh id and the text as sent, and reaches no outside host."""

    network = Network.X

    def __init__(self, *, author: XAuthor) -> None:
        self.author = author

    def publish(
        self, *, text: str, reply_to_id: str | None = None, idempotency_key: str | None = None
    ) -> NormalisedPost:
        # X takes no idempotency key: the posting service's claim on it stands in.
        tweet_id = snowflake(datetime.now(UTC))
        data = {"id": tweet_id, "text": escape_x_text(text), "edit_history_tweet_ids": [tweet_id]}
        return created_post(data, sent_text=text, author=self.author, reply_to_id=reply_to_id)
