"""The organisers' form for the networks a community archives from."""

from typing import Any

from django import forms

from archive.models import ArchiveSettings


class NetworksForm(forms.Form):
    x_enabled = forms.BooleanField(
        required=False,
        label="Archive from X",
        help_text="Posts read from X are billed to the site; the daily budget applies.",
    )
    mastodon_enabled = forms.BooleanField(
        required=False,
        label="Archive from Mastodon",
        help_text="Public hashtag timelines of the servers below; free to read.",
    )
    mastodon_servers = forms.CharField(
        required=False,
        label="Mastodon servers",
        help_text=(
            f"One server name a line, e.g. mastodon.social (at most "
            f"{ArchiveSettings.MAX_MASTODON_SERVERS}). Each server shows the posts it knows "
            "of: list the servers your members are on. A post seen on two is stored once."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocapitalize": "none", "spellcheck": "false"}),
        max_length=2000,
    )
    bluesky_enabled = forms.BooleanField(
        required=False,
        label="Archive from Bluesky",
        help_text="Bluesky's search for the hashtag; free to read.",
    )

    @classmethod
    def for_settings(cls, settings: ArchiveSettings, data: Any = None) -> "NetworksForm":
        initial = {
            "x_enabled": settings.x_enabled,
            "mastodon_enabled": settings.mastodon_enabled,
            "mastodon_servers": "\n".join(settings.mastodon_servers),
            "bluesky_enabled": settings.bluesky_enabled,
        }
        return cls(data, initial=initial)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**data, "mastodon_servers": data["mastodon_servers"].splitlines()}
