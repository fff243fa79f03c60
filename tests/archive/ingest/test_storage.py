"""Storing pulled pages: every field once, upserts on a second reading, posts in their places."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import transaction

from archive.models import Account, Post, PostPlacement, SyncCursor
from archive.services.ingest import posts_store
from archive.services.pulls import chat_cursor, chat_pull, x_source
from archive.sources.base import Page, PullQuery
from chats.models import Chat
from community.models import Community
from community.services import community_create
from members.models import User
from tests.archive.ingest.conftest import AUTHORS, add_posts, make_chat
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_media, make_tweet

pytestmark = pytest.mark.django_db


def _first_page(start: datetime, *tags: str) -> Page:
    return next(x_source().fetch_pages(PullQuery(hashtags=tags or ("KMers",), start_time=start)))


def _store(page: Page) -> None:
    with transaction.atomic():
        posts_store(posts=page.posts)


@pytest.fixture
def librarians(make_user: Callable[..., User], community_data: dict[str, str]) -> Community:
    return community_create(
        creator=make_user("otto"),
        data={**community_data, "name": "Librarians", "hashtag": "libchat"},
    )


def test_it_stores_posts_accounts_html_metrics_media_hashtags_and_raw(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    ada, grace = AUTHORS[:2]
    photo = make_media(kind="photo")
    x_api.add_media(photo)
    question = make_tweet(author=grace, text="Q1 What is a graph? #KMers", created_at=now)
    answer = make_tweet(
        author=ada,
        text="A1 <nodes> & edges, see https://t.co/abc1 @kmer_01 #KMers #Graphs",
        created_at=now + timedelta(seconds=20),
        reply_to=question,
        quote_of=question,
        links={"https://t.co/abc1": "https://example.org/graphs/an/introduction/to/nodes"},
        media=[photo],
        lang="en",
        metrics={"like_count": 7, "reply_count": 2, "retweet_count": 3, "quote_count": 1},
    )
    x_api.add_tweets(question, answer)

    chat_pull(
        chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now + timedelta(minutes=1)
    )

    post = Post.objects.select_related("author").get(external_id=answer["id"])
    assert post.network == "x"
    media_link = answer["text"].rsplit(" ", 1)[1]  # X appends the attachment's t.co link
    assert (
        post.text
        == f"A1 <nodes> & edges, see https://t.co/abc1 @kmer_01 #KMers #Graphs {media_link}"
    )
    assert post.html.startswith("A1 &lt;nodes&gt; &amp; edges, see <a href=")
    assert f">{answer['entities']['urls'][0]['display_url']}</a>" in post.html
    assert '<a href="https://x.com/kmer_01" rel="nofollow noopener ugc">@kmer_01</a>' in post.html
    assert '<a href="/search/?q=%23KMers">#KMers</a>' in post.html
    assert "<nodes>" not in post.html
    assert post.created_at == now + timedelta(seconds=20)
    assert (post.conversation_id, post.reply_to_id, post.quoted_id) == (
        question["id"], question["id"], question["id"],
    )  # fmt: skip
    assert post.language == "en"
    assert (post.like_count, post.reply_count, post.repost_count, post.quote_count) == (7, 2, 3, 1)
    assert post.media == [{"type": "photo", "url": photo["url"], "preview_url": photo["url"]}]
    assert post.hashtags == ["kmers", "graphs"]
    assert post.raw["id"] == answer["id"]
    assert post.raw["public_metrics"]["like_count"] == 7
    assert post.removed is False
    author = post.author
    assert (author.network, author.external_id, author.handle) == ("x", ada["id"], "kmer_00")
    assert author.display_name == "Member 0"
    assert author.avatar_url == ada["profile_image_url"]
    assert Post.objects.filter(hashtags__contains=["graphs"]).count() == 1


def test_it_stores_the_same_page_twice_without_duplicates_and_refreshes_metrics(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    tweets = add_posts(x_api, 30, start=now - timedelta(minutes=10))
    page = _first_page(now - timedelta(hours=1))
    _store(page)
    counts = Post.objects.count(), Account.objects.count(), PostPlacement.objects.count()

    _store(page)
    liked = {**tweets[0], "public_metrics": {**tweets[0]["public_metrics"], "like_count": 41}}
    x_api.add_tweets(liked)
    _store(_first_page(now - timedelta(hours=1)))

    assert counts == (30, len(AUTHORS), 30)
    assert (Post.objects.count(), Account.objects.count(), PostPlacement.objects.count()) == counts
    assert Post.objects.get(external_id=tweets[0]["id"]).like_count == 41


def test_it_places_posts_in_the_chat_inside_its_window_and_in_the_stream_outside(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(hours=2), extra_hashtags=["KMchat"])
    # The window: 15 minutes before the start to 30 minutes after the end.
    before = add_posts(x_api, 1, start=chat.window_start - timedelta(seconds=1))
    opening = add_posts(x_api, 1, start=chat.window_start)
    extra_tag = add_posts(x_api, 1, start=chat.start_at, tags=["KMchat"])
    closing = add_posts(x_api, 1, start=chat.window_end - timedelta(seconds=1))
    after = add_posts(x_api, 1, start=chat.window_end)

    _store(_first_page(now - timedelta(hours=4), "KMers", "KMchat"))

    placed = dict(PostPlacement.objects.values_list("post__external_id", "chat_id"))
    assert placed == {
        before[0]["id"]: None, opening[0]["id"]: chat.pk, extra_tag[0]["id"]: chat.pk,
        closing[0]["id"]: chat.pk, after[0]["id"]: None,
    }  # fmt: skip
    assert set(PostPlacement.objects.values_list("community_id", flat=True)) == {community.pk}


def test_it_places_a_post_carrying_two_communities_hashtags_in_both(
    x_api: FakeXApi, chat: Chat, librarians: Community, now: datetime
) -> None:
    both = add_posts(x_api, 1, start=now - timedelta(minutes=5), tags=["KMers", "LibChat"])

    _store(_first_page(now - timedelta(hours=1)))

    placements = PostPlacement.objects.filter(post__external_id=both[0]["id"])
    assert set(placements.values_list("community_id", "chat_id")) == {
        (chat.community_id, chat.pk),
        (librarians.pk, None),
    }


def test_it_logs_counts_and_skips_a_malformed_item_and_stores_the_rest(
    x_api: FakeXApi, chat: Chat, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    tweets = add_posts(x_api, 20, start=now - timedelta(minutes=20))
    broken = tweets[7]["id"]
    x_api.corrupt(broken, drop=["author_id"])
    cursor = chat_cursor(chat=chat)

    with caplog.at_level(logging.WARNING):
        result = chat_pull(chat=chat, cursor=cursor, source=x_source(), now=now)

    assert any(broken in record.getMessage() for record in caplog.records)
    assert result.skipped == 1
    assert result.skipped_reasons == [f"{broken}: author_id is missing or not a string"]
    assert SyncCursor.objects.get(pk=cursor.pk).malformed_count == 1
    assert Post.objects.count() == 19
    assert not Post.objects.filter(external_id=broken).exists()


def test_it_shows_only_the_final_version_of_an_edited_post(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    ada = AUTHORS[0]
    first = make_tweet(author=ada, text="A1 knowlege maps #KMers", created_at=now)
    edited = make_tweet(
        author=ada, text="A1 knowledge maps #KMers", created_at=now + timedelta(minutes=2)
    )
    edited["edit_history_tweet_ids"] = [first["id"], edited["id"]]
    x_api.add_tweets(first)
    _store(_first_page(now - timedelta(minutes=1)))
    x_api.add_tweets(edited)

    _store(_first_page(now - timedelta(minutes=1)))

    old, new = Post.objects.get(external_id=first["id"]), Post.objects.get(external_id=edited["id"])
    assert (old.removed, old.removed_reason) == (True, "Replaced by an edited version.")
    assert new.removed is False
    assert new.text == "A1 knowledge maps #KMers"
