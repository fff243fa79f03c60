"""The dispatcher: open chats at their community's interval, one final sweep each, and
between-chat sweeps of every community's hashtag unless switched off or already covered."""

import importlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError, transaction

from archive.models import Post, SyncCursor
from archive.services.pulls import (
    Target,
    chat_cursor,
    chat_pull,
    cursor_locked,
    pulls_due,
    stream_cursor,
    stream_pull,
    x_source,
)
from archive.tasks import dispatch_pulls, pull_chat
from chats.models import Chat
from community.models import Community
from config.celery import app as celery_app
from tests.archive.ingest.conftest import add_posts, make_chat
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db

STREAM = "stream"
APPS = {"archive", "chats", "demo"}


def _kinds(targets: list[Target], kind: str) -> list[int]:
    return [target.pk for target in targets if target.kind == kind]


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_it_pulls_an_open_chat_at_its_communitys_poll_interval(
    x_api: FakeXApi, community: Community, chat: Chat, now: datetime
) -> None:
    community.poll_interval_seconds = 120
    community.save(update_fields=["poll_interval_seconds"])
    later_chat = make_chat(community, start=now + timedelta(hours=3))

    assert pulls_due(now=now) == [Target("chat", chat.pk)]
    chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)

    assert pulls_due(now=now + timedelta(seconds=60)) == []
    assert pulls_due(now=now + timedelta(seconds=119)) == []
    assert pulls_due(now=now + timedelta(seconds=120)) == [Target("chat", chat.pk)]
    assert later_chat.pk not in _kinds(pulls_due(now=now + timedelta(seconds=120)), "chat")


def test_it_sends_a_pull_that_died_again_at_its_next_round_not_an_interval_later(
    x_api: FakeXApi, community: Community, chat: Chat, now: datetime
) -> None:
    community.poll_interval_seconds = 120
    community.save(update_fields=["poll_interval_seconds"])
    add_posts(x_api, 30, start=chat.window_start)
    with cursor_locked(cursor=chat_cursor(chat=chat)) as cursor:
        assert cursor is not None
        chat_pull(chat=chat, cursor=cursor, source=x_source(), now=now)
    soon = now + timedelta(seconds=30)

    def die_mid_pull() -> None:
        with cursor_locked(cursor=chat_cursor(chat=chat)):
            assert pulls_due(now=soon) == [], "not while it runs"
            raise OperationalError("the database went away mid-pull")

    with pytest.raises(OperationalError):
        die_mid_pull()

    assert pulls_due(now=soon) == [Target("chat", chat.pk)]
    with cursor_locked(cursor=chat_cursor(chat=chat)) as cursor:
        assert cursor is not None
        chat_pull(chat=chat, cursor=cursor, source=x_source(), now=soon)
    assert SyncCursor.objects.get().last_error_at is not None, "the lost pull was recorded"
    assert pulls_due(now=soon + timedelta(seconds=30)) == [], "back to the interval"


def test_it_enqueues_due_pulls_once_the_dispatch_commits(
    x_api: FakeXApi, chat: Chat, eager_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    add_posts(x_api, 30, start=chat.window_start)

    with django_capture_on_commit_callbacks() as callbacks:
        assert dispatch_pulls() == 1
        assert Post.objects.count() == 0

    assert len(callbacks) == 1
    callbacks[0]()
    assert Post.objects.filter(placements__chat=chat).count() == 30


def test_it_enqueues_nothing_when_the_dispatch_rolls_back(
    x_api: FakeXApi, chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueued = []
    monkeypatch.setattr(pull_chat, "delay", lambda *args: enqueued.append(args))

    def dispatch_then_fail() -> None:
        with transaction.atomic():
            assert dispatch_pulls() == 1
            raise RuntimeError("the caller's transaction fails")

    with pytest.raises(RuntimeError):
        dispatch_then_fail()

    assert enqueued == []


def test_it_delivers_every_task_at_least_once_and_can_enqueue_after_commit() -> None:
    # Imported, every app's tasks are registered (a worker finds them by autodiscovery).
    for module in ("archive.tasks", "chats.tasks", "demo.tasks"):
        importlib.import_module(module)
    ours = [task for name, task in celery_app.tasks.items() if name.split(".")[0] in APPS]

    names = {task.name for task in ours}
    assert {"archive.tasks.pull_chat", "chats.tasks.send_due_reminders"} <= names
    assert {"archive.tasks.dispatch_pulls", "demo.tasks.replay_demo_chat"} <= names
    for task in ours:
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True), task.name
        assert isinstance(task, DjangoTask), task.name
    assert celery_app.conf.worker_prefetch_multiplier == 1


def test_it_claims_a_chats_final_sweep_once_35_minutes_after_its_end(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(hours=2))
    sweep_at = chat.end_at + timedelta(minutes=35)

    assert _kinds(pulls_due(now=sweep_at - timedelta(seconds=1)), "final") == []
    first = pulls_due(now=sweep_at)
    second = pulls_due(now=sweep_at)
    third = pulls_due(now=sweep_at + timedelta(minutes=30))

    assert _kinds(first, "final") == [chat.pk]
    assert _kinds(second, "final") == _kinds(third, "final") == []
    chat.refresh_from_db()
    assert chat.final_sweep_at == sweep_at


def test_it_sweeps_a_communitys_hashtag_between_chats_every_stream_sweep_minutes(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    community.stream_sweep_minutes = 20
    community.save(update_fields=["stream_sweep_minutes"])

    assert pulls_due(now=now) == [Target(STREAM, community.pk)]
    stream_pull(
        community=community, cursor=stream_cursor(community=community), source=x_source(), now=now
    )

    assert pulls_due(now=now + timedelta(minutes=19, seconds=59)) == []
    assert pulls_due(now=now + timedelta(minutes=20)) == [Target(STREAM, community.pk)]


def test_it_does_not_sweep_a_hashtag_whose_sweeps_are_switched_off(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    community.stream_sweep_minutes = 0
    community.save(update_fields=["stream_sweep_minutes"])

    assert pulls_due(now=now) == []


def test_it_does_not_sweep_a_hashtag_an_open_chat_already_pulls(
    x_api: FakeXApi, community: Community, chat: Chat, now: datetime
) -> None:
    chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)

    # Long after the last sweep, while the chat is open, only the chat is pulled; the
    # chat and the between-chat sweep of #KMers share one query and one cursor.
    for minutes in (1, 15, 30, 59):
        due = pulls_due(now=now + timedelta(minutes=minutes))
        assert due == [Target("chat", chat.pk)]
    assert chat_cursor(chat=chat) == stream_cursor(community=community)
    assert _kinds(pulls_due(now=chat.window_end + timedelta(minutes=15)), STREAM) == [community.pk]
