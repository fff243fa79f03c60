"""Taking part from the live page: a member answers the current question from the compose
box, replies, and keeps their text when X refuses; posts go through tweepy to the fake X
API, the member's token through allauth's client to the fake token endpoint."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import Settings

from archive.models import Post, PostingPolicy
from archive.services.pulls import chat_cursor, chat_pull, x_source
from chats.models import Chat
from chats.services.schedule import chat_create, chat_set_hosts
from community.models import Community
from members.models import User, XToken
from members.services import x_token_store
from tests.archive.support import archive_tweets
from tests.browser.tour import axe_violations, horizontal_overflow
from tests.browser.ui import sign_in
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_tweet, make_user
from tests.fakes.x_oauth import FakeXOAuth, XIdentity

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

HOST = make_user("hanna_host", name="Hanna Host")
GUEST = make_user("guest_0", name="Guest Zero")
POSTER = XIdentity(id="1456789012345678901", name="Ada Quillfeather", username="adaquill")
SCOPE = "tweet.read tweet.write users.read offline.access"
ARRIVAL_TIMEOUT_MS = 10_000


@pytest.fixture
def now() -> datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def x_api(settings: Settings) -> Iterator[FakeXApi]:
    with FakeXApi() as api:
        api.add_users(HOST, GUEST)
        settings.X_API_BASE_URL = api.base_url
        settings.X_BEARER_TOKEN = api.bearer_token
        yield api


@pytest.fixture
def x_oauth(
    x_api: FakeXApi, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeXOAuth]:
    providers = dict(settings.SOCIALACCOUNT_PROVIDERS)
    apps = [{"client_id": "cid", "secret": "secret", "key": ""}]
    providers["twitter_oauth2"] = {**providers["twitter_oauth2"], "APPS": apps}
    settings.SOCIALACCOUNT_PROVIDERS = providers

    def tell_api(token: str, identity: XIdentity) -> None:
        user = {"id": identity.id, "username": identity.username, "name": identity.name}
        x_api.authorize_user_token(token, user)

    with FakeXOAuth(
        client_id="cid", client_secret="secret", redirect_uri="unused", identity=POSTER,
        on_token=tell_api,
    ) as fake:  # fmt: skip
        monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", fake.token_url)
        yield fake


@pytest.fixture
def live_chat(community: Community, now: datetime, settings: Settings) -> Chat:
    settings.LIVE_POLL_MS = 300
    chat = chat_create(
        community=community, title="Knowledge audits", start_at=now - timedelta(minutes=20),
        end_at=now + timedelta(minutes=40), now=now - timedelta(days=1),
    )  # fmt: skip
    chat_set_hosts(chat=chat, members=[], handles=[HOST["username"]])
    PostingPolicy.objects.create(
        community=community, enabled=True, daily_post_cap=20, daily_spend_cap=Decimal("2")
    )
    return chat


@pytest.fixture
def said(live_chat: Chat, x_api: FakeXApi, now: datetime) -> list[dict[str, Any]]:
    """The host's two questions and an answer, archived and on the fake X for later pulls."""
    tweets = [
        make_tweet(author=author, text=f"{text} #KMers", created_at=now - timedelta(minutes=ago))
        for author, text, ago in [
            (HOST, "Q1 What is an audit?", 15),
            (GUEST, "A1 A map", 14),
            (HOST, "Q2 Who runs it?", 5),
        ]
    ]
    archive_tweets(tweets, users=[HOST, GUEST])
    x_api.add_tweets(*tweets)
    return tweets


@pytest.fixture
def poster(member_user: User, x_oauth: FakeXOAuth) -> User:
    member_user.x_user_id, member_user.x_handle = POSTER.id, POSTER.username
    member_user.save()
    tokens = x_oauth.issue_tokens(SCOPE)
    x_token_store(
        user=member_user, x_user_id=POSTER.id, access_token=str(tokens["access_token"]),
        refresh_token=str(tokens["refresh_token"]), scope=SCOPE,
    )  # fmt: skip
    return member_user


def _signed_in(new_page: Callable[..., Page], user: User, chat: Chat, **kwargs: Any) -> Page:
    page = new_page(**kwargs)
    page.goto(chat.get_absolute_url())
    sign_in(page, user)
    page.goto(chat.get_absolute_url())
    page.evaluate("window.pageNotReloaded = true")
    return page


def _mine(page: Page, text: str) -> Locator:
    return page.locator("#posts > li.post", has_text=text)


def test_it_lets_a_member_answer_the_current_question_from_the_live_page(
    new_page: Callable[..., Page], x_api: FakeXApi, live_chat: Chat, said: list, poster: User
) -> None:
    page = _signed_in(new_page, poster, live_chat)
    chip = page.get_by_label("Answering Q2")
    expect(chip).to_be_checked()
    box = page.get_by_label("Your post")
    box.fill("Someone from outside the team")
    expect(page.locator("#compose-count")).to_contain_text("of 280 characters")

    box.press("Control+Enter")

    expect(_mine(page, "A2 Someone from outside the team #KMers")).to_have_count(
        1, timeout=ARRIVAL_TIMEOUT_MS
    )
    expect(box).to_have_value("")
    page.wait_for_timeout(1_000)  # more polls: still once
    expect(_mine(page, "A2 Someone from outside the team")).to_have_count(1)
    assert page.evaluate("window.pageNotReloaded") is True
    assert len(x_api.created) == 1

    chat_pull(chat=live_chat, cursor=chat_cursor(chat=live_chat), source=x_source())
    assert Post.objects.filter(text="A2 Someone from outside the team #KMers").count() == 1

    Chat.objects.filter(pk=live_chat.pk).update(end_at=timezone.now())
    page.goto(reverse("archive:transcript", kwargs={"slug": "kmers", "pk": live_chat.pk}))
    expect(page.locator("#q2 li.post", has_text="Someone from outside the team")).to_have_count(1)


def test_it_sends_one_post_for_a_double_click_and_replies_with_a_mention(
    new_page: Callable[..., Page], x_api: FakeXApi, live_chat: Chat, said: list, poster: User
) -> None:
    page = _signed_in(new_page, poster, live_chat, viewport={"width": 390, "height": 844})
    page.get_by_label("Answering Q2").uncheck()
    page.get_by_role("button", name="Reply to Guest Zero").click()
    expect(page.locator("#compose-replying")).to_contain_text("Replying to Guest Zero")
    box = page.get_by_label("Your post")
    box.press_sequentially("@gu")
    expect(page.get_by_role("option", name="@guest_0")).to_be_visible()
    assert [v["id"] for v in axe_violations(page)] == []
    box.press("Enter")
    expect(box).to_have_value("@guest_0 ")
    box.press_sequentially("Agreed, a map it is")

    page.get_by_role("button", name="Post", exact=True).dblclick()

    expect(_mine(page, "@guest_0 Agreed, a map it is #KMers")).to_have_count(
        1, timeout=ARRIVAL_TIMEOUT_MS
    )
    assert len(x_api.create_requests) == 1
    reply = Post.objects.get(text="@guest_0 Agreed, a map it is #KMers")
    assert reply.reply_to_id == said[1]["id"]
    expect(page.locator("#compose-replying")).to_be_hidden()
    assert horizontal_overflow(page) == 0
    assert [v["id"] for v in axe_violations(page)] == []


def test_it_keeps_a_refused_text_and_refreshes_an_expired_token_unnoticed(
    new_page: Callable[..., Page], x_api: FakeXApi, live_chat: Chat, said: list, poster: User
) -> None:
    page = _signed_in(new_page, poster, live_chat)
    box = page.get_by_label("Your post")
    box.fill("Worth keeping")
    x_api.fail_next(status=503)

    page.get_by_role("button", name="Post", exact=True).click()

    expect(page.locator("#compose-error")).to_contain_text("X did not answer")
    expect(box).to_have_value("Worth keeping")
    expect(box).to_have_attribute("aria-invalid", "true")
    assert [v["id"] for v in axe_violations(page)] == []

    x_api.expire_user_token(XToken.objects.get(user=poster).access_token)
    page.get_by_role("button", name="Try again").click()

    expect(_mine(page, "A2 Worth keeping #KMers")).to_have_count(1, timeout=ARRIVAL_TIMEOUT_MS)
    expect(page.locator("#compose-error")).to_be_hidden()
    assert [r.status for r in x_api.create_requests] == [503, 401, 201]
