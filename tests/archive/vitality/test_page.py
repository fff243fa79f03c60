"""The public vitality page and the community page's glance at it."""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from archive.models import PostPlacement
from archive.services.vitality import vitality_refresh
from chats.models import Chat
from community.models import Community
from tests.archive.vitality.conftest import FIRST, NOW
from tests.archive.vitality.support import grow

pytestmark = pytest.mark.django_db

# The community, the rollups' state, then (not cached) the period, chats, months,
# cohorts, weeks and the top contributors.
PAGE_QUERIES = 8
CACHED_QUERIES = 2


@pytest.fixture(autouse=True)
def _on_30_april() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _url(**params: str) -> str:
    url = reverse("archive:vitality", kwargs={"slug": "kmers"})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _transcript(chat: Chat) -> str:
    return reverse("archive:transcript", kwargs={"slug": "kmers", "pk": chat.pk})


def test_it_shows_every_figure_as_a_chart_and_a_table_linking_to_its_chats(
    anonymous: Client, history: Community, chats: list[Chat]
) -> None:
    response = anonymous.get(_url(range="all"))
    assert response.status_code == 200
    html = response.content.decode()
    for title in (
        "Participants per chat",
        "Posts per chat",
        "Came back within four chats",
        "Active participants per month",
        "Retention per month",
        "Posts between chats per week",
        "Top contributors",
    ):
        assert re.search(rf'<title id="chart-[\w-]+-title">{title}</title>', html), title
    tables = html.count('<table class="data-table')
    assert tables == 9  # one per chart, and the cohort table
    for chat in chats:
        # In the chart (a column) and in its table (a row), at least.
        assert html.count(f'href="{_transcript(chat)}"') >= 2
    assert "+3 mo" in html  # the cohort table's columns
    assert "@alice" not in html or "Alice" in html
    assert ">Alice<" in html or "Alice</a>" in html


def test_it_keeps_a_member_who_hides_from_rankings_out_of_the_page(
    anonymous: Client, history: Community
) -> None:
    html = anonymous.get(_url(range="all")).content.decode()
    top = html[html.index('id="reach-heading"') :]
    assert "Alice" in top
    assert "mia" not in top.lower().replace("media", "")


def test_it_narrows_the_page_to_the_chosen_period(
    anonymous: Client, history: Community, chats: list[Chat]
) -> None:
    everything = anonymous.get(_url(range="all")).content.decode()
    recent = anonymous.get(_url(range="3m")).content.decode()  # February to April
    assert f'href="{_transcript(chats[0])}"' in everything
    assert f'href="{_transcript(chats[0])}"' not in recent
    assert f'href="{_transcript(chats[2])}"' in recent
    assert '<option value="3m" selected>' in recent
    default = anonymous.get(_url()).content.decode()
    assert '<option value="12m" selected>' in default


@pytest.mark.parametrize(
    "value",
    ["5y", "'; DROP TABLE archive_chatvitality; --", "%00", "3m%0A", "x" * 5000, "%F0%9F%92%A9"],
)
def test_it_answers_an_unknown_period_with_400_beside_the_picker_never_500(
    anonymous: Client, history: Community, value: str
) -> None:
    response = anonymous.get(_url(range=value))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_range_error"' in html
    assert 'aria-describedby="id_range_error"' in html or "id_range_error" in html
    assert "Participants per chat" in html  # the default period's figures still shown


def test_it_shows_an_empty_community_without_figures(
    anonymous: Client, community: Community
) -> None:
    response = anonymous.get(_url())
    assert response.status_code == 200
    assert "Nothing to show for this period yet." in response.content.decode()


def test_it_answers_in_the_same_few_queries_whatever_the_number_of_chats(
    anonymous: Client, community: Community, django_assert_num_queries: Callable[..., Any]
) -> None:
    grow(community, first=FIRST, now=NOW, chats=2, people=3)
    with django_assert_num_queries(PAGE_QUERIES):
        assert anonymous.get(_url(range="all")).status_code == 200
    grow(community, first=FIRST, now=NOW, chats=20, people=40, weeks_on=2)
    with django_assert_num_queries(PAGE_QUERIES):
        assert anonymous.get(_url(range="all")).status_code == 200
    with django_assert_num_queries(PAGE_QUERIES):
        assert anonymous.get(_url(range="3m")).status_code == 200


def test_it_serves_the_figures_from_the_cache_until_the_rollups_change(
    anonymous: Client,
    history: Community,
    chats: list[Chat],
    django_assert_num_queries: Callable[..., Any],
) -> None:
    first = anonymous.get(_url(range="all")).content.decode()
    with django_assert_num_queries(CACHED_QUERIES):
        assert anonymous.get(_url(range="all")).content.decode() == first
    PostPlacement.objects.filter(chat=chats[0]).update(hidden=True)
    vitality_refresh(community=history, now=NOW)
    with django_assert_num_queries(PAGE_QUERIES):
        rebuilt = anonymous.get(_url(range="all")).content.decode()
    assert rebuilt != first


def test_it_gives_the_community_page_a_glance_linking_to_the_vitality_page(
    anonymous: Client, history: Community, chats: list[Chat]
) -> None:
    html = anonymous.get(history.get_absolute_url()).content.decode()
    assert "Who takes part" in html
    assert f'href="{_url()}"' in html
    assert f'href="{_transcript(chats[-1])}"' in html
    glance = " ".join(html[html.index('id="vitality-heading"') :].split())
    assert "The last chat had 1 participant: 0 first-timers and 1 returning." in glance
