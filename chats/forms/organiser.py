"""Forms of the organiser pages: series, single chats, questions and hosts.

Times are entered as wall-clock times in a named zone (the community's, or the
series' own) and made aware here with zoneinfo, never in the server's zone.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from chats import recurrence
from chats.models import Chat, ChatSeries, TopicSuggestion
from common.forms import TimeZoneField, add_service_error
from community.models import Community
from community.validators import validate_hashtag
from members.models import User

WEEKDAY_CHOICES = list(zip(recurrence.WEEKDAYS, recurrence.DAY_NAMES, strict=True))
NTH_CHOICES = [
    ("", "—"),
    (1, "First"),
    (2, "Second"),
    (3, "Third"),
    (4, "Fourth"),
    (-1, "Last"),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def local_datetime(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware instant of a wall-clock time in `zone`; times skipped by DST are refused."""
    local = datetime.combine(day, at, tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationError(
            f"{at:%H:%M} does not exist on {day:%d %b %Y} in {zone.key}: the clocks change."
        )
    return local


class HashtagListField(forms.CharField):
    """Comma-separated extra hashtags, each checked like a community hashtag."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("help_text", "Comma-separated, e.g. KMchat, knowledge.")
        super().__init__(**kwargs)

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = cast(str, super().to_python(value))  # None only with empty_value=None
        return [tag.lstrip("#") for tag in _split_list(text)]

    def validate(self, value: list[str]) -> None:
        for tag in value:
            validate_hashtag(tag)

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list):
            return ", ".join(value)
        return value


class SeriesForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="The title of every chat in the series.")
    frequency = forms.ChoiceField(choices=recurrence.Frequency.CHOICES)
    weekdays = forms.MultipleChoiceField(
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Day(s) of the week",
    )
    nth = forms.TypedChoiceField(
        choices=NTH_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        label="Week of the month",
        help_text="Only for monthly chats, e.g. the last Tuesday.",
    )
    start_time = forms.TimeField(widget=_time_input(), label="Start time")
    duration = forms.IntegerField(label="Duration (minutes)", initial=60)
    time_zone = TimeZoneField(help_text="The zone the start time is in.")
    first_date = forms.DateField(widget=_date_input(), label="First date")
    last_date = forms.DateField(
        widget=_date_input(),
        required=False,
        label="Last date",
        help_text="Optional: no chats after this date.",
    )
    extra_hashtags = HashtagListField(label="Extra hashtags")
    rrule = forms.CharField(
        max_length=500,
        required=False,
        label="Advanced: custom RRULE",
        help_text="Overrides the choices above, e.g. FREQ=WEEKLY;INTERVAL=3;BYDAY=TH "
        "(RFC 5545, without DTSTART, UNTIL or COUNT).",
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].initial = zone
        start = self.initial.get("start_time")
        example = f"{start:%H:%M}" if isinstance(start, time) else "Local time"
        self.fields["start_time"].help_text = f"{example} in {zone}"

    def clean_rrule(self) -> str:
        rule = self.cleaned_data["rrule"].strip()
        return rule.removeprefix("RRULE:").removeprefix("rrule:")

    def clean_duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration"])

    @property
    def uses_custom_rule(self) -> bool:
        return bool(self.data.get(self.add_prefix("rrule"), "").strip())

    @property
    def service_error_fields(self) -> dict[str, str]:
        # A structured rule only fails to produce chats because of its date range.
        return {} if self.uses_custom_rule else {"rrule": "last_date"}

    def clean(self) -> dict:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if data.get("rrule") or self.errors.keys() & {"frequency", "weekdays", "nth"}:
            return data
        try:
            data["rrule"] = recurrence.build_rrule(
                frequency=data["frequency"], weekdays=data.get("weekdays", []), nth=data.get("nth")
            )
        except ValidationError as error:
            add_service_error(self, error)
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title", "rrule", "start_time", "duration", "first_date", "last_date")
        return {
            **{name: data[name] for name in names},
            "time_zone": data["time_zone"],
            "extra_hashtags": data["extra_hashtags"],
        }


def series_initial(series: ChatSeries) -> dict[str, object]:
    """The form's values for a stored series; rules the form cannot build stay custom."""
    initial: dict[str, object] = {
        "title": series.title,
        "start_time": series.start_time,
        "duration": int(series.duration.total_seconds() // 60),
        "time_zone": series.time_zone,
        "first_date": series.first_date,
        "last_date": series.last_date,
        "extra_hashtags": series.extra_hashtags,
    }
    choices = recurrence.structured_rule(series.rrule)
    if choices is None:
        return {**initial, "rrule": series.rrule}
    return {**initial, **choices}


class ChatForm(forms.Form):
    # The service names the instants; the form has their times (see add_service_error).
    service_error_fields = {"start_at": "start_time", "end_at": "end_time"}

    title = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown: *emphasis*, lists, links.",
    )
    start_date = forms.DateField(widget=_date_input(), label="Start date")
    start_time = forms.TimeField(widget=_time_input(), label="Start time")
    end_date = forms.DateField(
        widget=_date_input(),
        required=False,
        label="End date",
        help_text="Leave empty if the chat ends on the day it starts.",
    )
    end_time = forms.TimeField(widget=_time_input(), label="End time")
    extra_hashtags = HashtagListField(label="Extra hashtags")
    questions_hidden = forms.BooleanField(
        required=False, label="Keep the questions hidden until the chat starts"
    )
    suggestion = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, community: Community, creating: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.community = community
        self.zone = ZoneInfo(community.time_zone)
        if not creating:
            del self.fields["suggestion"]
        for name in ("start_time", "end_time"):
            self.fields[name].help_text = f"In {community.time_zone}"

    def clean_suggestion(self) -> TopicSuggestion | None:
        pk = self.cleaned_data["suggestion"]
        if pk is None:
            return None
        suggestion = TopicSuggestion.objects.filter(pk=pk, community=self.community).first()
        if suggestion is None:
            raise ValidationError("This topic suggestion belongs to another community.")
        return suggestion

    def clean(self) -> dict:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        if not {"start_date", "start_time", "end_time"} <= data.keys():
            return data
        start_day = data["start_date"]
        for name, day, at in (
            ("start_time", start_day, data["start_time"]),
            ("end_time", data.get("end_date") or start_day, data["end_time"]),
        ):
            try:
                data[name.replace("_time", "_at")] = local_datetime(day, at, self.zone)
            except ValidationError as error:
                self.add_error(name, error)
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title", "description", "start_at", "end_at", "extra_hashtags")
        return {name: data[name] for name in names} | {"questions_hidden": data["questions_hidden"]}


def chat_initial(chat: Chat) -> dict[str, object]:
    """The form's values for a stored chat, its times in the community's zone."""
    zone = ZoneInfo(chat.community.time_zone)
    start, end = chat.start_at.astimezone(zone), chat.end_at.astimezone(zone)
    return {
        "title": chat.title,
        "description": chat.description,
        "start_date": start.date(),
        "start_time": start.time(),
        "end_date": end.date(),
        "end_time": end.time(),
        "extra_hashtags": chat.extra_hashtags,
        "questions_hidden": chat.questions_hidden,
    }


class QuestionForm(forms.Form):
    text = forms.CharField(
        max_length=280,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Question",
        help_text="Plain text, up to 280 characters.",
    )
    planned_minute = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=480,
        label="Planned minute",
        help_text="Optional: minutes after the start, e.g. 10.",
    )


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.public_name} (@{obj.x_handle})" if obj.x_handle else obj.public_name


class HostsForm(forms.Form):
    members = MemberChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Members hosting",
    )
    handles = forms.CharField(
        required=False,
        max_length=300,
        label="External X handles",
        help_text="Hosts without an account here, comma-separated, e.g. @ada, grace_h.",
    )

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(MemberChoiceField, self.fields["members"]).queryset = User.objects.filter(
            memberships__community=community
        ).order_by("display_name", "username")

    def clean_handles(self) -> list[str]:
        return _split_list(self.cleaned_data["handles"])
