from typing import TypedDict

from django import forms

from chats import recurrence
from chats.selectors.schedule import TIMES_OF_DAY
from common.forms import TimeZoneField

DEFAULT_DAYS = 14
MAX_DAYS = 60
WEEKDAY_CHOICES = [
    ("", "Any day"),
    *enumerate(recurrence.DAY_NAMES),
]
TIME_OF_DAY_LABELS = {
    "morning": "Morning (06:00 to 12:00)",
    "afternoon": "Afternoon (12:00 to 18:00)",
    "evening": "Evening (18:00 to 24:00)",
    "night": "Night (00:00 to 06:00)",
}


class ScheduleFilters(TypedDict):
    text: str
    weekday: int | None
    time_of_day: str
    days: int


class ScheduleFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=100,
        label="Community, hashtag or topic",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    day = forms.TypedChoiceField(
        required=False,
        choices=WEEKDAY_CHOICES,
        coerce=int,
        empty_value=None,
        label="Day of the week",
    )
    time = forms.ChoiceField(
        required=False,
        label="Time of day",
        choices=[("", "Any time"), *((key, TIME_OF_DAY_LABELS[key]) for key in TIMES_OF_DAY)],
    )
    days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        label="Days ahead",
        help_text=f"Up to {MAX_DAYS}.",
        widget=forms.NumberInput(attrs={"placeholder": DEFAULT_DAYS}),
    )

    def filters(self) -> ScheduleFilters:
        """The valid filters; a field with an error falls back to showing everything."""
        self.is_valid()
        data = self.cleaned_data if self.is_bound else {}
        return {
            "text": data.get("q") or "",
            "weekday": data.get("day"),
            "time_of_day": data.get("time") or "",
            "days": data.get("days") or DEFAULT_DAYS,
        }


class TimeZoneForm(forms.Form):
    time_zone = TimeZoneField(label="Time zone")
    next = forms.CharField(required=False, widget=forms.HiddenInput)
