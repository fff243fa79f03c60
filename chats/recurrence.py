"""RFC 5545 recurrence rules, built from form choices and expanded with dateutil.

Rules are expanded in the series' own time zone with an aware DTSTART, so a
chat at 12:00 America/New_York stays at 12:00 local across DST changes; only
the UTC instant moves. No date arithmetic is done by hand here.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr
from django.core.exceptions import ValidationError
from icalendar.prop import vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# How far ahead a rule must produce its first occurrence to be accepted.
FIRST_OCCURRENCE_LIMIT = timedelta(days=2 * 366)


class Frequency:
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    CHOICES = ((WEEKLY, "Every week"), (BIWEEKLY, "Every two weeks"), (MONTHLY, "Monthly"))


def build_rrule(*, frequency: str, weekdays: list[str], nth: int | None = None) -> str:
    """The RRULE for a weekly, fortnightly or 'nth weekday of the month' chat."""
    if not weekdays or any(day not in WEEKDAYS for day in weekdays):
        raise ValidationError({"weekdays": "Choose at least one day of the week."})
    days = [day for day in WEEKDAYS if day in weekdays]
    if frequency == Frequency.MONTHLY:
        if nth not in (1, 2, 3, 4, -1):
            raise ValidationError({"nth": "Choose which week of the month."})
        recur = {"FREQ": "MONTHLY", "BYDAY": days, "BYSETPOS": nth}
    elif frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        interval = 2 if frequency == Frequency.BIWEEKLY else 1
        recur = {"FREQ": "WEEKLY", "INTERVAL": interval, "BYDAY": days}
    else:
        raise ValidationError({"frequency": "Choose how often the chat happens."})
    return vRecur(recur).to_ical().decode()


def describe_rrule(rule: str) -> dict[str, Any]:
    """The form choices behind a stored RRULE (inverse of build_rrule)."""
    recur = vRecur.from_ical(rule)
    days = [str(day) for day in recur.get("BYDAY", [])]
    if recur["FREQ"][0] == "MONTHLY":
        return {"frequency": Frequency.MONTHLY, "weekdays": days, "nth": recur["BYSETPOS"][0]}
    weekly = Frequency.BIWEEKLY if recur.get("INTERVAL", [1])[0] == 2 else Frequency.WEEKLY
    return {"frequency": weekly, "weekdays": days, "nth": None}


def _parse(rule: str, dtstart: datetime) -> rrule | rruleset:
    if not rule or any(part in rule.upper() for part in ("DTSTART", "UNTIL", "COUNT")):
        raise ValidationError({"rrule": "Give an RRULE without DTSTART, UNTIL or COUNT."})
    try:
        return rrulestr(f"RRULE:{rule}", dtstart=dtstart)
    except (ValueError, TypeError) as error:
        raise ValidationError({"rrule": f"This is not a valid RRULE: {error}"}) from error


def validate_rrule(*, rule: str, dtstart: datetime, last_date: date | None) -> None:
    """Reject rules that cannot be parsed or never produce an occurrence."""
    first = _parse(rule, dtstart).after(dtstart, inc=True)
    limit = dtstart + FIRST_OCCURRENCE_LIMIT
    if last_date is not None:
        limit = min(limit, datetime.combine(last_date, time.max, tzinfo=dtstart.tzinfo))
    if first is None or first > limit:
        raise ValidationError(
            {"rrule": "This schedule never produces a chat between its first and last date."}
        )


def expand(
    *, rule: str, dtstart: datetime, last_date: date | None, after: datetime, before: datetime
) -> list[datetime]:
    """Occurrence starts (UTC) in [after, before], wall-clock stable in dtstart's zone."""
    zone = dtstart.tzinfo
    assert isinstance(zone, ZoneInfo), "DTSTART must carry an IANA zone"
    end = before.astimezone(zone)
    if last_date is not None:
        end = min(end, datetime.combine(last_date, time.max, tzinfo=zone))
    starts = _parse(rule, dtstart).between(after.astimezone(zone), end, inc=True)
    return [start.astimezone(UTC) for start in starts]


def structured_rule(rule: str) -> dict[str, Any] | None:
    """The form choices that build exactly this rule, or None for a custom rule."""
    try:
        choices = describe_rrule(rule)
        if build_rrule(**choices) == rule:
            return choices
    except (ValueError, KeyError, IndexError, ValidationError):
        pass
    return None
