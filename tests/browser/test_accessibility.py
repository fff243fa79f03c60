"""Every main page, as a visitor, a member and an organiser, at desktop and phone widths,
checked by axe-core (vendored from the npm registry, tests/browser/vendor/) against
WCAG 2.0, 2.1 and 2.2 at levels A and AA."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from community.models import Community
from members.models import User
from tests.browser.tour import (
    DESKTOP,
    PHONE,
    Tour,
    axe_violations,
    open_in_zone,
    sign_in_context,
    tour_build,
    tour_pages,
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
        assert response.ok, path
        for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            for violation in axe_violations(page):
                found.setdefault(violation["id"], []).append(
                    _described(violation, f"{path} ({width})")
                )
    report = [f"{rule}:\n  " + "\n  ".join(where) for rule, where in sorted(found.items())]
    assert not found, "axe-core violations:\n" + "\n".join(report)
