"""A member connects their Mastodon account in a real browser: profile → their server's
name → the (fake) server's authorisation page → back on the profile, connected."""

from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from members.models import MastodonConnection, User
from tests.browser.tour import axe_violations, horizontal_overflow
from tests.browser.ui import field_label, sign_in
from tests.fakes.mastodon_oauth import FakeMastodon

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def fake(settings: Settings, live_server: LiveServer) -> Iterator[FakeMastodon]:
    with FakeMastodon(domain="social.example") as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        settings.SITE_URL = live_server.url
        yield server


def test_it_connects_a_mastodon_account_from_the_profile(
    new_page: Callable[..., Page], member_user: User, fake: FakeMastodon
) -> None:
    page = new_page()
    page.goto(reverse("home"))
    sign_in(page, member_user)
    page.goto(member_user.get_absolute_url())

    page.get_by_role("link", name="Connect Mastodon").click()
    assert [v["id"] for v in axe_violations(page)] == []
    page.get_by_label(field_label("Your Mastodon server")).fill("@ada@social.example")
    page.get_by_role("button", name="Continue to your server").click()
    expect(page.get_by_role("heading", name="Authorisation required")).to_be_visible()
    page.get_by_role("button", name="Authorise").click()

    expect(
        page.get_by_text("Your Mastodon account @ada@social.example is connected.")
    ).to_be_visible()
    posting_as = page.get_by_text("Posting to Mastodon as")
    expect(posting_as.get_by_role("link", name="@ada@social.example")).to_be_visible()
    assert [v["id"] for v in axe_violations(page)] == []
    assert MastodonConnection.objects.get(user=member_user).acct == "ada@social.example"

    page.get_by_role("button", name="Disconnect Mastodon").click()
    expect(page.get_by_role("link", name="Connect Mastodon")).to_be_visible()
    assert not MastodonConnection.objects.exists()


def test_it_shows_a_bad_server_name_next_to_the_field_at_phone_width(
    new_page: Callable[..., Page], member_user: User, fake: FakeMastodon
) -> None:
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(reverse("home"))
    sign_in(page, member_user)
    page.goto(reverse("members:mastodon_connect"))

    page.get_by_label(field_label("Your Mastodon server")).fill("http://10.0.0.7:8080/")
    page.get_by_role("button", name="Continue to your server").click()

    field = page.get_by_label(field_label("Your Mastodon server"))
    expect(field).to_have_accessible_description(
        "Its web address, for example mastodon.social: usually the end of your handle."
        " Enter your server's name, like mastodon.social."
    )
    assert [v["id"] for v in axe_violations(page)] == []
    assert horizontal_overflow(page) == 0
    assert not fake.apps
