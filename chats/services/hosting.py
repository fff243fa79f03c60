"""Writes for host sign-up: members volunteer, organisers and moderators decide."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from chats.models import Chat, ChatHost, HostOffer
from chats.services.schedule import chat_require_upcoming
from community.models import Membership
from members.models import User


@transaction.atomic
def host_offer_create(
    *, chat: Chat, member: User, note: str = "", now: datetime | None = None
) -> HostOffer:
    now = now or timezone.now()
    # Locking the chat serialises offers against an acceptance in progress.
    chat = Chat.objects.select_for_update().get(pk=chat.pk)
    chat_require_upcoming(chat=chat, now=now)
    if chat.hosts.exists():
        raise ValidationError("This chat already has a host.", code="has_host")
    if HostOffer.objects.filter(chat=chat, member=member).exists():
        raise ValidationError("You have already offered to host this chat.", code="duplicate")
    offer = HostOffer(chat=chat, member=member, note=note.strip())
    offer.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            offer.save()
    except IntegrityError as error:
        raise ValidationError(
            "You have already offered to host this chat.", code="duplicate"
        ) from error
    return offer


def host_offer_withdraw(*, chat: Chat, member: User) -> bool:
    """Take back a pending offer; decided offers stay on record."""
    deleted, _ = HostOffer.objects.filter(
        chat=chat, member=member, status=HostOffer.Status.PENDING
    ).delete()
    return deleted > 0


def _lock_pending(offer: HostOffer) -> HostOffer:
    offer = HostOffer.objects.select_for_update().select_related("chat", "member").get(pk=offer.pk)
    if offer.status != HostOffer.Status.PENDING:
        raise ValidationError(
            f"This offer was already {offer.get_status_display().lower()}.", code="decided"
        )
    return offer


@transaction.atomic
def host_offer_accept(*, offer: HostOffer, now: datetime | None = None) -> ChatHost:
    """Make the volunteer a host and decline the chat's other pending offers."""
    now = now or timezone.now()
    chat = Chat.objects.select_for_update().get(pk=offer.chat_id)
    offer = _lock_pending(offer)
    chat_require_upcoming(chat=chat, now=now)
    if not Membership.objects.filter(community_id=chat.community_id, member=offer.member).exists():
        raise ValidationError(
            f"{offer.member.public_name} is no longer a member of this community.",
            code="not_member",
        )
    position = (chat.hosts.aggregate(top=Max("position"))["top"] or -1) + 1
    host, _ = ChatHost.objects.get_or_create(
        chat=chat, member=offer.member, defaults={"position": position}
    )
    HostOffer.objects.filter(pk=offer.pk).update(status=HostOffer.Status.ACCEPTED, decided_at=now)
    chat.host_offers.filter(status=HostOffer.Status.PENDING).exclude(pk=offer.pk).update(
        status=HostOffer.Status.DECLINED, decided_at=now
    )
    Chat.objects.filter(pk=chat.pk).mark_archive_changed()  # hosts shape the transcript
    return host


@transaction.atomic
def host_offer_decline(*, offer: HostOffer, now: datetime | None = None) -> HostOffer:
    offer = _lock_pending(offer)
    offer.status = HostOffer.Status.DECLINED
    offer.decided_at = now or timezone.now()
    offer.save(update_fields=["status", "decided_at"])
    return offer
