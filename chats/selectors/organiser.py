"""Reads for the organiser pages: a community's series and upcoming chats."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet

from chats import recurrence
from chats.models import Chat, ChatSeries
from community.models import Community

_DAY_NAMES = dict(zip(recurrence.WEEKDAYS, recurrence.DAY_NAMES, strict=True))
_NTH_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def series_for_community(*, community: Community) -> list[ChatSeries]:
    """Active series first, each with a human `summary` of its rule."""
    series = list(community.series.order_by("-is_active", "start_time", "pk"))
    for item in series:
        item.summary = describe_series(item)
    return series


def upcoming_chats_for_organisers(*, community: Community, now: datetime) -> QuerySet[Chat]:
    """Chats not yet ended, cancelled ones included, with their question and host counts."""
    return (
        Chat.objects.filter(community=community)
        .upcoming(now)
        .select_related("series", "community")
        .annotate(
            question_count=Count("questions", distinct=True),
            host_count=Count("hosts", distinct=True),
        )
        .order_by("start_at")
    )


def describe_series(series: ChatSeries) -> str:
    """E.g. "Every Tuesday at 12:00 America/New_York, 1 h"."""
    when = f"at {series.start_time:%H:%M} {series.time_zone}"
    return f"{_describe_rule(series.rrule)} {when}, {describe_duration(series.duration)}"


def describe_duration(duration: timedelta) -> str:
    hours, minutes = divmod(int(duration.total_seconds() // 60), 60)
    parts = [f"{hours} h"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def _describe_rule(rule: str) -> str:
    choices = recurrence.structured_rule(rule)
    if choices is None:
        return f"Custom rule {rule}"
    days = [_DAY_NAMES[day] for day in choices["weekdays"]]
    if choices["frequency"] == recurrence.Frequency.MONTHLY:
        return f"The {_NTH_NAMES[choices['nth']]} {_join(days, 'or')} of every month"
    if choices["frequency"] == recurrence.Frequency.BIWEEKLY:
        return f"Every other {_join(days, 'and')}"
    return f"Every {_join(days, 'and')}"


def _join(words: list[str], last: str) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def community_meetings(*, communities: Iterable[Community], today: date) -> dict[int, str]:
    """When each community meets, by community id: its first running series, described.
    One query, whatever the number of communities."""
    running = ChatSeries.objects.filter(
        community__in=[community.pk for community in communities], is_active=True
    ).filter(Q(last_date__isnull=True) | Q(last_date__gte=today))
    meetings: dict[int, str] = {}
    for series in running.order_by("community_id", "start_time", "pk"):
        meetings.setdefault(series.community_id, describe_series(series))
    return meetings
