"""When the rollups are rebuilt: beat finds the communities whose ended chats changed."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine

from archive.models import ChatVitality, PostPlacement, VitalityState
from archive.services.vitality import vitality_due, vitality_refresh
from archive.tasks import dispatch_vitality, refresh_vitality
from chats.models import Chat
from community.models import Community
from config.celery import app as celery_app
from tests.archive.vitality.conftest import NOW

pytestmark = pytest.mark.django_db

EVERY = timedelta(hours=6)


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_it_rebuilds_a_community_whose_ended_chat_changed_and_leaves_the_others(
    history: Community, other_community: Community, chats: list[Chat]
) -> None:
    vitality_refresh(community=other_community, now=NOW)
    soon = NOW + timedelta(minutes=5)
    assert vitality_due(now=soon, every=EVERY) == []
    with time_machine.travel(soon, tick=False):
        Chat.objects.filter(pk=chats[3].pk).mark_archive_changed()  # a late post, say
    assert vitality_due(now=soon, every=EVERY) == [history.pk]
    vitality_refresh(community=history, now=soon)
    assert vitality_due(now=soon, every=EVERY) == []


def test_it_waits_for_a_live_chat_to_end(history: Community) -> None:
    live = Chat.objects.create(
        community=history,
        title="Live",
        hashtag="KMers",
        start_at=NOW,
        end_at=NOW + timedelta(hours=1),
    )
    during = NOW + timedelta(minutes=20)
    with time_machine.travel(during, tick=False):
        Chat.objects.filter(pk=live.pk).mark_archive_changed()
    assert vitality_due(now=during, every=EVERY) == []
    assert vitality_due(now=NOW + timedelta(hours=2), every=EVERY) == [history.pk]


def test_it_rebuilds_every_community_once_in_a_while_and_any_never_built(
    history: Community, other_community: Community
) -> None:
    assert vitality_due(now=NOW, every=EVERY) == [other_community.pk]
    vitality_refresh(community=other_community, now=NOW)
    later = NOW + EVERY + timedelta(minutes=1)
    assert sorted(vitality_due(now=later, every=EVERY)) == sorted([history.pk, other_community.pk])


def test_it_dispatches_refresh_tasks_that_rebuild_from_the_archive(
    history: Community, chats: list[Chat], eager_tasks: None
) -> None:
    PostPlacement.objects.filter(chat=chats[0]).update(hidden=True)
    VitalityState.objects.filter(community=history).delete()
    assert dispatch_vitality() >= 1
    assert ChatVitality.objects.get(chat=chats[0]).posts == 0
    assert refresh_vitality(community_id=0) == "gone"
