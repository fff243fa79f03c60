"""Reads for topic suggestions, host offers and reminders."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from chats.models import Chat, HostOffer, ReminderSubscription, TopicSuggestion, TopicVote
from community.models import Community, Membership
from community.permissions import membership_can_moderate
from community.selectors import membership_for
from members.models import User


def topic_ranking(*, community: Community, user: User | AnonymousUser) -> QuerySet[TopicSuggestion]:
    """Open suggestions, most votes first, then oldest first; counts in the same query."""
    suggestions = TopicSuggestion.objects.filter(
        community=community, status=TopicSuggestion.Status.OPEN
    ).annotate(vote_count=Count("votes"))
    if user.is_authenticated:
        mine = TopicVote.objects.filter(suggestion=OuterRef("pk"), member=user)
        suggestions = suggestions.annotate(voted=Exists(mine))
    else:
        suggestions = suggestions.annotate(voted=Value(False))
    return suggestions.select_related("suggested_by").order_by("-vote_count", "created_at", "pk")


def pending_host_offers(
    *, community: Community, now: datetime | None = None
) -> QuerySet[HostOffer]:
    """Pending offers for the community's chats that can still get a host."""
    now = now or timezone.now()
    return (
        HostOffer.objects.filter(
            chat__community=community,
            status=HostOffer.Status.PENDING,
            chat__start_at__gt=now,
            chat__cancelled_at__isnull=True,
        )
        .annotate(host_count=Count("chat__hosts"))
        .select_related("chat", "member")
        .order_by("chat__start_at", "created_at", "pk")
    )


def community_reminder_for(
    *, community: Community, user: User | AnonymousUser
) -> ReminderSubscription | None:
    if not user.is_authenticated:
        return None
    return ReminderSubscription.objects.filter(community=community, member=user).first()


@dataclass(frozen=True)
class Participation:
    """What the chat page shows one visitor about reminders and hosting."""

    chat: Chat
    signed_in: bool
    is_upcoming: bool
    membership: Membership | None
    reminder: ReminderSubscription | None
    community_reminder: ReminderSubscription | None
    host_offer: HostOffer | None
    has_host: bool
    pending_offer_count: int
    minutes_choices: tuple[tuple[int, str], ...] = tuple(ReminderSubscription.MinutesBefore.choices)

    @property
    def can_volunteer(self) -> bool:
        return (
            self.membership is not None
            and self.is_upcoming
            and not self.has_host
            and self.host_offer is None
        )

    @property
    def reminder_when(self) -> str:
        return _when(self.reminder)

    @property
    def community_reminder_when(self) -> str:
        return _when(self.community_reminder)

    @property
    def minutes_selected(self) -> int:
        chosen = self.reminder or self.community_reminder
        return chosen.minutes_before if chosen else ReminderSubscription.DEFAULT_MINUTES_BEFORE


def _when(subscription: ReminderSubscription | None) -> str:
    if subscription is None:
        return ""
    return ReminderSubscription.MinutesBefore.label_for(subscription.minutes_before)


def _reminders(chat: Chat, user: User) -> tuple[ReminderSubscription | None, ...]:
    subscriptions = ReminderSubscription.objects.filter(
        Q(chat=chat) | Q(community_id=chat.community_id), member=user
    )
    by_chat = next((s for s in subscriptions if s.chat_id is not None), None)
    by_community = next((s for s in subscriptions if s.community_id is not None), None)
    return by_chat, by_community


def _pending_count(chat: Chat, membership: Membership | None) -> int:
    if not membership_can_moderate(membership):
        return 0
    return chat.host_offers.filter(status=HostOffer.Status.PENDING).count()


def participation_for_chat(
    *, chat: Chat, user: User | AnonymousUser, now: datetime | None = None
) -> dict[str, object]:
    """What the chat page needs to show the visitor's reminder and hosting options.

    One key, so merging it into the chat page's context cannot shadow anything. Only an
    upcoming chat offers them: for any other, nothing is read.
    """
    now = now or timezone.now()
    is_upcoming = chat.status_at(now) == Chat.Status.SCHEDULED
    if not (user.is_authenticated and is_upcoming):
        participation = Participation(
            chat=chat,
            signed_in=user.is_authenticated,
            is_upcoming=is_upcoming,
            membership=None,
            reminder=None,
            community_reminder=None,
            host_offer=None,
            has_host=is_upcoming and chat.hosts.exists(),
            pending_offer_count=0,
        )
        return {"participation": participation}
    membership = membership_for(community=chat.community, user=user)
    reminder, community_reminder = _reminders(chat, user)
    participation = Participation(
        chat=chat,
        signed_in=True,
        is_upcoming=is_upcoming,
        membership=membership,
        reminder=reminder,
        community_reminder=community_reminder,
        host_offer=HostOffer.objects.filter(chat=chat, member=user).first(),
        has_host=chat.hosts.exists(),
        pending_offer_count=_pending_count(chat, membership),
    )
    return {"participation": participation}
