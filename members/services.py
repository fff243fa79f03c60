import logging
import re
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from mastodon import Mastodon
from mastodon.errors import (
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
)

from members.models import User
from members.signals import x_account_linked

PROFILE_FIELDS = ("display_name", "bio", "time_zone", "mastodon_handle", "bluesky_handle")


logger = logging.getLogger(__name__)


def member_update_profile(*, user: User, data: dict[str, str]) -> User:
    """Save the editable profile fields (already validated by ProfileForm).

    A changed Mastodon handle is no longer verified: the check was of the old one."""
    saved = User.objects.filter(pk=user.pk).values_list("mastodon_handle", flat=True).first()
    for field in PROFILE_FIELDS:
        setattr(user, field, data[field])
    user.mastodon_handle = user.mastodon_handle.lstrip("@")
    user.bluesky_handle = user.bluesky_handle.lstrip("@").lower()
    user.full_clean(exclude=["password", "username"])
    fields = list(PROFILE_FIELDS)
    if (saved or "").lower() != user.mastodon_handle.lower():
        user.mastodon_verified_at = None
        fields.append("mastodon_verified_at")
    user.save(update_fields=fields)
    return user


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def _links_back(field: Any, profile_url: str) -> bool:
    """Whether a Mastodon profile field links to `profile_url` and Mastodon verified it
    (it sets verified_at once the linked page carries rel="me" back to the account)."""
    if not isinstance(field, dict) or not field.get("verified_at"):
        return False
    parser = _Hrefs()
    parser.feed(str(field.get("value") or ""))
    parser.close()
    wanted = _comparable(profile_url)
    return any(_comparable(href) == wanted for href in parser.hrefs)


def _comparable(url: str) -> str:
    # Mastodon keeps the URL as the member typed it: scheme and a final slash may differ.
    return re.sub(r"^https?://", "", url.strip()).rstrip("/").lower()


def _mastodon_client(server: str) -> Mastodon:
    override = settings.MASTODON_API_BASE_URL_OVERRIDE
    return Mastodon(
        api_base_url=override.rstrip("/") if override else f"https://{server}",
        ratelimit_method="throw",
        request_timeout=settings.MASTODON_TIMEOUT,
        version_check_mode="none",
    )


def member_verify_mastodon(*, user: User, profile_url: str) -> User:
    """Record the member's Mastodon handle as verified if their Mastodon profile has a
    field linking to `profile_url` (their public profile here) that Mastodon verified.

    Raises ValidationError with what the member can do about it."""
    handle = user.mastodon_handle.strip("@")
    if "@" not in handle:
        raise ValidationError("Add your Mastodon handle to your profile first.", code="no_handle")
    server = user.mastodon_server
    try:
        account = _mastodon_client(server).account_lookup(acct=handle)
    except MastodonNotFoundError:
        raise ValidationError(
            f"{server} knows no account @{handle}. Check the handle.", code="unknown"
        ) from None
    except (MastodonNetworkError, MastodonServerError, MastodonRatelimitError) as error:
        logger.info("Mastodon verification of %s: %s did not answer: %s", handle, server, error)
        raise ValidationError(
            f"{server} did not answer just now. Try again in a few minutes.", code="unavailable"
        ) from None
    except MastodonError as error:
        logger.info("Mastodon verification of %s: %s refused: %s", handle, server, error)
        raise ValidationError(
            f"{server} would not show the account @{handle}.", code="refused"
        ) from None
    fields = account.get("fields") if isinstance(account, dict) else None
    if not any(_links_back(field, profile_url) for field in fields or []):
        raise ValidationError(
            f"Your Mastodon profile does not show a verified link to {profile_url} yet. "
            "Add it as a profile field, save, and try again in a minute.",
            code="not_linked",
        )
    user.mastodon_verified_at = timezone.now()
    user.save(update_fields=["mastodon_verified_at"])
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
