from django import forms

from common.forms import TimeZoneField
from community.models import Community, Membership


class CommunitySearchForm(forms.Form):
    q = forms.CharField(
        required=False, max_length=200, label="Search by name, hashtag or description"
    )


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
