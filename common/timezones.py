"""Time zones: the IANA names we accept, and the visitor's zone (one resolution, used by
every page that shows a chat time)."""

import zoneinfo
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest


@cache
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(
            "“%(value)s” is not a known time zone. Use an IANA name such as Europe/Paris.",
            code="invalid_time_zone",
            params={"value": value},
        )


TZ_COOKIE = "tz"
TZ_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
DEFAULT_ZONE = "UTC"


@dataclass(frozen=True)
class VisitorZone:
    name: str
    # "profile", "cookie" or "default": the page says where the zone came from,
    # and only a default zone lets the browser's own zone replace it.
    source: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.name)

    @property
    def is_default(self) -> bool:
        return self.source == "default"

    @property
    def from_profile(self) -> bool:
        return self.source == "profile"


def is_known_time_zone(name: str) -> bool:
    return name in available_time_zones()


def visitor_zone(request: HttpRequest) -> VisitorZone:
    """The signed-in member's profile zone, else the `tz` cookie, else UTC."""
    user = request.user
    if user.is_authenticated and is_known_time_zone(user.time_zone):
        return VisitorZone(user.time_zone, "profile")
    cookie = request.COOKIES.get(TZ_COOKIE, "")
    if is_known_time_zone(cookie):
        return VisitorZone(cookie, "cookie")
    return VisitorZone(DEFAULT_ZONE, "default")
