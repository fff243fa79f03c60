"""seed_demo in production: refused unless forced, and never with the published password."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from demo.management.commands.seed_demo import DEMO_PASSWORD
from members.models import User

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _demo_users() -> list[User]:
    return list(User.objects.filter(email__endswith="@example.org"))


def test_it_refuses_to_seed_the_demo_with_debug_off(settings: Settings) -> None:
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        _seed()

    assert _demo_users() == []


def test_it_gives_each_account_a_random_password_when_forced_in_production(
    settings: Settings,
) -> None:
    settings.DEBUG = False

    output = _seed("--force")

    users = _demo_users()
    assert len(users) == 30
    assert not any(user.check_password(DEMO_PASSWORD) for user in users)
    assert DEMO_PASSWORD not in output
    printed = dict(re.findall(r"^(\S+@example\.org)  (\S+)$", output, re.MULTILINE))
    assert len(set(printed.values())) == 30
    email, password = next(iter(printed.items()))
    assert authenticate(username=User.objects.get(email=email).username, password=password)


def test_it_replaces_the_published_password_an_earlier_run_left_in_production(
    settings: Settings,
) -> None:
    settings.DEBUG = True
    _seed()
    assert all(user.check_password(DEMO_PASSWORD) for user in _demo_users())

    settings.DEBUG = False
    _seed("--force")

    assert not any(user.check_password(DEMO_PASSWORD) for user in _demo_users())
    # Printed once: a third run leaves the passwords it set alone.
    assert "passwords unchanged" in _seed("--force")


def test_it_keeps_the_documented_password_for_local_development(
    settings: Settings,
) -> None:
    settings.DEBUG = True

    assert repr(DEMO_PASSWORD) in _seed()

    assert all(user.check_password(DEMO_PASSWORD) for user in _demo_users())
