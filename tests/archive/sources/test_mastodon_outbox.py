"""A Mastodon account archive's outbox.json imports as the live source pulls."""

import io
from datetime import UTC, datetime, timedelta

from archive.imports import mastodon_outbox
from archive.models import Post
from archive.networks import Network
from archive.services.ingest import cursor_for, posts_store, pull_run
from archive.sources import PullQuery
from archive.sources.mastodon import MastodonSource
from community.models import Community
from tests.fakes.mastodon_api import (
    FakeMastodon,
    announce_activity,
    make_account,
    make_media,
    make_outbox,
    make_status,
    outbox_activity,
)

START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
ALICE = make_account("alice")
BOB = make_account("bob", domain="scholar.social")


def _statuses(count: int) -> list[dict]:
    return [
        make_status(
            ALICE,
            f"A{i % 6 + 1} answer {i} #KMers",
            tags=["KMers"],
            created_at=START + timedelta(minutes=i),
        )
        for i in range(count)
    ]


def _read(data: bytes, hashtags: frozenset[str] = frozenset()) -> list:
    return list(mastodon_outbox.pages(io.BytesIO(data), hashtags=hashtags))


def test_it_reads_public_notes_as_the_live_source_normalises_them(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    status = make_status(ALICE, "A1 first\n\nsecond line #KMers", tags=["KMers"], created_at=START)
    mastodon_server.add_statuses(status)
    (live,) = next(mastodon_source.fetch_pages(PullQuery(hashtags=("kmers",)))).posts

    (page,) = _read(make_outbox([outbox_activity(status)]))
    (imported,) = page.posts

    assert imported.external_id == live.external_id == status["uri"]
    assert imported.author.external_id == live.author.external_id
    assert imported.author.handle == live.author.handle == "alice@mastodon.social"
    assert (imported.html, imported.text) == (live.html, live.text)
    assert imported.url == live.url
    assert imported.created_at == live.created_at
    assert imported.hashtags == ("kmers",)
    assert imported.language == "en"


def test_it_stores_a_post_imported_and_then_pulled_once(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    posted = _statuses(3)
    for page in _read(make_outbox(outbox_activity(s) for s in posted)):
        posts_store(posts=page.posts)
    mastodon_server.add_statuses(*posted)

    cursor = cursor_for(network=Network.MASTODON, community=community, hashtags=["kmers"])
    result = pull_run(cursor=cursor, source=mastodon_source, query=PullQuery(hashtags=("kmers",)))

    assert result.new == 0
    assert Post.objects.count() == 3
    for page in _read(make_outbox(outbox_activity(s) for s in posted)):
        assert posts_store(posts=page.posts).new == 0


def test_it_numbers_the_records_it_skips_and_reads_on(community: Community) -> None:
    good = _statuses(3)
    broken = outbox_activity(good[1])
    broken["object"]["published"] = "last tuesday"
    private = outbox_activity(_statuses(1)[0], visibility="private")
    activities = [
        outbox_activity(good[0]),
        announce_activity(ALICE, make_status(BOB, "A2 boosted #KMers", tags=["KMers"])),
        broken,
        "not an activity",
        private,
        {"type": "Create", "actor": ALICE["uri"], "object": {"type": "Question"}},
        outbox_activity(good[2]),
    ]

    (page,) = _read(make_outbox(activities))

    assert [p.external_id for p in page.posts] == [good[0]["uri"], good[2]["uri"]]
    assert [s.reason for s in page.skipped] == [
        "record 2: a boost is not a post",
        "record 3: published 'last tuesday' is not a timestamp",
        "record 4: not an object",
        "record 5: not public",
        "record 6: its object is not a Note",
    ]


def test_it_keeps_only_posts_carrying_one_of_the_hashtags() -> None:
    ours = make_status(ALICE, "A1 #KMers", tags=["KMers"], created_at=START)
    other = make_status(ALICE, "lunch #food", tags=["food"], created_at=START)

    (page,) = _read(
        make_outbox([outbox_activity(ours), outbox_activity(other)]), frozenset({"kmers"})
    )

    assert [p.external_id for p in page.posts] == [ours["uri"]]
    assert page.skipped == ()


def test_it_pages_by_a_hundred_and_moves_the_stream_for_progress() -> None:
    data = make_outbox(outbox_activity(s) for s in _statuses(250))
    stream = io.BytesIO(data)
    positions = []

    sizes = []
    for page in mastodon_outbox.pages(stream, hashtags=frozenset()):
        sizes.append(len(page.posts))
        positions.append(stream.tell())

    assert sizes == [100, 100, 50]
    assert positions == sorted(positions)
    assert 0 < positions[0] < positions[-1] == len(data)


def test_it_threads_replies_to_their_parents_uri() -> None:
    question = make_status(ALICE, "Q1 what? #KMers", tags=["KMers"], created_at=START)
    answer = make_status(
        BOB, "A1 this #KMers", tags=["KMers"], created_at=START + timedelta(minutes=1)
    )
    answer["_in_reply_to_uri"] = question["uri"]

    (page,) = _read(make_outbox([outbox_activity(question), outbox_activity(answer)]))

    first, second = page.posts
    assert second.reply_to_id == question["uri"]
    assert second.conversation_id == first.conversation_id == question["uri"]


def test_it_keeps_only_absolute_media_urls_and_reports_a_file_that_is_not_json() -> None:
    status = make_status(ALICE, "A1 #KMers", tags=["KMers"], created_at=START, media=[make_media()])
    activity = outbox_activity(status)
    activity["object"]["attachment"].append(
        {"type": "Document", "mediaType": "image/jpeg", "url": "https://files.example/a.jpg"}
    )

    (page,) = _read(make_outbox([activity]))
    assert page.posts[0].media == (
        {
            "type": "image",
            "url": "https://files.example/a.jpg",
            "preview_url": "https://files.example/a.jpg",
        },
    )

    (broken,) = _read(b'{"orderedItems": [\n{"type": "Create"},\n')
    assert broken.skipped[0].reason.startswith("line 3: the file is not JSON")
