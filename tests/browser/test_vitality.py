"""The vitality page as a visitor meets it: charts drawn on the server, each with a table
for screen readers, a period picker, links to the chats, at desktop and phone widths."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from chats.models import Chat
from community.models import Community
from tests.archive.vitality.support import grow
from tests.browser.tour import DESKTOP, PHONE, axe_violations, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def chats(community: Community) -> list[Chat]:
    now = timezone.now()
    first = (now - timedelta(weeks=20)).replace(minute=0, second=0, microsecond=0)
    return grow(community, first=first, now=now, chats=16, people=12)


def _vitality(page: Page) -> None:
    page.goto(reverse("archive:vitality", kwargs={"slug": "kmers"}))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vitality of")


def test_it_draws_the_charts_with_a_table_for_each_that_links_to_the_chats(
    new_page: Callable[..., Page], chats: list[Chat]
) -> None:
    page = new_page()
    _vitality(page)
    chart = page.get_by_role("group", name="Participants per chat")
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Participants per chat")
    expect(table).to_be_hidden()  # in a closed disclosure until asked for
    page.get_by_text("Participants per chat: the figures as a table").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(len(chats) + 1)
    page.get_by_text("Participants per chat: the figures as a table").click()
    expect(table).to_be_hidden()
    page.emulate_media(media="print")  # on paper every table is there, the picker is not
    expect(table).to_be_visible()
    expect(page.get_by_label("Period")).to_be_hidden()
    page.emulate_media(media="screen")
    page.get_by_text("Participants per chat: the figures as a table").click()
    table.get_by_role("link").last.click()
    expect(page).to_have_url(
        reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chats[-1].pk})
    )


def test_it_lets_a_visitor_pick_the_period_without_javascript(
    new_page: Callable[..., Page], chats: list[Chat]
) -> None:
    page = new_page()
    _vitality(page)
    page.get_by_label("Period").select_option("3m")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{reverse('archive:vitality', kwargs={'slug': 'kmers'})}?range=3m")
    expect(page.get_by_label("Period")).to_have_value("3m")
    expect(page.get_by_text("Last 3 months;")).to_be_visible()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_it_passes_axe_and_fits_the_screen(
    new_page: Callable[..., Page], chats: list[Chat], size: dict[str, int]
) -> None:
    page = new_page(viewport=size)
    _vitality(page)
    for summary in page.locator("summary").all():
        summary.click()  # the tables too
    assert horizontal_overflow(page) == 0
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][0]["target"]) for v in violations]
    page.goto(reverse("communities:detail", kwargs={"slug": "kmers"}))
    expect(page.get_by_role("group", name="Participants in the last chats")).to_be_visible()
    assert axe_violations(page) == []
