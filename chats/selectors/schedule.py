"""Reads for the public schedule: the chat page, the global directory, feeds and lists.

Every list here is one query for the chats (with their community) and one for
their hosts (with their members), whatever the number of communities.
Grouping and filtering by the visitor's local day and time happen in Python,
on the rows of that one query, because the zone is the visitor's, not the row's.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q

from chats.models import (
    Chat,
    ChatCohost,
    ChatHost,
    ChatQuerySet,
    Question,
    ReminderSubscription,
)
from community.models import Community
from community.permissions import community_can_moderate
from members.models import User

# Parts of the day in the visitor's zone: [start hour, end hour).
TIMES_OF_DAY = {
    "morning": (6, 12),
    "afternoon": (12, 18),
    "evening": (18, 24),
    "night": (0, 6),
}
FEED_PAST = timedelta(days=30)


@dataclass(frozen=True)
class ScheduleEntry:
    chat: Chat
    status: str

    @property
    def is_live(self) -> bool:
        return self.status == Chat.Status.LIVE

    @property
    def is_cancelled(self) -> bool:
        return self.status == Chat.Status.CANCELLED


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    entries: list[ScheduleEntry]


@dataclass(frozen=True)
class CommunitySchedule:
    next_chat: ScheduleEntry | None
    upcoming: list[ScheduleEntry]


def _listed(chats: ChatQuerySet) -> ChatQuerySet:
    hosts = ChatHost.objects.select_related("member")
    return chats.select_related("community").prefetch_related(Prefetch("hosts", queryset=hosts))


def _entries(chats: Iterable[Chat], now: datetime) -> list[ScheduleEntry]:
    return [ScheduleEntry(chat, chat.status_at(now)) for chat in chats]


def _held_by(community: Community | Iterable[Community]) -> Q:
    """Chats a community holds, or co-holds as an accepted co-host (a joint chat)."""
    communities = [community] if isinstance(community, Community) else list(community)
    cohosted = ChatCohost.objects.filter(
        community__in=communities, status=ChatCohost.Status.ACCEPTED
    ).values("chat_id")
    return Q(community__in=communities) | Q(pk__in=cohosted)


def chat_for_page(*, slug: str, pk: int) -> Chat | None:
    """The chat with its hosts and questions; a joint chat's co-hosts too (a query only
    for a chat that has some: `cohost_hashtags` says so)."""
    questions = Prefetch("questions", queryset=Question.objects.order_by("position"))
    chats = _listed(Chat.objects.filter(pk=pk, community__slug=slug))
    chat = chats.prefetch_related(questions).first()
    if chat is not None:
        cohosts = ChatCohost.objects.filter(chat=chat, status=ChatCohost.Status.ACCEPTED)
        joint = chat.cohost_hashtags
        chat.accepted_cohosts = list(cohosts.select_related("community")) if joint else []
    return chat


def chat_questions_for(
    *, chat: Chat, user: User | AnonymousUser, now: datetime
) -> list[Question] | None:
    """The chat's questions, or None while they are withheld from this visitor.

    Hidden questions stay hidden from the public until the chat starts; the
    community's organisers and moderators always see them.
    """
    withheld = chat.questions_hidden and now < chat.start_at
    if withheld and not community_can_moderate(community=chat.community, user=user):
        return None
    return list(chat.questions.all())


def schedule_chats(*, now: datetime, days: int, text: str = "") -> ChatQuerySet:
    """Chats live now or starting within `days`, cancelled ones included (they are marked)."""
    chats = Chat.objects.upcoming(now).filter(start_at__lt=now + timedelta(days=days))
    if text := text.strip().lstrip("#"):
        chats = chats.filter(
            Q(title__icontains=text)
            | Q(hashtag__icontains=text)
            | Q(community__name__icontains=text)
            | Q(community__hashtag__icontains=text)
        )
    return _listed(chats).order_by("start_at", "community__name", "pk")


def _in_time_of_day(local: datetime, time_of_day: str) -> bool:
    start, end = TIMES_OF_DAY[time_of_day]
    return start <= local.hour < end


def schedule_days(
    *,
    chats: Iterable[Chat],
    zone: ZoneInfo,
    now: datetime,
    weekday: int | None = None,
    time_of_day: str = "",
) -> list[ScheduleDay]:
    """Chats grouped by their start day in `zone`, filtered by local weekday and time of day."""
    days: dict[date, list[ScheduleEntry]] = {}
    for chat in chats:
        local = chat.start_at.astimezone(zone)
        if weekday is not None and local.weekday() != weekday:
            continue
        if time_of_day and not _in_time_of_day(local, time_of_day):
            continue
        days.setdefault(local.date(), []).append(ScheduleEntry(chat, chat.status_at(now)))
    # The chats come ordered by start, so the days come in order too.
    return [ScheduleDay(day, entries) for day, entries in days.items()]


def community_schedule(*, community: Community, now: datetime, limit: int = 5) -> CommunitySchedule:
    """The community's next chat that will take place, and the few chats after it."""
    chats = _listed(Chat.objects.upcoming(now).filter(_held_by(community))).order_by("start_at")
    entries = _entries(chats[: limit + 1], now)
    # Cancelled chats stay in the list, marked; the "next chat" is one that happens.
    next_chat = next((entry for entry in entries if not entry.is_cancelled), None)
    upcoming = [entry for entry in entries if entry is not next_chat][:limit]
    return CommunitySchedule(next_chat=next_chat, upcoming=upcoming)


def home_chats(*, now: datetime, days: int = 7, limit: int = 20) -> list[ScheduleEntry]:
    """Chats live now and in the next `days` across all communities, cancelled ones left out."""
    chats = Chat.objects.upcoming(now).not_cancelled()
    chats = chats.filter(start_at__lt=now + timedelta(days=days))
    return _entries(_listed(chats).order_by("start_at", "community__name", "pk")[:limit], now)


def calendar_chats(*, now: datetime, community: Community | None = None) -> ChatQuerySet:
    """Chats for an iCal feed: from a month ago to the generation horizon, cancelled included."""
    horizon = now + timedelta(weeks=settings.CHAT_GENERATION_WEEKS)
    chats = Chat.objects.filter(start_at__gte=now - FEED_PAST, start_at__lt=horizon)
    if community is not None:
        chats = chats.filter(_held_by(community))
    return _listed(chats).order_by("start_at", "pk")


def overlapping_chat(
    *,
    community: Community,
    hashtags: Sequence[str],
    start: datetime,
    end: datetime,
    exclude_pk: int | None = None,
) -> Chat | None:
    """Another live-able chat of the community whose window meets [start, end) on a tag."""
    wanted = {tag.lower() for tag in hashtags}
    margin = settings.CHAT_MAX_WINDOW
    candidates = (
        Chat.objects.not_cancelled()
        .filter(community=community, start_at__lt=end + margin, end_at__gt=start - margin)
        # pk=None is a valid lookup (IS NULL, so nothing is excluded); the plugin wants an int.
        .exclude(pk=exclude_pk)  # type: ignore[misc]
    )
    for other in candidates:
        shares_tag = wanted & {tag.lower() for tag in other.hashtags}
        if shares_tag and other.window_start < end and start < other.window_end:
            return other
    return None


@dataclass(frozen=True)
class MemberHome:
    """What the home page shows a signed-in member above the public lists."""

    communities: list[Community]
    next_chats: list[ScheduleEntry]
    reminders: list[ReminderSubscription]


def member_home(*, member: User, now: datetime, days: int = 14, limit: int = 10) -> MemberHome:
    """The member's communities, their chats of the next `days`, and the member's reminders."""
    communities = list(
        Community.objects.filter(memberships__member=member).order_by("name").distinct()
    )
    chats = (
        Chat.objects.upcoming(now)
        .not_cancelled()
        .filter(_held_by(communities), start_at__lt=now + timedelta(days=days))
    )
    next_chats = _entries(_listed(chats).order_by("start_at", "pk")[:limit], now)
    reminders = (
        ReminderSubscription.objects.filter(member=member)
        .filter(Q(community__isnull=False) | Q(chat__end_at__gt=now))
        .select_related("chat__community", "community")
        .order_by("community__name", "chat__start_at")
    )
    return MemberHome(communities=communities, next_chats=next_chats, reminders=list(reminders))
