"""Forms of the moderation actions: a reason from a fixed list, an optional note."""

from django import forms

from archive.models import ModerationAction
from archive.services.moderation import HIDE_REASONS

NOTE_MAX = ModerationAction._meta.get_field("note").max_length


class NextForm(forms.Form):
    """Where to go back to afterwards; the view checks it stays on this site."""

    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class NoteForm(NextForm):
    note = forms.CharField(
        required=False, max_length=NOTE_MAX, help_text="Optional; only moderators see it."
    )


# No reason is preset: a moderator must say why, not accept "Spam" by default.
REASON_CHOICES = [("", "Choose a reason…"), *HIDE_REASONS]


class HideForm(NoteForm):
    reason = forms.ChoiceField(choices=REASON_CHOICES)
    field_order = ["reason", "note", "next"]


class ExcludeForm(HideForm):
    reason = forms.ChoiceField(choices=REASON_CHOICES, label="Why exclude this account")
