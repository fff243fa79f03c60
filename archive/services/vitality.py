"""Vitality rollups: who keeps coming back to a community's chats, rebuilt per community.

`vitality_refresh` replaces one community's rows in one transaction from two grouped
reads of its visible placements (one row per author and chat; one per post between
chats), so it is idempotent and always agrees with the archive it read. The figures
themselves are worked out in Python, which keeps them the same on PostgreSQL and on the
demo's SQLite and keeps the definitions in one readable place.

Definitions (the vitality page says them too):
- a participant is a member where an account is linked to one, else the account;
- a chat is held when it was not cancelled and has ended; chats count in start order;
- a first-timer's first post in any of the community's chats is in that chat; the others
  are returning; "came back" posted again in one of the next four held chats;
- months and weeks (from Monday) are the community's local ones; a chat's posts count in
  the month the chat started;
- a month's active participants posted in it (in a chat or between chats); its retention
  is the share of the previous month's active participants who are active again;
- a quarter's cohort is its first-timers; returned[k-1] of them posted k months after the
  month of their first chat;
- a week of the stream: its posts between chats, their authors, and how many of them
  posted in the first chat held after one of their posts that week.
"""

import heapq
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from archive.models import (
    ChatVitality,
    CohortVitality,
    CommunityParticipant,
    MonthVitality,
    PostPlacement,
    RangeVitality,
    StreamWeekVitality,
    VitalityState,
    person_of,
)
from chats.models import Chat
from community.models import Community

CAME_BACK_WITHIN = 4  # chats
COHORT_MONTHS = 12  # columns of the cohort table
TOP_KEPT = 25  # top contributors kept per period: 10 shown, room for those who hide
# The page's range picker: key → (label, months back, the current one included; None: all).
RANGES: dict[str, tuple[str, int | None]] = {
    "3m": ("Last 3 months", 3),
    "12m": ("Last 12 months", 12),
    "all": ("All time", None),
}
DEFAULT_RANGE = "12m"
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def participant_key(member_id: int | None, account_id: int) -> int:
    """One number per person: -member id for a member's accounts, else the account id."""
    return -member_id if member_id else account_id


def month_of(moment: datetime, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz)
    return date(local.year, local.month, 1)


def quarter_of(month: date) -> date:
    return date(month.year, (month.month - 1) // 3 * 3 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def week_of(moment: datetime, tz: ZoneInfo) -> date:
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


@dataclass
class _Person:
    chats: set[int] = field(default_factory=set)  # indexes of held chats
    months: Counter[date] = field(default_factory=Counter)
    accounts: Counter[int] = field(default_factory=Counter)
    member_id: int | None = None
    first_at: datetime = LATEST
    last_at: datetime = EARLIEST

    def saw(self, at_first: datetime, at_last: datetime) -> None:
        self.first_at = min(self.first_at, at_first)
        self.last_at = max(self.last_at, at_last)


@dataclass
class _Week:
    posts: int = 0
    authors: set[int] = field(default_factory=set)
    joined: set[int] = field(default_factory=set)
    next_chat: int | None = None  # index of the chat held after the week's first post


@dataclass
class _History:
    chat_ids: list[int]
    chat_starts: list[datetime]
    chat_posts: Counter[int] = field(default_factory=Counter)
    chat_people: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    people: dict[int, _Person] = field(default_factory=lambda: defaultdict(_Person))
    weeks: dict[date, _Week] = field(default_factory=lambda: defaultdict(_Week))


class _LocalCalendar:
    """Local month and week of a moment, worked out once per quarter of an hour: every
    time zone's offset and every change of it fall on a quarter of an hour, and a
    million posts' astimezone calls were most of a rebuild."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.known: dict[int, tuple[date, date]] = {}

    def month_and_week(self, moment: datetime) -> tuple[date, date]:
        slot = int(moment.timestamp()) // 900
        found = self.known.get(slot)
        if found is None:
            found = self.known[slot] = (month_of(moment, self.tz), week_of(moment, self.tz))
        return found


def _read(community: Community, now: datetime, tz: ZoneInfo) -> _History:
    held = (
        Chat.objects.not_cancelled()
        .filter(community=community, end_at__lte=now)
        .order_by("start_at", "pk")
        .values_list("pk", "start_at")
    )
    chat_ids, chat_starts = [], []
    for pk, start in held:
        chat_ids.append(pk)
        chat_starts.append(start)
    history = _History(chat_ids=chat_ids, chat_starts=chat_starts)
    index = {pk: i for i, pk in enumerate(chat_ids)}
    visible = PostPlacement.objects.filter(community=community, hidden=False, post__removed=False)
    in_chats = (
        visible.filter(chat__isnull=False)
        .annotate(person=person_of("post__author"))
        .values_list("person", "post__author_id", "chat_id")
        .annotate(posts=Count("pk"), first=Min("created_at"), last=Max("created_at"))
        .order_by()
    )
    chat_months = [month_of(start, tz) for start in chat_starts]
    for member_id, account_id, chat_id, posts, first, last in in_chats:
        i = index.get(chat_id)
        if i is None:  # a cancelled chat, or one still running: not held (yet)
            continue
        key = participant_key(member_id, account_id)
        person = history.people[key]
        person.member_id = member_id
        person.chats.add(i)
        person.months[chat_months[i]] += posts
        person.accounts[account_id] += posts
        person.saw(first, last)
        history.chat_posts[i] += posts
        history.chat_people[i].add(key)
    between = (
        visible.filter(chat__isnull=True)
        .annotate(person=person_of("post__author"))
        .values_list("person", "post__author_id", "created_at")
    )
    local = _LocalCalendar(tz)
    for member_id, account_id, at in between.order_by().iterator(chunk_size=5000):
        key = participant_key(member_id, account_id)
        person = history.people[key]
        person.member_id = member_id
        month, week_start = local.month_and_week(at)
        person.months[month] += 1
        person.accounts[account_id] += 1
        person.saw(at, at)
        week = history.weeks[week_start]
        week.posts += 1
        week.authors.add(key)
        following = bisect_right(chat_starts, at)
        held_after = following < len(chat_ids)
        if held_after and (week.next_chat is None or following < week.next_chat):
            week.next_chat = following
        if following in person.chats:
            week.joined.add(key)
    return history


def _chat_rows(community: Community, history: _History) -> list[ChatVitality]:
    first_timers: Counter[int] = Counter()
    came_back: Counter[int] = Counter()
    for person in history.people.values():
        indexes = sorted(person.chats)
        if not indexes:
            continue
        first_timers[indexes[0]] += 1
        for here, after in pairwise(indexes):
            if after - here <= CAME_BACK_WITHIN:
                came_back[here] += 1
    held = len(history.chat_ids)
    rows = []
    for i, (chat_id, start) in enumerate(zip(history.chat_ids, history.chat_starts, strict=True)):
        participants = len(history.chat_people.get(i, ()))
        rows.append(
            ChatVitality(
                chat_id=chat_id,
                community=community,
                start_at=start,
                posts=history.chat_posts[i],
                participants=participants,
                first_timers=first_timers[i],
                returning=participants - first_timers[i],
                came_back=came_back[i],
                later_chats=min(CAME_BACK_WITHIN, held - 1 - i),
            )
        )
    return rows


def _month_rows(
    community: Community, history: _History, *, this_month: date, tz: ZoneInfo
) -> list[MonthVitality]:
    active: dict[date, set[int]] = defaultdict(set)
    posts: Counter[date] = Counter()
    first_timers: Counter[date] = Counter()
    for key, person in history.people.items():
        for month, count in person.months.items():
            active[month].add(key)
            posts[month] += count
        if person.chats:
            first_timers[month_of(history.chat_starts[min(person.chats)], tz)] += 1
    if not active:
        return []
    rows = []
    month = min(active)
    previous: set[int] = set()
    while month <= this_month:
        here = active.get(month, set())
        rows.append(
            MonthVitality(
                community=community,
                month=month,
                posts=posts[month],
                active=len(here),
                first_timers=first_timers[month],
                previous_active=len(previous),
                retained=len(here & previous),
            )
        )
        previous, month = here, add_months(month, 1)
    return rows


def _cohort_rows(
    community: Community, history: _History, *, this_month: date, tz: ZoneInfo
) -> list[CohortVitality]:
    sizes: Counter[date] = Counter()
    returned: dict[date, Counter[int]] = defaultdict(Counter)
    for person in history.people.values():
        if not person.chats:
            continue
        first_month = month_of(history.chat_starts[min(person.chats)], tz)
        quarter = quarter_of(first_month)
        sizes[quarter] += 1
        for month in person.months:
            later = months_between(first_month, month)
            if 1 <= later <= COHORT_MONTHS:
                returned[quarter][later] += 1
    rows = []
    for quarter in sorted(sizes):
        # Up to the current month: its column (and those just before, for first-timers of
        # the quarter's later months) still fill as people come back.
        reached = min(COHORT_MONTHS, months_between(quarter, this_month))
        counts = [returned[quarter][k] for k in range(1, reached + 1)]
        rows.append(
            CohortVitality(
                community=community, quarter=quarter, size=sizes[quarter], returned=counts
            )
        )
    return rows


def _stream_rows(community: Community, history: _History) -> list[StreamWeekVitality]:
    return [
        StreamWeekVitality(
            community=community,
            week=week,
            posts=data.posts,
            authors=len(data.authors),
            joined_next_chat=len(data.joined),
            next_chat_id=None if data.next_chat is None else history.chat_ids[data.next_chat],
        )
        for week, data in sorted(history.weeks.items())
    ]


# CommunityParticipant's columns, in the order _participant_rows gives them.
PARTICIPANT_FIELDS = (
    "key",
    "member_id",
    "account_id",
    "first_chat_id",
    "last_chat_id",
    "first_at",
    "last_at",
    "posts",
    "chats",
)
ParticipantRow = tuple[int, int | None, int, int | None, int | None, datetime, datetime, int, int]


def _participant_rows(history: _History) -> list[ParticipantRow]:
    participants = []
    for key, person in history.people.items():
        indexes = sorted(person.chats)
        participants.append(
            (
                key,
                person.member_id,
                person.accounts.most_common(1)[0][0],
                history.chat_ids[indexes[0]] if indexes else None,
                history.chat_ids[indexes[-1]] if indexes else None,
                person.first_at,
                person.last_at,
                sum(person.months.values()),
                len(indexes),
            )
        )
    return participants


def _store_participants(community: Community, rows: list[ParticipantRow]) -> None:
    """The biggest table (a row per person who ever posted). On PostgreSQL straight through
    psycopg2's execute_values: model instances would cost more than the rest of the
    rebuild at a million posts. Elsewhere (the demo's SQLite) through the ORM."""
    if connection.vendor != "postgresql":
        CommunityParticipant.objects.bulk_create(
            (
                CommunityParticipant(
                    community=community, **dict(zip(PARTICIPANT_FIELDS, row, strict=True))
                )
                for row in rows
            ),
            batch_size=BATCH,
        )
        return
    from psycopg2.extras import execute_values

    table = CommunityParticipant._meta.db_table
    columns = ", ".join(connection.ops.quote_name(c) for c in ("community_id", *PARTICIPANT_FIELDS))
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"INSERT INTO {table} ({columns}) VALUES %s",  # noqa: S608
            [(community.pk, *row) for row in rows],
            page_size=BATCH,
        )


def _range_rows(
    community: Community, history: _History, *, this_month: date
) -> list[RangeVitality]:
    """Reach and the top contributors of each period of the range picker."""
    rows = []
    for key, (_, months) in RANGES.items():
        since = None if months is None else add_months(this_month, 1 - months)
        totals: list[tuple[int, int]] = []
        for participant, person in history.people.items():
            posts = sum(n for month, n in person.months.items() if since is None or month >= since)
            if posts:
                totals.append((posts, -participant))
        top = heapq.nlargest(TOP_KEPT, totals)
        rows.append(
            RangeVitality(
                community=community,
                key=key,
                since=since,
                reach=len(totals),
                top=[[-negative, posts] for posts, negative in top],
            )
        )
    return rows


BATCH = 5000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@transaction.atomic
def vitality_refresh(*, community: Community, now: datetime) -> VitalityState:
    """Rebuild one community's vitality rollups from its archive (visible posts only)."""
    started = time.monotonic()
    # One rebuild of a community at a time: two would both delete, then both insert.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    tz = ZoneInfo(community.time_zone)
    # Read first: a change committed while this runs moves the version past it, and the
    # dispatcher comes back for it.
    version = Chat.objects.filter(community=community).aggregate(v=Max("archive_changed_at"))["v"]
    history = _read(community, now, tz)
    this_month = month_of(now, tz)
    for model in (
        ChatVitality,
        MonthVitality,
        CohortVitality,
        StreamWeekVitality,
        RangeVitality,
        CommunityParticipant,
    ):
        model.objects.filter(community=community).delete()
    ChatVitality.objects.bulk_create(_chat_rows(community, history), batch_size=BATCH)
    MonthVitality.objects.bulk_create(
        _month_rows(community, history, this_month=this_month, tz=tz), batch_size=BATCH
    )
    CohortVitality.objects.bulk_create(
        _cohort_rows(community, history, this_month=this_month, tz=tz), batch_size=BATCH
    )
    StreamWeekVitality.objects.bulk_create(_stream_rows(community, history), batch_size=BATCH)
    _store_participants(community, _participant_rows(history))
    RangeVitality.objects.bulk_create(_range_rows(community, history, this_month=this_month))
    state = VitalityState.objects.filter(community=community).first() or VitalityState(
        community=community
    )
    state.refreshed_at, state.archive_version = now, version
    state.version += 1
    state.duration_ms = int((time.monotonic() - started) * 1000)
    state.save()
    return state


def vitality_due(*, now: datetime, every: timedelta) -> list[int]:
    """Communities whose rollups are stale: never built, older than `every` (posts between
    chats move no chat's version), or one of their ended chats' archive changed since
    (its final sweep, a late post, moderation). Live chats wait for their end: their
    figures move every few seconds."""
    changed = Chat.objects.filter(
        community=OuterRef("pk"),
        end_at__lte=now,
        archive_changed_at__gt=OuterRef("seen_version"),
    )
    return list(
        Community.objects.annotate(
            seen_version=Coalesce(F("vitality_state__archive_version"), Value(EPOCH))
        )
        .filter(
            Q(vitality_state__isnull=True)
            | Q(vitality_state__refreshed_at__lt=now - every)
            | Q(Exists(changed))
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def range_start(*, key: str, now: datetime, tz: ZoneInfo) -> date | None:
    """The first day of a period of the range picker: whole months, the current one
    included; None for all time."""
    months = RANGES[key][1]
    return None if months is None else add_months(month_of(now, tz), 1 - months)
