"""Validators of community fields (the hashtag); chats reuse them."""

import re

from django.core.exceptions import ValidationError

HASHTAG_MAX_LENGTH = 100
# X hashtags: letters, digits and underscore (any script), with at least one
# letter so that "2024" or "___" are not accepted.
_HASHTAG_RE = re.compile(r"^(?=.*[^\W\d_])\w+$")


def validate_hashtag(value: str) -> None:
    if value.startswith("#"):
        raise ValidationError("Enter the hashtag without the leading #.", code="hash_prefix")
    if len(value) > HASHTAG_MAX_LENGTH:
        raise ValidationError(
            "A hashtag can have at most %(max)d characters (this one has %(length)d).",
            code="too_long",
            params={"max": HASHTAG_MAX_LENGTH, "length": len(value)},
        )
    if not _HASHTAG_RE.fullmatch(value):
        raise ValidationError(
            "A hashtag may contain only letters, digits and underscores, "
            "with at least one letter (no spaces, punctuation or emoji).",
            code="invalid_hashtag",
        )
