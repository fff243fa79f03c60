"""Reads for the archive's health and cost, as organisers see them."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from archive.models import (
    Network,
    NetworkUsage,
    PostingPolicy,
    PostSubmission,
    ReadUsage,
    SourceHealth,
    SyncCursor,
)
from archive.selectors.networks import community_targets
from archive.services.ingest import daily_cap, reads_today
from archive.sources.registry import network_configured
from chats.models import Chat
from community.models import Community


def _cost(reads: int) -> Decimal:
    return (Decimal(str(settings.ARCHIVE_PRICE_PER_READ)) * reads).quantize(Decimal("0.01"))


def _usage_of_chat(column: str) -> Subquery:
    # A subquery, not a join: joining usage and placements would multiply the sums.
    per_chat = ReadUsage.objects.filter(chat=OuterRef("pk")).values("chat")
    return Subquery(per_chat.annotate(total=Sum(column)).values("total"))


def archive_status(*, community: Community, now: datetime, days: int = 14) -> dict[str, object]:
    """Health, budget and cost of one community's archive, in a fixed number of queries."""
    since = now.date() - timedelta(days=days - 1)
    daily = list(
        ReadUsage.objects.filter(community=community, day__gte=since)
        .values("day")
        .annotate(reads=Sum("posts_read"), billed=Sum("posts_billed"), requests=Sum("requests"))
        .order_by("-day")
    )
    for row in daily:
        # values() rows are plain dicts: the plugin's closed TypedDict has no room for cost.
        extra = cast(dict[str, Any], row)
        extra["re_reads"] = row["reads"] - row["billed"]
        extra["cost"] = _cost(row["billed"])
    chats = list(
        Chat.objects.filter(community=community, start_at__lte=now, start_at__date__gte=since)
        .annotate(
            reads=_usage_of_chat("posts_read"),
            billed=_usage_of_chat("posts_billed"),
            requests=_usage_of_chat("requests"),
            archived=Count("placements"),
        )
        .order_by("-start_at")
    )
    for chat in chats:
        chat.community = community  # for its URL: one query per chat otherwise
        chat.cost = _cost(chat.billed or 0)
    used, cap = reads_today(community=community, now=now), daily_cap(community)
    today = next((row for row in daily if row["day"] == now.date()), None)
    billed_today = today["billed"] if today else 0
    reconciliation = _reconciliation(since=since, today=now.date())
    cursors = list(SyncCursor.objects.filter(community=community).order_by("network", "query"))
    # One row per network (Mastodon: per server) on the whole site: a small table.
    healths = list(SourceHealth.objects.order_by("network", "server"))
    return {
        "unhealthy": [health for health in healths if not health.healthy],
        "cursors": cursors,
        "sources": sources_status(community=community, cursors=cursors, healths=healths, now=now),
        "daily": daily,
        "chats": chats,
        "reads_today": used,
        "billed_today": billed_today,
        "re_reads_today": today["reads"] - billed_today if today else 0,
        "cost_today": _cost(billed_today),
        "cap": cap,
        "budget_reached": used >= cap,
        "price_per_read": settings.ARCHIVE_PRICE_PER_READ,
        "reconciliation": reconciliation,
        "mismatches": [row for row in reconciliation if row["mismatch"]],
        "posting": _posting_today(community=community, now=now),
    }


def _posting_today(*, community: Community, now: datetime) -> dict[str, Any]:
    """Posts members sent from the site today (UTC) and what X charges for them: two queries."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sent = PostSubmission.objects.filter(
        community=community, status=PostSubmission.Status.SENT, created_at__gte=midnight
    ).aggregate(
        posts=Count("pk"), with_links=Count("pk", filter=Q(has_link=True)), cost=Sum("cost")
    )
    policy = PostingPolicy.objects.filter(community=community).first()
    return {
        **sent,
        "cost": (sent["cost"] or Decimal("0")).quantize(Decimal("0.01")),
        "policy": policy,
        "price": settings.ARCHIVE_PRICE_PER_POST,
        "link_price": settings.ARCHIVE_PRICE_PER_POST_WITH_LINK,
    }


@dataclass
class SourceLine:
    """One network (one Mastodon server) of a community, as its health line shows it."""

    network: str
    server: str
    enabled: bool
    configured: bool
    healthy: bool = True
    error: str = ""
    rate_limited_until: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    reads_today: int = 0
    requests_today: int = 0
    reads_total: int = 0

    @property
    def label(self) -> str:
        name = Network(self.network).label
        return f"{name} ({self.server})" if self.server else name


def sources_status(
    *,
    community: Community,
    cursors: list[SyncCursor],
    healths: list[SourceHealth],
    now: datetime,
) -> list[SourceLine]:
    """A line per (network, server) the community pulls from or pulled from, side by
    side: two queries (its switches, today's reads), however many networks and servers."""
    enabled = community_targets(community)
    pairs = list(dict.fromkeys([*enabled, *((c.network, c.server) for c in cursors)]))
    lines = {
        pair: SourceLine(
            network=pair[0],
            server=pair[1],
            enabled=pair in enabled,
            configured=network_configured(pair[0]),
        )
        for pair in pairs
    }
    for health in healths:
        line = lines.get((health.network, health.server))
        if line is not None:
            line.healthy, line.error = health.healthy, health.error
            if health.rate_limited_until and health.rate_limited_until > now:
                line.rate_limited_until = health.rate_limited_until
    for cursor in cursors:
        line = lines[(cursor.network, cursor.server)]
        line.reads_total += cursor.reads_total
        if cursor.last_success_at and (
            line.last_success_at is None or cursor.last_success_at > line.last_success_at
        ):
            line.last_success_at = cursor.last_success_at
        if (
            cursor.last_error
            and cursor.last_error_at
            and (line.last_error_at is None or cursor.last_error_at > line.last_error_at)
        ):
            line.last_error, line.last_error_at = cursor.last_error, cursor.last_error_at
    today = (
        ReadUsage.objects.filter(community=community, day=now.date())
        .values("cursor__network", "cursor__server")
        .annotate(reads=Sum("posts_read"), requests=Sum("requests"))
    )
    for row in today:
        line = lines[(row["cursor__network"], row["cursor__server"])]
        line.reads_today, line.requests_today = row["reads"], row["requests"]
    return list(lines.values())


def _reconciliation(*, since: date, today: date) -> list[dict[str, Any]]:
    """Per UTC day, the posts we count as billed on the whole site beside X's own count.

    X bills the app, not a community: both figures are the whole site's. A day is a
    mismatch once X's figure for it was fetched after it ended and differs from ours.
    """
    ours = dict(
        ReadUsage.objects.filter(cursor__network=Network.X, day__gte=since)
        .values("day")
        .annotate(billed=Sum("posts_billed"))
        .values_list("day", "billed")
    )
    theirs = {
        usage.day: usage for usage in NetworkUsage.objects.filter(network=Network.X, day__gte=since)
    }
    rows = []
    for day in sorted(ours.keys() | theirs.keys() | {today}, reverse=True):
        billed, x = ours.get(day, 0), theirs.get(day)
        rows.append(
            {
                "day": day,
                "billed": billed,
                "x_posts": x.posts if x else None,
                "final": bool(x and x.final),
                "difference": abs(x.posts - billed) if x else 0,
                "x_counts_more": bool(x and x.posts > billed),
                "mismatch": bool(x and x.final and x.posts != billed),
            }
        )
    return rows
