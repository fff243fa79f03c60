"""Form fields every app uses."""

from typing import Any

from django import forms

from common.timezones import available_time_zones, validate_time_zone


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones; anything else is rejected with a clear message."""

    def __init__(self, **kwargs: Any) -> None:
        choices = [("", "—")] + [
            (tz, tz.replace("_", " ")) for tz in sorted(available_time_zones())
        ]
        super().__init__(choices=choices, **kwargs)

    def validate(self, value: str) -> None:
        if value in self.empty_values:
            super().validate(value)
            return
        validate_time_zone(value)
