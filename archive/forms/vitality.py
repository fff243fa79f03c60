"""The vitality page's date-range picker (a GET form)."""

from django import forms

from archive.services.vitality import DEFAULT_RANGE, RANGES


class VitalityRangeForm(forms.Form):
    range = forms.ChoiceField(
        label="Period",
        choices=[(key, label) for key, (label, _) in RANGES.items()],
        required=False,
    )

    def chosen(self) -> str:
        """The valid range asked for, else the default (the page still answers)."""
        if self.is_valid():
            return self.cleaned_data["range"] or DEFAULT_RANGE
        return DEFAULT_RANGE
