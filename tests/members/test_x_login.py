"""'Log in with X' end to end: allauth's real views against a fake X on 127.0.0.1.

Only the three X URLs are redirected to the fake; the code exchange and the profile
fetch are real HTTP requests made by allauth, exactly as in production.
"""

import logging
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from django.contrib.auth import get_user
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from archive.models import Account
from community.models import Community, Membership
from members.models import User, XToken
from members.services import member_link_x_account
from tests.fakes.x_oauth import (
    AUTHORIZE_PATH,
    ME_PATH,
    TOKEN_PATH,
    FakeXOAuth,
    XIdentity,
    s256,
)

pytestmark = pytest.mark.django_db

CLIENT_ID = "fake-x-client-id"
CLIENT_SECRET = "fake-x-client-secret"
LOGIN_URL = "twitter_oauth2_login"
VERIFIED_BADGE = '<span class="badge" title="Confirmed by logging in with X">verified</span>'
CONNECT_BUTTON = "Connect your X account"


def _configure_x(settings: Settings, *, client_id: str, secret: str) -> None:
    # Both are computed once at import in settings.py; keep them consistent here.
    apps = [{"client_id": client_id, "secret": secret, "key": ""}] if client_id else []
    providers = dict(settings.SOCIALACCOUNT_PROVIDERS)
    providers["twitter_oauth2"] = {**providers["twitter_oauth2"], "APPS": apps}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.X_LOGIN_ENABLED = bool(apps)


@pytest.fixture
def x_configured(settings: Settings) -> None:
    _configure_x(settings, client_id=CLIENT_ID, secret=CLIENT_SECRET)


@pytest.fixture
def x_not_configured(settings: Settings) -> None:
    _configure_x(settings, client_id="", secret="")


@pytest.fixture
def fake_x(x_configured: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeXOAuth]:
    # The Django test client talks to "testserver"; that is our registered callback.
    callback = f"http://testserver{reverse('twitter_oauth2_callback')}"
    with FakeXOAuth(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=callback) as x:
        monkeypatch.setattr(TwitterOAuth2Adapter, "authorize_url", x.authorize_url)
        monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", x.token_url)
        monkeypatch.setattr(TwitterOAuth2Adapter, "profile_url", x.profile_url)
        yield x


def _start(client: Client, login_url: str, data: dict[str, str] | None = None) -> str:
    """POST to allauth's login view and let the fake X authorise; return the callback URL."""
    response = client.post(login_url, data or {})
    assert response.status_code == 302
    authorize_url = response["Location"]
    at_x = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert at_x.status_code == 302, at_x.text
    return at_x.headers["Location"]


def _log_in_with_x(
    client: Client, login_url: str | None = None, data: dict[str, str] | None = None
) -> HttpResponse:
    callback = _start(client, login_url or reverse(LOGIN_URL), data)
    return client.get(callback)


def _with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode({**query, **params})).geturl()


def _code_and_state(callback: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(callback).query)
    return query["code"][0], query["state"][0]


def test_it_signs_a_visitor_up_with_x_end_to_end(
    anonymous: Client, fake_x: FakeXOAuth, settings: Settings
) -> None:
    x_link = f"{reverse(LOGIN_URL)}?process=login"
    assert f'href="{x_link}"' in anonymous.get(reverse("account_login")).content.decode()
    # With SOCIALACCOUNT_LOGIN_ON_GET off, the link shows a page whose form POSTs back.
    assert anonymous.get(x_link).status_code == 200

    response = _log_in_with_x(anonymous, x_link)

    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL
    user = User.objects.get(x_user_id=fake_x.identity.id)
    assert get_user(anonymous) == user
    assert user.x_handle == "adaquill"
    assert user.username == "adaquill"
    assert user.x_verified_at is not None
    assert user.display_name == "Ada Quillfeather"
    assert user.avatar_url == fake_x.identity.profile_image_url
    assert SocialAccount.objects.get(provider="twitter_oauth2").user == user
    page = anonymous.get(user.get_absolute_url()).content.decode()
    assert "@adaquill</a>" in page
    assert VERIFIED_BADGE in page
    assert CONNECT_BUTTON not in page


def test_it_uses_pkce_s256_and_basic_client_auth_with_x(
    anonymous: Client, fake_x: FakeXOAuth
) -> None:
    _log_in_with_x(anonymous)

    [authorize] = fake_x.requests_to(AUTHORIZE_PATH)
    [token] = fake_x.requests_to(TOKEN_PATH)
    [me] = fake_x.requests_to(ME_PATH)
    assert authorize.query["code_challenge_method"] == "S256"
    assert "code_verifier" not in authorize.query
    assert {"users.read", "tweet.read"} <= set(authorize.query["scope"].split())
    assert token.status == 200
    assert token.headers["Authorization"].startswith("Basic ")
    assert "client_secret" not in token.form
    assert len(token.form["code_verifier"]) >= 43
    assert s256(token.form["code_verifier"]) == authorize.query["code_challenge"]
    assert me.status == 200
    assert {"username", "profile_image_url"} <= set(me.query["user.fields"].split(","))


def test_it_connects_x_to_an_existing_member_from_the_profile(
    member: Client, member_user: User, fake_x: FakeXOAuth
) -> None:
    fake_x.identity = XIdentity(id="2244994945", name="Mona on X", username="mona_x")
    users_before = User.objects.count()
    profile = member.get(member_user.get_absolute_url()).content.decode()
    connect_url = f"{reverse(LOGIN_URL)}?process=connect"
    back_to_profile = member_user.get_absolute_url()
    assert CONNECT_BUTTON in profile
    assert f'action="{connect_url}"' in profile
    assert f'name="next" value="{back_to_profile}"' in profile

    response = _log_in_with_x(member, connect_url, {"next": back_to_profile})

    assert response["Location"] == back_to_profile
    member_user.refresh_from_db()
    assert User.objects.count() == users_before
    assert get_user(member) == member_user
    assert member_user.x_user_id == "2244994945"
    assert member_user.x_handle == "mona_x"
    assert member_user.x_verified_at is not None
    assert member_user.display_name == "Mona Member"
    assert SocialAccount.objects.get(provider="twitter_oauth2").user == member_user
    page = member.get(member_user.get_absolute_url()).content.decode()
    assert "@mona_x</a>" in page
    assert VERIFIED_BADGE in page
    assert CONNECT_BUTTON not in page


def test_it_unverifies_the_handle_when_a_member_disconnects_x(
    member: Client, member_user: User, fake_x: FakeXOAuth
) -> None:
    fake_x.identity = XIdentity(id="2244994945", name="Mona on X", username="mona_x")
    _log_in_with_x(member, f"{reverse(LOGIN_URL)}?process=connect")
    archived = Account.objects.create(network="x", external_id="2244994945", handle="mona_x")
    member_user.refresh_from_db()
    member_link_x_account(user=member_user, x_user_id="2244994945", handle="mona_x")
    archived.refresh_from_db()
    assert archived.member == member_user

    social = SocialAccount.objects.get(provider="twitter_oauth2")
    member.post(reverse("socialaccount_connections"), {"account": social.pk})

    member_user.refresh_from_db()
    archived.refresh_from_db()
    assert not SocialAccount.objects.exists()
    assert (member_user.x_handle, member_user.x_verified_at) == ("", None)
    assert archived.member is None
    assert VERIFIED_BADGE not in member.get(member_user.get_absolute_url()).content.decode()


def test_it_offers_log_in_with_x_when_x_is_configured(
    anonymous: Client, member: Client, member_user: User, x_configured: None
) -> None:
    login_page = anonymous.get(reverse("account_login")).content.decode()
    profile = member.get(member_user.get_absolute_url()).content.decode()

    assert f'href="{reverse(LOGIN_URL)}?process=login">Log in with X</a>' in login_page
    assert CONNECT_BUTTON in profile


def test_it_hides_x_everywhere_when_x_is_not_configured(
    anonymous: Client, member: Client, member_user: User, x_not_configured: None
) -> None:
    login_page = anonymous.get(reverse("account_login")).content.decode()
    profile = member.get(member_user.get_absolute_url()).content.decode()

    assert reverse(LOGIN_URL) not in login_page
    assert reverse(LOGIN_URL) not in profile
    assert CONNECT_BUTTON not in profile


@pytest.mark.parametrize("name", [LOGIN_URL, "twitter_oauth2_callback"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_404_on_the_x_urls_when_x_is_not_configured(
    anonymous: Client, member: Client, x_not_configured: None, name: str, method: str
) -> None:
    for client in (anonymous, member):
        response = getattr(client, method)(reverse(name))

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def _forged_code(client: Client, fake_x: FakeXOAuth) -> str:
    return _with_params(_start(client, reverse(LOGIN_URL)), code="forged-code")


def _code_from_another_login(client: Client, fake_x: FakeXOAuth) -> str:
    # An injected code: PKCE must refuse it because our verifier is for another challenge.
    ours = _start(client, reverse(LOGIN_URL))
    stolen_code, _ = _code_and_state(_start(client, reverse(LOGIN_URL)))
    return _with_params(ours, code=stolen_code)


def _code_too_late(client: Client, fake_x: FakeXOAuth) -> str:
    fake_x.code_lifetime = 0
    return _start(client, reverse(LOGIN_URL))


def _code_already_used(client: Client, fake_x: FakeXOAuth) -> str:
    first = _start(client, reverse(LOGIN_URL))
    second = _start(client, reverse(LOGIN_URL))
    code, _ = _code_and_state(second)
    client.get(_with_params(first, code=code))
    return second


@pytest.mark.parametrize(
    ("make_callback", "refusal"),
    [
        (_forged_code, "authorization code was invalid"),
        (_code_from_another_login, "code verifier was invalid"),
        (_code_already_used, "authorization code was invalid"),
        (_code_too_late, "authorization code was invalid"),
    ],
)
def test_it_shows_the_login_error_page_when_x_refuses_the_code(
    anonymous: Client,
    fake_x: FakeXOAuth,
    make_callback: Callable[[Client, FakeXOAuth], str],
    refusal: str,
) -> None:
    callback = make_callback(anonymous, fake_x)

    response = anonymous.get(callback)

    # allauth answers a failed login with its error page and 401, never a 500.
    assert response.status_code == 401
    assert "socialaccount/authentication_error.html" in [t.name for t in response.templates]
    assert "Third-Party Login Failure" in response.content.decode()
    token = fake_x.requests_to(TOKEN_PATH)[-1]
    assert token.status == 400
    assert refusal in str(token.response["error_description"])
    assert fake_x.requests_to(ME_PATH) == []
    assert get_user(anonymous).is_anonymous
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()


def test_it_sends_a_visitor_who_cancels_at_x_to_the_cancelled_page(
    anonymous: Client, fake_x: FakeXOAuth
) -> None:
    fake_x.consent = False

    response = _log_in_with_x(anonymous)

    assert response["Location"] == reverse("socialaccount_login_cancelled")
    assert anonymous.get(response["Location"]).status_code == 200
    assert fake_x.requests_to(TOKEN_PATH) == []
    assert get_user(anonymous).is_anonymous
    assert not User.objects.exists()


def test_it_logs_the_same_x_account_back_in_as_the_same_member(fake_x: FakeXOAuth) -> None:
    first_visit = Client()
    _log_in_with_x(first_visit)
    user = User.objects.get()
    first_verified_at = user.x_verified_at
    first_visit.post(reverse("account_logout"))
    # Renamed on X in between: the handle follows, the account stays the same.
    fake_x.identity = XIdentity(id=fake_x.identity.id, username="ada_q")

    second_visit = Client()
    response = _log_in_with_x(second_visit)

    assert response.status_code == 302
    assert get_user(first_visit).is_anonymous
    assert get_user(second_visit) == user
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    user.refresh_from_db()
    assert user.x_handle == "ada_q"
    assert user.x_verified_at > first_verified_at


def test_it_completes_a_signed_out_join_after_logging_in_with_x(
    anonymous: Client, fake_x: FakeXOAuth, community: Community
) -> None:
    join_url = reverse("communities:join", kwargs={"slug": community.slug})
    login_page = anonymous.get(anonymous.post(join_url)["Location"]).content.decode()
    x_link = f"{reverse(LOGIN_URL)}?process=login&amp;next={quote(join_url, safe='')}"
    assert f'href="{x_link}"' in login_page

    response = _log_in_with_x(anonymous, x_link.replace("&amp;", "&"))
    assert response["Location"] == join_url
    assert "Join #KMers?" in anonymous.get(join_url).content.decode()
    anonymous.post(join_url)

    user = User.objects.get(x_user_id=fake_x.identity.id)
    assert Membership.objects.filter(community=community, member=user).exists()


def test_it_offers_the_connect_button_on_my_posts_without_a_linked_x_account(
    member: Client, x_configured: None
) -> None:
    page = member.get(reverse("archive:my_posts")).content.decode()

    assert CONNECT_BUTTON in page
    assert f'action="{reverse(LOGIN_URL)}?process=connect"' in page
    assert f'name="next" value="{reverse("archive:my_posts")}"' in page


def test_it_asks_x_for_the_posting_scopes_and_keeps_the_token_encrypted(
    member: Client, member_user: User, fake_x: FakeXOAuth
) -> None:
    _log_in_with_x(member, f"{reverse(LOGIN_URL)}?process=connect")

    [authorize] = fake_x.requests_to(AUTHORIZE_PATH)
    asked = set(authorize.query["scope"].split())
    assert asked == {"tweet.read", "tweet.write", "users.read", "offline.access"}
    [exchange] = fake_x.requests_to(TOKEN_PATH)
    token = XToken.objects.get(user=member_user)
    assert token.access_token == exchange.response["access_token"]
    assert token.refresh_token == exchange.response["refresh_token"]
    assert token.can_post
    assert token.expires_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM members_xtoken")
        raw_access, raw_refresh = cursor.fetchone()
    assert token.access_token not in raw_access
    assert token.refresh_token not in raw_refresh


def test_it_forgets_the_token_when_the_member_disconnects_x(
    member: Client, member_user: User, fake_x: FakeXOAuth
) -> None:
    _log_in_with_x(member, f"{reverse(LOGIN_URL)}?process=connect")
    assert XToken.objects.filter(user=member_user).exists()

    social = SocialAccount.objects.get(provider="twitter_oauth2")
    member.post(reverse("socialaccount_connections"), {"account": social.pk})

    assert not XToken.objects.filter(user=member_user).exists()


def test_it_never_logs_the_token(
    anonymous: Client, fake_x: FakeXOAuth, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        _log_in_with_x(anonymous)

    [exchange] = fake_x.requests_to(TOKEN_PATH)
    assert str(exchange.response["access_token"]) not in caplog.text
    assert str(exchange.response["refresh_token"]) not in caplog.text
