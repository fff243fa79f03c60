"""Search filters: community, participant, UTC date range; hidden placements stay hidden."""

from collections.abc import Callable

import pytest

from archive.models import HiddenReason, PostPlacement
from community.models import Community
from community.services import community_create
from members.models import User
from tests.archive.search.support import found

pytestmark = pytest.mark.django_db
DAY = 24 * 60


@pytest.fixture
def librarians(organiser_user: User) -> Community:
    data = {
        "name": "Library Londoners", "hashtag": "LibLon", "time_zone": "Europe/London",
        "description": "", "rules": "", "website": "",
    }  # fmt: skip
    return community_create(creator=organiser_user, data=data)


def test_it_filters_by_community(
    archive: Callable, search: Callable, community: Community, librarians: Community
) -> None:
    kmers, both, liblon = archive(
        ["A1 catalogue #KMers", "A2 catalogue #KMers #LibLon", "catalogue #LibLon"]
    )

    assert found(search(q="catalogue", community="liblon")) == [liblon, both]
    assert found(search(q="catalogue", community="kmers")) == [both, kmers]
    assert found(search(q="catalogue")) == [liblon, both, kmers]


def test_it_shows_a_post_in_two_communities_once_with_the_other_named(
    archive: Callable, search: Callable, librarians: Community
) -> None:
    (both,) = archive(["A1 shelving #KMers #LibLon"])

    response = search(q="shelving")

    (result,) = response.context["page"].results
    assert result.post == both
    assert result.placement.chat is not None  # the chat transcript comes first
    assert [p.community for p in result.also_in] == [librarians]
    assert "also in" in response.content.decode()


def test_it_filters_by_participant_whatever_the_case_or_at_sign(
    archive: Callable, search: Callable
) -> None:
    alices, bobs = archive(
        [("A1 metadata #KMers", {"author": "Alice_KM"}), ("A1 metadata #KMers", {"author": "bob"})]
    )

    assert found(search(q="metadata", participant="@alice_km")) == [alices]
    assert found(search(participant="BOB")) == [bobs]
    assert found(search(q="metadata", participant="nobody")) == []


def test_it_filters_by_utc_days_inclusive(archive: Callable, search: Callable) -> None:
    before, during, after = archive(
        [
            ("taxonomy early #KMers", {"minutes": -2 * DAY}),
            ("A1 taxonomy #KMers", {"minutes": 1}),
            ("taxonomy late #KMers", {"minutes": 2 * DAY}),
        ]
    )
    # The chat is on 2026-11-20 (UTC).

    assert found(search(q="taxonomy", from_="2026-11-20", to="2026-11-20")) == [during]
    assert found(search(q="taxonomy", from_="2026-11-19")) == [after, during]
    assert found(search(q="taxonomy", to="2026-11-21")) == [during, before]


def test_it_never_finds_a_post_hidden_in_its_only_community(
    archive: Callable, search: Callable
) -> None:
    shown, hidden = archive(["A1 spammy offer #KMers", "A2 spammy offer #KMers"])
    PostPlacement.objects.filter(post=hidden).update(hidden=True, hidden_reason=HiddenReason.SPAM)

    assert found(search(q="spammy")) == [shown]
    assert found(search(q="spammy", community="kmers")) == [shown]


def test_it_finds_a_post_hidden_in_one_community_through_the_other(
    archive: Callable, search: Callable, librarians: Community
) -> None:
    (both,) = archive(["A1 archiving #KMers #LibLon"])
    PostPlacement.objects.filter(post=both, community__slug="kmers").update(
        hidden=True, hidden_reason=HiddenReason.OFF_TOPIC
    )

    response = search(q="archiving")

    assert found(response) == [both]
    (result,) = response.context["page"].results
    assert (result.placement.community, result.also_in) == (librarians, [])
    assert found(search(q="archiving", community="kmers")) == []
