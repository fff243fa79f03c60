"""The chat page: what a visitor needs before, during and after a chat."""

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from chats.services.schedule import chat_cancel, question_add
from community.models import Community
from members.models import User
from tests.chats.public.conftest import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def chat(make_chat: Callable[..., Chat], member_user: User) -> Chat:
    chat = make_chat(
        NOW + timedelta(days=1, hours=2, minutes=30),
        title="Knowledge graphs",
        description="Bring **examples**.",
        minutes=90,
        extra_hashtags=["KMchat"],
        hosts=(member_user,),
        handles=("guest_host",),
    )
    question_add(chat=chat, text="What is a knowledge graph?", planned_minute=5)
    question_add(chat=chat, text="Who maintains yours?")
    return chat


@pytest.fixture
def hidden_chat(chat: Chat) -> Chat:
    Chat.objects.filter(pk=chat.pk).update(questions_hidden=True)
    chat.refresh_from_db()
    return chat


def _page(client: Client, chat: Chat) -> str:
    response = client.get(chat.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_everything_a_visitor_needs_before_the_chat(chat: Chat, anonymous: Client) -> None:
    html = _page(anonymous, chat)

    assert '<a href="/communities/kmers/">Knowledge Managers</a>' in html
    assert "<h1>Knowledge graphs</h1>" in html
    assert "#KMers #KMchat" in html
    assert "<p>Bring <strong>examples</strong>.</p>" in html
    assert '<a href="/members/mona/">Mona Member</a>' in html
    assert '<a href="https://x.com/guest_host" rel="nofollow noopener">@guest_host</a>' in html
    assert "How to take part" in html
    assert "https://x.com/search?q=%23KMers&amp;f=live" in html
    assert "Answer each with A1, A2" in html
    assert "<dd>1 hour 30 minutes</dd>" in html
    assert '<span class="badge">Scheduled</span>' in html
    assert "Live now" not in html


def test_it_counts_down_without_javascript_and_hands_the_start_to_the_script(
    chat: Chat, anonymous: Client
) -> None:
    html = _page(anonymous, chat)

    assert (
        '<span role="timer" data-countdown data-start="2026-03-10T14:30:00Z">'
        "Starts in 1\xa0day, 2\xa0hours</span>"
    ) in html
    assert '<script src="/static/js/countdown.js" defer></script>' in html


def test_it_has_no_inline_script(chat: Chat, anonymous: Client) -> None:
    html = _page(anonymous, chat)

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    assert all(re.fullmatch(r'<script src="/static/js/[\w.]+" defer>', tag) for tag in scripts)
    assert " onclick=" not in html
    assert " style=" not in html


def test_it_links_to_the_calendar_file(chat: Chat, anonymous: Client) -> None:
    html = _page(anonymous, chat)

    url = reverse("chats:chat_ics", kwargs={"slug": "kmers", "pk": chat.pk})
    assert f'href="{url}">Add to calendar</a>' in html


def test_it_includes_the_participation_section(chat: Chat, member: Client) -> None:
    html = member.get(chat.get_absolute_url()).content.decode()

    assert '<h2 id="participation-heading">Reminder and hosting</h2>' in html


def test_it_marks_a_chat_in_progress_as_live(chat: Chat, anonymous: Client) -> None:
    with time_machine.travel(chat.start_at + timedelta(minutes=10), tick=False):
        html = _page(anonymous, chat)

    assert '<span class="badge live">Live now</span>' in html
    assert "data-countdown" not in html
    assert "countdown.js" not in html


def test_it_says_when_a_chat_has_ended(chat: Chat, anonymous: Client) -> None:
    with time_machine.travel(chat.end_at + timedelta(minutes=1), tick=False):
        html = _page(anonymous, chat)

    assert "This chat has ended." in html
    assert "Live now" not in html


def test_it_says_when_a_chat_is_cancelled(chat: Chat, anonymous: Client) -> None:
    chat_cancel(chat=chat)

    html = _page(anonymous, chat)

    assert '<span class="badge cancelled">Cancelled</span> This chat is cancelled.' in html
    assert "data-countdown" not in html


def test_it_shows_questions_that_are_not_hidden(chat: Chat, anonymous: Client) -> None:
    html = _page(anonymous, chat)

    assert "<strong>Q1</strong> What is a knowledge graph?" in html
    assert "(at minute 5)" in html
    assert "<strong>Q2</strong> Who maintains yours?" in html


@pytest.mark.parametrize("visitor", ["anonymous", "member", "outsider"])
def test_it_hides_hidden_questions_from_the_public_until_the_start(
    hidden_chat: Chat, visitor: str, request: pytest.FixtureRequest
) -> None:
    html = _page(request.getfixturevalue(visitor), hidden_chat)

    assert "What is a knowledge graph?" not in html
    assert "The questions are revealed when the chat starts." in html


@pytest.mark.parametrize("visitor", ["anonymous", "member"])
def test_it_reveals_hidden_questions_once_the_chat_starts(
    hidden_chat: Chat, visitor: str, request: pytest.FixtureRequest
) -> None:
    client = request.getfixturevalue(visitor)

    with time_machine.travel(hidden_chat.start_at, tick=False):
        html = _page(client, hidden_chat)

    assert "<strong>Q1</strong> What is a knowledge graph?" in html
    assert "revealed when the chat starts" not in html


@pytest.mark.parametrize("visitor", ["organiser", "moderator"])
def test_it_shows_hidden_questions_to_the_communitys_organisers_and_moderators(
    hidden_chat: Chat, visitor: str, request: pytest.FixtureRequest
) -> None:
    html = _page(request.getfixturevalue(visitor), hidden_chat)

    assert "<strong>Q1</strong> What is a knowledge graph?" in html
    assert "Hidden from the public until the chat starts" in html


def test_it_hides_questions_from_a_moderator_of_another_community(
    hidden_chat: Chat, london_community: Community, make_user: Callable[..., User]
) -> None:
    other = make_user("otto")
    london_community.memberships.create(member=other, role="moderator")
    client = Client()
    client.force_login(other)

    html = _page(client, hidden_chat)

    assert "What is a knowledge graph?" not in html


def test_it_escapes_html_in_the_title_and_sanitises_the_description(
    make_chat: Callable[..., Chat], anonymous: Client
) -> None:
    chat = make_chat(
        NOW + timedelta(days=1),
        title='<img src=x onerror="alert(1)">Graphs',
        description="<script>alert('x')</script>Plain *text*",
    )

    html = _page(anonymous, chat)

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Graphs" in html
    assert "<script>alert" not in html
    assert "<em>text</em>" in html


def test_it_answers_404_for_a_chat_of_another_community(
    chat: Chat, london_community: Community, anonymous: Client
) -> None:
    url = reverse("chats:detail", kwargs={"slug": london_community.slug, "pk": chat.pk})

    assert anonymous.get(url).status_code == 404
    missing = reverse("chats:detail", kwargs={"slug": "kmers", "pk": chat.pk + 1000})
    assert anonymous.get(missing).status_code == 404
