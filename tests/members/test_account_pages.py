"""allauth's account pages wear the site's forms: labelled fields, errors by their field."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from members.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

VISITOR_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_email_verification_sent",
]
MEMBER_PAGES = ["account_email", "account_change_password", "account_logout"]


def _assert_site_form(html: str) -> None:
    main = html[html.index("<main") :]
    form = re.search(r"<form[^>]*>.*?</form>", main, re.S)
    assert form is not None
    # allauth's defaults: `form.as_p` with "Email:" labels, or a <p> around each input.
    assert ":</label>" not in form.group(0)
    assert not re.search(r"<p>\s*<label", form.group(0))
    assert 'class="form"' in form.group(0)


@pytest.mark.parametrize("name", VISITOR_PAGES)
def test_it_gives_every_visitor_account_page_the_sites_forms(anonymous: Client, name: str) -> None:
    response = anonymous.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    if name != "account_email_verification_sent":
        _assert_site_form(html)
        assert '<div class="field' in html
    assert 'class="site-header"' in html


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_it_gives_every_member_account_page_the_sites_forms(member: Client, name: str) -> None:
    response = member.get(reverse(name))

    assert response.status_code == 200
    _assert_site_form(response.content.decode())


def test_it_shows_a_failed_sign_in_as_a_site_error_above_the_fields(
    anonymous: Client, outsider_user: User
) -> None:
    response = anonymous.post(
        reverse("account_login"), {"login": outsider_user.email, "password": PASSWORD + "x"}
    )

    html = response.content.decode()
    assert '<div class="form-errors" id="form-errors" role="alert"' in html
    assert '<ul class="errorlist' not in html
