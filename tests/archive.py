"""Put posts into the archive the way a pull does: X v2 JSON → normaliser → ingest service.

Tests build posts with tests.fakes.x_data (make_user, make_tweet) so that every stored
post's HTML comes from the real renderer, then call `archive_tweets`.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from chats.ingest import StoreResult, posts_store
from chats.sources.x import normalise_x_page
from tests.fakes.x_data import search_response


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
