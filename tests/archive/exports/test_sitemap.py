"""sitemap.xml: communities, chats past and upcoming, transcripts, on the request's host."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from chats.services.schedule import chat_cancel
from community.models import Community
from tests.archive.exports.conftest import ALICE, NOW, make_ended_chat
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _locations(client: Client, **headers: str) -> list[str]:
    response = client.get(reverse("sitemap"), **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)  # noqa: S314 — our own output
    assert root.tag == f"{SITEMAP}urlset"
    return [url.findtext(f"{SITEMAP}loc") or "" for url in root.findall(f"{SITEMAP}url")]


@pytest.fixture
def chats(community: Community) -> dict[str, Chat]:
    ended, empty = make_ended_chat(community, title="Ended"), make_ended_chat(community, days=7)
    archive_tweets(
        [
            make_tweet(
                author=ALICE, text="hi #KMers", created_at=ended.start_at + timedelta(minutes=3)
            )
        ],
        users=[ALICE],
    )
    upcoming = Chat.objects.create(
        community=community, title="Upcoming", hashtag="KMers",
        start_at=NOW + timedelta(days=3), end_at=NOW + timedelta(days=3, hours=1),
    )  # fmt: skip
    cancelled = make_ended_chat(community, title="Cancelled", days=14)
    chat_cancel(chat=cancelled)
    return {"ended": ended, "empty": empty, "upcoming": upcoming, "cancelled": cancelled}


def test_it_lists_communities_chats_and_transcripts_as_absolute_urls(
    anonymous: Client, chats: dict[str, Chat]
) -> None:
    locations = _locations(anonymous)

    base = "http://testserver"
    assert f"{base}/communities/kmers/" in locations
    for key in ("ended", "empty", "upcoming"):
        assert f"{base}{chats[key].get_absolute_url()}" in locations
    assert f"{base}/communities/kmers/chats/{chats['ended'].pk}/transcript/" in locations
    assert all(location.startswith(f"{base}/") for location in locations)
    assert len(locations) == 5


def test_it_leaves_out_cancelled_chats_and_transcripts_without_posts(
    anonymous: Client, chats: dict[str, Chat]
) -> None:
    locations = "\n".join(_locations(anonymous))

    assert f"/chats/{chats['cancelled'].pk}/" not in locations
    assert f"/chats/{chats['empty'].pk}/transcript/" not in locations
    assert f"/chats/{chats['upcoming'].pk}/transcript/" not in locations


def test_it_uses_the_requests_host_not_the_site_rows(
    anonymous: Client, chats: dict[str, Chat], settings: object
) -> None:
    settings.ALLOWED_HOSTS = ["commons.example.net"]

    locations = _locations(anonymous, HTTP_HOST="commons.example.net")

    assert locations
    assert all(loc.startswith("http://commons.example.net/") for loc in locations)
    assert not any("example.com" in loc for loc in locations)


@pytest.mark.parametrize("page", ["2", "-1", "abc", "99999999999999999999"])
def test_it_answers_404_for_a_page_that_does_not_exist(
    anonymous: Client, chats: dict[str, Chat], page: str
) -> None:
    assert anonymous.get(reverse("sitemap"), {"p": page}).status_code == 404


def test_it_points_crawlers_at_the_sitemap_and_away_from_private_pages(anonymous: Client) -> None:
    response = anonymous.get(reverse("robots"), HTTP_HOST="localhost")

    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "Disallow: /communities/*/manage/" in lines
    assert "Disallow: /accounts/" in lines
