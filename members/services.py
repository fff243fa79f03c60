from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from members.models import User
from members.signals import x_account_linked

PROFILE_FIELDS = (
    "display_name",
    "bio",
    "time_zone",
    "mastodon_handle",
    "bluesky_handle",
    "hide_from_rankings",
)


def member_update_profile(*, user: User, data: Mapping[str, Any]) -> User:
    """Save the editable profile fields (already validated by ProfileForm)."""
    for field in PROFILE_FIELDS:
        setattr(user, field, data[field])
    user.mastodon_handle = user.mastodon_handle.lstrip("@")
    user.bluesky_handle = user.bluesky_handle.lstrip("@").lower()
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=list(PROFILE_FIELDS))
    return user


@transaction.atomic
def member_link_x_account(
    *, user: User, x_user_id: str, handle: str, name: str = "", avatar_url: str = ""
) -> User:
    """Mark the member's X handle as verified: X itself told us who they are.

    Another member who had claimed the same X account loses it: X's word is final.
    """
    User.objects.filter(x_user_id=x_user_id).exclude(pk=user.pk).update(
        x_user_id="", x_handle="", x_verified_at=None
    )
    user.x_user_id = x_user_id
    user.x_handle = handle
    user.x_verified_at = timezone.now()
    fields = ["x_user_id", "x_handle", "x_verified_at"]
    if name and not user.display_name:
        user.display_name = name[:80]
        fields.append("display_name")
    if avatar_url and not user.avatar_url:
        user.avatar_url = avatar_url
        fields.append("avatar_url")
    if user.pk:
        user.save(update_fields=fields)
        _link_archive_accounts(user=user, x_user_id=x_user_id)
    return user


def member_unlink_x_account(*, user: User, x_user_id: str) -> None:
    """The member disconnected X: their handle is no longer verified by us."""
    User.objects.filter(pk=user.pk, x_user_id=x_user_id).update(
        x_user_id="", x_handle="", x_verified_at=None
    )
    _link_archive_accounts(user=None, x_user_id=x_user_id)


def _link_archive_accounts(*, user: User | None, x_user_id: str) -> None:
    x_account_linked.send(sender=User, user=user, x_user_id=x_user_id)
