"""Bad input through the organiser pages: a message next to the field, 400, nothing changed."""

from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import MAX_QUESTIONS, Chat, ChatSeries
from chats.services import schedule
from community.models import Community
from tests.chats.organiser.conftest import chat_post_data, series_post_data, snapshot

pytestmark = pytest.mark.django_db


def _assert_refused(response, field: str, message: str) -> None:
    """400, the message in the form's errors for `field` and on the page beside it."""
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    page = response.content.decode()
    field_error = f'id="id_{field}_error">'
    assert field_error in page
    assert message in page.split(field_error, 1)[1].split("</div>", 1)[0]


@pytest.fixture
def chat_create_url(community: Community) -> str:
    return reverse("chats:chat_create", kwargs={"slug": community.slug})


@pytest.fixture
def series_create_url(community: Community) -> str:
    return reverse("chats:series_create", kwargs={"slug": community.slug})


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (time(12), time(11), "end_time", "A chat must end after it starts."),
        (time(12), time(12), "end_time", "A chat must end after it starts."),
        (time(9), time(17, 30), "end_time", "A chat can last at most 8 hours."),
    ],
    ids=["end before start", "zero duration", "over 8 hours"],
)
def test_it_refuses_a_chat_with_an_impossible_duration(
    organiser: Client, chat_create_url: str, start: time, end: time, field: str, message: str
) -> None:
    before = snapshot()

    response = organiser.post(chat_create_url, chat_post_data(date(2026, 3, 12), start, end))

    _assert_refused(response, field, message)
    assert snapshot() == before


def test_it_refuses_a_new_chat_in_the_past(organiser: Client, chat_create_url: str) -> None:
    before = snapshot()

    response = organiser.post(
        chat_create_url, chat_post_data(date(2026, 2, 27), time(12), time(13))
    )

    _assert_refused(response, "start_time", "A new chat cannot start in the past.")
    assert snapshot() == before


def test_it_refuses_a_chat_overlapping_another_on_the_same_hashtag(
    organiser: Client, chat_create_url: str, chat: Chat
) -> None:
    before = snapshot()
    # `chat` runs 18:00–19:00 on 5 March; 19:15 is still inside its 30-minute after-window.
    data = chat_post_data(date(2026, 3, 5), time(19, 15), time(20, 15))

    response = organiser.post(chat_create_url, data)

    _assert_refused(response, "start_time", "This overlaps “Knowledge graphs”")
    assert snapshot() == before


def test_it_refuses_to_move_a_chat_onto_another(
    organiser: Client, community: Community, chat: Chat, series: ChatSeries
) -> None:
    tuesday = series.chats.order_by("start_at").first()
    before = snapshot()
    url = reverse("chats:chat_edit", kwargs={"slug": community.slug, "pk": chat.pk})

    response = organiser.post(url, chat_post_data(date(2026, 3, 3), time(12, 30), time(13)))

    _assert_refused(response, "start_time", f"This overlaps “{tuesday.title}”")
    assert snapshot() == before


def test_it_refuses_a_time_that_the_dst_change_skips(
    organiser: Client, chat_create_url: str
) -> None:
    before = snapshot()
    # On 8 March 2026 New York clocks jump from 02:00 to 03:00.
    response = organiser.post(
        chat_create_url, chat_post_data(date(2026, 3, 8), time(2, 30), time(3, 30))
    )

    _assert_refused(response, "start_time", "02:30 does not exist on 08 Mar 2026")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"duration": "0"}, "duration", "A chat must end after it starts."),
        ({"duration": "481"}, "duration", "A chat can last at most 8 hours."),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a known time zone"),
        ({"time_zone": "CEST"}, "time_zone", "is not a known time zone"),
        (
            {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
            "rrule",
            "This schedule never produces a chat between its first and last date.",
        ),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule", "This is not a valid RRULE"),
        ({"rrule": "FREQ=WEEKLY;COUNT=3"}, "rrule", "without DTSTART, UNTIL or COUNT"),
        ({"weekdays": []}, "weekdays", "Choose at least one day of the week."),
        ({"frequency": "monthly"}, "nth", "Choose which week of the month."),
        (
            {"weekdays": ["WE"], "first_date": "2026-03-05", "last_date": "2026-03-10"},
            "last_date",
            "This schedule never produces a chat between its first and last date.",
        ),
        ({"last_date": "2026-03-01"}, "last_date", "The last date comes before the first date."),
        ({"extra_hashtags": "KM chat"}, "extra_hashtags", "only letters, digits and underscores"),
    ],
    ids=[
        "zero duration", "over 8 hours", "unknown zone", "abbreviation", "rrule never",
        "rrule unparsable", "rrule count", "no weekday", "monthly without nth", "empty range",
        "last before first", "bad hashtag",
    ],
)  # fmt: skip
def test_it_refuses_an_impossible_series(
    organiser: Client, series_create_url: str, data: dict, field: str, message: str
) -> None:
    before = snapshot()

    response = organiser.post(series_create_url, series_post_data(**data))

    _assert_refused(response, field, message)
    assert snapshot() == before
    assert not ChatSeries.objects.exists()


def test_it_refuses_the_31st_question(organiser: Client, community: Community, chat: Chat) -> None:
    for number in range(1, MAX_QUESTIONS + 1):
        schedule.question_add(chat=chat, text=f"Question {number}?")
    before = snapshot()
    url = reverse("chats:questions", kwargs={"slug": community.slug, "pk": chat.pk})

    # However many an organiser posts (the issue says 200), the limit holds at 30.
    responses = [organiser.post(url, {"text": f"One too many #{n}?"}) for n in range(3)]

    for response in responses:
        _assert_refused(response, "text", "A chat can have at most 30 questions.")
    assert snapshot() == before
    assert chat.questions.count() == MAX_QUESTIONS
    assert "30 of at most 30 questions." in responses[-1].content.decode()


@pytest.mark.parametrize(
    "text", ["<script>alert(1)</script>", "Is <b>bold</b> better?", "Who wrote <img src=x>?"]
)
def test_it_refuses_html_in_a_question(
    organiser: Client, community: Community, chat: Chat, text: str
) -> None:
    before = snapshot()
    url = reverse("chats:questions", kwargs={"slug": community.slug, "pk": chat.pk})

    response = organiser.post(url, {"text": text, "planned_minute": "5"})

    _assert_refused(response, "text", "Questions are plain text: remove the HTML tags.")
    assert snapshot() == before
    assert "<script>alert(1)" not in response.content.decode()


def test_it_refuses_html_when_a_question_is_edited(
    organiser: Client, community: Community, question
) -> None:
    before = snapshot()
    url = reverse(
        "chats:question_edit",
        kwargs={"slug": community.slug, "pk": question.chat_id, "question_pk": question.pk},
    )

    response = organiser.post(url, {"text": "<script>alert(1)</script>"})

    _assert_refused(response, "text", "Questions are plain text: remove the HTML tags.")
    assert snapshot() == before


def test_it_refuses_an_invalid_host_handle_and_a_non_member_host(
    organiser: Client, community: Community, chat: Chat, outsider_user
) -> None:
    before = snapshot()
    url = reverse("chats:hosts", kwargs={"slug": community.slug, "pk": chat.pk})

    bad_handle = organiser.post(url, {"handles": "@ada, not a handle"})
    outsider = organiser.post(url, {"members": [outsider_user.pk]})

    _assert_refused(bad_handle, "handles", "“not a handle” is not a valid X handle.")
    _assert_refused(outsider, "members", f"{outsider_user.pk} is not one of the available choices")
    assert snapshot() == before
