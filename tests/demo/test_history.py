"""The demo's year of #KMers chats: a story the vitality page can tell, seeded once."""

from datetime import UTC, datetime

import pytest

from archive.models import ChatVitality, MonthVitality, Post
from community.models import Community
from demo.history import WEEKS, seed_demo_history

pytestmark = pytest.mark.django_db

# A fixed day: the story's months (spring, summer) are then the same on every run.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_it_seeds_a_year_of_chats_whose_figures_grow_and_dip_in_summer(
    community: Community,
) -> None:
    stored = seed_demo_history(community=community, now=NOW)

    assert stored == Post.objects.count() > WEEKS * 20
    chats = list(ChatVitality.objects.filter(community=community))
    assert WEEKS - 1 <= len(chats) <= WEEKS
    first_quarter = sum(c.participants for c in chats[:13])
    last_quarter = sum(c.participants for c in chats[-13:])
    assert last_quarter > first_quarter  # a growing core
    active = dict(MonthVitality.objects.values_list("month", "active"))
    summer = [n for month, n in active.items() if month.month in (7, 8)]
    spring = [n for month, n in active.items() if month.month in (4, 5, 6)]
    assert summer
    assert spring
    assert max(summer) < min(spring)  # quieter in the northern summer
    assert any(c.first_timers for c in chats[-10:])  # newcomers keep coming


def test_it_adds_nothing_when_seeded_again(community: Community) -> None:
    seed_demo_history(community=community, now=NOW)
    posts = Post.objects.count()

    assert seed_demo_history(community=community, now=NOW) == 0
    assert Post.objects.count() == posts
    assert ChatVitality.objects.filter(community=community).count() >= WEEKS - 1
