"""Every main page fits a phone: nothing wider than 320 or 390 CSS pixels, so no page
scrolls sideways; and on a live chat the posts come before the chat's details."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from community.models import Community
from members.models import User
from tests.browser.tour import (
    DESKTOP,
    NARROW_PHONE,
    PHONE,
    Tour,
    horizontal_overflow,
    open_in_zone,
    sign_in_context,
    tour_build,
    tour_pages,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The elements that stick out past the right edge, for the failure message.
OVERFLOWING = """() => {
  const sticksOut = el => el.getBoundingClientRect().right > window.innerWidth + 0.5;
  return [...document.querySelectorAll('body *')]
    .filter(el => sticksOut(el) && !(el.parentElement && sticksOut(el.parentElement)))
    .slice(0, 5)
    .map(el => el.tagName.toLowerCase() + [...el.classList].map(c => '.' + c).join(''));
}"""


def _top(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


@pytest.fixture
def tour(community: Community, organiser_user: User, member_user: User) -> Tour:
    return tour_build(community=community, organiser=organiser_user, member=member_user)


@pytest.mark.parametrize("persona", ["visitor", "organiser"])
def test_it_fits_every_page_into_a_phone_without_sideways_scrolling(
    new_page: Callable[..., Page], live_server: LiveServer, tour: Tour, persona: str
) -> None:
    page = new_page(viewport=PHONE)
    open_in_zone(page.context, live_server.url)
    if persona == "organiser":
        sign_in_context(page.context, live_server.url, tour.organiser)
    too_wide: list[str] = []
    for path in tour_pages(tour, persona):
        page.set_viewport_size(PHONE)
        page.goto(path)
        for size in (PHONE, NARROW_PHONE):
            page.set_viewport_size(size)
            if excess := horizontal_overflow(page):
                culprits = page.evaluate(OVERFLOWING)
                too_wide.append(f"{path} at {size['width']} px: {excess} px too wide {culprits}")
    assert not too_wide, "\n".join(too_wide)


def test_it_puts_a_live_chats_posts_right_under_its_title_on_a_phone(
    new_page: Callable[..., Page], live_server: LiveServer, tour: Tour
) -> None:
    page = new_page(viewport=PHONE)
    open_in_zone(page.context, live_server.url)
    page.goto(tour.live.get_absolute_url())

    posts = page.get_by_role("region", name="Posts")
    when = page.get_by_role("heading", name="When")
    expect(posts.locator("li.post").first).to_be_in_viewport()
    assert _top(page.get_by_role("heading", level=1)) < _top(posts) < _top(when)

    page.set_viewport_size(DESKTOP)
    assert _top(when) < _top(posts)
