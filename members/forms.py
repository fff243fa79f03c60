from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils.html import format_html

from common.forms import TimeZoneField
from members.models import User
from members.validators import normalise_mastodon_server


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, saying up front that wrong passwords lock the account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        password = self.fields["password"]
        password.help_text = format_html(
            "{} After {} wrong passwords, signing in to that account is paused for {} minutes.",
            password.help_text,
            settings.LOGIN_LOCK_FAILURES,
            settings.LOGIN_LOCK_MINUTES,
        )


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField(required=False)

    class Meta:
        model = User
        fields = [
            "display_name",
            "bio",
            "time_zone",
            "mastodon_handle",
            "bluesky_handle",
            "hide_from_rankings",
        ]
        labels = {
            "mastodon_handle": "Mastodon handle",
            "bluesky_handle": "Bluesky handle",
            "hide_from_rankings": "Hide me from rankings",
        }
        help_texts = {
            "mastodon_handle": ("For example @name@mastodon.social. Once saved, verify it below."),
            "bluesky_handle": "For example name.bsky.social. Not verified.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}


class MastodonServerForm(forms.Form):
    server = forms.CharField(
        label="Your Mastodon server",
        max_length=300,
        help_text="Its web address, for example mastodon.social: usually the end of your handle.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "url",
                "autocapitalize": "none",
                "spellcheck": "false",
                "inputmode": "url",
                "placeholder": "mastodon.social",
            }
        ),
    )

    def clean_server(self) -> str:
        return normalise_mastodon_server(self.cleaned_data["server"])
