"""The transcript page costs the same few queries for 30, 300 and 3,000 posts, in every view."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive.models import Account, Post, PostPlacement
from archive.selectors.transcript import chat_placements, instance_from_db
from benchmarks.transcript import HOST_HANDLE, chat_tweets, store_tweets
from chats.models import Chat
from members.models import User
from tests.archive.transcript.conftest import START, transcript_url

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8
VIEWS = [{"view": "questions"}, {"view": "time"}, {"view": "participant", "handle": HOST_HANDLE}]


def _queries(client: Client, chat: Chat) -> list[int]:
    counts = []
    for params in VIEWS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(transcript_url(chat, **params))
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


def test_it_renders_every_view_in_the_same_few_queries_whatever_the_size(
    anonymous: Client, chat: Chat
) -> None:
    tweets, users = chat_tweets(start=START, count=3000, hashtag="KMers")
    counts = {}
    stored = 0
    for size in (30, 300, 3000):
        # Adding posts moves the archive version, so each round misses the cache.
        store_tweets(tweets[stored:size], users)
        stored = size
        counts[size] = _queries(anonymous, chat)
        html = anonymous.get(transcript_url(chat, view="time")).content.decode()
        assert html.count('<li class="post') == size

    assert counts[30] == counts[300] == counts[3000]
    assert max(counts[3000]) <= MAX_QUERIES


def test_it_counts_the_queries_of_a_live_chat_too(anonymous: Client, chat: Chat) -> None:
    tweets, users = chat_tweets(start=START, count=50, hashtag="KMers")
    store_tweets(tweets, users)

    with time_machine.travel(START + timedelta(minutes=59)):
        counts = _queries(anonymous, chat)

    assert max(counts) <= MAX_QUERIES


def test_it_loads_the_same_rows_as_select_related_and_nothing_later(
    chat: Chat, make_user: Callable[..., User]
) -> None:
    tweets, users = chat_tweets(start=START, count=120, hashtag="KMers")
    store_tweets(tweets, users)
    Account.objects.filter(handle=HOST_HANDLE).update(member=make_user("hostess"))
    expected = list(
        PostPlacement.objects.filter(chat=chat)
        .select_related("post__author__member")
        .order_by("created_at", "post_id")
    )

    with CaptureQueriesContext(connection) as queries:
        loaded = chat_placements(chat=chat)
        seen = [
            (p.pk, p.hidden, p.created_at, p.post.pk, p.post.html, p.post.links, p.post.media,
             p.post.like_count, p.post.language, p.post.author.handle, p.post.author.avatar_url,
             p.post.author.member and p.post.author.member.get_absolute_url())
            for p in loaded
        ]  # fmt: skip

    assert len(queries) == 1
    assert seen == [
        (p.pk, p.hidden, p.created_at, p.post.pk, p.post.html, p.post.links, p.post.media,
         p.post.like_count, p.post.language, p.post.author.handle, p.post.author.avatar_url,
         p.post.author.member and p.post.author.member.get_absolute_url())
        for p in expected
    ]  # fmt: skip
    assert any(p.post.author.member for p in loaded)
    assert loaded[0].post.get_deferred_fields() == {"raw", "search_vector"}
    assert not loaded[0]._state.adding
    assert loaded[0] == expected[0]


def _field_values(instance: Model) -> dict[str, object]:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_it_builds_instances_as_model_from_db_does(
    chat: Chat, make_user: Callable[..., User], django_assert_num_queries: Any
) -> None:
    tweets, users = chat_tweets(start=START, count=3, hashtag="KMers")
    store_tweets(tweets, users)
    hostess = make_user("hostess", display_name="Hanna Host")
    Account.objects.filter(handle=HOST_HANDLE).update(member=hostess)
    placement = next(p for p in chat_placements(chat=chat) if p.post.author.member_id)
    post = placement.post
    account = post.author

    with django_assert_num_queries(0):
        member = account.member  # served from fields_cache, as select_related leaves it
        assert (placement.post, post.author) == (post, account)

    for instance in (placement, post, account, member):
        model = type(instance)
        # Nothing skipped with __init__ (its signals) has a listener.
        assert not signals.pre_init.has_listeners(model)
        assert not signals.post_init.has_listeners(model)
        names = [f.attname for f in model._meta.concrete_fields if f.attname in vars(instance)]
        built = instance_from_db(model, names, [vars(instance)[name] for name in names], "default")
        reference = model.from_db("default", names, [vars(instance)[name] for name in names])
        assert _field_values(built) == _field_values(reference) == _field_values(instance)
        assert type(built._state) is type(reference._state) is ModelState
        assert vars(built._state) == {**vars(reference._state), "fields_cache": {}}
        assert (built._state.adding, built._state.db) == (False, "default")
        assert built._state.fetch_mode is reference._state.fetch_mode
        assert built.get_deferred_fields() == reference.get_deferred_fields()
        assert built.pk == reference.pk == instance.pk
        assert built == reference
        assert hash(built) == hash(reference)

    # Only what the transcript shows of a member is read: never the password hash.
    assert member.get_absolute_url() == hostess.get_absolute_url()
    assert {"password", "email", "display_name"} <= member.get_deferred_fields()
    with django_assert_num_queries(1):  # a deferred field loads on access, as after only()
        assert member.display_name == "Hanna Host"
    assert post.get_deferred_fields() == {"raw", "search_vector"}
    Post.objects.filter(pk=post.pk).update(like_count=41)
    post.refresh_from_db(fields=["like_count"])
    assert post.like_count == 41


def test_it_reads_no_member_column_the_transcript_does_not_show(chat: Chat) -> None:
    with CaptureQueriesContext(connection) as queries:
        chat_placements(chat=chat)

    (query,) = queries
    assert '"members_user"."id"' in query["sql"]
    assert '"members_user"."username"' in query["sql"]
    assert '"members_user"."password"' not in query["sql"]
    assert '"members_user"."email"' not in query["sql"]
