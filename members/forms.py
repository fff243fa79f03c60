from django import forms

from common.forms import TimeZoneField
from members.models import User


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField(required=False)

    class Meta:
        model = User
        fields = ["display_name", "bio", "time_zone", "mastodon_handle", "bluesky_handle"]
        labels = {"mastodon_handle": "Mastodon handle", "bluesky_handle": "Bluesky handle"}
        help_texts = {
            "mastodon_handle": "For example @name@mastodon.social. Not verified.",
            "bluesky_handle": "For example name.bsky.social. Not verified.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
