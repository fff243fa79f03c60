"""The form an organiser invites another community with, to hold a chat jointly."""

from django import forms
from django.core.exceptions import ValidationError

from community.models import Community
from community.selectors import community_find


class JointInviteForm(forms.Form):
    community = forms.CharField(
        label="Community to invite",
        max_length=110,
        help_text="Its hashtag (e.g. #KMers) or the name in its address (/communities/kmers/).",
    )

    def clean_community(self) -> Community:
        community = community_find(text=self.cleaned_data["community"])
        if community is None:
            raise ValidationError("No community has that hashtag or address.")
        return community
