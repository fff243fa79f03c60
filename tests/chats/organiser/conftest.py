"""Fixtures of the organiser pages: a community with a series, a chat and a question,
and a second community (other_community in tests/conftest.py) whose organiser and
moderator must not reach the first.

The clock is fixed for every test here: Sunday 1 March 2026, a week before the US
switch to daylight saving time (8 March 2026).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from chats import recurrence
from chats.models import Chat, ChatHost, ChatSeries, Question
from chats.services import schedule
from community.models import Community
from members.models import User

NOW = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def new_york(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=NEW_YORK)


@pytest.fixture
def series(community: Community) -> ChatSeries:
    """#KMers every Tuesday at 12:00 New York time, generated 8 weeks ahead."""
    return schedule.series_create(
        community=community, title="KMers weekly",
        rrule=recurrence.build_rrule(frequency=recurrence.Frequency.WEEKLY, weekdays=["TU"]),
        start_time=time(12), duration=timedelta(hours=1), first_date=date(2026, 3, 3),
    )  # fmt: skip


@pytest.fixture
def chat(community: Community) -> Chat:
    """A single chat on Thursday 5 March 2026, 18:00–19:00 New York time."""
    return schedule.chat_create(
        community=community, title="Knowledge graphs",
        start_at=new_york(date(2026, 3, 5), time(18)), end_at=new_york(date(2026, 3, 5), time(19)),
    )  # fmt: skip


@pytest.fixture
def question(chat: Chat) -> Question:
    return schedule.question_add(chat=chat, text="What is a knowledge graph?", planned_minute=5)


@pytest.fixture
def other_chat(other_community: Community) -> Chat:
    return schedule.chat_create(
        community=other_community, title="Catalogues",
        start_at=new_york(date(2026, 3, 6), time(20)), end_at=new_york(date(2026, 3, 6), time(21)),
    )  # fmt: skip


@pytest.fixture
def other_organiser(other_community: Community) -> Client:
    client = Client()
    client.force_login(User.objects.get(username="otto"))
    return client


@dataclass(frozen=True)
class Snapshot:
    series: list[dict]
    chats: list[dict]
    questions: list[dict]
    hosts: list[dict]


def snapshot() -> Snapshot:
    """Everything the organiser pages can write, to prove a refused request changed nothing."""
    return Snapshot(
        series=list(ChatSeries.objects.order_by("pk").values()),
        chats=list(Chat.objects.order_by("pk").values()),
        questions=list(Question.objects.order_by("pk").values()),
        hosts=list(ChatHost.objects.order_by("pk").values()),
    )


def chat_post_data(day: date, start: time, end: time, **extra: object) -> dict[str, object]:
    """A valid chat form submission, times in the community's zone."""
    return {
        "title": "Taxonomies", "description": "Let's talk *taxonomies*.",
        "start_date": day.isoformat(), "start_time": start.strftime("%H:%M"),
        "end_date": "", "end_time": end.strftime("%H:%M"), "extra_hashtags": "",
        **extra,
    }  # fmt: skip


def series_post_data(**extra: object) -> dict[str, object]:
    """A valid series form submission: every Thursday at 12:00 New York time, 60 minutes."""
    return {
        "title": "Thursday chat", "frequency": "weekly", "weekdays": ["TH"], "nth": "",
        "start_time": "12:00", "duration": "60", "time_zone": "America/New_York",
        "first_date": "2026-03-05", "last_date": "", "extra_hashtags": "", "rrule": "",
        **extra,
    }  # fmt: skip
