"""Connecting a Mastodon account on any server: Mastodon.py's real calls against a fake
Mastodon server on 127.0.0.1 (every server name is sent there by the override setting)."""

import logging
import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection as db
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from members import services
from members.models import MastodonApp, MastodonConnection, User
from members.validators import normalise_mastodon_server
from tests.fakes.mastodon_oauth import FakeAccount, FakeMastodon

pytestmark = pytest.mark.django_db

SERVER = "social.example"
CONNECT = "members:mastodon_connect"
CALLBACK = "members:mastodon_callback"


@pytest.fixture
def fake(settings: Settings) -> Iterator[FakeMastodon]:
    with FakeMastodon(domain=SERVER) as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        settings.SITE_URL = "http://testserver"
        yield server


def _to_server(client: Client, server: str = SERVER) -> str:
    """Submit the server's name; return the authorisation page we are sent to."""
    response = client.post(reverse(CONNECT), {"server": server})
    assert response.status_code == 302, response.content.decode()[:2000]
    return str(response["Location"])


def _callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == reverse(CALLBACK)
    return f"{parts.path}?{parts.query}"


def _connect(client: Client, fake: FakeMastodon) -> object:
    location = fake.authorize(_to_server(client))
    return client.get(_callback_path(location))


def test_it_connects_an_account_and_shows_it_on_the_profile(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    response = _connect(member, fake)

    assert response.status_code == 302
    assert response["Location"] == member_user.get_absolute_url()
    connection = MastodonConnection.objects.get(user=member_user)
    assert connection.server == SERVER
    assert connection.acct == f"ada@{SERVER}"
    assert connection.account_id == fake.account.id
    assert connection.account_url == f"https://{SERVER}/@ada"
    assert connection.scopes == "read:accounts write:statuses"
    assert connection.access_token in fake.tokens()
    member_user.refresh_from_db()
    assert member_user.mastodon_handle == f"ada@{SERVER}"
    page = member.get(member_user.get_absolute_url()).content.decode()
    assert "Posting to Mastodon as" in page
    assert "Disconnect Mastodon" in page


def test_it_marks_a_connected_handle_as_verified_for_everyone(
    member: Client, member_user: User, fake: FakeMastodon, anonymous: Client
) -> None:
    profile = member_user.get_absolute_url()
    badge = '<span class="badge" title="Confirmed by connecting the account">verified</span>'
    assert badge not in anonymous.get(profile).content.decode()

    _connect(member, fake)

    page = anonymous.get(profile).content.decode()
    assert f">@ada@{SERVER}</a>" in page
    assert badge in page
    assert "Disconnect Mastodon" not in page


def test_it_limits_how_often_a_member_may_start_connecting(
    member: Client, fake: FakeMastodon, settings: Settings
) -> None:
    settings.MASTODON_CONNECT_ATTEMPTS_PER_HOUR = 3
    for _ in range(3):
        _to_server(member)

    response = member.post(reverse(CONNECT), {"server": SERVER})

    assert response.status_code == 200
    assert "many times in the last hour" in response.content.decode()
    assert len(fake.requests_to("/.well-known/oauth-authorization-server")) == 3
    assert len(fake.requests_to("/api/v1/apps")) == 1


def test_it_asks_only_for_the_scopes_it_needs_with_a_state(
    member: Client, fake: FakeMastodon
) -> None:
    authorize = urlsplit(_to_server(member))

    query = parse_qs(authorize.query)
    assert authorize.path == "/oauth/authorize"
    assert query["scope"] == ["read:accounts write:statuses"]
    assert query["redirect_uri"] == [f"http://testserver{reverse(CALLBACK)}"]
    assert len(query["state"][0]) >= 32
    registered = fake.requests_to("/api/v1/apps")[0].form
    assert registered["scopes"] == "read:accounts write:statuses"
    assert registered["redirect_uris"] == f"http://testserver{reverse(CALLBACK)}"


def test_it_registers_one_app_per_server_for_every_member(
    member: Client, outsider: Client, fake: FakeMastodon
) -> None:
    _connect(member, fake)
    fake.account = FakeAccount(id="2", username="oscar", display_name="Oscar")
    _connect(outsider, fake)

    assert len(fake.requests_to("/api/v1/apps")) == 1
    assert MastodonApp.objects.count() == 1
    assert MastodonConnection.objects.count() == 2


def test_it_registers_again_when_the_callback_address_changes(
    member: Client, fake: FakeMastodon, settings: Settings
) -> None:
    _to_server(member)
    settings.SITE_URL = "https://commons.example"
    _to_server(member)

    assert len(fake.requests_to("/api/v1/apps")) == 2
    app = MastodonApp.objects.get()
    assert app.redirect_uri == f"https://commons.example{reverse(CALLBACK)}"


def test_it_keeps_one_app_when_two_members_register_at_once(
    member_user: User, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect_uri = f"http://testserver{reverse(CALLBACK)}"
    real_register = services.register_app

    def register_while_another_member_does(**kwargs: str) -> tuple[str, str]:
        # The other member's request registered and saved its app while ours was at the server.
        MastodonApp.objects.create(
            server=SERVER, client_id="first", client_secret="s", redirect_uri=redirect_uri,
            scopes="read:accounts write:statuses",
        )  # fmt: skip
        return real_register(**kwargs)

    monkeypatch.setattr(services, "register_app", register_while_another_member_does)

    authorization = services.mastodon_connection_start(
        user=member_user, server=SERVER, redirect_uri=redirect_uri
    )

    assert parse_qs(urlsplit(authorization.url).query)["client_id"] == ["first"]
    assert MastodonApp.objects.get().client_id == "first"


def test_it_stores_the_token_encrypted(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    _connect(member, fake)
    token = MastodonConnection.objects.get(user=member_user).access_token

    with db.cursor() as cursor:
        cursor.execute(
            "SELECT c.access_token, a.client_secret FROM members_mastodonconnection c"
            " JOIN members_mastodonapp a ON a.server = c.server"
        )
        raw_token, raw_secret = cursor.fetchone()
    assert token not in raw_token
    assert fake.apps[0].client_secret not in raw_secret
    assert raw_token.startswith("gAAAAA")  # a Fernet token


def test_it_refuses_a_callback_with_another_state(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    location = fake.authorize(_to_server(member))
    forged = _callback_path(location).replace("state=", "state=x")

    response = member.get(forged, follow=True)

    assert "was not started here" in response.content.decode()
    assert not MastodonConnection.objects.exists()
    assert not fake.requests_to("/oauth/token")


def test_it_refuses_a_callback_it_did_not_start(
    member: Client, member_user: User, fake: FakeMastodon, outsider: Client
) -> None:
    # Someone else's code and state, delivered to this member (login CSRF).
    location = fake.authorize(_to_server(outsider))

    response = member.get(_callback_path(location), follow=True)

    assert "was not started here" in response.content.decode()
    assert not MastodonConnection.objects.exists()


def test_it_accepts_a_state_only_once(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    callback = _callback_path(fake.authorize(_to_server(member)))
    member.get(callback)
    MastodonConnection.objects.all().delete()

    response = member.get(callback, follow=True)

    assert "was not started here" in response.content.decode()
    assert not MastodonConnection.objects.exists()


def test_it_says_so_when_the_member_declines(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    fake.consent = False

    response = member.get(_callback_path(fake.authorize(_to_server(member))), follow=True)

    assert response.redirect_chain[-1][0] == reverse(CONNECT)
    assert f"{SERVER} did not connect your account" in response.content.decode()
    assert not MastodonConnection.objects.exists()


def test_it_says_so_when_the_server_refuses_the_code(member: Client, fake: FakeMastodon) -> None:
    callback = _callback_path(fake.authorize(_to_server(member)))
    fake.fail_next("/oauth/token", 400, "invalid_grant")

    response = member.get(callback, follow=True)

    assert "did not accept this sign-in" in response.content.decode()
    assert not MastodonConnection.objects.exists()


def test_it_says_so_when_the_server_is_down_at_the_callback(
    member: Client, fake: FakeMastodon
) -> None:
    callback = _callback_path(fake.authorize(_to_server(member)))
    fake.fail_next("/api/v1/accounts/verify_credentials", 503)

    response = member.get(callback, follow=True)

    assert response.status_code == 200
    assert "did not answer as a Mastodon server does" in response.content.decode()
    assert not MastodonConnection.objects.exists()


def test_it_says_so_when_the_server_does_not_answer(
    member: Client, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeMastodon() as gone:
        settings.MASTODON_API_BASE_URL_OVERRIDE = gone.base_url
    caplog.set_level(logging.INFO)

    response = member.post(reverse(CONNECT), {"server": SERVER})

    assert response.status_code == 200
    assert "did not answer as a Mastodon server does" in response.content.decode()
    assert 'aria-describedby="id_server_helptext id_server_error"' in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_it_says_so_when_registration_fails(member: Client, fake: FakeMastodon) -> None:
    fake.fail_next("/api/v1/apps", 500)

    response = member.post(reverse(CONNECT), {"server": SERVER})

    assert "did not answer as a Mastodon server does" in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_it_replaces_a_connection_and_revokes_the_earlier_token(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    _connect(member, fake)
    earlier = MastodonConnection.objects.get(user=member_user).access_token
    fake.account = FakeAccount(id="77", username="ada_work", display_name="Ada at work")

    _connect(member, fake)

    connection = MastodonConnection.objects.get(user=member_user)
    assert connection.acct == f"ada_work@{SERVER}"
    assert connection.access_token in fake.tokens()
    assert earlier not in fake.tokens()
    member_user.refresh_from_db()
    assert member_user.mastodon_handle == f"ada@{SERVER}"  # the member's own words stay


def test_it_says_so_when_the_member_grants_too_little(member: Client, fake: FakeMastodon) -> None:
    fake.granted_scope = "read:accounts"

    response = _connect(member, fake)

    assert response.status_code == 302
    page = member.get(response["Location"]).content.decode()
    assert "did not grant every permission we asked for" in page
    assert not MastodonConnection.objects.exists()


@pytest.mark.parametrize(
    "account",
    [
        FakeAccount(username="a" * 400),
        FakeAccount(id="9" * 100),
        FakeAccount(id=""),
        FakeAccount(username=""),
    ],
)
def test_it_refuses_an_account_no_mastodon_server_would_describe(
    member: Client, fake: FakeMastodon, account: FakeAccount
) -> None:
    fake.account = account

    response = _connect(member, fake)

    assert response.status_code == 302
    assert (
        "did not answer as a Mastodon server does"
        in member.get(response["Location"]).content.decode()
    )
    assert not MastodonConnection.objects.exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example/"])
def test_it_never_links_an_account_url_that_is_not_a_web_address(
    member: Client, member_user: User, fake: FakeMastodon, url: str
) -> None:
    fake.account = FakeAccount(url=url)

    _connect(member, fake)

    assert MastodonConnection.objects.get().account_url == ""
    assert url not in member.get(member_user.get_absolute_url()).content.decode()


def test_it_forgets_a_token_its_server_refuses_but_not_a_newer_one(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    _connect(member, fake)
    refused = MastodonConnection.objects.get(user=member_user).access_token
    _connect(member, fake)

    assert not services.mastodon_connection_expire(user=member_user, access_token=refused)
    assert MastodonConnection.objects.filter(user=member_user).exists()

    current = MastodonConnection.objects.get(user=member_user).access_token
    assert services.mastodon_connection_expire(user=member_user, access_token=current)
    assert not MastodonConnection.objects.exists()
    assert "Connect Mastodon" in member.get(member_user.get_absolute_url()).content.decode()


def test_it_disconnects_and_revokes_the_token(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    _connect(member, fake)
    token = MastodonConnection.objects.get(user=member_user).access_token

    response = member.post(reverse("members:mastodon_disconnect"), follow=True)

    assert not MastodonConnection.objects.exists()
    assert token not in fake.tokens()
    assert fake.requests_to("/oauth/revoke")[0].form["token"] == token
    assert "our access revoked" in response.content.decode()
    assert "Connect Mastodon" in response.content.decode()


def test_it_disconnects_even_when_the_server_does_not_answer(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    _connect(member, fake)
    fake.fail_next("/oauth/revoke", 502)

    response = member.post(reverse("members:mastodon_disconnect"), follow=True)

    assert not MastodonConnection.objects.exists()
    assert "did not confirm" in response.content.decode()


def test_it_never_logs_a_token(
    member: Client, member_user: User, fake: FakeMastodon, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _connect(member, fake)
    token = MastodonConnection.objects.get(user=member_user).access_token
    fake.fail_next("/oauth/revoke", 500)
    member.post(reverse("members:mastodon_disconnect"))

    assert token not in caplog.text
    assert fake.apps[0].client_secret not in caplog.text


def test_it_lets_only_the_connect_form_lead_to_another_site(
    member: Client, member_user: User, fake: FakeMastodon
) -> None:
    # Browsers check the redirect after the POST against the form page's form-action.
    def form_action(url: str) -> list[str]:
        policy = member.get(url)["Content-Security-Policy"]
        (directive,) = [d for d in policy.split(";") if d.strip().startswith("form-action")]
        return directive.split()[1:]

    assert "https:" in form_action(reverse(CONNECT))
    assert fake.base_url in form_action(reverse(CONNECT))
    assert "https:" not in form_action(reverse("members:profile_edit"))


def test_it_asks_anonymous_visitors_to_sign_in(anonymous: Client) -> None:
    for name in (CONNECT, CALLBACK):
        response = anonymous.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert anonymous.post(reverse("members:mastodon_disconnect")).status_code == 302


def test_it_only_disconnects_by_post(member: Client) -> None:
    assert member.get(reverse("members:mastodon_disconnect")).status_code == 405


@pytest.mark.parametrize(
    ("typed", "server"),
    [
        ("mastodon.social", "mastodon.social"),
        ("  Mastodon.Social  ", "mastodon.social"),
        ("https://mastodon.social/", "mastodon.social"),
        ("@ada@mastodon.social", "mastodon.social"),
        ("ada@hachyderm.io", "hachyderm.io"),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_it_reads_a_server_name_as_members_type_it(typed: str, server: str) -> None:
    assert normalise_mastodon_server(typed) == server


@pytest.mark.parametrize(
    "hostile",
    [
        "javascript:alert(1)",
        "http://mastodon.social",
        "https://mastodon.social/path",
        "https://mastodon.social:8443",
        "mastodon.social:443",
        "https://user:pw@mastodon.social",
        "evil.example@127.0.0.1",
        "mastodon.social@evil.example/x",
        "127.0.0.1",
        "10.0.0.7",
        "[::1]",
        "0x7f000001",
        "localhost",
        "mastodon.social/.well-known",
        "mastodon.social?x=1",
        "mastodon.social#x",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5 + "example",
        "x" * 10_000,
        "mastodon.social\x00.evil.example",
        "mastodon .social",
        "",
    ],
)
def test_it_refuses_what_is_not_a_server_name(
    member: Client, fake: FakeMastodon, hostile: str
) -> None:
    response = member.post(reverse(CONNECT), {"server": hostile})

    assert response.status_code == 200
    assert 'id="id_server_error"' in response.content.decode()
    assert not fake.requests_to("/api/v1/apps")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1", "fd00::1"])
def test_it_refuses_servers_with_private_addresses_in_production(
    member: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    settings.MASTODON_API_BASE_URL_OVERRIDE = ""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    answer = [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
    # The name's DNS answer, without asking a DNS server: what an attacker's zone would say.
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answer)

    response = member.post(reverse(CONNECT), {"server": "internal.evil.example"})

    assert response.status_code == 200
    assert "internal.evil.example is not a public Mastodon server" in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_it_says_so_when_the_name_does_not_resolve(
    member: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MASTODON_API_BASE_URL_OVERRIDE = ""

    def unknown(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)

    response = member.post(reverse(CONNECT), {"server": "nowhere.example"})

    assert "We could not find a server called nowhere.example" in response.content.decode()


def test_it_refuses_requests_to_other_hosts_than_the_server(fake: FakeMastodon) -> None:
    from mastodon.errors import MastodonNetworkError

    from members.mastodon_client import mastodon_client

    client = mastodon_client(server=SERVER, access_token="t")
    other = fake.base_url.replace("127.0.0.1", "localhost")
    client.api_base_url = other  # as if the server had pointed us elsewhere

    with pytest.raises(MastodonNetworkError, match="another host"):
        client.account_verify_credentials()
