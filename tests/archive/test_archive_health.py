"""Organisers see what the archive reads, what it costs, and why it stopped."""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from archive.models import NetworkUsage, ReadUsage, SourceHealth
from archive.services.ingest import cursor_for
from chats.models import Chat
from community.models import Community

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
# Session and user, the community and the reader's role, then the page's own nine:
# usage per day, chats, today's reads for the budget, the site's billed posts and X's count
# per day, source health (every network and server), cursors, the community's networks,
# today's reads per network; posting from the site: its policy and today's posts.
QUERIES = 15


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
        cursor=cursor, community=community, chat=chat, day=NOW.date(), posts_read=300,
        posts_billed=250, requests=4,
    )  # fmt: skip
    ReadUsage.objects.create(
        cursor=cursor, community=community, day=NOW.date() - timedelta(days=1),
        posts_read=40, posts_billed=40, requests=96,
    )  # fmt: skip
    return chat


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


@pytest.mark.parametrize("persona", ["organiser", "moderator"])
def test_it_shows_reads_requests_and_cost_per_day_and_per_chat(
    request: pytest.FixtureRequest, persona: str, community: Community, usage: Chat
) -> None:
    client: Client = request.getfixturevalue(persona)

    with time_machine.travel(NOW, tick=False):
        response = client.get(_url(community))

    assert response.status_code == 200
    days = {row["day"]: row for row in response.context["daily"]}
    today = days[NOW.date()]
    assert (today["reads"], today["billed"], today["re_reads"]) == (300, 250, 50)
    assert str(today["cost"]) == "1.25"  # what X bills: the billed posts, not the reads
    assert days[NOW.date() - timedelta(days=1)]["requests"] == 96
    (chat,) = response.context["chats"]
    assert (chat.reads, chat.billed, chat.requests, str(chat.cost)) == (300, 250, 4, "1.25")
    page = _text(response.content)
    assert "300 of 20000 posts read today" in page
    assert "250 billed and 50 re-reads of posts already billed today, which X does not" in page


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


def test_it_shows_xs_own_count_beside_ours_and_a_mismatch_on_a_finished_day(
    organiser: Client, community: Community, usage: Chat
) -> None:
    yesterday = NOW.date() - timedelta(days=1)
    NetworkUsage.objects.create(network="x", day=yesterday, posts=52, fetched_at=NOW)
    NetworkUsage.objects.create(network="x", day=NOW.date(), posts=180, fetched_at=NOW)

    with time_machine.travel(NOW, tick=False):
        response = organiser.get(_url(community))

    rows = {row["day"]: row for row in response.context["reconciliation"]}
    assert (rows[yesterday]["billed"], rows[yesterday]["x_posts"]) == (40, 52)
    assert rows[yesterday]["mismatch"]
    # Today X is still counting (and its figure lags): no alarm, whatever the figures.
    assert (rows[NOW.date()]["billed"], rows[NOW.date()]["x_posts"]) == (250, 180)
    assert not rows[NOW.date()]["mismatch"]
    page = _text(response.content)
    assert f"X counts 52 posts billed on {yesterday:%a %-d %b %Y}, we count 40: 12 more" in page
    assert "180 so far" in page


def test_it_shows_no_mismatch_where_the_counts_agree_and_none_without_xs_count(
    organiser: Client, community: Community, usage: Chat
) -> None:
    yesterday = NOW.date() - timedelta(days=1)
    NetworkUsage.objects.create(network="x", day=yesterday, posts=40, fetched_at=NOW)

    with time_machine.travel(NOW, tick=False):
        response = organiser.get(_url(community))

    assert not any(row["mismatch"] for row in response.context["reconciliation"])
    page = _text(response.content)
    assert "X counts" not in page
    assert "not fetched" in page  # today's figure


def test_it_reads_the_page_in_the_same_queries_however_much_it_shows(
    organiser: Client,
    community: Community,
    usage: Chat,
    django_assert_num_queries: Callable,
) -> None:
    def page() -> HttpResponse:
        with time_machine.travel(NOW, tick=False):
            return organiser.get(_url(community))

    with django_assert_num_queries(QUERIES):
        page()
    cursor = cursor_for(network="x", community=community, hashtags=["KMers", "KMchat"])
    for n in range(2, 14):
        day = NOW.date() - timedelta(days=n)
        chat = Chat.objects.create(
            community=community, title=f"Chat {n}", hashtag="KMers",
            start_at=NOW - timedelta(days=n), end_at=NOW - timedelta(days=n, hours=-1),
        )  # fmt: skip
        ReadUsage.objects.create(
            cursor=cursor, community=community, chat=chat, day=day, posts_read=n, requests=1
        )
        NetworkUsage.objects.create(network="x", day=day, posts=n + 1, fetched_at=NOW)

    with django_assert_num_queries(QUERIES):
        response = page()
    assert len(response.context["daily"]) == 14
    assert len(response.context["chats"]) == 13
    assert len(response.context["mismatches"]) == 12
    assert "The counts differ on 12 days of the last two weeks" in _text(response.content)


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
