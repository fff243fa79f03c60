"""Forms of posting from a live chat's page, and of the organisers' posting policy."""

from django import forms

from archive.models import PostingPolicy

# Far above X's 280 weighted characters: the service says how far over a post is; this
# only keeps a hostile request from making the server count a novel.
TEXT_MAX = 4000


class ComposeForm(forms.Form):
    text = forms.CharField(
        max_length=TEXT_MAX,
        label="Your post",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="The chat's hashtag is added when missing. Ctrl+Enter (⌘+Enter) sends.",
    )
    # The number of the question answered: the service prefixes "An ".
    answering = forms.IntegerField(
        required=False, min_value=1, max_value=99, widget=forms.HiddenInput
    )
    # A placement in this chat (the live list's data-placement).
    reply_to = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    network = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class CountForm(forms.Form):
    text = forms.CharField(required=False, max_length=TEXT_MAX, strip=False)
    answering = forms.IntegerField(required=False, min_value=1, max_value=99)


class PostingPolicyForm(forms.ModelForm):
    class Meta:
        model = PostingPolicy
        fields = ["enabled", "daily_post_cap", "daily_spend_cap", "allow_links"]
        labels = {
            "enabled": "Members may post to the chat from this site",
            "daily_post_cap": "Posts per day",
            "daily_spend_cap": "Spending per day (US dollars)",
            "allow_links": "Allow links in posts from this site",
        }


class MuteForm(forms.Form):
    username = forms.CharField(max_length=150, label="Member's username")
