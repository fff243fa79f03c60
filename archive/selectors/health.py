"""Reads for the archive's health and cost, as organisers see them."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from archive.models import ReadUsage, SourceHealth, SyncCursor
from archive.services.ingest import daily_cap, reads_today
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
        .annotate(reads=Sum("posts_read"), requests=Sum("requests"))
        .order_by("-day")
    )
    for row in daily:
        # values() rows are plain dicts: the plugin's closed TypedDict has no room for cost.
        cast(dict[str, Any], row)["cost"] = _cost(row["reads"])
    chats = list(
        Chat.objects.filter(community=community, start_at__lte=now, start_at__date__gte=since)
        .annotate(
            reads=_usage_of_chat("posts_read"),
            requests=_usage_of_chat("requests"),
            archived=Count("placements"),
        )
        .order_by("-start_at")
    )
    for chat in chats:
        chat.cost = _cost(chat.reads or 0)
    used, cap = reads_today(community=community, now=now), daily_cap(community)
    return {
        "unhealthy": list(SourceHealth.objects.filter(Q(healthy=False))),
        "cursors": list(SyncCursor.objects.filter(community=community).order_by("query")),
        "daily": daily,
        "chats": chats,
        "reads_today": used,
        "cap": cap,
        "budget_reached": used >= cap,
        "price_per_read": settings.ARCHIVE_PRICE_PER_READ,
    }
