"""Reminder emails go out once per member and chat, whatever runs twice or fails."""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils.timezone import now as django_now
from pytest_django.fixtures import Settings

from chats.models import Chat, ReminderDelivery, ReminderSubscription
from chats.services.reminders import reminders_send_due
from chats.services.schedule import chat_cancel
from chats.tasks import send_due_reminders
from community.models import Community
from members.models import User

pytestmark = pytest.mark.django_db


class ExplodingMailer(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages: list) -> int:
        raise SMTPException("451 try again later")


def _subscribe(member: User, *, chat: Chat | None = None, community: Community | None = None,
               minutes: int = 60) -> ReminderSubscription:  # fmt: skip
    return ReminderSubscription.objects.create(
        member=member, chat=chat, community=community, minutes_before=minutes
    )


@pytest.fixture
def soon(make_chat: Callable[..., Chat]) -> Chat:
    """Starts in 30 minutes: inside a one-hour reminder window."""
    return make_chat(timedelta(minutes=30), title="Sense-making at work")


def test_it_sends_a_due_reminder_exactly_once_when_run_twice(
    member_user: User, soon: Chat, now: datetime
) -> None:
    _subscribe(member_user, chat=soon)

    assert reminders_send_due(now=now) == 1
    assert reminders_send_due(now=now + timedelta(minutes=1)) == 0

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member_user.email]
    delivery = ReminderDelivery.objects.get(member=member_user, chat=soon)
    assert delivery.sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_it_sends_one_email_when_two_runs_overlap(
    member_user: User, soon: Chat, now: datetime
) -> None:
    _subscribe(member_user, chat=soon)
    start_together = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start_together.wait(timeout=10)
            results.append(reminders_send_due(now=now))
        except BaseException as error:  # reported to the test thread below
            errors.append(error)
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert ReminderDelivery.objects.filter(member=member_user, chat=soon).count() == 1


def test_it_sends_nothing_for_a_cancelled_chat(
    member_user: User, soon: Chat, now: datetime
) -> None:
    _subscribe(member_user, chat=soon)
    chat_cancel(chat=soon)

    assert reminders_send_due(now=now) == 0

    assert mail.outbox == []
    assert not ReminderDelivery.objects.exists()


def test_it_waits_until_the_chat_is_inside_the_reminder_window(
    member_user: User, make_chat: Callable[..., Chat], now: datetime
) -> None:
    chat = make_chat(timedelta(hours=3))
    _subscribe(member_user, chat=chat, minutes=60)

    assert reminders_send_due(now=now) == 0
    assert mail.outbox == []

    assert reminders_send_due(now=now + timedelta(hours=2)) == 1  # exactly 60 minutes before
    assert len(mail.outbox) == 1


def test_it_sends_nothing_once_the_chat_has_started(
    member_user: User, soon: Chat, now: datetime
) -> None:
    _subscribe(member_user, chat=soon)

    assert reminders_send_due(now=soon.start_at) == 0
    assert reminders_send_due(now=soon.start_at + timedelta(minutes=5)) == 0

    assert mail.outbox == []


def test_it_sends_one_email_to_a_member_subscribed_per_chat_and_per_community(
    member_user: User, community: Community, soon: Chat, now: datetime
) -> None:
    _subscribe(member_user, chat=soon, minutes=60)
    _subscribe(member_user, community=community, minutes=1440)

    assert reminders_send_due(now=now) == 1
    assert reminders_send_due(now=now) == 0

    assert len(mail.outbox) == 1


def test_it_reminds_community_subscribers_of_each_chat_in_their_window(
    member_user: User, community: Community, make_chat: Callable[..., Chat], now: datetime
) -> None:
    today = make_chat(timedelta(minutes=10), title="Today's chat")
    make_chat(timedelta(days=3), title="Next week's chat")
    _subscribe(member_user, community=community, minutes=15)

    assert reminders_send_due(now=now) == 1

    (message,) = mail.outbox
    assert "Today's chat" in message.subject
    assert ReminderDelivery.objects.get().chat == today


def test_it_leaves_no_claim_when_sending_fails_and_a_later_run_sends(
    member_user: User, soon: Chat, now: datetime, caplog: pytest.LogCaptureFixture,
    settings: Settings,
) -> None:  # fmt: skip
    _subscribe(member_user, chat=soon)
    working_mailers = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.ExplodingMailer"}}

    assert reminders_send_due(now=now) == 0

    settings.MAILERS = working_mailers

    assert not ReminderDelivery.objects.exists()
    assert "failed" in caplog.text
    assert mail.outbox == []

    assert reminders_send_due(now=now + timedelta(minutes=1)) == 1
    assert len(mail.outbox) == 1
    assert ReminderDelivery.objects.get().sent_at is not None


def test_it_writes_the_time_in_the_members_zone_with_the_chat_link(
    make_user: Callable[..., User], community: Community, soon: Chat, now: datetime,
    settings: Settings,
) -> None:  # fmt: skip
    berliner = make_user("bert", display_name="Bert", time_zone="Europe/Berlin")
    _subscribe(berliner, chat=soon)

    reminders_send_due(now=now)

    (message,) = mail.outbox
    local = soon.start_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%H:%M} {local.tzname()}" in message.subject
    assert f"{local:%H:%M} {local.tzname()} (Europe/Berlin)" in message.body
    assert soon.title in message.body
    assert community.name in message.body
    assert "#KMers" in message.body
    assert settings.SITE_URL + soon.get_absolute_url() in message.body


def test_it_falls_back_to_the_communitys_zone(member_user: User, soon: Chat, now: datetime) -> None:
    assert member_user.time_zone == ""
    _subscribe(member_user, chat=soon)

    reminders_send_due(now=now)

    local = soon.start_at.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%H:%M} {local.tzname()} (America/New_York)" in mail.outbox[0].body


def test_it_skips_members_without_an_email_address(
    make_user: Callable[..., User], soon: Chat, now: datetime
) -> None:
    x_only = make_user("xavier")
    User.objects.filter(pk=x_only.pk).update(email="")
    _subscribe(x_only, chat=soon)

    assert reminders_send_due(now=now) == 0
    assert not ReminderDelivery.objects.exists()


def test_it_sends_due_reminders_from_the_beat_task(member_user: User, soon: Chat) -> None:
    _subscribe(member_user, chat=soon)

    result = send_due_reminders.apply()

    assert result.get() == 1
    assert len(mail.outbox) == 1


def test_it_sends_a_reminder_whose_claiming_worker_died_before_sending(
    member_user: User, soon: Chat, now: datetime
) -> None:
    _subscribe(member_user, chat=soon)
    fresh = ReminderDelivery.objects.create(member=member_user, chat=soon)

    assert reminders_send_due(now=now) == 0  # a run may still be sending it

    ReminderDelivery.objects.filter(pk=fresh.pk).update(
        claimed_at=django_now() - timedelta(minutes=11)
    )
    assert reminders_send_due(now=now) == 1
    assert len(mail.outbox) == 1
    assert ReminderDelivery.objects.get(member=member_user, chat=soon).sent_at is not None
