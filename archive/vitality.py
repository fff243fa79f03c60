"""The vitality page's figures: charts, their tables and the cohort table, from the rollups
one read returned (archive.selectors.vitality). No queries here."""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from archive.models import ChatVitality, CohortVitality, Network
from archive.selectors.vitality import Contributor, Vitality
from archive.services.vitality import COHORT_MONTHS, month_of
from common.charts import (
    Chart,
    ChartTable,
    CohortCell,
    Series,
    bar_chart,
    chart_table,
    cohort_cells,
    column_chart,
    line_chart,
    share,
)
from community.models import Community


@dataclass(frozen=True)
class Figure:
    id: str
    heading: str
    svg: SafeString
    table: ChartTable
    note: str = ""


@dataclass(frozen=True)
class CohortRow:
    quarter: date
    href: str
    size: int
    cells: list[CohortCell | None]

    @property
    def label(self) -> str:
        return f"Q{(self.quarter.month - 1) // 3 + 1} {self.quarter.year}"


@dataclass(frozen=True)
class Totals:
    chats: int
    posts: int
    reach: int
    first_timers: int
    came_back: float | None  # percent of participants, over chats with a final figure
    retention: float | None  # percent, the last whole month


@dataclass(frozen=True)
class Figures:
    totals: Totals
    chats: list[Figure]
    months: list[Figure]
    stream: list[Figure]
    top: Figure
    contributors: list[tuple[Contributor, str]]
    cohorts: list[CohortRow]
    cohort_columns: list[int]


def _transcript(community: Community, chat_id: int) -> str:
    return reverse("archive:transcript", kwargs={"slug": community.slug, "pk": chat_id})


def _month_href(community: Community, month: date) -> str:
    index = reverse("archive:community_transcripts", kwargs={"slug": community.slug})
    return f"{index}#month-{month:%Y-%m}"


def _chat_label(row: ChatVitality, tz: ZoneInfo) -> str:
    return f"{row.start_at.astimezone(tz):%d %b %Y}"


def _came_back(row: ChatVitality) -> float | None:
    # Until four more chats have been held, the figure can still grow: left out.
    return share(row.came_back, row.participants) if row.later_chats >= 4 else None


def _chat_figures(community: Community, vitality: Vitality, tz: ZoneInfo) -> list[Figure]:
    rows = vitality.chats
    labels = [_chat_label(r, tz) for r in rows]
    hrefs = [_transcript(community, r.chat_id) for r in rows]
    people = Chart(
        id="chart-participants",
        title="Participants per chat",
        desc="Each chat's participants, split into first-timers and returning participants.",
        labels=labels,
        hrefs=hrefs,
        series=(
            Series("Returning", [r.returning for r in rows]),
            Series("First-timers", [r.first_timers for r in rows]),
        ),
    )
    posts = Chart(
        id="chart-posts",
        title="Posts per chat",
        desc="The number of posts archived in each chat.",
        labels=labels,
        hrefs=hrefs,
        series=(Series("Posts", [r.posts for r in rows]),),
    )
    back = Chart(
        id="chart-came-back",
        title="Came back within four chats",
        desc="The share of each chat's participants who posted again in one of the next four "
        "chats. The last four chats have no figure yet.",
        labels=labels,
        hrefs=hrefs,
        unit="%",
        series=(Series("Came back", [_came_back(r) for r in rows]),),
    )
    return [
        Figure(
            "participants",
            "Participants per chat",
            column_chart(people),
            chart_table(people, label_header="Chat"),
        ),
        Figure(
            "posts", "Posts per chat", column_chart(posts), chart_table(posts, label_header="Chat")
        ),
        Figure(
            "came-back",
            "Who came back within the next four chats",
            line_chart(back, top=100),
            chart_table(back, label_header="Chat"),
        ),
    ]


def _month_figures(community: Community, vitality: Vitality) -> list[Figure]:
    rows = vitality.months
    this_month = month_of(timezone.now(), ZoneInfo(community.time_zone))
    labels = [f"{r.month:%b %Y}" + (" (so far)" if r.month == this_month else "") for r in rows]
    hrefs = [_month_href(community, r.month) for r in rows]
    active = Chart(
        id="chart-active",
        title="Active participants per month",
        desc="People who posted with the hashtag each month, in a chat or between chats.",
        labels=labels,
        hrefs=hrefs,
        series=(Series("Active participants", [r.active for r in rows]),),
    )
    retention = Chart(
        id="chart-retention",
        title="Retention per month",
        desc="The share of the previous month's active participants who were active again.",
        labels=labels,
        hrefs=hrefs,
        unit="%",
        series=(Series("Retention", [share(r.retained, r.previous_active) for r in rows]),),
    )
    return [
        Figure(
            "active",
            "Active participants per month",
            column_chart(active),
            chart_table(active, label_header="Month"),
        ),
        Figure(
            "retention",
            "Retention: last month's participants who came back",
            line_chart(retention, top=100),
            chart_table(retention, label_header="Month"),
        ),
    ]


def _stream_figures(community: Community, vitality: Vitality) -> list[Figure]:
    rows = vitality.weeks
    labels = [f"{r.week:%d %b %Y}" for r in rows]
    stream = reverse("archive:stream", kwargs={"slug": community.slug})
    hrefs = [_transcript(community, r.next_chat_id) if r.next_chat_id else stream for r in rows]
    posts = Chart(
        id="chart-stream",
        title="Posts between chats per week",
        desc="Posts with the hashtag outside any chat, per week from Monday.",
        labels=labels,
        hrefs=hrefs,
        series=(Series("Posts", [r.posts for r in rows]),),
    )
    joined = Chart(
        id="chart-stream-next",
        title="Authors between chats who took part in the next chat",
        desc="Per week: the authors of posts between chats, and those of them who posted in "
        "the chat held after their post.",
        labels=labels,
        hrefs=hrefs,
        series=(
            Series("Authors", [r.authors for r in rows]),
            Series("Took part in the next chat", [r.joined_next_chat for r in rows]),
        ),
    )
    return [
        Figure(
            "stream",
            "Between chats: posts per week",
            column_chart(posts),
            chart_table(posts, label_header="Week from"),
        ),
        Figure(
            "stream-next",
            "Between chats: from the stream to the next chat",
            column_chart(joined, stacked=False),
            chart_table(joined, label_header="Week from"),
        ),
    ]


def _top_figure(
    community: Community, top: list[Contributor]
) -> tuple[Figure, list[tuple[Contributor, str]]]:
    linked = []
    for person in top:
        href = ""
        if person.last_chat_id:
            href = _transcript(community, person.last_chat_id)
            if person.network == Network.X and person.handle:
                href += "?" + urlencode({"view": "participant", "handle": person.handle})
        linked.append((person, href))
    chart = Chart(
        id="chart-top",
        title="Top contributors",
        desc="The people who posted most with the hashtag in the period. Members can leave "
        "themselves out in their profile.",
        labels=[person.name for person in top],
        hrefs=[href for _, href in linked],
        series=(Series("Posts", [person.posts for person in top]),),
    )
    return Figure(
        "top", "Top contributors", bar_chart(chart), chart_table(chart, label_header="Who")
    ), linked


def _cohorts(community: Community, rows: list[CohortVitality]) -> tuple[list[CohortRow], list[int]]:
    columns = max((len(r.returned) for r in rows), default=0)
    columns = min(columns, COHORT_MONTHS)
    index = reverse("archive:community_transcripts", kwargs={"slug": community.slug})
    return [
        CohortRow(
            quarter=r.quarter,
            href=f"{index}#year-{r.quarter.year}",
            size=r.size,
            cells=cohort_cells(r.size, r.returned, columns=columns),
        )
        for r in rows
    ], list(range(1, columns + 1))


def _totals(vitality: Vitality) -> Totals:
    final = [r for r in vitality.chats if r.later_chats >= 4]
    whole_months = vitality.months[:-1]  # the current month is still running
    last = whole_months[-1] if whole_months else None
    return Totals(
        chats=len(vitality.chats),
        posts=sum(m.posts for m in vitality.months),
        reach=vitality.reach,
        first_timers=sum(r.first_timers for r in vitality.chats),
        came_back=share(sum(r.came_back for r in final), sum(r.participants for r in final)),
        retention=share(last.retained, last.previous_active) if last else None,
    )


def vitality_figures(*, community: Community, vitality: Vitality) -> Figures:
    tz = ZoneInfo(community.time_zone)
    top, linked = _top_figure(community, vitality.top)
    cohorts, columns = _cohorts(community, vitality.cohorts)
    return Figures(
        totals=_totals(vitality),
        chats=_chat_figures(community, vitality, tz),
        months=_month_figures(community, vitality),
        stream=_stream_figures(community, vitality),
        top=top,
        contributors=linked,
        cohorts=cohorts,
        cohort_columns=columns,
    )


def summary_figure(*, community: Community, rows: list[ChatVitality]) -> Figure:
    """The last few chats' participants, for the community page."""
    tz = ZoneInfo(community.time_zone)
    chart = Chart(
        id="chart-summary",
        title="Participants in the last chats",
        desc="Each of the last chats' participants: first-timers and returning participants.",
        labels=[f"{r.start_at.astimezone(tz):%d %b}" for r in rows],
        hrefs=[_transcript(community, r.chat_id) for r in rows],
        series=(
            Series("Returning", [r.returning for r in rows]),
            Series("First-timers", [r.first_timers for r in rows]),
        ),
    )
    return Figure(
        "summary",
        "Participants in the last chats",
        column_chart(chart),
        chart_table(chart, label_header="Chat"),
    )
