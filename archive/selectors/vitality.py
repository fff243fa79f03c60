"""Reads of the vitality rollups (archive.services.vitality builds them): six queries of
small rows (eight a page, with the community and the rollups' state), whatever the
number of chats, posts or participants."""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

from archive.models import (
    ChatVitality,
    CohortVitality,
    CommunityParticipant,
    MonthVitality,
    RangeVitality,
    StreamWeekVitality,
    VitalityState,
)
from archive.services.vitality import quarter_of, range_start
from community.models import Community

TOP_CONTRIBUTORS = 10
SUMMARY_CHATS = 8


@dataclass(frozen=True)
class Contributor:
    key: int
    handle: str
    network: str
    name: str
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


def _top(community: Community, ranked: list[list[int]]) -> list[Contributor]:
    """The period's top contributors, those who hide from rankings left out (now, not at
    the last rebuild: hiding takes effect at once)."""
    people = {
        person.key: person
        for person in CommunityParticipant.objects.filter(
            community=community, key__in=[key for key, _ in ranked]
        ).select_related("account", "member")
    }
    top = []
    for key, posts in ranked:
        person = people.get(key)
        if person is None or (person.member is not None and person.member.hide_from_rankings):
            continue
        account = person.account
        top.append(
            Contributor(
                key=key,
                handle=account.handle,
                network=account.network,
                name=person.member.public_name if person.member else account.shown_name,
                posts=posts,
                chats=person.chats,
                last_chat_id=person.last_chat_id,
            )
        )
    return top[:TOP_CONTRIBUTORS]


def vitality_state(*, community: Community) -> VitalityState | None:
    """When the community's rollups were last rebuilt (None: never)."""
    return VitalityState.objects.filter(community=community).first()


def community_vitality(*, community: Community, key: str, state: VitalityState | None) -> Vitality:
    """Everything the vitality page shows for one period of the range picker (a key of
    archive.services.vitality.RANGES): six queries."""
    period = RangeVitality.objects.filter(community=community, key=key).first()
    tz = ZoneInfo(community.time_zone)
    since = period.since if period else range_start(key=key, now=timezone.now(), tz=tz)
    chats = ChatVitality.objects.filter(community=community)
    months = MonthVitality.objects.filter(community=community)
    cohorts = CohortVitality.objects.filter(community=community)
    weeks = StreamWeekVitality.objects.filter(community=community)
    if since is not None:
        chats = chats.filter(start_at__gte=datetime.combine(since, time(), tzinfo=tz))
        months = months.filter(month__gte=since)
        cohorts = cohorts.filter(quarter__gte=quarter_of(since))
        weeks = weeks.filter(week__gte=since)
    return Vitality(
        since=since,
        chats=list(chats.order_by("start_at")),
        months=list(months.order_by("month")),
        cohorts=list(cohorts.order_by("quarter")),
        weeks=list(weeks.order_by("week")),
        reach=period.reach if period else 0,
        top=_top(community, period.top) if period else [],
        state=state,
    )


def community_vitality_summary(*, community: Community) -> list[ChatVitality]:
    """The community page's glance: its last few held chats' figures, one query."""
    recent = ChatVitality.objects.filter(community=community)
    return list(reversed(recent.order_by("-start_at")[:SUMMARY_CHATS]))
