"""Writes for jointly held chats (#chatmixer): invite, accept, decline, withdraw, leave.

Every change of state is a conditional UPDATE from the states it may leave: a double
submit or a race between two organisers finds nothing to change and is refused. Each
change that adds or removes a co-host rewrites the chat's `cohost_hashtags`, which the
archive's pulls and placements read: an accepted co-host's hashtag is pulled with the
chat's (one query, no post read twice), a departed one's no longer is.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chats.models import Chat, ChatCohost
from chats.services.schedule import chat_require_upcoming
from community.models import Community
from members.models import User

Status = ChatCohost.Status


@transaction.atomic
def joint_invite(
    *, chat: Chat, community: Community, invited_by: User, now: datetime | None = None
) -> ChatCohost:
    """Invite another community to co-host the chat."""
    now = now or timezone.now()
    chat = Chat.objects.select_for_update().select_related("community").get(pk=chat.pk)
    chat_require_upcoming(chat=chat, now=now)
    if community.pk == chat.community_id:
        raise ValidationError({"community": "Your own community already holds this chat."})
    # An occurrence planned with another community is no longer the series' to redo: a
    # series edit or end would otherwise delete it, and the invitation with it.
    Chat.objects.filter(pk=chat.pk).update(customised=True)
    try:
        with transaction.atomic():
            return ChatCohost.objects.create(chat=chat, community=community, invited_by=invited_by)
    except IntegrityError as error:
        raise ValidationError(
            {"community": f"#{community.hashtag} is already invited to this chat."}
        ) from error


def _decide(
    cohost: ChatCohost, *, allowed: tuple[str, ...], to: str, by: User, now: datetime
) -> None:
    changed = ChatCohost.objects.filter(pk=cohost.pk, status__in=allowed).update(
        status=to, decided_by=by, decided_at=now
    )
    if not changed:
        current = ChatCohost.objects.filter(pk=cohost.pk).values_list("status", flat=True).first()
        label = Status(current).label.lower() if current else "gone"
        raise ValidationError(f"This invitation is no longer open (now {label}).", code="decided")
    cohost.status, cohost.decided_by, cohost.decided_at = to, by, now


def _sync_hashtags(chat_id: int) -> None:
    """The chat's co-host hashtags from its accepted co-hosts, in the order they joined."""
    tags = list(
        ChatCohost.objects.filter(chat_id=chat_id, status=Status.ACCEPTED)
        .order_by("decided_at", "pk")
        .values_list("community__hashtag", flat=True)
    )
    Chat.objects.filter(pk=chat_id).update(cohost_hashtags=tags)
    Chat.objects.filter(pk=chat_id).mark_archive_changed()


@transaction.atomic
def joint_accept(*, cohost: ChatCohost, by: User, now: datetime | None = None) -> None:
    """The invited community co-hosts the chat: it joins its schedule and its pulls."""
    now = now or timezone.now()
    # Locking the chat orders this against its cancellation and other answers.
    chat = Chat.objects.select_for_update().get(pk=cohost.chat_id)
    chat_require_upcoming(chat=chat, now=now)
    _decide(cohost, allowed=(Status.INVITED,), to=Status.ACCEPTED, by=by, now=now)
    _sync_hashtags(chat.pk)


@transaction.atomic
def joint_decline(*, cohost: ChatCohost, by: User, now: datetime | None = None) -> None:
    _decide(cohost, allowed=(Status.INVITED,), to=Status.DECLINED, by=by, now=now or timezone.now())


@transaction.atomic
def joint_withdraw(*, cohost: ChatCohost, by: User, now: datetime | None = None) -> None:
    """The inviting community takes its invitation back, before or after it was accepted."""
    now = now or timezone.now()
    Chat.objects.select_for_update().filter(pk=cohost.chat_id).first()
    _decide(cohost, allowed=ChatCohost.LIVE, to=Status.WITHDRAWN, by=by, now=now)
    _sync_hashtags(cohost.chat_id)


@transaction.atomic
def joint_leave(*, cohost: ChatCohost, by: User, now: datetime | None = None) -> None:
    """The co-host leaves: the chat leaves its schedule; posts archived so far stay."""
    now = now or timezone.now()
    Chat.objects.select_for_update().filter(pk=cohost.chat_id).first()
    _decide(cohost, allowed=(Status.ACCEPTED,), to=Status.LEFT, by=by, now=now)
    _sync_hashtags(cohost.chat_id)
