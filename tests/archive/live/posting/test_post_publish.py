"""Posting from a live chat's page: every rule of post_publish, against the fake X API
driven through tweepy, the token refresh through allauth's client."""

import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from archive.models import (
    Account,
    AccountExclusion,
    HiddenReason,
    Network,
    Post,
    PostingMute,
    PostingPolicy,
    PostPlacement,
    PostSubmission,
)
from archive.services.posting import compose_text, draft_for, post_publish
from archive.services.pulls import chat_cursor, chat_pull
from archive.sources.x import XSource
from archive.sources.x_objects import snowflake_time
from chats.models import Chat
from members.models import User, XToken
from tests.archive.live.conftest import GUESTS
from tests.fakes.x_api import FakeXApi

Publish = Callable[..., Any]


@pytest.fixture
def publish(ready: Chat, poster: User) -> Publish:
    keys = iter(range(10_000))

    def send(text: str, **kwargs: Any) -> Any:
        kwargs.setdefault("idempotency_key", f"key-{next(keys)}")
        return post_publish(member=poster, chat=ready, text=text, **kwargs)

    return send


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.error_dict[next(iter(caught.value.error_dict))][0].code


# --- composing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "answering", "sent"),
    [
        ("Knowledge is a verb", None, "Knowledge is a verb #KMers"),
        ("Knowledge is a verb", 3, "A3 Knowledge is a verb #KMers"),
        ("A3: already marked #kmers", 3, "A3: already marked #kmers"),
        ("#KMERS first", None, "#KMERS first"),
        ("not #KMersToo", None, "not #KMersToo #KMers"),
        ("  padded  ", 2, "A2 padded #KMers"),
    ],
)
def test_it_adds_the_answer_prefix_and_the_hashtag_once(
    typed: str, answering: int | None, sent: str
) -> None:
    assert compose_text(text=typed, hashtag="KMers", answering=answering) == sent


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 10, 10),
        ("see https://example.com/a/very/long/path/that/goes/on/and/on", 27),
        ("日本語", 6),
        ("👋🏽", 2),
    ],
)
def test_it_counts_as_x_counts(text: str, length: int) -> None:
    assert draft_for(text=text, network=Network.X).weighted_length == length


def test_it_prices_a_link_at_x_link_price() -> None:
    assert draft_for(text="plain", network=Network.X).cost == Decimal("0.015")
    assert draft_for(text="see example.com", network=Network.X).cost == Decimal("0.20")


# --- sending -----------------------------------------------------------------------------


def test_it_posts_through_x_and_archives_the_post_in_the_chat_at_once(
    publish: Publish, x_api: FakeXApi, poster: User, ready: Chat
) -> None:
    result = publish("Knowledge is a verb", answering=2)

    assert result.sent
    [created] = x_api.created
    assert created.authorization == f"Bearer {XToken.objects.get(user=poster).access_token}"
    post = Post.objects.get()
    assert post.text == "A2 Knowledge is a verb #KMers"
    assert post.external_id in x_api.tweets
    assert post.author.handle == poster.x_handle
    assert post.created_at == snowflake_time(post.external_id)
    assert PostPlacement.objects.get(post=post).chat == ready
    assert result.submission.post == post
    assert result.submission.cost == Decimal("0.015")


def test_it_stores_what_the_next_pull_stores_and_the_pull_adds_nothing(
    publish: Publish, x_api: FakeXApi, ready: Chat
) -> None:
    publish("Links too: https://example.com/knowledge?x=1 ok", answering=1)
    stored = Post.objects.values("external_id", "text", "html", "created_at", "author_id").get()

    source = XSource(bearer_token=x_api.bearer_token, base_url=x_api.base_url)
    chat_pull(chat=ready, cursor=chat_cursor(chat=ready), source=source, now=timezone.now())

    # The pull read the post (X bills it once today, as it would without us): one read.
    assert x_api.posts_served == 1

    assert Post.objects.count() == 1
    assert PostPlacement.objects.count() == 1
    again = Post.objects.values("external_id", "text", "html", "created_at", "author_id").get()
    assert again == stored


def test_it_keeps_the_hashtag_on_a_reply_and_replies_on_x(
    publish: Publish, x_api: FakeXApi, archive: Callable[..., dict[str, Any]]
) -> None:
    question = archive("Q1 What is knowledge?", minute=5, author=GUESTS[1])
    x_api.add_users(GUESTS[1])
    x_api.add_tweets(question)
    target = Post.objects.get(external_id=question["id"])

    publish("@guest1 a verb", reply_to=target)

    [created] = x_api.created
    assert '"in_reply_to_tweet_id": "{}"'.format(question["id"]) in created.params["json"]
    mine = Post.objects.exclude(pk=target.pk).get()
    assert mine.text == "@guest1 a verb #KMers"
    assert mine.reply_to_id == question["id"]


def test_it_sends_one_post_for_two_requests_with_one_key(publish: Publish, x_api: FakeXApi) -> None:
    first = publish("Only once", idempotency_key="same")
    second = publish("Only once", idempotency_key="same")

    assert len(x_api.create_requests) == 1
    assert second.submission.pk == first.submission.pk
    assert second.sent


# --- refusals by the rules ---------------------------------------------------------------


def test_it_refuses_when_the_community_has_not_turned_posting_on(
    publish: Publish, posting_on: PostingPolicy, x_api: FakeXApi
) -> None:
    PostingPolicy.objects.filter(pk=posting_on.pk).update(enabled=False)
    assert _refusal(lambda: publish("hello")) == "off"
    assert x_api.create_requests == []


def test_it_refuses_outside_the_chat(publish: Publish, ready: Chat, x_api: FakeXApi) -> None:
    Chat.objects.filter(pk=ready.pk).update(cancelled_at=timezone.now())
    ready.refresh_from_db()
    assert _refusal(lambda: publish("hello")) == "closed"


def test_it_refuses_a_muted_member(
    publish: Publish, poster: User, ready: Chat, x_api: FakeXApi
) -> None:
    PostingMute.objects.create(community=ready.community, member=poster)
    assert _refusal(lambda: publish("hello")) == "muted"
    assert x_api.create_requests == []


def test_it_refuses_a_member_whose_account_is_excluded(
    publish: Publish, poster: User, ready: Chat
) -> None:
    account = Account.objects.create(
        network=Network.X, external_id=poster.x_user_id, handle=poster.x_handle
    )
    AccountExclusion.objects.create(
        community=ready.community, account=account, reason=HiddenReason.EXCLUDED
    )
    assert _refusal(lambda: publish("hello")) == "excluded"


def test_it_refuses_what_x_would_refuse_as_too_long(publish: Publish, x_api: FakeXApi) -> None:
    assert _refusal(lambda: publish("界" * 137)) == "too_long"
    assert x_api.create_requests == []


def test_it_refuses_links_where_the_organisers_forbid_them(
    publish: Publish, posting_on: PostingPolicy
) -> None:
    PostingPolicy.objects.filter(pk=posting_on.pk).update(allow_links=False)
    assert _refusal(lambda: publish("see example.com")) == "links"


def test_it_refuses_a_member_without_a_token_that_may_post(publish: Publish, poster: User) -> None:
    XToken.objects.filter(user=poster).update(scope="tweet.read users.read")
    assert _refusal(lambda: publish("hello")) == "network"


def test_it_refuses_a_network_it_does_not_know(publish: Publish) -> None:
    assert _refusal(lambda: publish("hello", network="myspace")) == "network"


def test_it_stops_a_member_at_x_per_user_limit_before_calling_x(
    publish: Publish, settings: Any, x_api: FakeXApi
) -> None:
    settings.ARCHIVE_POSTS_PER_MEMBER = 2
    publish("one")
    publish("two")
    assert _refusal(lambda: publish("three")) == "member_rate"
    assert len(x_api.create_requests) == 2


def test_it_stops_the_community_at_its_daily_post_cap(
    publish: Publish, posting_on: PostingPolicy
) -> None:
    PostingPolicy.objects.filter(pk=posting_on.pk).update(daily_post_cap=1)
    publish("one")
    assert _refusal(lambda: publish("two")) == "post_cap"


def test_it_stops_the_community_at_its_daily_spend_cap(
    publish: Publish, posting_on: PostingPolicy
) -> None:
    PostingPolicy.objects.filter(pk=posting_on.pk).update(daily_spend_cap=Decimal("0.22"))
    publish("one with example.com")  # $0.20
    publish("two")  # $0.215 in all
    assert _refusal(lambda: publish("three")) == "spend_cap"  # $0.23 would be over $0.22


# --- refusals by X -----------------------------------------------------------------------


def test_it_keeps_the_reason_when_x_refuses_a_duplicate(publish: Publish, x_api: FakeXApi) -> None:
    publish("Same words")
    again = publish("Same words")

    assert not again.sent
    assert not again.submission.retryable
    assert "already posted this exact text" in again.message
    assert again.submission.text == "Same words #KMers"
    assert Post.objects.count() == 1


def test_it_says_when_x_rate_limits_and_lets_the_member_retry(
    publish: Publish, x_api: FakeXApi
) -> None:
    x_api.fail_next(status=429, reset_in=120)
    refused = publish("Too fast")
    assert refused.submission.retryable
    assert "posting too fast" in refused.message
    assert publish("Too fast").sent


def test_it_keeps_the_text_when_x_is_down(publish: Publish, x_api: FakeXApi) -> None:
    x_api.fail_next(status=503)
    refused = publish("Outage")
    assert refused.submission.status == PostSubmission.Status.REFUSED
    assert refused.submission.retryable
    assert "did not answer" in refused.message
    assert refused.submission.cost == 0


def test_it_refreshes_an_expired_token_and_sends_the_post(
    publish: Publish, x_api: FakeXApi, poster: User, x_oauth: Any
) -> None:
    old = XToken.objects.get(user=poster)
    x_api.expire_user_token(old.access_token)

    assert publish("After two hours").sent

    new = XToken.objects.get(user=poster)
    assert new.access_token != old.access_token
    assert new.refresh_token != old.refresh_token
    [refresh] = [r for r in x_oauth.requests_to("/2/oauth2/token") if r.status == 200]
    assert refresh.form["grant_type"] == "refresh_token"
    assert [r.status for r in x_api.create_requests] == [401, 201]


def test_it_refreshes_a_token_about_to_expire_before_posting(
    publish: Publish, x_api: FakeXApi, poster: User
) -> None:
    XToken.objects.filter(user=poster).update(expires_at=timezone.now() + timedelta(seconds=30))
    old = XToken.objects.get(user=poster).access_token

    assert publish("Fresh").sent
    assert [r.status for r in x_api.create_requests] == [201]
    assert XToken.objects.get(user=poster).access_token != old


def test_it_asks_to_reconnect_when_x_will_not_refresh(
    publish: Publish, x_api: FakeXApi, poster: User
) -> None:
    token = XToken.objects.get(user=poster)
    x_api.expire_user_token(token.access_token)
    XToken.objects.filter(user=poster).update(refresh_token="revoked")

    refused = publish("Nope")
    assert not refused.sent
    assert "connect X again" in refused.message


def test_it_never_logs_the_member_token(
    publish: Publish, x_api: FakeXApi, poster: User, caplog: pytest.LogCaptureFixture
) -> None:
    token = XToken.objects.get(user=poster)
    x_api.expire_user_token(token.access_token)
    with caplog.at_level(logging.DEBUG):
        assert publish("Quietly").sent

    fresh = XToken.objects.get(user=poster)
    for secret in (
        token.access_token,
        token.refresh_token,
        fresh.access_token,
        fresh.refresh_token,
    ):
        assert secret not in caplog.text


def test_it_keeps_tokens_encrypted_at_rest(poster: User) -> None:
    token = XToken.objects.get(user=poster)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM members_xtoken WHERE id = %s", [token.pk]
        )
        raw_access, raw_refresh = cursor.fetchone()
    assert token.access_token not in raw_access
    assert token.refresh_token not in raw_refresh
    assert token.access_token not in repr(token)
