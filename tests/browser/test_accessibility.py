"""Every main page, as a visitor, a member and an organiser, at desktop and phone widths,
checked by axe-core (vendored from the npm registry, tests/browser/vendor/) against
WCAG 2.0, 2.1 and 2.2 at levels A and AA."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from community.models import Community
from members.models import User
from tests.browser.tour import (
    DESKTOP,
    GUESTS,
    PHONE,
    Tour,
    axe_violations,
    open_in_zone,
    sign_in_context,
    tour_build,
    tour_pages,
    tour_say,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def tour(community: Community, organiser_user: User, member_user: User) -> Tour:
    return tour_build(community=community, organiser=organiser_user, member=member_user)


def _described(violation: dict[str, Any], where: str) -> str:
    nodes = violation["nodes"]
    first = nodes[0]
    return f"{where}: {len(nodes)}× {first['target']} {first['failureSummary']!r}"


@pytest.mark.parametrize("persona", ["visitor", "member", "organiser"])
def test_it_passes_axe_at_wcag_2_2_aa_on_every_page_at_desktop_and_phone_widths(
    new_page: Callable[..., Page], live_server: LiveServer, tour: Tour, persona: str
) -> None:
    page = new_page()
    open_in_zone(page.context, live_server.url)
    if persona != "visitor":
        user = tour.organiser if persona == "organiser" else tour.member
        sign_in_context(page.context, live_server.url, user)
    found: dict[str, list[str]] = {}
    for path in tour_pages(tour, persona):
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        assert response is not None, path
        # Some pages on the tour are the site's answers to bad requests (404, 400).
        assert response.status < 500, path
        for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            for violation in axe_violations(page):
                found.setdefault(violation["id"], []).append(
                    _described(violation, f"{path} ({width})")
                )
    report = [f"{rule}:\n  " + "\n  ".join(where) for rule, where in sorted(found.items())]
    assert not found, "axe-core violations:\n" + "\n".join(report)


def test_it_announces_live_posts_and_keeps_focus_on_the_new_posts_button_path(
    new_page: Callable[..., Page], live_server: LiveServer, tour: Tour, settings: Settings
) -> None:
    settings.LIVE_POLL_MS = 300
    start = tour.live.start_at
    tour_say(start, [(GUESTS[n % 3], 4 + n, f"A1 Early thought number {n}") for n in range(12)])
    page = new_page()
    open_in_zone(page.context, live_server.url)
    page.goto(tour.live.get_absolute_url())
    log = page.get_by_role("log", name="Posts")
    expect(log.locator("li.post")).to_have_count(15)
    page.evaluate("window.scrollTo(0, 0)")

    tour_say(start, [(GUESTS[0], 18, "A1 First of the new ones")])

    first_new = log.locator("li.post", has_text="A1 First of the new ones")
    expect(first_new).to_have_count(1)
    button = page.get_by_role("button", name="1 new post")
    expect(button).to_be_visible()
    assert [v["id"] for v in axe_violations(page)] == []
    # Reached by Tab before any of the posts' links, though shown at the foot of the screen.
    assert page.evaluate(
        "document.getElementById('live-new-posts').compareDocumentPosition("
        "document.getElementById('posts')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_count(0)
    expect(first_new).to_be_focused()
    expect(first_new).to_be_in_viewport()


def test_it_focuses_the_error_summary_and_ties_each_error_to_its_field(
    new_page: Callable[..., Page], live_server: LiveServer, tour: Tour
) -> None:
    page = new_page()
    sign_in_context(page.context, live_server.url, tour.organiser)
    page.goto(reverse("communities:edit", kwargs={"slug": tour.community.slug}))
    name = page.get_by_label("Name")
    name.fill("")
    name.press("Enter")

    summary = page.get_by_role("alert").filter(has_text="There is a problem with this form")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Name: This field is required.")).to_be_visible()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("This field is required."))
    expect(page.get_by_label("Hashtag")).not_to_have_attribute("aria-invalid", "true")
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert [v["id"] for v in axe_violations(page)] == []
