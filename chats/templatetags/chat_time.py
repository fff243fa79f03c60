"""Template helpers for showing chat times: durations, UTC instants, the zone picker."""

from datetime import UTC, datetime, timedelta

from django import template

from chats.forms.public import TimeZoneForm
from common.timezones import visitor_zone

register = template.Library()


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


@register.filter
def duration_text(value: timedelta) -> str:
    """1 hour, 1 hour 30 minutes, 45 minutes."""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = [_plural(hours, "hour")] if hours else []
    if minutes or not hours:
        parts.append(_plural(minutes, "minute"))
    return " ".join(parts)


@register.filter
def iso_utc(value: datetime) -> str:
    """The instant for machines: <time datetime> and the countdown's data-start."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@register.inclusion_tag("chats/_time_zone_picker.html", takes_context=True)
def time_zone_picker(context: template.Context) -> dict[str, object]:
    request = context["request"]
    zone = context.get("visitor_zone") or visitor_zone(request)
    form = TimeZoneForm(
        prefix="tz", initial={"time_zone": zone.name, "next": request.get_full_path()}
    )
    return {"visitor_zone": zone, "form": form, "request": request}
