import re

from django.core.exceptions import ValidationError

# @user@server.tld — the user part allows letters, digits, underscores and
# inner dots or dashes; the server is a domain name.
_DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
_MASTODON_RE = re.compile(rf"^@?[a-z0-9_]+(?:[.-][a-z0-9_]+)*@{_DOMAIN}$", re.IGNORECASE)
_BLUESKY_RE = re.compile(rf"^@?{_DOMAIN}$", re.IGNORECASE)


def validate_mastodon_handle(value: str) -> None:
    if not _MASTODON_RE.fullmatch(value):
        raise ValidationError(
            "Enter a Mastodon handle like @name@mastodon.social.", code="invalid_mastodon"
        )


def validate_bluesky_handle(value: str) -> None:
    if not _BLUESKY_RE.fullmatch(value):
        raise ValidationError(
            "Enter a Bluesky handle like name.bsky.social.", code="invalid_bluesky"
        )
