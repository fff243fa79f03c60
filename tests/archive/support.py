"""Put posts into the archive the way a pull does: X v2 JSON → normaliser → ingest service.

Tests build posts with tests.fakes.x_data (make_user, make_tweet) so that every stored
post's HTML comes from the real renderer, then call `archive_tweets`.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from archive.services.ingest import StoreResult, posts_store
from archive.sources.x import normalise_x_page
from tests.fakes.x_data import make_tweet, search_response

# say(author, text, minutes=…, reply_to=…, likes=…, links=…) -> the archived tweet
Say = Callable[..., dict[str, Any]]


def archive_tweets(
    tweets: Sequence[Mapping[str, Any]],
    *,
    users: Iterable[Mapping[str, Any]],
    media: Iterable[Mapping[str, Any]] = (),
) -> StoreResult:
    """Normalise and store one page of tweets; fails loudly if the normaliser skipped any."""
    page = normalise_x_page(search_response(tweets, users=list(users), media=list(media)))
    assert not page.skipped, page.skipped
    with transaction.atomic():
        return posts_store(posts=page.posts)


def saying(start: datetime) -> Say:
    """A `say` helper: archive one post `minutes` after `start`; returns the tweet (for
    replies)."""

    def say(
        author: Mapping[str, Any],
        text: str,
        *,
        minutes: float,
        reply_to: Mapping[str, Any] | None = None,
        likes: int = 0,
        links: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        tweet = make_tweet(
            author=author, text=text, created_at=start + timedelta(minutes=minutes),
            reply_to=reply_to, links=links, metrics={"like_count": likes},
        )  # fmt: skip
        archive_tweets([tweet], users=[author])
        return tweet

    return say
