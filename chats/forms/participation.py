from django import forms

from chats.models import HostOffer, ReminderSubscription, TopicSuggestion


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
        label="Remind me",
        choices=ReminderSubscription.MinutesBefore.choices,
        coerce=int,
        initial=ReminderSubscription.DEFAULT_MINUTES_BEFORE,
    )
