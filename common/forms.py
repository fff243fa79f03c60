"""Form fields every app uses, and the one way a service's refusal reaches a form."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

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


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form that fed it.

    Each entry of an error_dict goes next to the field it names; a form whose fields are
    named differently from the service's arguments maps them in `service_error_fields`
    (service name → form field name). Names the form has no field for, and errors
    without an error_dict, go above the fields.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    renames: dict[str, str] = getattr(form, "service_error_fields", {})
    for name, errors in error.error_dict.items():
        field = renames.get(name, name)
        form.add_error(field if field in form.fields else None, errors)
