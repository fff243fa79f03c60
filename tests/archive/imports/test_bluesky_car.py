"""Importing a Bluesky repository export (CAR): the same posts, ids and HTML as a pull."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.imports.bluesky_car import pages
from archive.models import Account, Post
from archive.networks import Network
from archive.services.ingest import posts_store
from archive.sources.base import PullQuery
from archive.sources.bluesky import BlueskySource
from archive.sources.bluesky_objects import normalise_post_view
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyApi,
    bsky_time,
    facet,
    link,
    make_bsky_post,
    mention,
    running_fake,
    tag,
    tid,
)
from tests.fakes.bluesky_car import RepoExport, cid_for

T0 = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
KMERS = frozenset({"kmers"})


@pytest.fixture
def bluesky_api() -> Iterator[FakeBlueskyApi]:
    yield from running_fake()


def export_of(views: list[dict[str, Any]], **kwargs: Any) -> RepoExport:
    """The export of the repository these post views (all by one author) live in."""
    did = views[0]["author"]["did"]
    export = RepoExport(did=did, **kwargs)
    for view in views:
        export.add_post(view["uri"].rsplit("/", 1)[1], view["record"])
    return export


def read(export: RepoExport, hashtags: frozenset[str] = KMERS) -> list:
    return list(pages(io.BytesIO(export.to_bytes()), hashtags=hashtags))


def post_record(text: str, *, at: datetime = T0, **fields: Any) -> dict[str, Any]:
    return {"$type": "app.bsky.feed.post", "text": text, "createdAt": bsky_time(at), **fields}


def test_it_reads_posts_as_the_live_source_normalises_them() -> None:
    text = "A1 ask @olga.bsky.social: https://example.org/kg 🧠 #KMers"
    facets = [
        facet(text, "@olga.bsky.social", mention("did:plc:olgaolgaolgaolgaolgaolga")),
        facet(text, "https://example.org/kg", link("https://example.org/kg")),
        facet(text, "#KMers", tag("KMers")),
    ]
    question = make_bsky_post(text="Q1 Graphs? #KMers", at=T0)
    answer = make_bsky_post(
        text=text, facets=facets, at=T0 + timedelta(minutes=1), reply_to=question
    )

    (page,) = read(export_of([question, answer], display_name="Mona"))

    imported = {p.external_id: p for p in page.posts}
    for view in (question, answer):
        pulled = normalise_post_view(view)
        got = imported[view["uri"]]
        assert got.external_id == pulled.external_id
        assert got.html == pulled.html
        assert got.text == pulled.text
        assert got.hashtags == pulled.hashtags
        assert got.created_at == pulled.created_at
        assert got.reply_to_id == pulled.reply_to_id
        assert got.conversation_id == pulled.conversation_id
        assert got.links == pulled.links
        assert got.network == Network.BLUESKY
    author = imported[answer["uri"]].author
    assert author.external_id == answer["author"]["did"]
    assert author.display_name == "Mona"
    assert author.handle == ""  # an export names no handle; a pull fills it in


def test_it_keeps_posts_with_the_hashtag_in_a_facet_the_tags_or_the_text() -> None:
    export = RepoExport(did="did:plc:monamonamonamonamonamona")
    export.add_post(tid(T0), post_record("facet", facets=[facet("facet", "facet", tag("KMers"))]))
    export.add_post(tid(T0), post_record("hidden tag", tags=["kmers"]))
    export.add_post(tid(T0), post_record("typed #kmers without a facet"))
    export.add_post(tid(T0), post_record("another chat #elsewhere"))
    export.add("app.bsky.feed.like/" + tid(T0), {"$type": "app.bsky.feed.like"})

    (page,) = read(export)
    (everything,) = read(export, frozenset())

    assert sorted(p.text for p in page.posts) == [
        "facet",
        "hidden tag",
        "typed #kmers without a facet",
    ]
    assert page.skipped == ()
    assert len(everything.posts) == 4  # likes and the profile are no posts


def test_it_skips_broken_records_by_position_and_keeps_the_rest() -> None:
    export = RepoExport(did="did:plc:monamonamonamonamonamona")
    good = [tid(T0 + timedelta(seconds=n)) for n in range(3)]
    for rkey in good:
        export.add_post(rkey, post_record("fine #kmers"))
    export.add_post("3zzzzzzzzzz2a", {"$type": "app.bsky.feed.post", "createdAt": bsky_time(T0)})
    export.add_post("3zzzzzzzzzz3a", post_record("naive #kmers") | {"createdAt": "2026-11-24"})
    export.add_post("3zzzzzzzzzz4a", {"$type": "app.bsky.feed.like", "text": "#kmers"})
    export.add_raw_block("app.bsky.feed.post/3zzzzzzzzzz5a", b"\xff not dag-cbor")
    export.add_post("3zzzzzzzzzz6a", post_record("gone #kmers"))
    export.leave_out("app.bsky.feed.post/3zzzzzzzzzz6a")

    (page,) = read(export)

    assert len(page.posts) == 3
    reasons = sorted(s.reason.split(": ", 1)[1] for s in page.skipped)
    assert reasons == [
        "it is not a post record",
        "its block is missing or does not decode",
        "its block is missing or does not decode",
        "record.createdAt is missing or not a timestamp",
        "record.text is missing or not a string",
    ]
    assert all(s.reason.startswith("record ") for s in page.skipped)
    assert all(s.external_id and s.external_id.startswith("at://") for s in page.skipped)


def test_it_reports_a_file_that_is_no_export_without_raising() -> None:
    (page,) = pages(io.BytesIO(b"id,text\n1,hello #kmers\n"), hashtags=KMERS)

    assert page.posts == ()
    (skipped,) = page.skipped
    assert skipped.reason.startswith("record 0: not a readable CAR file")


def test_it_hands_pages_of_at_most_a_hundred_and_moves_the_stream_to_the_end() -> None:
    export = RepoExport(did="did:plc:monamonamonamonamonamona")
    for n in range(250):
        export.add_post(tid(T0 + timedelta(seconds=n)), post_record(f"A{n} #kmers"))
    stream = io.BytesIO(export.to_bytes())

    sizes = [len(p.posts) for p in pages(stream, hashtags=KMERS)]

    assert sizes == [100, 100, 50]
    assert stream.tell() == len(stream.getvalue())


def test_it_shows_images_at_bluesky_cdn_addresses() -> None:
    did = "did:plc:monamonamonamonamonamona"
    blob = cid_for(b"jpeg bytes")
    image = {"$type": "blob", "ref": blob, "mimeType": "image/jpeg", "size": 10}
    embed = {"$type": "app.bsky.embed.images", "images": [{"image": image, "alt": "A graph"}]}
    export = RepoExport(did=did, avatar_cid=cid_for(b"avatar"))
    export.add_post(tid(T0), post_record("#kmers look", embed=embed))

    (page,) = read(export)

    (media,) = page.posts[0].media
    assert media["url"].startswith(f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/bafy")
    assert media["preview_url"].startswith("https://cdn.bsky.app/img/feed_thumbnail/plain/")
    assert media["alt"] == "A graph"
    assert page.posts[0].author.avatar_url.startswith("https://cdn.bsky.app/img/avatar/plain/")


@pytest.mark.django_db
def test_it_stores_each_post_once_whether_imported_twice_or_pulled_later(
    bluesky_api: FakeBlueskyApi,
) -> None:
    views = [
        make_bsky_post(text=f"A{n} #KMers", handle="mona.bsky.social", at=T0 + timedelta(minutes=n))
        for n in range(3)
    ]
    export = export_of(views, display_name="Mona")
    for _ in range(2):
        for page in read(export):
            posts_store(posts=page.posts)
    account = Account.objects.get(network=Network.BLUESKY)
    assert account.handle == ""
    assert account.shown_name == "Mona"

    bluesky_api.add_posts(*views)
    source = BlueskySource(handle=HANDLE, app_password=APP_PASSWORD, base_url=bluesky_api.base_url)
    for page in source.fetch_pages(PullQuery(hashtags=("kmers",))):
        posts_store(posts=page.posts)
    for page in read(export):
        posts_store(posts=page.posts)

    assert Post.objects.filter(network=Network.BLUESKY).count() == 3
    account.refresh_from_db()
    # The pull named the account; a later import does not blank its handle.
    assert account.handle == "mona.bsky.social"


def _valid_export() -> bytes:
    export = RepoExport(did="did:plc:monamonamonamonamonamona", display_name="Mona")
    for n in range(12):
        export.add_post(tid(T0 + timedelta(seconds=n)), post_record(f"A{n} #kmers 🧠"))
    return export.to_bytes()


VALID = _valid_export()


@settings(max_examples=150, deadline=None)
@given(
    cut=st.integers(0, len(VALID)),
    flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=4),
)
def test_it_never_raises_on_a_truncated_or_damaged_export(cut: int, flips: list) -> None:
    data = bytearray(VALID[:cut] if cut < len(VALID) else VALID)
    for at, value in flips:
        if at < len(data):
            data[at] = value

    read_pages = list(pages(io.BytesIO(bytes(data)), hashtags=KMERS))

    for page in read_pages:
        assert len(page.posts) <= 100
        assert all(s.reason.startswith("record ") for s in page.skipped)
        assert all(p.external_id.startswith("at://did:plc:") for p in page.posts)
