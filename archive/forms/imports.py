"""The organisers' upload of an archive file."""

from django import forms

from archive.imports.formats import FORMATS
from archive.services.imports import DETECT

FORMAT_CHOICES = [
    (DETECT, "Detect it from the file"),
    *((name, f.description) for name, f in FORMATS.items()),
]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Archive file",
        help_text="A TAGS sheet saved as CSV, twarc2 JSON lines, a transcript exported "
        "here as JSON, a Mastodon archive (.tar.gz, or its outbox.json) or a Bluesky CAR; "
        ".gz accepted.",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial=DETECT, label="Format")
