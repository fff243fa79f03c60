"""What X sends that the archive must still keep: posts whose author X cannot return, values
the database would refuse, and whatever else goes wrong inside a pull, on the record."""

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from archive.models import Account, Post, SyncCursor
from archive.services.ingest import posts_store, pull_run
from archive.services.pulls import chat_cursor, chat_pull, x_source
from archive.sources.base import Page, PullQuery
from archive.tasks import pull_chat
from chats.models import Chat
from tests.archive.ingest.conftest import AUTHORS, add_posts, pull_now, reads_total, stored_ids
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db


def _page_of(chat: Chat) -> Page:
    (page,) = x_source().fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat.window_start))
    return page


# --- Authors X cannot return -------------------------------------------------------


def test_it_keeps_the_posts_of_an_author_x_cannot_return_and_fills_the_account_in_later(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    suspended = AUTHORS[1]
    x_api.withhold_users(suspended["id"], reason="suspended")
    tweets = add_posts(x_api, 36, start=chat.window_start)

    first = pull_now(chat, now=now)

    assert (first.new, first.skipped) == (36, 0)
    assert stored_ids() == sorted(t["id"] for t in tweets)
    account = Account.objects.get(external_id=suspended["id"])
    assert (account.handle, account.display_name, account.avatar_url) == ("", "", "")
    assert not account.is_known
    assert Post.objects.filter(author=account).count() == 3

    # Reinstated: the next page that carries the account describes it.
    x_api.release_users(suspended["id"])
    add_posts(x_api, 12, start=now - timedelta(minutes=2))
    pull_now(chat, now=now + timedelta(minutes=1))

    account.refresh_from_db()
    assert (account.handle, account.display_name, account.avatar_url) == (
        suspended["username"], suspended["name"], suspended["profile_image_url"],
    )  # fmt: skip
    assert Post.objects.filter(author=account).count() == 4
    assert Account.objects.filter(external_id=suspended["id"]).count() == 1


def test_it_never_overwrites_an_account_it_knows_with_one_x_cannot_return(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    protected = AUTHORS[2]
    add_posts(x_api, 12, start=chat.window_start)
    pull_now(chat, now=now)
    x_api.withhold_users(protected["id"], reason="protected")
    add_posts(x_api, 12, start=now - timedelta(minutes=2))

    pull_now(chat, now=now + timedelta(minutes=1))

    account = Account.objects.get(external_id=protected["id"])
    assert (account.handle, account.display_name, account.avatar_url) == (
        protected["username"], protected["name"], protected["profile_image_url"],
    )  # fmt: skip
    assert Post.objects.filter(author=account).count() == 2
    assert Post.objects.count() == 24


def test_it_prefers_the_described_account_when_one_store_carries_both(
    x_api: FakeXApi, chat: Chat
) -> None:
    # An archive file may hold a page from before a suspension and one from after it.
    add_posts(x_api, 12, start=chat.window_start)
    described = _page_of(chat)
    x_api.withhold_users(AUTHORS[0]["id"])
    undescribed = _page_of(chat)

    for pages in ((undescribed, described), (described, undescribed)):
        with transaction.atomic():
            posts_store(posts=[post for page in pages for post in page.posts])

        assert Account.objects.get(external_id=AUTHORS[0]["id"]).handle == "kmer_00"


# --- Values the database refuses -------------------------------------------------------


def test_it_clips_what_is_cosmetic_and_stores_every_post_of_the_page(
    x_api: FakeXApi, chat: Chat, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    wordy = make_user("wordy", name="N" * 201, profile_image_url="https://x.example/" + "a" * 500)
    odd = make_user("h" * 254, name="Odd")
    x_api.add_users(wordy, odd)
    tweets = add_posts(x_api, 28, start=chat.window_start)
    tweets += [
        make_tweet(author=author, text="A1 #KMers", created_at=now - timedelta(minutes=minutes))
        for minutes, author in ((2, wordy), (1, odd))
    ]
    x_api.add_tweets(*tweets[-2:])
    long_lang, negative, huge = tweets[3]["id"], tweets[4]["id"], tweets[5]["id"]
    x_api.corrupt(long_lang, lang="x" * 17)
    metrics = tweets[4]["public_metrics"]
    x_api.corrupt(negative, public_metrics={**metrics, "like_count": -3, "reply_count": -1})
    x_api.corrupt(huge, public_metrics={**metrics, "retweet_count": 2**40})

    with caplog.at_level(logging.INFO, logger="archive.services.ingest"):
        result = pull_now(chat, now=now)

    assert (result.new, result.skipped) == (30, 0)
    assert stored_ids() == sorted(t["id"] for t in tweets)
    assert Post.objects.get(external_id=long_lang).language == ""
    assert long_lang in caplog.text
    counts = Post.objects.filter(external_id__in=[negative, huge]).values_list(
        "like_count", "reply_count", "repost_count"
    )
    assert sorted(counts) == sorted([(0, 0, 0), (0, 0, 2**31 - 1)])
    name = Post.objects.get(external_id=tweets[-2]["id"]).author
    assert name.handle == "wordy"
    assert name.display_name == "N" * 199 + "…"
    assert name.avatar_url == ""
    # A handle X would never send cannot be linked to: the account is known by its id.
    odd_account = Post.objects.get(external_id=tweets[-1]["id"]).author
    assert (odd_account.external_id, odd_account.handle) == (odd["id"], "")
    cursor = SyncCursor.objects.get()
    assert (cursor.newest_id, cursor.last_error) == (max((t["id"] for t in tweets), key=int), "")


class _Pages:
    """A source handing over pages built by the test, as a network's would."""

    network = "x"

    def __init__(self, *pages: Page) -> None:
        self.pages = pages

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        yield from self.pages


def test_it_skips_only_the_item_the_database_refuses_for_a_reason_no_check_foresaw(
    x_api: FakeXApi, chat: Chat, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    tweets = add_posts(x_api, 20, start=chat.window_start)
    page = _page_of(chat)
    # A value only the database knows it refuses: a NUL in the raw JSON, which jsonb cannot
    # hold (the X source replaces those; another source might not).
    bad = page.posts[4]
    refused = replace(bad, raw={**bad.raw, "note": "\x00"})
    page = replace(page, posts=(*page.posts[:4], refused, *page.posts[5:]))
    cursor = chat_cursor(chat=chat)

    with caplog.at_level(logging.WARNING, logger="archive.services.ingest"):
        result = pull_run(
            cursor=cursor, source=_Pages(page), query=PullQuery(hashtags=("KMers",)), chat=chat
        )

    assert (result.new, result.skipped) == (19, 1)
    assert result.skipped_reasons[0].startswith(f"{bad.external_id}: the database refused it")
    assert bad.external_id in caplog.text
    assert stored_ids() == sorted(t["id"] for t in tweets if t["id"] != bad.external_id)
    cursor.refresh_from_db()
    assert cursor.malformed_count == 1
    assert cursor.newest_id == page.newest_id
    assert reads_total() == 20


def test_it_archives_a_whole_chat_though_one_post_carries_values_the_database_refuses(
    x_api: FakeXApi, chat: Chat, now: datetime
) -> None:
    tweets = add_posts(x_api, 250, start=chat.window_start)
    x_api.corrupt(tweets[120]["id"], lang="a-tag-too-long-here", public_metrics={"like_count": -1})

    outcome = pull_chat.apply(args=[chat.pk]).get()

    assert outcome == "3 pages, 250 read, 250 new"
    assert Post.objects.count() == reads_total() == 250
    assert SyncCursor.objects.get().last_error == ""


# --- Failures nobody foresaw -------------------------------------------------------------


class _Exploding:
    """Hands over `good` pages, then fails as nothing in the pull expects."""

    network = "x"

    def __init__(self, *good: Page) -> None:
        self.good = good

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        yield from self.good
        raise KeyError("includes")


def test_it_records_an_unexpected_failure_on_the_cursor_and_shows_it_to_organisers(
    x_api: FakeXApi, chat: Chat, now: datetime, organiser: Client
) -> None:
    add_posts(x_api, 150, start=chat.window_start)
    first = next(
        x_source().fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat.window_start))
    )
    cursor = chat_cursor(chat=chat)

    with pytest.raises(KeyError):
        chat_pull(chat=chat, cursor=cursor, source=_Exploding(first), now=now)
    with pytest.raises(KeyError):
        chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=_Exploding(), now=now)

    cursor.refresh_from_db()
    assert cursor.last_error == "The pull failed unexpectedly: KeyError: 'includes'"
    assert cursor.last_error_at == now
    assert cursor.consecutive_errors == 2
    assert Post.objects.count() == 100
    assert cursor.resuming
    page = organiser.get(reverse("archive:archive_health", kwargs={"slug": chat.community.slug}))
    content = page.content.decode()
    assert "The pull failed unexpectedly: KeyError: &#x27;includes&#x27;" in content
    assert "2 failures in a row" in content
