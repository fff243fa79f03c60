"""The chat page while live: the current question on top, a refresh link without script;
once ended, a preview of the posts and the way to the transcript."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from pytest_django.fixtures import Settings

from archive.models import Account
from chats.models import Chat
from chats.services.schedule import chat_set_hosts
from members.models import User
from tests.archive.live.conftest import GUESTS, HOST, START

pytestmark = pytest.mark.django_db


def _current_question(page: str) -> str | None:
    box = re.search(r'<aside class="current-question" id="current-question"([^>]*)>(.*?)</aside>',
                    page, re.S)  # fmt: skip
    assert box is not None
    return None if "hidden" in box[1] else box[2]


def _page(client: Client, chat: Chat) -> str:
    response = client.get(chat.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_hosts_latest_question_at_the_top(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"].upper()])
    archive("Q2: Who runs the audit?", minute=15, author=HOST)
    archive("Q1. What is an audit?", minute=5, author=HOST)  # archived late, asked earlier
    archive("Q9 says a guest", minute=20, author=GUESTS[0])
    archive("A2 the librarian does", minute=21, author=GUESTS[1])

    question = _current_question(_page(anonymous, live_chat))

    assert question is not None
    assert "Q2: Who runs the audit?" in question
    assert "Q9" not in question


def test_it_recognises_a_member_host_by_their_x_handle(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any],
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    hanna = make_user("hanna", x_handle=HOST["username"])
    chat_set_hosts(chat=live_chat, members=[hanna], handles=[])
    archive("Q1 What is an audit?", minute=5, author=HOST)
    archive("Q4 not a host", minute=6, author=GUESTS[3])

    question = _current_question(_page(anonymous, live_chat))

    assert question is not None
    assert "Q1 What is an audit?" in question


def test_it_recognises_a_member_host_without_an_x_handle_by_their_linked_account(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any],
    member_user: User,
) -> None:  # fmt: skip
    # Ingest links the X account to the member who signed in with it, by its user id.
    User.objects.filter(pk=member_user.pk).update(x_user_id=HOST["id"], x_handle="")
    chat_set_hosts(chat=live_chat, members=[member_user], handles=[])
    archive("Q1 What is an audit?", minute=5, author=HOST)
    archive("Q4 not a host", minute=6, author=GUESTS[3])

    question = _current_question(_page(anonymous, live_chat))

    assert Account.objects.get(handle=HOST["username"]).member_id == member_user.pk
    assert question is not None
    assert "Q1 What is an audit?" in question


def test_it_takes_no_reply_for_a_question_when_the_chat_has_no_hosts(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    # The transcript's rule too: a reply quoting "Q2" is talk about a question, not one.
    q1 = archive("Q1 Who is here?", minute=5, author=GUESTS[0])
    archive("Q2 is coming?", minute=6, author=GUESTS[1], reply_to=q1)

    question = _current_question(_page(anonymous, live_chat))

    assert question is not None
    assert "Q1 Who is here?" in question


def test_it_shows_the_archived_posts_in_post_time_order_with_their_html(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    archive("A2 answer two", minute=5)
    archive("A1 answer one", minute=3)  # archived later, written earlier

    page = _page(anonymous, live_chat)

    assert page.index("A1 answer one") < page.index("A2 answer two")
    # The HTML rendered at ingest, with its hashtag linked to a search.
    assert 'answer one <a href="/search/?q=%23KMers">#KMers</a>' in page
    assert "updating live" in page
    assert '<a href="#posts-heading">Follow the posts as they arrive' in page
    assert reverse("archive:chat_posts", kwargs={"slug": "kmers", "pk": live_chat.pk}) in page


def test_it_takes_anyones_question_when_the_chat_has_no_hosts(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    archive("Q1 What is an audit?", minute=5, author=GUESTS[0])
    archive("#KMers Q3 - how often?", minute=7, author=GUESTS[1])
    archive("A3 yearly", minute=8, author=GUESTS[2])

    question = _current_question(_page(anonymous, live_chat))

    assert question is not None
    assert "Q3 - how often?" in question


def test_it_keeps_the_question_box_empty_until_a_question_is_asked(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"]])
    archive("Welcome everyone, questions soon", minute=1, author=HOST)

    assert _current_question(_page(anonymous, live_chat)) is None


def test_it_works_without_javascript_through_a_refresh_link(
    anonymous: Client, live_chat: Chat, during_chat: datetime, settings: Settings
) -> None:
    settings.LIVE_POLL_MS = 750

    page = _page(anonymous, live_chat)

    assert f'<a href="{live_chat.get_absolute_url()}">Refresh to see new posts</a>' in page
    assert 'data-poll-ms="750"' in page
    assert "/static/js/live_posts." in page
    assert re.search(r'<p class="live-refresh" id="live-refresh">', page)  # not hidden


def _transcript_url(chat: Chat) -> str:
    try:
        return reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk})
    except NoReverseMatch:
        pytest.fail("chats:transcript is not routed yet (another helper's page)")


def test_it_links_a_live_chat_to_its_transcript(
    anonymous: Client, live_chat: Chat, during_chat: datetime
) -> None:
    page = _page(anonymous, live_chat)

    assert f'<a href="{_transcript_url(live_chat)}">Read the transcript</a>' in page


def test_it_shows_an_ended_chat_s_first_ten_posts_and_the_transcript_link(
    anonymous: Client, live_chat: Chat, archive: Callable[..., Any]
) -> None:
    for n in range(12):
        archive(f"A1 post number {n:02d}", minute=n, author=GUESTS[n % 4])

    with time_machine.travel(START + timedelta(hours=3), tick=False):
        page = _page(anonymous, live_chat)

    assert [int(n) for n in re.findall(r"post number (\d\d)", page)] == list(range(10))
    assert f'href="{_transcript_url(live_chat)}">Read the whole transcript</a>' in page
    assert "data-live-url" not in page
    assert "Refresh to see new posts" not in page
    assert "/static/js/live_posts." not in page


@pytest.mark.parametrize("count", [5, 60])
def test_it_renders_the_live_page_in_a_constant_number_of_queries(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any],
    count: int,
) -> None:  # fmt: skip
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"]])
    for n in range(count):
        archive(f"A1 post {n}", minute=n * 0.9, author=GUESTS[n % 4])

    with CaptureQueriesContext(connection) as queries:
        page = _page(anonymous, live_chat)

    assert len(re.findall(r'<li class="post[^"]*" id="post-', page)) == count
    # The chat, its hosts, its questions, the posts with the host flag, the posting policy,
    # and the networks the community holds its chats on ("Held on X and Mastodon").
    assert len(queries) == 6


def test_it_marks_the_hosts_posts(
    anonymous: Client, live_chat: Chat, during_chat: datetime, archive: Callable[..., Any]
) -> None:
    chat_set_hosts(chat=live_chat, members=[], handles=[HOST["username"]])
    host_post = archive("Welcome, questions soon", minute=1, author=HOST)
    guest_post = archive("Hello from me", minute=2, author=GUESTS[0])

    page = _page(anonymous, live_chat)

    assert f'<li class="post host" id="post-{host_post["id"]}"' in page
    assert f'<li class="post" id="post-{guest_post["id"]}"' in page


def test_it_keeps_a_chat_cancelled_while_live_readable(
    live_chat: Chat,
    during_chat: datetime,
    archive: Callable[..., dict[str, Any]],
    organiser: Client,
) -> None:
    archive("A1 audits start with a map", minute=5)
    organiser.post(reverse("chats:chat_cancel", kwargs={"slug": "kmers", "pk": live_chat.pk}))

    page = _page(organiser, live_chat)
    transcript = organiser.get(live_chat.get_transcript_url())

    assert "This chat is cancelled." in page
    assert f'href="{live_chat.get_transcript_url()}">Read the transcript</a>' in page
    assert "audits start with a map" in page
    assert transcript.status_code == 200
    assert "audits start with a map" in transcript.content.decode()
