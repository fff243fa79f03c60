"""Fixtures for archive search: a finished chat, and posts archived the way a pull does."""

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpResponse as Response
from django.test import Client
from django.urls import reverse

from archive.models import Post
from chats.models import Chat
from community.models import Community
from tests.archive.search.support import START
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user


@pytest.fixture
def chat(community: Community) -> Chat:
    return Chat.objects.create(
        community=community, title="Learning in the open", hashtag="KMers",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip


PostSpec = tuple[str, dict[str, Any]] | str


@pytest.fixture
def archive(chat: Chat) -> Callable[..., list[Post]]:
    """Archive posts (text, or (text, options)) in one page; minute n of the chat by default.

    Options: author (handle), name (display name), minutes (from the chat's start, may be
    negative or past its end for the stream), lang.
    """

    def store(specs: Sequence[PostSpec]) -> list[Post]:
        tweets, users = [], {}
        for index, spec in enumerate(specs):
            text, options = (spec, {}) if isinstance(spec, str) else spec
            handle = options.get("author", "alice")
            user = users.setdefault(handle, make_user(handle, name=options.get("name")))
            created_at = START + timedelta(minutes=options.get("minutes", 1), seconds=index)
            tweets.append(
                make_tweet(
                    author=user, text=text, created_at=created_at, lang=options.get("lang", "en")
                )
            )
        archive_tweets(tweets, users=list(users.values()))
        ids = [tweet["id"] for tweet in tweets]
        by_id = {post.external_id: post for post in Post.objects.filter(external_id__in=ids)}
        return [by_id[external_id] for external_id in ids]

    return store


@pytest.fixture
def search(anonymous: Client) -> Callable[..., Response]:
    def get(**params: str) -> Response:
        if "from_" in params:
            params["from"] = params.pop("from_")
        return anonymous.get(reverse("archive:search"), params)

    return get
