"""Reads of the vitality rollups (archive.services.vitality builds them): a page is a
fixed number of queries, whatever the number of chats, posts or participants."""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum

from archive.models import (
    ChatVitality,
    CohortVitality,
    MonthVitality,
    ParticipantMonth,
    StreamWeekVitality,
    VitalityState,
)
from archive.services.vitality import add_months, month_of, quarter_of
from community.models import Community

# The date-range picker: key → (label, months back; None: all time).
RANGES: dict[str, tuple[str, int | None]] = {
    "3m": ("Last 3 months", 3),
    "12m": ("Last 12 months", 12),
    "all": ("All time", None),
}
DEFAULT_RANGE = "12m"
TOP_CONTRIBUTORS = 10
SUMMARY_CHATS = 8


def range_start(*, key: str, now: datetime, tz: ZoneInfo) -> date | None:
    """The first day of the range: whole months, the current one included."""
    months = RANGES[key][1]
    if months is None:
        return None
    return add_months(month_of(now, tz), 1 - months)


@dataclass(frozen=True)
class Contributor:
    key: int
    handle: str
    network: str
    name: str
    username: str  # the member's, for a link to their profile; blank for an account
    posts: int
    chats: int
    last_chat_id: int | None


@dataclass(frozen=True)
class Vitality:
    since: date | None
    chats: list[ChatVitality]
    months: list[MonthVitality]
    cohorts: list[CohortVitality]
    weeks: list[StreamWeekVitality]
    reach: int
    top: list[Contributor]
    state: VitalityState | None


def _top(rows: QuerySet[ParticipantMonth]) -> list[Contributor]:
    ranked = (
        rows.filter(
            Q(participant__member__isnull=True) | Q(participant__member__hide_from_rankings=False)
        )
        .values(
            "participant__key",
            "participant__account__handle",
            "participant__account__network",
            "participant__account__display_name",
            "participant__member__username",
            "participant__member__display_name",
            "participant__chats",
            "participant__last_chat_id",
        )
        .annotate(total=Sum("posts"))
        .order_by("-total", "participant__key")[:TOP_CONTRIBUTORS]
    )
    return [
        Contributor(
            key=row["participant__key"],
            handle=row["participant__account__handle"],
            network=row["participant__account__network"],
            name=(
                row["participant__member__display_name"]
                or row["participant__member__username"]
                or row["participant__account__display_name"]
                or row["participant__account__handle"]
                or "Unknown account"
            ),
            username=row["participant__member__username"] or "",
            posts=row["total"],
            chats=row["participant__chats"],
            last_chat_id=row["participant__last_chat_id"],
        )
        for row in ranked
    ]


def community_vitality(*, community: Community, since: date | None) -> Vitality:
    """Everything the vitality page shows for the months from `since` (None: all time):
    seven queries."""
    tz = ZoneInfo(community.time_zone)
    chats = ChatVitality.objects.filter(community=community).select_related("chat")
    months = MonthVitality.objects.filter(community=community)
    cohorts = CohortVitality.objects.filter(community=community)
    weeks = StreamWeekVitality.objects.filter(community=community).select_related("next_chat")
    people = ParticipantMonth.objects.filter(community=community)
    if since is not None:
        chats = chats.filter(start_at__gte=datetime.combine(since, time(), tzinfo=tz))
        months = months.filter(month__gte=since)
        cohorts = cohorts.filter(quarter__gte=quarter_of(since))
        weeks = weeks.filter(week__gte=since)
        people = people.filter(month__gte=since)
    reach = people.aggregate(n=Count("participant", distinct=True))["n"]
    return Vitality(
        since=since,
        chats=list(chats.order_by("start_at")),
        months=list(months.order_by("month")),
        cohorts=list(cohorts.order_by("quarter")),
        weeks=list(weeks.order_by("week")),
        reach=reach,
        top=_top(people),
        state=VitalityState.objects.filter(community=community).first(),
    )


def community_vitality_summary(*, community: Community) -> list[ChatVitality]:
    """The community page's glance: its last few held chats' figures, one query."""
    recent = ChatVitality.objects.filter(community=community).select_related("chat")
    return list(reversed(recent.order_by("-start_at")[:SUMMARY_CHATS]))
