"""The public archive as a visitor meets it: a live chat filling in without a reload, then
a finished chat's transcript, read in each view, searched, and downloaded.

The live server runs on the real clock, so the chat here is live around timezone.now();
posts reach the archive through the real pull (fake X API behind tweepy) or the real
normaliser and ingest service, while the page is open.
"""

import csv
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import Settings

from archive.models import HiddenReason, PostPlacement
from archive.services.moderation import placement_hide
from archive.services.pulls import chat_cursor, chat_pull, x_source
from chats.models import Chat
from chats.services.schedule import chat_create, chat_set_hosts
from community.models import Community
from members.models import User
from tests.archive.support import archive_tweets
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_tweet, make_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

HOST = make_user("hanna_host", name="Hanna Host")
GUESTS = [make_user(f"guest_{n}", name=f"Guest {n}") for n in range(3)]
ARRIVAL_TIMEOUT_MS = 10_000


@pytest.fixture
def now() -> datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def x_api(settings: Settings) -> Iterator[FakeXApi]:
    with FakeXApi() as api:
        api.add_users(HOST, *GUESTS)
        settings.X_API_BASE_URL = api.base_url
        settings.X_BEARER_TOKEN = api.bearer_token
        yield api


@pytest.fixture
def live_chat(community: Community, now: datetime, settings: Settings) -> Chat:
    settings.LIVE_POLL_MS = 300  # the page polls every 5 s by default
    chat = chat_create(
        community=community, title="Knowledge audits", start_at=now - timedelta(minutes=20),
        end_at=now + timedelta(minutes=40), now=now - timedelta(days=1),
    )  # fmt: skip
    chat_set_hosts(chat=chat, members=[], handles=[HOST["username"]])
    return chat


def _tweet(author: dict[str, Any], text: str, at: datetime) -> dict[str, Any]:
    return make_tweet(author=author, text=f"{text} #KMers", created_at=at)


def _archive(*tweets: dict[str, Any]) -> None:
    archive_tweets(tweets, users=[HOST, *GUESTS])


def _posts(page: Page) -> Locator:
    return page.locator("#posts > li.post")


def _open(new_page: Callable[..., Page], chat: Chat) -> Page:
    page = new_page()
    page.goto(chat.get_absolute_url())
    # Set once: a reload would lose it.
    page.evaluate("window.pageNotReloaded = true")
    return page


def test_it_shows_a_post_pulled_while_the_visitor_reads_without_a_reload(
    new_page: Callable[..., Page], x_api: FakeXApi, live_chat: Chat, now: datetime
) -> None:
    x_api.add_tweets(
        _tweet(HOST, "Q1 What is a knowledge audit?", now - timedelta(minutes=18)),
        _tweet(GUESTS[0], "A1 A map of who knows what", now - timedelta(minutes=17)),
    )
    chat_pull(chat=live_chat, cursor=chat_cursor(chat=live_chat), source=x_source())
    page = _open(new_page, live_chat)
    question = page.locator("#current-question")
    expect(_posts(page)).to_have_count(2)
    expect(question).to_contain_text("Q1 What is a knowledge audit?")
    expect(page.get_by_role("link", name="Refresh to see new posts")).to_be_hidden()

    x_api.add_tweets(
        _tweet(HOST, "Q2 Who should run it?", now - timedelta(minutes=2)),
        _tweet(GUESTS[1], "A2 Someone outside the team", now - timedelta(minutes=1)),
    )
    chat_pull(chat=live_chat, cursor=chat_cursor(chat=live_chat), source=x_source())

    expect(_posts(page)).to_have_count(4, timeout=ARRIVAL_TIMEOUT_MS)
    expect(_posts(page).last).to_contain_text("A2 Someone outside the team")
    expect(question).to_contain_text("Q2 Who should run it?")
    assert page.evaluate("window.pageNotReloaded") is True


def test_it_stops_saying_live_now_in_an_open_tab_once_the_chat_ends(
    new_page: Callable[..., Page], live_chat: Chat, now: datetime
) -> None:
    page = _open(new_page, live_chat)
    status = page.locator(".chat-status .badge").first
    expect(status).to_have_text("Live now")

    Chat.objects.filter(pk=live_chat.pk).update(end_at=now - timedelta(minutes=1))

    expect(status).to_have_text("Ended", timeout=ARRIVAL_TIMEOUT_MS)
    expect(page.locator("#posts-heading")).not_to_contain_text("updating live")
    assert page.evaluate("window.pageNotReloaded") is True


def test_it_puts_a_late_post_in_its_place_and_never_shows_a_post_twice(
    new_page: Callable[..., Page], live_chat: Chat, now: datetime
) -> None:
    _archive(
        _tweet(HOST, "Q1 What is a knowledge audit?", now - timedelta(minutes=18)),
        _tweet(GUESTS[0], "A1 A map of who knows what", now - timedelta(minutes=10)),
    )
    page = _open(new_page, live_chat)
    expect(_posts(page)).to_have_count(2)

    _archive(_tweet(GUESTS[1], "A1 Written early, archived late", now - timedelta(minutes=15)))

    expect(_posts(page)).to_have_count(3, timeout=ARRIVAL_TIMEOUT_MS)
    expect(_posts(page).nth(1)).to_contain_text("A1 Written early, archived late")
    page.wait_for_timeout(1_000)  # several more polls, nothing new
    expect(_posts(page)).to_have_count(3)
    expect(page.locator("#current-question")).to_contain_text("Q1 What is a knowledge audit?")
    assert page.evaluate("window.pageNotReloaded") is True


def test_it_takes_back_a_post_a_moderator_hides_while_the_page_is_open(
    new_page: Callable[..., Page], live_chat: Chat, now: datetime, moderator_user: User
) -> None:
    spam = _tweet(GUESTS[2], "A1 Buy followers cheap", now - timedelta(minutes=12))
    _archive(_tweet(GUESTS[0], "A1 A map of who knows what", now - timedelta(minutes=13)), spam)
    page = _open(new_page, live_chat)
    expect(_posts(page)).to_have_count(2)

    placement = PostPlacement.objects.get(post__external_id=spam["id"])
    placement_hide(placement=placement, actor=moderator_user, reason=HiddenReason.SPAM)

    placeholder = page.locator(f"#post-{spam['id']}")
    expect(placeholder).to_have_text(
        "Removed: Hidden by the moderators: Spam", timeout=ARRIVAL_TIMEOUT_MS
    )
    expect(page.get_by_text("Buy followers cheap")).to_have_count(0)
    expect(_posts(page).first).to_contain_text("A1 A map of who knows what")
    assert page.evaluate("window.pageNotReloaded") is True


def test_it_offers_the_new_posts_to_a_reader_who_scrolled_up_instead_of_jumping(
    new_page: Callable[..., Page], live_chat: Chat, now: datetime
) -> None:
    _archive(*[
        _tweet(GUESTS[n % 3], f"A1 Early thought number {n}", now - timedelta(minutes=19 - n))
        for n in range(15)
    ])  # fmt: skip
    page = _open(new_page, live_chat)
    expect(_posts(page)).to_have_count(15)
    page.evaluate("window.scrollTo(0, 0)")

    _archive(
        _tweet(GUESTS[0], "A1 First of the new ones", now - timedelta(minutes=2)),
        _tweet(GUESTS[1], "A1 Second of the new ones", now - timedelta(minutes=1)),
    )

    button = page.get_by_role("button", name="2 new posts")
    expect(button).to_be_visible(timeout=ARRIVAL_TIMEOUT_MS)
    expect(button).to_be_in_viewport()
    assert page.evaluate("window.scrollY") == 0
    first_new = page.locator("#posts > li.post", has_text="A1 First of the new ones")
    expect(first_new).not_to_be_in_viewport()
    button.click()
    expect(first_new).to_be_in_viewport()
    expect(button).to_have_count(0)


@pytest.fixture
def finished_chat(community: Community, now: datetime) -> tuple[Chat, dict[str, dict[str, Any]]]:
    """Ended two hours ago, its posts archived: the host's two questions, answers, a chat."""
    start = now - timedelta(hours=3)
    chat = chat_create(
        community=community, title="Taxonomies that last", start_at=start,
        end_at=start + timedelta(hours=1), now=start - timedelta(days=1),
    )  # fmt: skip
    chat_set_hosts(chat=chat, members=[], handles=[HOST["username"]])
    said = [
        ("q1", HOST, 5, "Q1 Which taxonomy outlived its creators?"),
        ("a1", GUESTS[0], 7, "A1 Our library's subject headings, full of serendipity"),
        ("a1b", GUESTS[1], 8, "A1 The product catalogue, sadly"),
        ("q2", HOST, 20, "Q2 Who keeps yours tidy?"),
        ("a2", GUESTS[1], 22, "A2 A rota of volunteers"),
        ("chat", GUESTS[2], 40, "Lovely to see everyone tonight"),
    ]
    posts = {
        key: _tweet(author, text, start + timedelta(minutes=minute))
        for key, author, minute, text in said
    }
    _archive(*posts.values())
    return chat, posts


def test_it_lets_a_visitor_read_search_and_download_a_finished_transcript(
    new_page: Callable[..., Page], finished_chat: tuple[Chat, dict[str, dict[str, Any]]]
) -> None:
    chat, posts = finished_chat
    page = new_page()
    page.goto(reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk}))
    views = page.get_by_role("navigation", name="Transcript views")

    q1 = page.locator("#q1")
    expect(q1.get_by_role("heading")).to_contain_text("Which taxonomy outlived its creators?")
    expect(q1.locator("li.post")).to_have_count(3)  # the question, then its two answers
    expect(page.locator("#q2 li.post")).to_have_count(2)
    expect(page.locator("#conversation")).to_contain_text("Lovely to see everyone tonight")

    views.get_by_role("link", name="In time order").click()
    expect(views.get_by_role("link", name="In time order")).to_have_attribute(
        "aria-current", "page"
    )
    in_time_order = page.locator(".transcript-time li.post .post-text")
    expect(in_time_order).to_have_text([t["text"] for t in posts.values()])

    views.get_by_role("link", name="By participant").click()
    page.get_by_role("navigation", name="Participants").get_by_role(
        "link", name="Guest 1 @guest_1"
    ).click()
    expect(page.get_by_role("heading", name="Posts by Guest 1 @guest_1")).to_be_visible()
    participant_posts = page.locator(".transcript-participant li.post")
    expect(participant_posts).to_have_count(2)
    expect(participant_posts.first).to_contain_text("The product catalogue, sadly")
    expect(participant_posts.last).to_contain_text("A rota of volunteers")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_role("searchbox", name="Search posts").fill("serendipity")
    page.get_by_role("button", name="Search").click()
    results = page.locator("li.result")
    expect(results).to_have_count(1)
    expect(results.locator("mark")).to_have_text("serendipity")
    results.get_by_role("link", name=chat.title).click()
    anchor = f"post-{posts['a1']['id']}"
    expect(page).to_have_url(re.compile(f"#{anchor}$"))
    expect(page.locator(f"#{anchor}")).to_be_in_viewport()

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    with open(download.value.path(), newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [row["post_id"] for row in rows] == [t["id"] for t in posts.values()]
    answer = next(row for row in rows if row["post_id"] == posts["a1"]["id"])
    assert answer["author_handle"] == "guest_0"
    assert answer["question"] == "Q1"
    assert answer["text"].startswith("A1 Our library's subject headings, full of serendipity")
