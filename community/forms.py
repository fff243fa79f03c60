from django import forms

from .models import Community, Membership
from .validators import available_time_zones, validate_time_zone


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones; anything else is rejected with a clear message."""

    def __init__(self, **kwargs: object) -> None:
        choices = [("", "—")] + [
            (tz, tz.replace("_", " ")) for tz in sorted(available_time_zones())
        ]
        super().__init__(choices=choices, **kwargs)

    def validate(self, value: str) -> None:
        if value in self.empty_values:
            super().validate(value)
            return
        validate_time_zone(value)


class CommunityForm(forms.ModelForm):
    time_zone = TimeZoneField(help_text="Chats are scheduled in this zone.")

    class Meta:
        model = Community
        fields = ["name", "hashtag", "description", "rules", "time_zone", "website"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "rules": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_hashtag(self) -> str:
        # The database constraint is the guarantee; this puts the message next
        # to the field instead of at the top of the form.
        hashtag = self.cleaned_data["hashtag"]
        clash = Community.objects.filter(hashtag__iexact=hashtag).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                "Another community already uses this hashtag.", code="hashtag_taken"
            )
        return hashtag


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
