"""The archive search form: every query parameter of /search/ is validated here."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from django import forms

from archive.paging import BadCursor, Cursor
from archive.selectors.search import SearchParams
from community.models import Community

Q_MAX_LENGTH = 200
# X handles, and the user@host and domain handles of Mastodon and Bluesky.
HANDLE_RE = re.compile(r"@?([\w.\-@]{1,100})")


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=Q_MAX_LENGTH,
        label="Search posts",
        help_text='Words, "an exact phrase", -without, or #hashtag.',
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    community = forms.ModelChoiceField(
        required=False,
        queryset=Community.objects.order_by("name"),
        to_field_name="slug",
        empty_label="All communities",
        label="Community",
    )
    participant = forms.CharField(
        required=False,
        max_length=101,
        label="Participant",
        widget=forms.TextInput(attrs={"placeholder": "@handle"}),
    )
    since = forms.DateField(
        required=False,
        label="From",
        # No format here: the browser's date picker shows the reader's own.
        help_text="A day, in UTC.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        required=False,
        label="To",
        help_text="A day, in UTC, included.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    # The URL speaks of from= and to=; the form's fields cannot be named "from".
    URL_NAMES = {"since": "from", "until": "to"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A maxlength would make the browser cut a pasted query at 200 characters without
        # a word; the server refuses it instead and says so next to the field.
        self.fields["q"].widget.attrs.pop("maxlength", None)

    def add_prefix(self, field_name: str) -> str:
        return self.URL_NAMES.get(field_name, field_name)

    def clean_participant(self) -> str:
        value = self.cleaned_data["participant"].strip()
        if not value:
            return ""
        match = HANDLE_RE.fullmatch(value)
        if match is None:
            raise forms.ValidationError("Enter a handle such as @someone.")
        return match.group(1)

    def clean_before(self) -> Cursor | None:
        value = self.cleaned_data["before"]
        if not value:
            return None
        try:
            return Cursor.decode(value)
        except BadCursor as error:
            raise forms.ValidationError("This results page no longer exists.") from error

    def clean(self) -> dict[str, object]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "Pick a day on or after the first day.")
        return data

    def params(self) -> SearchParams:
        """The validated search; call only after is_valid()."""
        data = self.cleaned_data
        return SearchParams(
            text=data["q"],
            community=data["community"],
            participant=data["participant"],
            since=_day_start(data["since"]),
            until=_day_end(data["until"]),
            before=data["before"],
        )


def _day_start(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _day_end(day: date | None) -> datetime | None:
    """The start of the next UTC day, exclusive; None for the last representable day."""
    if day is None or day == date.max:
        return None
    return _day_start(day + timedelta(days=1))
