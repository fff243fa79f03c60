"""Vitality figures on a small hand-built history, stored through the real ingest path.

Eight #KMers chats a fortnight apart from Tuesday 6 January 2026 (12:00 in New York, the
community's zone), figures rebuilt as on 30 April 2026:

    C0 6 Jan   alice ×3, bob        C4 3 Mar   dan
    C1 20 Jan  alice, mia, erin     C5 17 Mar  alice
    C2 3 Feb   carol (+ a hidden spam post)   C6 31 Mar  bob
    C3 17 Feb  mia (from her second account)  C7 14 Apr  dan

Between chats: erin Sat 10 Jan, frank Sun 11 Jan, alice Mon 12 Jan. Mia is a member with
two X accounts: she counts once, and she hides herself from rankings.
"""

from datetime import date

import pytest

from archive.models import (
    Account,
    ChatVitality,
    CohortVitality,
    CommunityParticipant,
    MonthVitality,
    PostPlacement,
    StreamWeekVitality,
)
from archive.selectors.vitality import community_vitality
from archive.services.vitality import participant_key, vitality_refresh
from chats.models import Chat
from community.models import Community
from members.models import User
from tests.archive.vitality.conftest import NOW

pytestmark = pytest.mark.django_db


def _per_chat(chats: list[Chat], field: str) -> list[int]:
    rows = {r.chat_id: r for r in ChatVitality.objects.all()}
    return [getattr(rows[chat.pk], field) for chat in chats]


def test_it_counts_posts_participants_first_timers_and_returning_per_chat(
    history: Community, chats: list[Chat]
) -> None:
    assert _per_chat(chats, "posts") == [4, 3, 1, 1, 1, 1, 1, 1]  # the hidden spam left out
    assert _per_chat(chats, "participants") == [2, 3, 1, 1, 1, 1, 1, 1]
    assert _per_chat(chats, "first_timers") == [2, 2, 1, 0, 1, 0, 0, 0]
    # Mia's second account is still Mia: returning, not a first-timer.
    assert _per_chat(chats, "returning") == [0, 1, 0, 1, 0, 1, 1, 1]


def test_it_counts_who_came_back_within_the_next_four_chats(
    history: Community, chats: list[Chat]
) -> None:
    # C0: alice back in C1, bob only in C6 (five chats on). C1: alice (C5), mia (C3).
    assert _per_chat(chats, "came_back") == [1, 2, 0, 0, 1, 0, 0, 0]
    assert _per_chat(chats, "later_chats") == [4, 4, 4, 4, 3, 2, 1, 0]


def test_it_counts_active_participants_and_retention_per_month(history: Community) -> None:
    months = list(
        MonthVitality.objects.values_list("month", "active", "previous_active", "retained")
    )
    assert months == [
        (date(2026, 1, 1), 5, 0, 0),  # alice, bob, mia, erin; frank between chats
        (date(2026, 2, 1), 2, 5, 1),  # carol, mia: mia was there in January
        (date(2026, 3, 1), 3, 2, 0),  # dan, alice, bob
        (date(2026, 4, 1), 1, 3, 1),  # dan again
    ]
    first_timers = list(MonthVitality.objects.values_list("first_timers", flat=True))
    assert first_timers == [4, 1, 1, 0]


def test_it_follows_each_quarters_first_timers_month_by_month(history: Community) -> None:
    cohort = CohortVitality.objects.get()
    assert cohort.quarter == date(2026, 1, 1)
    assert cohort.size == 6  # frank never posted in a chat
    # +1: mia (Feb), dan (Apr); +2: alice and bob (Mar); +3: nobody.
    assert cohort.returned == [2, 2, 0]


def test_it_follows_the_stream_to_the_next_chat(history: Community, chats: list[Chat]) -> None:
    weeks = list(
        StreamWeekVitality.objects.values_list(
            "week", "posts", "authors", "joined_next_chat", "next_chat"
        )
    )
    assert weeks == [
        (date(2026, 1, 5), 2, 2, 1, chats[1].pk),  # erin came to C1, frank did not
        (date(2026, 1, 12), 1, 1, 1, chats[1].pk),  # alice did
    ]


def test_it_counts_a_member_once_across_accounts_and_keeps_hidden_members_out_of_rankings(
    history: Community, mia: User
) -> None:
    assert CommunityParticipant.objects.filter(key=participant_key(mia.pk, 0)).get().chats == 2
    everything = community_vitality(community=history, key="all", state=None)
    assert everything.reach == 7  # spam's only post is hidden
    ranked = [(person.name, person.posts) for person in everything.top]
    assert ranked[0] == ("Alice", 6)
    assert "Mia" not in {name for name, _ in ranked}
    assert "mia" not in {person.name for person in everything.top}
    mia.hide_from_rankings = False
    mia.save()
    again = community_vitality(community=history, key="all", state=None)
    assert ("mia", 2) in [(person.name, person.posts) for person in again.top]


def test_it_counts_an_account_named_on_a_members_profile_as_that_member(
    history: Community, mia: User
) -> None:
    # Her second account is hers by the handle on her profile (Mastodon, Bluesky), not
    # by a login: transcripts count it as her, and so does vitality.
    Account.objects.filter(handle="mia_alt").update(member=None, claimed_by=mia)

    vitality_refresh(community=history, now=NOW)

    assert CommunityParticipant.objects.filter(key=participant_key(mia.pk, 0)).get().chats == 2


def test_it_narrows_every_figure_to_the_chosen_months(
    history: Community, chats: list[Chat]
) -> None:
    recent = community_vitality(community=history, key="3m", state=None)  # February to April
    assert recent.since == date(2026, 2, 1)
    assert [row.chat_id for row in recent.chats] == [chat.pk for chat in chats[2:]]
    assert [row.month for row in recent.months] == [date(2026, m, 1) for m in (2, 3, 4)]
    assert recent.reach == 5  # carol, mia, dan, alice, bob
    assert recent.weeks == []


def test_it_rebuilds_to_the_same_figures_and_follows_moderation(
    history: Community, chats: list[Chat]
) -> None:
    before = _per_chat(chats, "posts")
    vitality_refresh(community=history, now=NOW)
    assert _per_chat(chats, "posts") == before
    PostPlacement.objects.filter(post__author__handle="bob").update(hidden=True)
    vitality_refresh(community=history, now=NOW)
    assert _per_chat(chats, "participants") == [1, 3, 1, 1, 1, 1, 0, 1]
    assert CommunityParticipant.objects.filter(account__handle="bob").count() == 0
