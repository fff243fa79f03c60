"""Prepared questions: added, edited, moved and deleted through plain POST forms."""

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, Question
from chats.services import schedule

pytestmark = pytest.mark.django_db


def _questions_url(chat: Chat) -> str:
    return reverse("chats:questions", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def _question_url(name: str, question: Question) -> str:
    chat = question.chat
    return reverse(
        name, kwargs={"slug": chat.community.slug, "pk": chat.pk, "question_pk": question.pk}
    )


def _numbered(chat: Chat) -> list[tuple[str, str]]:
    return [(q.label, q.text) for q in chat.questions.order_by("position")]


@pytest.fixture
def three(chat: Chat) -> list[Question]:
    return [schedule.question_add(chat=chat, text=text) for text in ("First?", "Second?", "Third?")]


def test_it_adds_questions_numbered_from_q1(organiser: Client, chat: Chat) -> None:
    first = organiser.post(_questions_url(chat), {"text": "What is KM?", "planned_minute": "5"})
    organiser.post(_questions_url(chat), {"text": "Who does it?"})

    assert first.status_code == 302
    assert _numbered(chat) == [("Q1", "What is KM?"), ("Q2", "Who does it?")]
    assert chat.questions.get(position=1).planned_minute == 5
    page = organiser.get(_questions_url(chat)).content.decode()
    assert '<th scope="row">Q2</th>' in page
    assert "<td>Who does it?</td>" in page


def test_it_moves_a_question_down_and_up_keeping_q1_to_qn(
    organiser: Client, chat: Chat, three: list[Question]
) -> None:
    first, _, third = three

    organiser.post(_question_url("chats:question_move", first), {"direction": "down"})
    assert _numbered(chat) == [("Q1", "Second?"), ("Q2", "First?"), ("Q3", "Third?")]

    organiser.post(_question_url("chats:question_move", third), {"direction": "up"})
    assert _numbered(chat) == [("Q1", "Second?"), ("Q2", "Third?"), ("Q3", "First?")]

    # Moving the last one further down changes nothing.
    organiser.post(_question_url("chats:question_move", first), {"direction": "down"})
    assert _numbered(chat) == [("Q1", "Second?"), ("Q2", "Third?"), ("Q3", "First?")]


def test_it_refuses_an_unknown_direction(
    organiser: Client, chat: Chat, three: list[Question]
) -> None:
    response = organiser.post(_question_url("chats:question_move", three[0]), {"direction": "left"})

    assert response.status_code == 400
    assert _numbered(chat) == [("Q1", "First?"), ("Q2", "Second?"), ("Q3", "Third?")]


def test_it_deletes_a_question_and_renumbers_the_rest(
    organiser: Client, chat: Chat, three: list[Question]
) -> None:
    response = organiser.post(_question_url("chats:question_delete", three[0]))

    assert response.status_code == 302
    assert _numbered(chat) == [("Q1", "Second?"), ("Q2", "Third?")]


def test_it_edits_a_question_in_place(organiser: Client, chat: Chat, three: list[Question]) -> None:
    url = _question_url("chats:question_edit", three[1])
    assert organiser.get(url).context["form"]["text"].value() == "Second?"

    response = organiser.post(url, {"text": "Second, rephrased?", "planned_minute": "20"})

    assert response.status_code == 302
    assert _numbered(chat) == [("Q1", "First?"), ("Q2", "Second, rephrased?"), ("Q3", "Third?")]
    assert chat.questions.get(position=2).planned_minute == 20


def test_it_refuses_an_empty_question(organiser: Client, chat: Chat) -> None:
    response = organiser.post(_questions_url(chat), {"text": "   "})

    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["This field is required."]
    assert not chat.questions.exists()
