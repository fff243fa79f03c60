from django import forms

from chats.models import HostOffer, TopicSuggestion
from chats.services.reminders import DEFAULT_MINUTES_BEFORE, MINUTES_BEFORE_CHOICES


class TopicSuggestionForm(forms.ModelForm):
    class Meta:
        model = TopicSuggestion
        fields = ["title", "description"]
        labels = {"title": "Topic", "description": "Why this topic? (optional)"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Name the topic.", code="required")
        return title


class HostOfferForm(forms.ModelForm):
    class Meta:
        model = HostOffer
        fields = ["note"]
        labels = {"note": "A note for the organisers (optional)"}


class ReminderForm(forms.Form):
    minutes_before = forms.TypedChoiceField(
        label="Remind me", choices=MINUTES_BEFORE_CHOICES, coerce=int,
        initial=DEFAULT_MINUTES_BEFORE,
    )  # fmt: skip
