"""Password guessing meets allauth's limits on every sign-in, the admin's included.

Five wrong passwords lock the account they were tried on for five minutes; ten failures a
minute lock the address they came from. Behind proxies the site is told to trust, that
address is the client's, read from X-Forwarded-For; otherwise the header is ignored.
"""

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from members.models import User
from tests.community.test_operations import ROOT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
LOCKED = "Too many failed login attempts"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[time_machine.Traveller]:
    # allauth dates each attempt with time.time(): a frozen clock keeps all of them in
    # one window, and moving it is how a lock expires.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _sign_in(client: Client, email: str, password: str, **headers: str) -> bool:
    """POST the site's sign-in form; whether it signed the client in."""
    client.post(reverse("account_login"), {"login": email, "password": password}, **headers)
    return get_user(client).is_authenticated


def _refused(client: Client, email: str, password: str, **headers: str) -> bool:
    response = client.post(
        reverse("account_login"), {"login": email, "password": password}, **headers
    )
    return not get_user(client).is_authenticated and (
        response.status_code == 429 or LOCKED in response.content.decode()
    )


@pytest.fixture
def staff_user(make_user: Callable[..., User]) -> User:
    return make_user("sam", is_staff=True, is_superuser=True)


# --- The account lock -----------------------------------------------------------------


def test_it_says_on_the_sign_in_form_that_wrong_passwords_lock_the_account(
    anonymous: Client,
) -> None:
    page = anonymous.get(reverse("account_login")).content.decode()

    assert "After 5 wrong passwords, signing in to that account is paused for 5 minutes." in page


def test_it_locks_an_account_after_five_wrong_passwords_until_five_minutes_have_passed(
    member_user: User, frozen_now: time_machine.Traveller
) -> None:
    for _ in range(5):
        assert not _sign_in(Client(), member_user.email, "wrong password")

    assert _refused(Client(), member_user.email, PASSWORD)
    frozen_now.shift(timedelta(minutes=4, seconds=59))
    assert _refused(Client(), member_user.email, PASSWORD)

    frozen_now.shift(timedelta(seconds=2))
    assert _sign_in(Client(), member_user.email, PASSWORD)


def test_it_locks_only_the_account_the_passwords_were_tried_on(
    member_user: User, organiser_user: User
) -> None:
    for _ in range(5):
        _sign_in(Client(), member_user.email, "wrong password")

    assert _sign_in(Client(), organiser_user.email, PASSWORD)


# --- The admin ------------------------------------------------------------------------


def test_it_sends_the_admin_sign_in_to_the_site_sign_in(anonymous: Client) -> None:
    response = anonymous.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0] == f"{reverse('account_login')}?next=%2Fadmin%2F"
    assert response.status_code == 200


def test_it_never_signs_in_on_the_admin_form_even_with_the_right_password(
    staff_user: User,
) -> None:
    client = Client()
    for _ in range(40):
        client.post(reverse("admin:login"), {"username": "sam", "password": "wrong password"})

    response = client.post(reverse("admin:login"), {"username": "sam", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not get_user(client).is_authenticated


def test_it_refuses_the_right_staff_password_after_forty_wrong_ones(
    staff_user: User, frozen_now: time_machine.Traveller
) -> None:
    client = Client()
    for _ in range(40):
        assert not _sign_in(client, staff_user.email, "wrong password")

    assert _refused(client, staff_user.email, PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 302

    frozen_now.shift(timedelta(minutes=5, seconds=1))
    assert _sign_in(client, staff_user.email, PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200


def test_it_answers_a_signed_in_member_who_is_not_staff_with_403_on_the_admin(
    member: Client,
) -> None:
    assert member.get(reverse("admin:login")).status_code == 403


def test_it_answers_too_many_attempts_from_one_address_with_the_site_page(
    make_user: Callable[..., User],
) -> None:
    client = Client()
    for _ in range(30):
        client.post(reverse("account_login"), {"login": "nobody@example.org", "password": "x"})

    response = client.post(reverse("account_login"), {"login": "n@example.org", "password": "x"})

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


# --- Addresses behind a proxy ---------------------------------------------------------


def _fail_ten_times(forwarded_for: Callable[[int], str]) -> None:
    # Ten different accounts: only the per-address limit can add them up.
    for n in range(10):
        _sign_in(
            Client(),
            f"nobody{n}@example.org",
            "wrong password",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded_for(n),
        )


def test_it_ignores_x_forwarded_for_unless_told_to_trust_a_proxy(member_user: User) -> None:
    # Each attempt claims another address; all came from one, and that one is locked.
    _fail_ten_times(lambda n: f"198.51.100.{n}")

    assert _refused(
        Client(), member_user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.9"
    )
    assert _sign_in(Client(), member_user.email, PASSWORD, REMOTE_ADDR="10.0.0.2")


def test_it_limits_each_client_behind_a_trusted_proxy_on_its_own(
    settings: Settings, member_user: User
) -> None:
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = "203.0.113.7"
    # Whatever the attacker puts in front, the proxy appends the address it saw.
    _fail_ten_times(lambda n: f"192.0.2.{n}, {attacker}")

    assert _sign_in(
        Client(), member_user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.9"
    )
    assert _refused(
        Client(), member_user.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=attacker
    )


def test_it_reads_the_trusted_proxy_count_from_the_environment() -> None:
    script = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    env = {"TRUSTED_PROXY_COUNT": "2", "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert done.stdout.strip() == "2", done.stderr
