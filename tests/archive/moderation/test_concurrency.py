"""Two moderators (or one double click) acting at the same moment: one change, one log row."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from archive.models import AccountExclusion, ModerationAction, PostPlacement
from archive.services import moderation
from community.models import Community
from members.models import User
from tests.archive.moderation.conftest import Archive

pytestmark = pytest.mark.django_db(transaction=True)


def _run_together(*actions: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    """Start every action at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results.append(action())
        except BaseException as error:  # reported by the test, whatever it is
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_it_hides_once_when_two_moderators_hide_at_once(
    archive: Archive, moderator_user: User, organiser_user: User
) -> None:
    def hide(actor: User, reason: str) -> Callable[[], bool]:
        placement = PostPlacement.objects.get(pk=archive.spam_placement.pk)
        return lambda: moderation.placement_hide(placement=placement, actor=actor, reason=reason)

    results, errors = _run_together(hide(moderator_user, "spam"), hide(organiser_user, "abuse"))

    assert errors == []
    assert sorted(results) == [False, True]
    assert ModerationAction.objects.count() == 1
    action = ModerationAction.objects.get()
    placement = PostPlacement.objects.get(pk=archive.spam_placement.pk)
    assert placement.hidden_reason == action.reason


def test_it_excludes_once_when_two_moderators_exclude_at_once(
    archive: Archive, community: Community, moderator_user: User, organiser_user: User
) -> None:
    def exclude(actor: User) -> Callable[[], bool]:
        return lambda: moderation.account_exclude(
            community=community, account=archive.spammer, actor=actor, reason="spam"
        )

    results, errors = _run_together(exclude(moderator_user), exclude(organiser_user))

    assert errors == []
    assert sorted(results) == [False, True]
    assert AccountExclusion.objects.count() == 1
    assert ModerationAction.objects.count() == 1
