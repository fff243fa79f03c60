"""Statuses deleted on a Mastodon server show as removed after the next sweep."""

from datetime import timedelta

import pytest

from archive.models import Post
from archive.networks import Network
from archive.services.ingest import cursor_for, pull_run
from archive.services.mastodon_sweep import RATE_LIMIT_RESERVE, mastodon_deletions_sweep
from archive.sources import PullQuery, RateLimited
from archive.sources.mastodon import MastodonSource
from chats.models import Chat
from chats.services import schedule
from community.models import Community
from tests.archive.sources.conftest import source_for
from tests.fakes.mastodon_api import FakeMastodon, federated_copy, make_account, make_status

ALICE = make_account("alice")


@pytest.fixture
def chat(community: Community) -> Chat:
    from django.utils import timezone

    start = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    return schedule.chat_create(
        community=community,
        title="Deletions",
        start_at=start,
        end_at=start + timedelta(hours=1),
        now=start - timedelta(days=1),
    )


def _archive(chat: Chat, server: FakeMastodon, source: MastodonSource, count: int) -> list[dict]:
    posted = [
        make_status(
            ALICE,
            f"A{i + 1} #KMers",
            tags=["kmers"],
            created_at=chat.start_at + timedelta(minutes=i),
        )
        for i in range(count)
    ]
    server.add_statuses(*posted)
    cursor = cursor_for(
        network=Network.MASTODON, community=chat.community, hashtags=[server.domain]
    )
    pull_run(cursor=cursor, source=source, query=PullQuery(hashtags=("kmers",)), chat=chat)
    return posted


def test_it_marks_statuses_the_server_deleted_as_removed_by_their_author(
    chat: Chat, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    posted = _archive(chat, mastodon_server, mastodon_source, 4)
    assert Post.objects.filter(placements__chat=chat).count() == 4
    mastodon_server.delete(posted[1]["id"], posted[3]["id"])
    version = Chat.objects.get(pk=chat.pk).archive_changed_at

    assert mastodon_deletions_sweep(chat_id=chat.pk, source=mastodon_source) == 2

    removed = Post.objects.filter(removed=True)
    assert sorted(removed.values_list("external_id", flat=True)) == sorted(
        [posted[1]["uri"], posted[3]["uri"]]
    )
    assert {p.removed_reason for p in removed} == {Post.REMOVED_BY_AUTHOR}
    assert Chat.objects.get(pk=chat.pk).archive_changed_at != version
    # The next sweep asks only for what is still there.
    before = len(mastodon_server.requests)
    assert mastodon_deletions_sweep(chat_id=chat.pk, source=mastodon_source) == 0
    assert len(mastodon_server.requests) - before == 2


def test_it_checks_at_most_its_limit_the_least_recently_checked_first(
    chat: Chat, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    posted = _archive(chat, mastodon_server, mastodon_source, 5)
    mastodon_server.delete(*(s["id"] for s in posted))

    counts = [
        mastodon_deletions_sweep(chat_id=chat.pk, source=mastodon_source, limit=2) for _ in range(3)
    ]

    assert counts == [2, 2, 1]
    assert not Post.objects.filter(removed=False).exists()


def test_it_asks_only_the_server_the_post_was_read_through(
    chat: Chat,
    mastodon_server: FakeMastodon,
    second_server: FakeMastodon,
    mastodon_source: MastodonSource,
) -> None:
    _archive(chat, mastodon_server, mastodon_source, 1)

    assert mastodon_deletions_sweep(chat_id=chat.pk, source=source_for(second_server)) == 0
    assert second_server.requests == []


def test_it_stops_at_a_429_keeping_what_it_found_before(
    chat: Chat, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    posted = _archive(chat, mastodon_server, mastodon_source, 3)
    mastodon_server.delete(*(s["id"] for s in posted))
    mastodon_server.fail_next(status=429, reset_in=60, after=1)

    with pytest.raises(RateLimited):
        mastodon_deletions_sweep(chat_id=chat.pk, source=mastodon_source)

    assert Post.objects.filter(removed=True).count() == 1


def test_it_finds_a_federated_copy_deleted_through_the_server_that_read_it(
    chat: Chat, mastodon_server: FakeMastodon, second_server: FakeMastodon
) -> None:
    original = make_status(ALICE, "A1 #KMers", tags=["kmers"], created_at=chat.start_at)
    copy = federated_copy(original, to_domain=second_server.domain)
    second_server.add_statuses(copy)
    source = source_for(second_server)
    cursor = cursor_for(network=Network.MASTODON, community=chat.community, hashtags=["x"])
    pull_run(cursor=cursor, source=source, query=PullQuery(hashtags=("kmers",)), chat=chat)
    second_server.delete(copy["id"])

    assert mastodon_deletions_sweep(chat_id=chat.pk, source=source) == 1
    assert Post.objects.get().external_id == original["uri"]


def test_it_stops_early_to_leave_the_servers_rate_limit_to_pulls(
    chat: Chat, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    _archive(chat, mastodon_server, mastodon_source, 5)
    # The window has RATE_LIMIT_RESERVE + 2 requests left after the pull's requests.
    mastodon_server.rate_limit = len(mastodon_server.requests) + RATE_LIMIT_RESERVE + 2

    assert mastodon_deletions_sweep(chat_id=chat.pk, source=mastodon_source) == 0

    assert len(mastodon_server.requests) == mastodon_server.rate_limit - RATE_LIMIT_RESERVE + 1
