"""One chat on three networks: the organiser switches Mastodon and Bluesky on in the
browser, and the transcript shows every network's posts under the right question, one
participant per member, each post with its network's badge."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from archive.models import ArchiveSettings, Network
from archive.services.ingest import posts_store
from chats.models import Chat
from chats.services.schedule import chat_create, chat_set_hosts
from community.models import Community
from members.models import User
from tests.archive.networks.doubles import network_post
from tests.browser.tour import axe_violations
from tests.browser.ui import field_label, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

X, M, B = Network.X, Network.MASTODON, Network.BLUESKY


def test_it_lets_an_organiser_switch_on_mastodon_and_bluesky(
    new_page: Callable[..., Page], community: Community, organiser_user: User
) -> None:
    page = new_page(viewport={"width": 390, "height": 844})
    page.goto(reverse("archive:archive_networks", kwargs={"slug": community.slug}))
    sign_in(page, organiser_user)
    page.goto(reverse("archive:archive_networks", kwargs={"slug": community.slug}))
    expect(page.get_by_label("Archive from X")).to_be_checked()

    page.get_by_label("Archive from Mastodon").check()
    page.get_by_label("Archive from Bluesky").check()
    page.get_by_label(field_label("Mastodon servers")).fill("https://mastodon.social/")
    page.get_by_role("button", name="Save networks").click()

    servers = page.get_by_label(field_label("Mastodon servers"))
    expect(servers).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_mastodon_servers_error")).to_contain_text("the server's name only")
    assert [v["id"] for v in axe_violations(page)] == []
    servers.fill("mastodon.social\nscholar.social")
    page.get_by_role("button", name="Save networks").click()

    expect(page.get_by_text("Networks saved")).to_be_visible()
    saved = ArchiveSettings.objects.get(community=community)
    assert saved.networks() == [X, M, B]
    assert saved.mastodon_servers == ["mastodon.social", "scholar.social"]
    assert [v["id"] for v in axe_violations(page)] == []


@pytest.fixture
def three_network_chat(community: Community, make_user: Callable[..., User]) -> Chat:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    chat = chat_create(
        community=community, title="Taxonomies on every network", start_at=start,
        end_at=start + timedelta(hours=1), now=start - timedelta(days=1),
    )  # fmt: skip
    chat_set_hosts(chat=chat, members=[], handles=["hanna_host"])
    make_user(
        "ada", display_name="Ada", x_user_id="x:ada_x",
        mastodon_handle="@ada@scholar.social", bluesky_handle="ada.bsky.social",
    )  # fmt: skip

    def at(minute: int) -> datetime:
        return start + timedelta(minutes=minute)

    said = [
        (X, 5, "Q1 Which taxonomy lasted?", "hanna_host", ""),
        (M, 7, "A1 The library's, on Mastodon", "ada@scholar.social", "scholar.social"),
        (B, 8, "A1 Ours did, from Bluesky", "bo.bsky.social", ""),
        (X, 9, "A1 The catalogue, from X", "ada_x", ""),
        (X, 20, "Q2 Who keeps it tidy?", "hanna_host", ""),
        (B, 22, "A2 Volunteers, says Bluesky", "ada.bsky.social", ""),
        (M, 23, "A2 A rota, says Mastodon", "cy@mastodon.social", "mastodon.social"),
    ]
    posts_store(
        posts=[
            network_post(
                network, n, at=at(minute), text=f"{text} #KMers", handle=handle,
                server=server or "mastodon.example",
            )
            for n, (network, minute, text, handle, server) in enumerate(said, start=1)
        ]
    )  # fmt: skip
    return chat


def test_it_shows_one_transcript_of_a_chat_held_on_three_networks(
    new_page: Callable[..., Page], three_network_chat: Chat
) -> None:
    chat = three_network_chat
    page = new_page()
    page.goto(reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk}))

    expect(page.get_by_text("Held on X, Mastodon and Bluesky")).to_be_visible()
    q1, q2 = page.locator("#q1 li.post"), page.locator("#q2 li.post")
    expect(q1).to_have_count(4)
    expect(q1.locator(".post-text")).to_have_text(
        [
            "Q1 Which taxonomy lasted? #KMers",
            "A1 The library's, on Mastodon #KMers",
            "A1 Ours did, from Bluesky #KMers",
            "A1 The catalogue, from X #KMers",
        ]
    )
    expect(q1.locator(".badge.network")).to_have_text(["on X", "on Mastodon", "on Bluesky", "on X"])
    expect(q2.locator(".badge.network")).to_have_text(["on X", "on Bluesky", "on Mastodon"])
    # Ada posted from X, Mastodon and Bluesky: one participant of four, not six.
    expect(page.locator(".stat-list")).to_contain_text("4 participants")
    assert [v["id"] for v in axe_violations(page)] == []

    views = page.get_by_role("navigation", name="Transcript views")
    views.get_by_role("link", name="By participant").click()
    people = page.get_by_role("navigation", name="Participants").get_by_role("listitem")
    expect(people).to_have_count(4)
    people.filter(has_text="@ada_x").get_by_role("link").click()
    expect(page.locator(".transcript-participant li.post")).to_have_count(3)
    assert [v["id"] for v in axe_violations(page)] == []
