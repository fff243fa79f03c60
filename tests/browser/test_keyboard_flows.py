"""A person with only a keyboard: Tab to a control, Enter to use it, typing into fields.
Signing in, joining a community, voting on a topic and reading a transcript."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from community.models import Community, Membership
from members.models import User
from tests.browser.tour import Tour, open_in_zone, tour_build
from tests.browser.ui import account_nav
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MAX_TABS = 150


@pytest.fixture
def tour(community: Community, organiser_user: User, member_user: User) -> Tour:
    return tour_build(community=community, organiser=organiser_user, member=member_user)


def _tab_to(page: Page, target: Locator) -> None:
    """Press Tab until `target` has focus; fails if it never does (unreachable by keyboard)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {target}")


def _activate(page: Page, target: Locator) -> None:
    _tab_to(page, target)
    page.keyboard.press("Enter")


def test_it_lets_a_keyboard_user_sign_in_join_vote_and_read_a_transcript(
    new_page: Callable[..., Page], live_server: LiveServer, tour: Tour, outsider_user: User
) -> None:
    page = new_page()
    open_in_zone(page.context, live_server.url)
    page.goto(tour.community.get_absolute_url())

    _activate(page, account_nav(page).get_by_role("link", name="Sign in"))
    _tab_to(page, page.get_by_label(re.compile("^Email")))
    page.keyboard.type(outsider_user.email)
    _tab_to(page, page.get_by_label(re.compile("^Password")))
    page.keyboard.type(PASSWORD)
    _activate(page, page.get_by_role("button", name=re.compile("^Sign in$", re.IGNORECASE)))
    expect(account_nav(page)).to_contain_text(outsider_user.public_name)

    page.goto(tour.community.get_absolute_url())
    _activate(page, page.get_by_role("button", name=f"Join #{tour.community.hashtag}"))
    expect(page.get_by_role("status")).to_contain_text(f"Welcome to #{tour.community.hashtag}!")
    assert Membership.objects.filter(community=tour.community, member=outsider_user).exists()

    _activate(page, page.get_by_role("link", name="Topic ideas: suggest and vote →"))
    _activate(page, page.get_by_role("button", name="Vote for Communities of practice"))
    topic = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Communities of practice")
    )
    expect(
        topic.get_by_role("button", name="Withdraw vote for Communities of practice")
    ).to_be_visible()
    expect(topic).to_contain_text("1 vote")

    page.goto(tour.community.get_absolute_url())
    _activate(page, page.get_by_role("link", name=tour.ended.title))
    expect(page.get_by_role("heading", level=1)).to_contain_text(tour.ended.title)
    views = page.get_by_role("navigation", name="Transcript views")
    _activate(page, views.get_by_role("link", name="In time order"))
    expect(views.get_by_role("link", name="In time order")).to_have_attribute(
        "aria-current", "page"
    )
    _activate(page, views.get_by_role("link", name="By participant"))
    _activate(
        page,
        page.get_by_role("navigation", name="Participants").get_by_role(
            "link", name="Guest 1 @guest_1"
        ),
    )
    expect(page.get_by_role("heading", name="Posts by Guest 1 @guest_1")).to_be_visible()
