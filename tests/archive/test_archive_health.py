"""Organisers see what the archive reads, what it costs, and why it stopped."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from archive.models import ReadUsage, SourceHealth
from archive.services.ingest import cursor_for
from chats.models import Chat
from community.models import Community

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def _url(community: Community) -> str:
    return reverse("archive:archive_health", kwargs={"slug": community.slug})


@pytest.fixture
def usage(community: Community) -> Chat:
    chat = Chat.objects.create(
        community=community, title="Knowledge audits", hashtag="KMers",
        start_at=NOW - timedelta(hours=1), end_at=NOW,
    )  # fmt: skip
    cursor = cursor_for(network="x", community=community, hashtags=["KMers"])
    ReadUsage.objects.create(
        cursor=cursor, community=community, chat=chat, day=NOW.date(), posts_read=300, requests=4
    )
    ReadUsage.objects.create(
        cursor=cursor, community=community, day=NOW.date() - timedelta(days=1),
        posts_read=40, requests=96,
    )  # fmt: skip
    return chat


@pytest.mark.parametrize("persona", ["organiser", "moderator"])
def test_it_shows_reads_requests_and_cost_per_day_and_per_chat(
    request: pytest.FixtureRequest, persona: str, community: Community, usage: Chat
) -> None:
    client: Client = request.getfixturevalue(persona)

    with time_machine.travel(NOW, tick=False):
        response = client.get(_url(community))

    assert response.status_code == 200
    days = {row["day"]: row for row in response.context["daily"]}
    assert days[NOW.date()]["reads"] == 300
    assert str(days[NOW.date()]["cost"]) == "1.50"
    assert days[NOW.date() - timedelta(days=1)]["requests"] == 96
    (chat,) = response.context["chats"]
    assert (chat.reads, chat.requests, str(chat.cost)) == (300, 4, "1.50")
    assert "300 of 20000 posts read today" in response.content.decode()


def test_it_explains_a_paused_budget_and_refused_credentials(
    organiser: Client, community: Community, usage: Chat
) -> None:
    community.daily_read_cap = 250
    community.save()
    SourceHealth.objects.create(network="x", healthy=False, error="401 Unauthorized")

    with time_machine.travel(NOW, tick=False):
        page = organiser.get(_url(community)).content.decode()

    assert "Today's read budget of 250 posts is used up" in page
    assert "credentials were refused (401 Unauthorized)" in page


@pytest.mark.parametrize("persona", ["member", "outsider"])
def test_it_hides_the_archive_health_from_non_organisers(
    request: pytest.FixtureRequest, persona: str, community: Community
) -> None:
    client: Client = request.getfixturevalue(persona)

    assert client.get(_url(community)).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(anonymous: Client, community: Community) -> None:
    response = anonymous.get(_url(community))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_says_plainly_that_nothing_is_archived_without_x_credentials(
    organiser: Client, community: Community, settings: Settings
) -> None:
    settings.X_BEARER_TOKEN = ""
    without = organiser.get(_url(community)).content.decode()
    settings.X_BEARER_TOKEN = "a-token"
    configured = organiser.get(_url(community)).content.decode()

    assert "no X credentials are configured on this site" in without
    assert "Nothing pulled yet: no X credentials are configured." in without
    assert "no X credentials are configured" not in configured
