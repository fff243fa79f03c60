"""Connections in the browser: a visitor finds neighbouring communities on the map, and two
communities' organisers set up a joint chat (invite → accept) that lands on both schedules."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from archive.services.connections import connections_refresh
from chats.services.schedule import chat_create
from community.models import Community
from members.models import User
from tests.archive.support import archive_tweets
from tests.browser.tour import DESKTOP, PHONE, axe_violations, horizontal_overflow
from tests.browser.ui import field_label, sign_in
from tests.fakes.x_data import make_tweet
from tests.fakes.x_data import make_user as make_x_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PageFactory = Callable[..., Page]


def _check(page: Page) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert [v["id"] for v in axe_violations(page)] == []
        assert horizontal_overflow(page) == 0


def test_it_shows_a_visitor_how_communities_connect_and_the_posts_they_share(
    new_page: PageFactory, community: Community, other_community: Community
) -> None:
    author = make_x_user("ann")
    tweet = make_tweet(
        author=author, text="Catalogues are knowledge too #KMers #libchat",
        created_at=timezone.now() - timedelta(days=2),
    )  # fmt: skip
    archive_tweets([tweet], users=[author])
    connections_refresh()
    page = new_page()

    page.goto(reverse("archive:connections"))
    expect(page.get_by_role("heading", name="How the communities connect")).to_be_visible()
    expect(page.get_by_role("img", name="Graph of the connected communities")).to_be_visible()
    _check(page)

    pairs = page.get_by_role("table", name="Pairs of communities, strongest connection first")
    pairs.get_by_role("link", name="posts shared by Knowledge Managers and Librarians").click()
    expect(page.get_by_text("Catalogues are knowledge too")).to_be_visible()
    _check(page)


def test_it_takes_two_organisers_through_invite_accept_to_a_joint_chat_on_both_schedules(
    new_page: PageFactory, community: Community, other_community: Community,
    organiser_user: User,
) -> None:  # fmt: skip
    start = timezone.now() + timedelta(days=4)
    chat = chat_create(
        community=community, title="Catalogues meet KM", start_at=start,
        end_at=start + timedelta(hours=1),
    )  # fmt: skip
    inviter = new_page()
    inviter.goto("/")
    sign_in(inviter, organiser_user)
    inviter.goto(reverse("chats:joint", kwargs={"slug": community.slug, "pk": chat.pk}))
    _check(inviter)
    inviter.get_by_label(field_label("Community to invite")).fill("#libchat")
    inviter.get_by_role("button", name="Invite").click()
    expect(inviter.get_by_text("is invited")).to_be_visible()
    expect(inviter.get_by_role("cell", name="Invited")).to_be_visible()

    guest = new_page()
    guest.goto("/")
    sign_in(guest, User.objects.get(username="otto"))
    guest.goto(reverse("chats:manage", kwargs={"slug": other_community.slug}))
    joint = guest.get_by_role("region", name="Joint chats")
    expect(joint).to_contain_text("Catalogues meet KM")
    _check(guest)
    joint.get_by_role("button", name="Accept Catalogues meet KM").click()
    expect(guest.get_by_text("is now on your schedule")).to_be_visible()

    for slug in (other_community.slug, community.slug):
        guest.goto(reverse("communities:detail", kwargs={"slug": slug}))
        expect(guest.get_by_role("link", name="Catalogues meet KM").first).to_be_visible()
    guest.goto(chat.get_absolute_url())
    expect(guest.get_by_text("held jointly with")).to_be_visible()
