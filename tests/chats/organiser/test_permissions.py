"""Every organiser URL, GET and POST: organisers and moderators of this community only."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ChatSeries, Question
from chats.services import schedule
from community.models import Community
from members.models import User
from tests.chats.organiser.conftest import chat_post_data, series_post_data, snapshot

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Scene:
    community: Community
    series: ChatSeries
    chat: Chat
    question: Question
    member: User


Request = tuple[str, str, dict]


def _chat_url(name: str, scene: Scene, **kwargs: object) -> str:
    return reverse(name, kwargs={"slug": scene.community.slug, "pk": scene.chat.pk, **kwargs})


def _question_url(name: str, scene: Scene) -> str:
    return _chat_url(name, scene, question_pk=scene.question.pk)


def _series_url(name: str, scene: Scene) -> str:
    return reverse(name, kwargs={"slug": scene.community.slug, "pk": scene.series.pk})


def _slug_url(name: str, scene: Scene) -> str:
    return reverse(name, kwargs={"slug": scene.community.slug})


MOVED_SERIES = series_post_data(
    title="Moved", weekdays=["TU"], start_time="14:00", first_date="2026-03-03"
)
NEW_CHAT = chat_post_data(date(2026, 3, 13), time(9), time(10))
EDITED_CHAT = chat_post_data(date(2026, 3, 5), time(17), time(18))

# Each organiser request, GET and POST, with data that an organiser may submit.
REQUESTS: dict[str, Callable[[Scene], Request]] = {
    "manage get": lambda s: ("get", _slug_url("chats:manage", s), {}),
    "series_create get": lambda s: ("get", _slug_url("chats:series_create", s), {}),
    "series_create post": lambda s: (
        "post", _slug_url("chats:series_create", s), series_post_data()
    ),
    "series_edit get": lambda s: ("get", _series_url("chats:series_edit", s), {}),
    "series_edit post": lambda s: (
        "post", _series_url("chats:series_edit", s),
        MOVED_SERIES,
    ),
    "series_end post": lambda s: ("post", _series_url("chats:series_end", s), {}),
    "chat_create get": lambda s: ("get", _slug_url("chats:chat_create", s), {}),
    "chat_create post": lambda s: (
        "post", _slug_url("chats:chat_create", s), NEW_CHAT
    ),
    "chat_edit get": lambda s: ("get", _chat_url("chats:chat_edit", s), {}),
    "chat_edit post": lambda s: (
        "post", _chat_url("chats:chat_edit", s), EDITED_CHAT
    ),
    "chat_cancel get": lambda s: ("get", _chat_url("chats:chat_cancel", s), {}),
    "chat_cancel post": lambda s: ("post", _chat_url("chats:chat_cancel", s), {}),
    "chat_restore post": lambda s: ("post", _chat_url("chats:chat_restore", s), {}),
    "questions get": lambda s: ("get", _chat_url("chats:questions", s), {}),
    "questions post": lambda s: ("post", _chat_url("chats:questions", s), {"text": "Why?"}),
    "question_edit get": lambda s: ("get", _question_url("chats:question_edit", s), {}),
    "question_edit post": lambda s: (
        "post", _question_url("chats:question_edit", s), {"text": "Why not?", "planned_minute": "9"}
    ),
    "question_delete post": lambda s: ("post", _question_url("chats:question_delete", s), {}),
    "question_move post": lambda s: (
        "post", _question_url("chats:question_move", s), {"direction": "down"}
    ),
    "hosts get": lambda s: ("get", _chat_url("chats:hosts", s), {}),
    "hosts post": lambda s: (
        "post", _chat_url("chats:hosts", s), {"members": [s.member.pk], "handles": "@ada"}
    ),
}  # fmt: skip


@pytest.fixture
def scene(
    community: Community, series: ChatSeries, chat: Chat, question: Question, member_user: User
) -> Scene:
    schedule.question_add(chat=chat, text="And then?")  # so that moving Q1 down changes order
    return Scene(community, series, chat, question, member_user)


def _prepare(scene: Scene, name: str) -> None:
    # Restoring means something only for a cancelled chat.
    if name == "chat_restore post":
        schedule.chat_cancel(chat=scene.chat)


def _send(client: Client, request: Request):
    method, url, data = request
    return getattr(client, method)(url, data)


@pytest.mark.parametrize("name", REQUESTS)
@pytest.mark.parametrize("persona", ["organiser", "moderator"])
def test_it_lets_organisers_and_moderators_use_every_organiser_url(
    request: pytest.FixtureRequest, scene: Scene, persona: str, name: str
) -> None:
    client: Client = request.getfixturevalue(persona)
    _prepare(scene, name)
    before = snapshot()

    response = _send(client, REQUESTS[name](scene))

    if name.endswith("get"):
        assert response.status_code == 200
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert not response["Location"].startswith(reverse("account_login"))
        assert snapshot() != before


@pytest.mark.parametrize("name", REQUESTS)
@pytest.mark.parametrize("persona", ["member", "outsider", "other_organiser", "other_moderator"])
def test_it_forbids_everyone_else_every_organiser_url(
    request: pytest.FixtureRequest, scene: Scene, persona: str, name: str
) -> None:
    client: Client = request.getfixturevalue(persona)
    _prepare(scene, name)
    before = snapshot()

    response = _send(client, REQUESTS[name](scene))

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", REQUESTS)
def test_it_sends_anonymous_visitors_to_sign_in(anonymous: Client, scene: Scene, name: str) -> None:
    before = snapshot()

    response = _send(anonymous, REQUESTS[name](scene))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert snapshot() == before


CHAT_URLS = [
    "chat_edit get", "chat_edit post", "chat_cancel get", "chat_cancel post", "chat_restore post",
    "questions get", "questions post", "hosts get", "hosts post",
]  # fmt: skip


@pytest.mark.parametrize("name", CHAT_URLS)
def test_it_answers_404_for_a_chat_of_another_community_under_this_slug(
    organiser: Client, scene: Scene, other_chat: Chat, name: str
) -> None:
    before = snapshot()
    method, url, data = REQUESTS[name](scene)
    url = url.replace(f"/chats/{scene.chat.pk}/", f"/chats/{other_chat.pk}/")

    response = getattr(organiser, method)(url, data)

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["series_edit get", "series_edit post", "series_end post"])
def test_it_answers_404_for_a_series_of_another_community_under_this_slug(
    organiser: Client, scene: Scene, other_community: Community, name: str
) -> None:
    other = schedule.series_create(
        community=other_community, title="Libraries", rrule=scene.series.rrule,
        start_time=time(20), duration=scene.series.duration, first_date=date(2026, 3, 4),
    )  # fmt: skip
    before = snapshot()
    method, url, data = REQUESTS[name](scene)
    url = url.replace(f"/series/{scene.series.pk}/", f"/series/{other.pk}/")

    response = getattr(organiser, method)(url, data)

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "name",
    ["question_edit get", "question_edit post", "question_delete post", "question_move post"],
)
def test_it_answers_404_for_a_question_of_another_chat(
    organiser: Client, scene: Scene, other_chat: Chat, name: str
) -> None:
    foreign = schedule.question_add(chat=other_chat, text="Whose question is this?")
    before = snapshot()
    method, url, data = REQUESTS[name](scene)
    url = url.replace(f"/questions/{scene.question.pk}/", f"/questions/{foreign.pk}/")

    response = getattr(organiser, method)(url, data)

    assert response.status_code == 404
    assert snapshot() == before


def test_it_refuses_a_post_without_its_csrf_token(organiser_user: User, scene: Scene) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser_user)

    response = client.post(_series_url("chats:series_end", scene))

    assert response.status_code == 403
    scene.series.refresh_from_db()
    assert scene.series.is_active
