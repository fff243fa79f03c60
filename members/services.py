import logging
from datetime import datetime, timedelta

import requests
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from members.models import User, XToken
from members.signals import x_account_linked

logger = logging.getLogger(__name__)

X_PROVIDER = "twitter_oauth2"
PROFILE_FIELDS = ("display_name", "bio", "time_zone", "mastodon_handle", "bluesky_handle")


def member_update_profile(*, user: User, data: dict[str, str]) -> User:
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


# --- X user tokens (posting for the member) ---------------------------------------------


class XTokenUnavailable(Exception):
    """The member has no X token that may post, or X would not refresh it: reconnect X."""


def x_token_store(
    *,
    user: User,
    x_user_id: str,
    access_token: str,
    refresh_token: str = "",
    expires_at: datetime | None = None,
    scope: str = "",
) -> XToken:
    """Keep (encrypted) the token X gave at sign-in or connect, replacing any older one."""
    token, _ = XToken.objects.update_or_create(
        user=user,
        defaults={
            "x_user_id": x_user_id,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "expires_at": expires_at,
            "scope": scope,
        },
    )
    return token


def x_token_clear(*, user: User) -> None:
    """Forget the member's X token: they disconnected X."""
    XToken.objects.filter(user=user).delete()


def x_access_token(*, user: User, force_refresh: bool = False) -> str:
    """An access token to post for the member with: refreshed first when it expires
    within X_TOKEN_REFRESH_MARGIN (or, with force_refresh, when X just refused it).

    Refreshing is serialised per member (row lock): X's refresh tokens are single use,
    so two requests refreshing at once would leave one of them with a dead token."""
    with transaction.atomic():
        token = XToken.objects.select_for_update().filter(user=user).first()
        if token is None or not token.can_post:
            raise XTokenUnavailable("Connect X to post from this site.")
        soon = timezone.now() + settings.X_TOKEN_REFRESH_MARGIN
        if force_refresh or (token.expires_at is not None and token.expires_at <= soon):
            _x_token_refresh(token)
        return token.access_token


def _x_token_refresh(token: XToken) -> None:
    """POST grant_type=refresh_token to X's token endpoint through allauth's OAuth2Client.

    allauth 65 has no refresh API (its client only exchanges codes), but its client's
    get_access_token sends whatever grant it is given with the provider's token URL,
    Basic client authentication and requests session: a refresh is that call with
    grant_type=refresh_token (empty code and redirect_uri are dropped by the client)."""
    if not token.refresh_token:
        raise XTokenUnavailable("Your X connection has expired: connect X again to post.")
    try:
        app = get_social_adapter().get_app(None, X_PROVIDER)
    except (Http404, SocialApp.DoesNotExist) as exc:
        raise XTokenUnavailable("This site cannot reach X at the moment.") from exc
    client = OAuth2Client(
        None,
        app.client_id,
        app.secret,
        "POST",
        TwitterOAuth2Adapter.access_token_url,
        "",
        basic_auth=TwitterOAuth2Adapter.basic_auth,
    )
    extra = {
        "grant_type": "refresh_token",
        "refresh_token": token.refresh_token,
        "client_id": app.client_id,
        "redirect_uri": "",
    }
    try:
        data = client.get_access_token("", extra_data=extra)
    except (OAuth2Error, requests.RequestException) as exc:
        # The error names no token: allauth's message carries X's response body only.
        logger.warning("X refused to refresh member %s's token: %s", token.user_id, type(exc))
        raise XTokenUnavailable("Your X connection has expired: connect X again to post.") from exc
    token.access_token = data["access_token"]
    # X rotates refresh tokens: each is good for one refresh.
    token.refresh_token = data.get("refresh_token") or token.refresh_token
    expires_in = data.get("expires_in")
    token.expires_at = timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None
    token.scope = data.get("scope") or token.scope
    token.save()
