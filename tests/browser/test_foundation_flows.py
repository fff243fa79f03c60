"""The foundation as a person meets it: signing up, starting, joining and guarding communities."""

import re
from collections.abc import Callable

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from community.models import Community, Membership
from members.models import User
from tests.browser.ui import account_nav, field_label, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The site's labels on allauth's forms (no colons); the asterisk is aria-hidden.
SIGN_UP_FIELDS = ["Email", "Password", "Password (again)"]
# Required fields' labels end in an asterisk, hence no exact match.
COMMUNITY_FIELDS = ["Name", "Hashtag", "Description", "Rules", "Time zone", "Website"]


def _members_link(page: Page, count: str) -> Locator:
    return page.get_by_role("link", name=f"All {count} →")


def _open_communities(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()


def _confirmation_link(live_server_url: str) -> str:
    prefix = reverse("account_confirm_email", kwargs={"key": "KEY"}).removesuffix("KEY/")
    # Read at call time: the live server thread sends through the locmem
    # backend, which appends to whatever list django.core.mail.outbox is now.
    (message,) = mail.outbox
    match = re.search(re.escape(live_server_url + prefix) + r"\S+", message.body)
    assert match, message.body
    return match.group(0)


def _unlabelled_inputs(page: Page) -> list[str]:
    # Every control a person can fill must have a <label> tied to it.
    return page.locator(
        "main input:not([type=hidden]):not([type=submit]), main select, main textarea"
    ).evaluate_all("els => els.filter(el => el.labels.length === 0).map(el => el.outerHTML)")


def test_it_signs_up_verifies_and_starts_a_community(
    new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = new_page()
    page.goto(reverse("home"))

    account_nav(page).get_by_role("link", name="Join").click()
    page.get_by_label(field_label("Email")).fill("nadia@example.org")
    page.get_by_label(field_label("Password")).fill(PASSWORD)
    page.get_by_label(field_label("Password (again)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    page.goto(_confirmation_link(live_server.url))
    page.get_by_role("button", name="Confirm").click()
    user = User.objects.get(email="nadia@example.org")
    expect(account_nav(page)).to_contain_text(user.public_name)

    _open_communities(page)
    page.get_by_role("link", name="Start a community").click()
    page.get_by_label("Name").fill("Open Gardeners")
    page.get_by_label("Hashtag").fill("OpenGarden")
    page.get_by_label("Description").fill("Growing food in *shared* plots.")
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_role("button", name="Create community").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Open Gardeners")
    expect(page.get_by_role("main").get_by_text("#OpenGarden", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Edit community")).to_be_visible()
    community = Community.objects.get(hashtag="OpenGarden")
    assert page.url.endswith(community.get_absolute_url())
    assert community.memberships.get(member=user).is_organiser


def test_it_lets_a_verified_member_join_and_leave_with_the_buttons(
    new_page: Callable[..., Page], community: Community, outsider_user: User
) -> None:
    page = new_page()
    page.goto(reverse("home"))
    sign_in(page, outsider_user)
    _open_communities(page)
    page.get_by_role("link", name=community.name).click()
    expect(_members_link(page, "1 member")).to_be_visible()

    page.get_by_role("button", name=f"Join #{community.hashtag}").click()

    expect(page.get_by_role("status")).to_contain_text(f"Welcome to #{community.hashtag}!")
    _members_link(page, "2 members").click()
    expect(page.get_by_role("cell", name=outsider_user.public_name)).to_be_visible()
    assert Membership.objects.filter(community=community, member=outsider_user).exists()

    page.get_by_role("heading", level=1).get_by_role("link", name=community.name).click()
    page.get_by_role("button", name="Leave").click()

    expect(page.get_by_role("status")).to_contain_text(f"You have left {community.name}.")
    expect(_members_link(page, "1 member")).to_be_visible()
    expect(page.get_by_role("button", name=f"Join #{community.hashtag}")).to_be_visible()
    assert not Membership.objects.filter(community=community, member=outsider_user).exists()


def test_it_shows_an_outsider_the_403_page_instead_of_the_edit_form(
    new_page: Callable[..., Page], community: Community, outsider_user: User
) -> None:
    page = new_page()
    page.goto(reverse("home"))
    sign_in(page, outsider_user)

    response = page.goto(reverse("communities:edit", kwargs={"slug": community.slug}))

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You don't have permission to do that"
    )
    expect(page.get_by_role("main")).to_contain_text(
        "Only this community's organisers can do that."
    )
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    page.get_by_role("link", name="Go to the home page").click()
    page.get_by_role("link", name=community.name).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(community.name)
    expect(page.get_by_role("link", name="Edit community")).to_have_count(0)


def test_it_labels_every_input_on_the_sign_up_and_community_forms(
    new_page: Callable[..., Page], make_user: Callable[..., User]
) -> None:
    page = new_page()
    page.goto(reverse("home"))
    account_nav(page).get_by_role("link", name="Join").click()
    for label in SIGN_UP_FIELDS:
        expect(page.get_by_label(field_label(label))).to_be_editable()
    assert _unlabelled_inputs(page) == []

    sign_in(page, make_user("lena"))
    _open_communities(page)
    page.get_by_role("link", name="Start a community").click()
    for label in COMMUNITY_FIELDS:
        expect(page.get_by_label(label)).to_be_editable()
    assert _unlabelled_inputs(page) == []

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
