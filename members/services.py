import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import requests
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Client, OAuth2Error
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
)

from members.mastodon_client import (
    SCOPES,
    PrivateAddressError,
    UnknownHostError,
    mastodon_client,
    refuse_private_addresses,
    register_app,
)
from members.models import MastodonApp, MastodonConnection, User, XToken
from members.signals import x_account_linked
from members.validators import normalise_mastodon_server, validate_mastodon_handle

logger = logging.getLogger(__name__)
CONNECT_ATTEMPT_WINDOW = 60 * 60
ACCT_MAX = MastodonConnection._meta.get_field("acct").max_length or 0

X_PROVIDER = "twitter_oauth2"
PROFILE_FIELDS = (
    "display_name",
    "bio",
    "time_zone",
    "mastodon_handle",
    "bluesky_handle",
    "hide_from_rankings",
)


def member_update_profile(*, user: User, data: Mapping[str, Any]) -> User:
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


def member_verify_mastodon(*, user: User, profile_url: str) -> User:
    """Record the member's Mastodon handle as verified if their Mastodon profile has a
    field linking to `profile_url` (their public profile here) that Mastodon verified.

    Raises ValidationError with what the member can do about it."""
    handle = user.mastodon_handle.strip("@")
    if "@" not in handle:
        raise ValidationError("Add your Mastodon handle to your profile first.", code="no_handle")
    server = user.mastodon_server
    try:
        # The hardened client: the member names the server, so it must be a public host.
        account = mastodon_client(server=server).account_lookup(acct=handle)
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


# --- Mastodon ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MastodonAuthorization:
    """Where to send the member to authorise us, and the state their return must carry."""

    url: str
    state: str
    server: str


def mastodon_connection_start(
    *, user: User, server: str, redirect_uri: str
) -> MastodonAuthorization:
    """Check the server, register our app there if it is the first member from it, and
    return the server's authorisation page for this member."""
    server = normalise_mastodon_server(server)
    _count_connect_attempt(user=user)
    _refuse_private_server(server)
    app = mastodon_app_register(server=server, redirect_uri=redirect_uri)
    state = secrets.token_urlsafe(32)
    client = mastodon_client(
        server=server, client_id=app.client_id, client_secret=app.client_secret
    )
    try:
        url = client.auth_request_url(redirect_uris=redirect_uri, scopes=SCOPES, state=state)
    except MastodonError as error:
        raise _unreachable(server, error) from error
    return MastodonAuthorization(url=url, state=state, server=server)


def mastodon_app_register(*, server: str, redirect_uri: str) -> MastodonApp:
    """Our app at the server: registered once, by whichever member comes first."""
    scopes = " ".join(SCOPES)
    app = MastodonApp.objects.filter(server=server).first()
    if app is not None and app.redirect_uri == redirect_uri and app.scopes == scopes:
        return app
    # Outside any transaction: a slow server must not hold a database connection's locks.
    try:
        client_id, client_secret = register_app(server=server, redirect_uri=redirect_uri)
    except (MastodonError, KeyError, TypeError, ValueError) as error:
        raise _unreachable(server, error) from error
    fields = {
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "scopes": scopes,
    }
    if app is not None:
        MastodonApp.objects.filter(pk=app.pk).update(**fields)
        app.refresh_from_db()
        return app
    # Two members of a new server at once: both register, the first row stays and the
    # other app is never used (it is harmless, and servers prune unused apps).
    app, _ = MastodonApp.objects.get_or_create(server=server, defaults=fields)
    return app


def mastodon_connection_finish(
    *, user: User, server: str, code: str, redirect_uri: str
) -> MastodonConnection:
    """Exchange the code the server sent back for the member's token, and store it."""
    app = MastodonApp.objects.filter(server=server).first()
    if app is None:
        raise ValidationError("Connecting to Mastodon failed. Please try again.", code="no_app")
    client = mastodon_client(
        server=server, client_id=app.client_id, client_secret=app.client_secret
    )
    try:
        token = client.log_in(code=code, redirect_uri=redirect_uri, scopes=SCOPES)
        account = client.account_verify_credentials()
    except MastodonIllegalArgumentError as error:
        # Mastodon.py's word for a failed exchange, whatever failed: its cause tells an
        # outage from a refused (expired, used or forged) code.
        if isinstance(error.__context__, (MastodonNetworkError, MastodonServerError)):
            raise _unreachable(server, error) from error
        logger.info("Mastodon code refused by %s (%s)", server, type(error).__name__)
        raise ValidationError(
            f"{server} did not accept this sign-in (it may have expired). Please try again.",
            code="code_refused",
        ) from error
    except MastodonAPIError as error:
        if str(error.args[0]).startswith("Granted scopes"):
            raise ValidationError(
                f"{server} did not grant every permission we asked for: we need to read your"
                " profile and to publish posts. Please connect again and allow both.",
                code="scopes_refused",
            ) from error
        raise _unreachable(server, error) from error
    except (MastodonError, KeyError, TypeError) as error:
        raise _unreachable(server, error) from error
    acct = str(account.get("acct") or "")
    if "@" not in acct:
        acct = f"{acct}@{server}"
    account_id = str(account.get("id") or "")
    if not acct.split("@")[0] or len(acct) > ACCT_MAX or not account_id or len(account_id) > 64:
        raise _unreachable(server, ValueError("unusable account"))
    fields = {
        "server": server,
        "account_id": account_id,
        "acct": acct,
        "account_url": _web_url(account.get("url")),
        "access_token": token,
        "scopes": " ".join(SCOPES),
    }
    replaced = MastodonConnection.objects.filter(user=user).first()
    with transaction.atomic():
        connection, _ = MastodonConnection.objects.update_or_create(user=user, defaults=fields)
        if not user.mastodon_handle and _valid_handle(acct):
            User.objects.filter(pk=user.pk, mastodon_handle="").update(mastodon_handle=acct)
            user.mastodon_handle = acct
    if replaced is not None and replaced.access_token != token:
        # The earlier account's token is of no use any more: no access left lying around.
        _revoke(replaced)
    return connection


def mastodon_connection_remove(*, user: User) -> bool | None:
    """Forget the member's token and revoke it at their server.

    None: there was no connection. False: the token is gone here but the server did not
    confirm the revocation (the member may revoke it in their server's settings)."""
    connection = MastodonConnection.objects.filter(user=user).first()
    if connection is None:
        return None
    MastodonConnection.objects.filter(pk=connection.pk).delete()
    return _revoke(connection)


def mastodon_connection_expire(*, user: User, access_token: str) -> bool:
    """The member's server refused this token (revoked there): forget it, so that their
    profile offers to connect again. Only that token: a reconnect made meanwhile stays."""
    # Encrypted values differ on every write: compared here, under the row's lock.
    with transaction.atomic():
        connection = MastodonConnection.objects.select_for_update().filter(user=user).first()
        if connection is None or connection.access_token != access_token:
            return False
        connection.delete()
    return True


def _revoke(connection: MastodonConnection) -> bool:
    app = MastodonApp.objects.filter(server=connection.server).first()
    if app is None:
        return False
    client = mastodon_client(
        server=connection.server,
        client_id=app.client_id,
        client_secret=app.client_secret,
        access_token=connection.access_token,
    )
    try:
        client.revoke_access_token()
    except MastodonError as error:
        logger.info(
            "Mastodon revocation at %s failed (%s)", connection.server, type(error).__name__
        )
        return False
    return True


def _count_connect_attempt(*, user: User) -> None:
    """Each attempt makes us call a server a member named: a few an hour is plenty for a
    person, and keeps the site from being anyone's request cannon."""
    key = f"mastodon-connect-attempts:{user.pk}"
    cache.add(key, 0, timeout=CONNECT_ATTEMPT_WINDOW)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=CONNECT_ATTEMPT_WINDOW)
        attempts = 1
    if attempts > settings.MASTODON_CONNECT_ATTEMPTS_PER_HOUR:
        raise ValidationError(
            "You have tried to connect a Mastodon account many times in the last hour."
            " Please wait a while before trying again.",
            code="too_many_attempts",
        )


def _refuse_private_server(server: str) -> None:
    """No server name may lead us to a private, loopback or otherwise internal address."""
    if settings.MASTODON_API_BASE_URL_OVERRIDE:
        return
    try:
        refuse_private_addresses(server)
    except UnknownHostError as error:
        raise ValidationError(
            {"server": f"We could not find a server called {server}."}, code="unknown_server"
        ) from error
    except PrivateAddressError as error:
        raise ValidationError(
            {"server": f"{server} is not a public Mastodon server."}, code="private_server"
        ) from error


def _unreachable(server: str, error: Exception) -> ValidationError:
    # The error's type only: its text may quote what the server sent back.
    logger.info("Mastodon server %s failed: %s", server, type(error).__name__)
    return ValidationError(
        {"server": f"{server} did not answer as a Mastodon server does. Please try again later."},
        code="server_unavailable",
    )


def _valid_handle(acct: str) -> bool:
    try:
        validate_mastodon_handle(acct)
    except ValidationError:
        return False
    return len(acct) <= (User._meta.get_field("mastodon_handle").max_length or 0)


def _web_url(value: object) -> str:
    """A link the server gave us, kept only if it is a web address we may show as a link."""
    url = str(value or "")
    schemes = ("https", "http") if settings.MASTODON_API_BASE_URL_OVERRIDE else ("https",)
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in schemes or not parts.hostname:
        return ""
    return url


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
