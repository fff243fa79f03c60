"""Series expansion: wall-clock stable across DST, idempotent, and respectful of edits."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from chats import recurrence
from chats.models import Chat, ChatSeries
from chats.services.schedule import (
    chat_cancel,
    chat_update,
    series_create,
    series_end,
    series_generate_all,
    series_generate_occurrences,
    series_update,
)
from community.models import Community

pytestmark = pytest.mark.django_db

WEEKLY_TUESDAY = recurrence.build_rrule(frequency="weekly", weekdays=["TU"])


def _series(community: Community, *, now: datetime, **overrides: object) -> ChatSeries:
    fields = {
        "title": "Weekly #KMers chat",
        "rrule": WEEKLY_TUESDAY,
        "start_time": time(12, 0),
        "duration": timedelta(hours=1),
        "first_date": now.date(),
        **overrides,
    }
    return series_create(community=community, now=now, **fields)


def _local_starts(series: ChatSeries) -> list[datetime]:
    zone = ZoneInfo(series.time_zone)
    return [c.start_at.astimezone(zone) for c in series.chats.order_by("start_at")]


@pytest.mark.parametrize(
    ("zone", "now", "utc_hours"),
    [
        # US: EST (UTC-5) until 8 March 2026, then EDT (UTC-4).
        ("America/New_York", datetime(2026, 2, 20, tzinfo=UTC), {17, 16}),
        # US autumn: EDT until 1 November 2026, then EST.
        ("America/New_York", datetime(2026, 10, 10, tzinfo=UTC), {16, 17}),
        # Europe: CET (UTC+1) until 29 March 2026, then CEST (UTC+2).
        ("Europe/Berlin", datetime(2026, 3, 5, tzinfo=UTC), {11, 10}),
        # Southern hemisphere: AEDT (UTC+11) until 5 April 2026, then AEST (UTC+10).
        ("Australia/Sydney", datetime(2026, 3, 15, tzinfo=UTC), {1, 2}),
    ],
)
def test_it_keeps_the_local_start_time_across_daylight_saving_changes(
    community: Community, zone: str, now: datetime, utc_hours: set[int]
) -> None:
    series = _series(community, now=now, time_zone=zone)

    local = _local_starts(series)
    assert len(local) == 8
    assert {(start.hour, start.minute) for start in local} == {(12, 0)}
    assert {start.strftime("%a") for start in local} == {"Tue"}
    assert {c.start_at.astimezone(UTC).hour for c in series.chats.all()} == utc_hours


def test_it_generates_eight_weeks_ahead_and_nothing_twice(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    series = _series(community, now=now)

    created_again = series_generate_occurrences(series=series, now=now)
    created_by_beat = series_generate_all(now=now)

    assert series.chats.count() == 8
    assert created_again == 0
    assert created_by_beat == 0
    last = series.chats.order_by("start_at").last()
    assert last.start_at <= now + timedelta(weeks=8)


def test_it_extends_the_schedule_as_time_passes(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    series = _series(community, now=now)

    created = series_generate_occurrences(series=series, now=now + timedelta(weeks=2))

    assert created == 2
    assert series.chats.count() == 10


def test_it_keeps_an_edited_and_a_cancelled_occurrence_through_regeneration(
    community: Community,
) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    series = _series(community, now=now)
    first, second, *_ = series.chats.order_by("start_at")
    moved_start = first.start_at + timedelta(minutes=30)
    chat_update(
        chat=first, title="Special: knowledge audits", start_at=moved_start,
        end_at=moved_start + timedelta(hours=1),
    )  # fmt: skip
    chat_cancel(chat=second)

    series_update(
        series=series, title="Renamed series", rrule=WEEKLY_TUESDAY, start_time=time(12, 0),
        duration=timedelta(minutes=90), first_date=series.first_date, now=now,
    )  # fmt: skip

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.title, first.start_at) == ("Special: knowledge audits", moved_start)
    assert second.is_cancelled
    assert series.chats.count() == 8
    others = series.chats.exclude(pk__in=[first.pk, second.pk])
    assert {c.title for c in others} == {"Renamed series"}
    assert {c.duration for c in others} == {timedelta(minutes=90)}


def test_it_moves_untouched_occurrences_when_the_series_changes_day(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    series = _series(community, now=now)

    series_update(
        series=series, title=series.title,
        rrule=recurrence.build_rrule(frequency="weekly", weekdays=["TH"]),
        start_time=time(9, 30), duration=series.duration, first_date=series.first_date, now=now,
    )  # fmt: skip

    local = _local_starts(series)
    assert {start.strftime("%a %H:%M") for start in local} == {"Thu 09:30"}
    assert len(local) == 8


def test_it_supports_fortnightly_and_monthly_nth_weekday_rules(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    fortnightly = _series(
        community, now=now, rrule=recurrence.build_rrule(frequency="biweekly", weekdays=["TU"])
    )
    monthly = _series(
        community, now=now, time_zone="Europe/London", start_time=time(20, 0),
        rrule=recurrence.build_rrule(frequency="monthly", weekdays=["TH"], nth=-1),
    )  # fmt: skip

    gaps = {b - a for a, b in pairwise(_local_starts(fortnightly))}
    assert gaps == {timedelta(weeks=2)}
    assert [d.date() for d in _local_starts(monthly)] == [date(2026, 11, 26), date(2026, 12, 31)]


def test_it_stops_after_the_last_date_which_is_included(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)

    series = _series(community, now=now, last_date=date(2026, 12, 15))

    expected = [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)]
    assert [d.date() for d in _local_starts(series)] == expected


def test_it_ends_a_series_keeping_past_and_edited_chats(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    series = _series(community, now=now)
    edited = series.chats.order_by("start_at").last()
    chat_update(chat=edited, title="Finale", start_at=edited.start_at, end_at=edited.end_at)

    series_end(series=series, now=now)
    created = series_generate_occurrences(series=series, now=now)

    assert created == 0
    assert list(series.chats.values_list("title", flat=True)) == ["Finale"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never produces a chat"),
        ("FREQ=SOMETIMES", "not a valid RRULE"),
        ("FREQ=WEEKLY;COUNT=3", "without DTSTART, UNTIL or COUNT"),
    ],
)
def test_it_rejects_rules_that_cannot_produce_chats(
    community: Community, rule: str, message: str
) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)

    with pytest.raises(ValidationError) as error:
        _series(community, now=now, rrule=rule)

    assert message in str(error.value.message_dict["rrule"])
    assert not ChatSeries.objects.exists()
    assert not Chat.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration": timedelta(0)}, "duration"),
        ({"duration": timedelta(hours=8, minutes=1)}, "duration"),
        ({"time_zone": "America/Gotham"}, "time_zone"),
        ({"last_date": date(2026, 1, 1)}, "last_date"),
    ],
)
def test_it_rejects_impossible_series(
    community: Community, overrides: dict[str, object], field: str
) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)

    with pytest.raises(ValidationError) as error:
        _series(community, now=now, **overrides)

    assert field in error.value.message_dict
    assert not ChatSeries.objects.exists()


def test_it_skips_occurrences_that_would_overlap_another_chat_on_the_hashtag(
    community: Community,
) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    one_off_start = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # 12:30 New York
    Chat.objects.create(
        community=community, title="One-off", hashtag="KMers",
        start_at=one_off_start, end_at=one_off_start + timedelta(hours=1),
    )  # fmt: skip

    series = _series(community, now=now)

    assert series.chats.count() == 7
    assert not series.chats.filter(start_at__date=date(2026, 12, 1)).exists()


def test_it_touches_only_the_occurrences_a_series_edit_changes(community: Community) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    series = _series(community, now=now)
    before = dict(series.chats.values_list("pk", "updated_at"))

    series_generate_occurrences(series=series, now=now)
    unchanged = dict(series.chats.values_list("pk", "updated_at"))
    series_update(
        series=series, title="New title", rrule=WEEKLY_TUESDAY, start_time=time(12, 0),
        duration=series.duration, first_date=series.first_date, now=now,
    )  # fmt: skip
    after = dict(series.chats.values_list("pk", "updated_at"))

    assert unchanged == before
    assert all(after[pk] > before[pk] for pk in before)
