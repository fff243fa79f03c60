"""Reminder subscriptions, and the send that delivers each reminder exactly once.

Exactly once rests on ReminderDelivery's unique (member, chat): a run sends
only the reminders whose delivery row it inserted itself, so a second or
overlapping run finds the rows taken and sends nothing. A failed send deletes
its row again, so that a later run retries it.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from chats.calendar import chat_url
from chats.models import Chat, ReminderDelivery, ReminderSubscription
from chats.services.schedule import chat_require_upcoming
from community.models import Community
from members.models import User

logger = logging.getLogger(__name__)


def _check_minutes(minutes_before: int) -> None:
    if minutes_before not in ReminderSubscription.MinutesBefore.values:
        raise ValidationError({"minutes_before": "Choose one of the reminder times offered."})


def _subscribe(*, member: User, minutes_before: int, **target: Any) -> ReminderSubscription:
    _check_minutes(minutes_before)
    if not member.email:
        raise ValidationError("Add an email address to your account to get reminders.")
    try:
        with transaction.atomic():
            subscription, _ = ReminderSubscription.objects.update_or_create(
                member=member, **target, defaults={"minutes_before": minutes_before}
            )
    except IntegrityError:
        # A double-submit created it first; apply this request's choice to it.
        subscription = ReminderSubscription.objects.get(member=member, **target)
        subscription.minutes_before = minutes_before
        subscription.save(update_fields=["minutes_before"])
    return subscription


def reminder_subscribe_chat(
    *, member: User, chat: Chat, minutes_before: int, now: datetime | None = None
) -> ReminderSubscription:
    chat_require_upcoming(chat=chat, now=now or timezone.now())
    return _subscribe(member=member, minutes_before=minutes_before, chat=chat)


def reminder_subscribe_community(
    *, member: User, community: Community, minutes_before: int
) -> ReminderSubscription:
    return _subscribe(member=member, minutes_before=minutes_before, community=community)


def reminder_unsubscribe_chat(*, member: User, chat: Chat) -> bool:
    deleted, _ = ReminderSubscription.objects.filter(member=member, chat=chat).delete()
    return deleted > 0


def reminder_unsubscribe_community(*, member: User, community: Community) -> bool:
    deleted, _ = ReminderSubscription.objects.filter(member=member, community=community).delete()
    return deleted > 0


# --- Sending --------------------------------------------------------------------


def _due_pairs(now: datetime) -> set[tuple[int, int]]:
    """(member id, chat id) of every reminder whose moment has come, sent or not."""
    windows = set(ReminderSubscription.objects.values_list("minutes_before", flat=True))
    if not windows:
        return set()
    # One branch per distinct lead time keeps "start <= now + minutes_before"
    # in the database without duration arithmetic that SQLite lacks.
    by_chat, by_community = Q(), Q()
    for minutes in windows:
        edge = now + timedelta(minutes=minutes)
        by_chat |= Q(minutes_before=minutes, chat__start_at__lte=edge)
        by_community |= Q(minutes_before=minutes, community__chats__start_at__lte=edge)
    reachable = ReminderSubscription.objects.filter(member__is_active=True).exclude(
        member__email=""
    )
    per_chat = reachable.filter(
        by_chat, chat__start_at__gt=now, chat__cancelled_at__isnull=True
    ).values_list("member_id", "chat_id")
    # One filter() call, so every condition applies to the same joined chat.
    per_community = reachable.filter(
        by_community,
        community__chats__start_at__gt=now,
        community__chats__cancelled_at__isnull=True,
    ).values_list("member_id", "community__chats__id")
    return set(per_chat) | set(per_community)


def _unclaimed(pairs: set[tuple[int, int]]) -> list[tuple[int, int]]:
    chat_ids = {chat_id for _, chat_id in pairs}
    done = set(
        ReminderDelivery.objects.filter(chat_id__in=chat_ids).values_list("member_id", "chat_id")
    )
    return sorted(pairs - done)


def _claim(member_id: int, chat_id: int) -> ReminderDelivery | None:
    """Insert the send record; None when another run holds it already."""
    try:
        with transaction.atomic():
            return ReminderDelivery.objects.create(member_id=member_id, chat_id=chat_id)
    except IntegrityError:
        return None


@dataclass(frozen=True)
class _Reminder:
    member: User
    chat: Chat

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.member.time_zone or self.chat.community.time_zone)

    def message(self) -> EmailMessage:
        context = {
            "member": self.member,
            "chat": self.chat,
            "community": self.chat.community,
            "local_start": self.chat.start_at.astimezone(self.zone),
            "zone_name": str(self.zone),
            "chat_url": chat_url(self.chat),
        }
        subject = render_to_string("chats/email/reminder_subject.txt", context)
        body = render_to_string("chats/email/reminder_body.txt", context).strip() + "\n"
        return EmailMessage(subject=" ".join(subject.split()), body=body, to=[self.member.email])


def _deliver(reminder: _Reminder, claim: ReminderDelivery, connection: BaseEmailBackend) -> bool:
    try:
        connection.send_messages([reminder.message()])
    except Exception:
        logger.exception("reminder of chat %s to member %s failed", claim.chat_id, claim.member_id)
        ReminderDelivery.objects.filter(pk=claim.pk, sent_at__isnull=True).delete()
        return False
    ReminderDelivery.objects.filter(pk=claim.pk, sent_at__isnull=True).update(
        sent_at=timezone.now()
    )
    return True


# A claim this old without sent_at belongs to a run that died before sending.
STALE_CLAIM = timedelta(minutes=10)


def _release_stale_claims() -> None:
    # Sending one email takes seconds: a claim unsent after ten minutes was left by a
    # killed worker. Releasing it risks a rare second email over a certain missed one.
    stale = timezone.now() - STALE_CLAIM
    ReminderDelivery.objects.filter(sent_at__isnull=True, claimed_at__lt=stale).delete()


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Email every reminder that is due and not yet sent; return how many went out."""
    now = now or timezone.now()
    _release_stale_claims()
    pending = _unclaimed(_due_pairs(now))
    if not pending:
        return 0
    members = User.objects.in_bulk({member_id for member_id, _ in pending})
    chats = (
        Chat.objects.not_cancelled()
        .select_related("community")
        .in_bulk({chat_id for _, chat_id in pending})
    )
    sent = 0
    with mailers.default as connection:
        for member_id, chat_id in pending:
            if chat_id not in chats or member_id not in members:
                continue
            claim = _claim(member_id, chat_id)
            if claim is not None:
                reminder = _Reminder(member=members[member_id], chat=chats[chat_id])
                sent += _deliver(reminder, claim, connection)
    return sent
