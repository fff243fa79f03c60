"""The Mastodon source, through the real Mastodon.py client, against fake servers on 127.0.0.1."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Sum

from archive.models import Account, Post, ReadUsage
from archive.networks import Network
from archive.services.ingest import cursor_for, pull_run
from archive.sources import PullQuery, RateLimited, SourceAuthError, SourceUnavailable
from archive.sources.mastodon import MastodonSource
from community.models import Community
from tests.archive.sources.conftest import TIMEOUT, source_for
from tests.fakes.mastodon_api import (
    USER_TOKEN,
    FakeMastodon,
    federated_copy,
    make_account,
    make_boost,
    make_media,
    make_status,
)

START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
ALICE = make_account("alice", domain="mastodon.social")
BOB = make_account("bob", domain="scholar.social", local_to="mastodon.social")


def statuses(
    count: int, *, start: datetime = START, tags: tuple[str, ...] = ("chat",)
) -> list[dict[str, Any]]:
    hashtags = " ".join(f"#{t}" for t in tags)
    return [
        make_status(
            ALICE if i % 2 else BOB,
            f"A{i % 6 + 1} answer number {i} {hashtags}",
            tags=tags,
            created_at=start + timedelta(seconds=10 * i),
        )
        for i in range(count)
    ]


def query(**fields: Any) -> PullQuery:
    return PullQuery(hashtags=("chat",), **fields)


def pull(community: Community, source: MastodonSource, **fields: Any) -> Any:
    cursor = cursor_for(network=Network.MASTODON, community=community, hashtags=["chat"])
    cursor.refresh_from_db()
    since = cursor.newest_id or None
    return pull_run(cursor=cursor, source=source, query=query(since_id=since, **fields))


def test_it_pages_down_the_tag_timeline_forty_at_a_time_until_the_server_has_no_more(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    mastodon_server.add_statuses(*statuses(90))

    pages = list(mastodon_source.fetch_pages(query()))

    assert [len(p.posts) for p in pages] == [40, 40, 10, 0]
    assert [p.last for p in pages] == [False, False, False, True]
    ids = [p.newest_id for p in pages[:3]]
    assert ids == sorted(ids, key=int, reverse=True)
    calls = mastodon_server.timeline_requests()
    assert calls[1].params["max_id"] == [pages[0].oldest_id]
    assert calls[0].params["limit"] == ["40"]


def test_it_normalises_a_status_keyed_by_its_canonical_uri(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    photo = make_media(name="board")
    card = {"url": "https://example.org/paper", "title": "The paper", "type": "link"}
    status = make_status(
        BOB,
        "A2 see https://example.org/paper #chat",
        tags=["Chat"],
        media=[photo],
        card=card,
        created_at=START,
        favourites=3,
    )
    status["content"] = status["content"].replace(
        "https://example.org/paper",
        '<a href="https://example.org/paper" rel="nofollow noopener" target="_blank">'
        '<span class="invisible">https://</span><span class="">example.org/paper</span></a>',
    )
    mastodon_server.add_statuses(status)

    (post,) = next(mastodon_source.fetch_pages(query())).posts

    assert post.external_id == status["uri"] != status["id"]
    assert post.url == status["url"]
    assert post.author.external_id == "https://scholar.social/users/bob"
    assert post.author.handle == "bob@scholar.social"
    assert post.text == "A2 see https://example.org/paper #chat"
    assert (
        '<a href="https://example.org/paper" rel="nofollow noopener ugc">example.org/paper</a>'
        in post.html
    )
    assert post.links == ({"url": "https://example.org/paper", "title": "The paper"},)
    assert post.media == (
        {"type": "image", "url": photo["url"], "preview_url": photo["preview_url"]},
    )
    assert post.hashtags == ("chat",)
    assert post.metrics["likes"] == 3
    assert post.raw["id"] == status["id"]
    assert post.raw["_server"] == "mastodon.social"


def test_it_qualifies_a_local_accounts_handle_with_its_server(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    mastodon_server.add_statuses(make_status(ALICE, "A1 #chat", tags=["chat"], created_at=START))

    (post,) = next(mastodon_source.fetch_pages(query())).posts

    assert ALICE["acct"] == "alice"
    assert post.author.handle == "alice@mastodon.social"


def test_it_reads_only_what_is_newer_than_since_id_and_older_than_until_id(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    posted = statuses(10)
    mastodon_server.add_statuses(*posted)
    ids = sorted((s["id"] for s in posted), key=int)

    newer = [p for page in mastodon_source.fetch_pages(query(since_id=ids[6])) for p in page.posts]
    older = [p for page in mastodon_source.fetch_pages(query(until_id=ids[3])) for p in page.posts]

    assert [p.raw["id"] for p in newer] == ids[:6:-1]
    assert [p.raw["id"] for p in older] == ids[2::-1]
    assert mastodon_server.timeline_requests()[0].params["since_id"] == [ids[6]]


def test_it_stops_paging_at_start_time_and_skips_what_is_newer_than_end_time(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    mastodon_server.add_statuses(*statuses(200, start=START - timedelta(minutes=20)))
    start, end = START, START + timedelta(minutes=5)

    pages = list(mastodon_source.fetch_pages(query(start_time=start, end_time=end)))

    posts = [p for page in pages for p in page.posts]
    assert posts
    assert all(start <= p.created_at <= end for p in posts)
    assert len(posts) == 31  # every ten seconds, both ends included
    assert pages[-1].last
    # The timeline has 200 statuses: it stopped at start_time, not at the bottom.
    assert len(mastodon_server.timeline_requests()) < 5


def test_it_asks_for_several_hashtags_in_one_timeline(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    mastodon_server.add_statuses(*statuses(3), *statuses(2, tags=("otherchat",)))
    mastodon_server.add_statuses(*statuses(2, tags=("unrelated",)))

    pages = list(mastodon_source.fetch_pages(PullQuery(hashtags=("#Chat", "otherchat"))))

    assert sum(len(p.posts) for p in pages) == 5
    first = mastodon_server.timeline_requests()[0]
    assert first.path == "/api/v1/timelines/tag/chat"
    assert first.params["any[]"] == ["otherchat"]


def test_it_skips_boosts_and_never_stores_them(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    original = make_status(ALICE, "A1 the original #chat", tags=["chat"], created_at=START)
    boost = make_boost(BOB, original)
    mastodon_server.add_statuses(original, boost)

    result = pull(community, mastodon_source)

    assert result.complete
    assert result.skipped_reasons == [f"{boost['id']}: boost"]
    assert list(Post.objects.values_list("external_id", flat=True)) == [original["uri"]]


def test_it_replaces_an_edited_status_with_its_new_text(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    status = make_status(ALICE, "A1 frist #chat", tags=["chat"], created_at=START)
    mastodon_server.add_statuses(status)
    pull(community, mastodon_source, start_time=START - timedelta(minutes=1))

    mastodon_server.edit(status["id"], "A1 first #chat")
    # A final sweep reads the chat's whole window again; the edit kept the id and uri.
    cursor = cursor_for(network=Network.MASTODON, community=community, hashtags=["chat"])
    pull_run(
        cursor=cursor, source=mastodon_source, query=query(start_time=START - timedelta(minutes=1))
    )

    post = Post.objects.get()
    assert post.text == "A1 first #chat"
    assert post.raw["edited_at"] is not None


def test_it_stores_a_status_seen_through_two_servers_once(
    community: Community, mastodon_server: FakeMastodon, second_server: FakeMastodon
) -> None:
    status = make_status(ALICE, "A3 federated #chat", tags=["chat"], created_at=START)
    mastodon_server.add_statuses(status)
    second_server.add_statuses(federated_copy(status, to_domain=second_server.domain))

    for server in (mastodon_server, second_server):
        source = source_for(server)
        cursor = cursor_for(network=Network.MASTODON, community=community, hashtags=[server.domain])
        pull_run(cursor=cursor, source=source, query=query())

    post = Post.objects.get()
    assert post.external_id == status["uri"]
    assert Account.objects.get().handle == "alice@mastodon.social"


def test_it_resolves_a_reply_to_a_parent_the_pull_has_seen(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    question = make_status(ALICE, "Q1 what? #chat", tags=["chat"], created_at=START)
    answer = make_status(
        BOB,
        "A1 this #chat",
        tags=["chat"],
        created_at=START + timedelta(minutes=1),
        in_reply_to=question,
    )
    elsewhere = make_status(
        BOB, "A1 that #chat", tags=["chat"], created_at=START + timedelta(minutes=2)
    )
    elsewhere["in_reply_to_id"] = "1"  # a parent the timeline does not carry
    mastodon_server.add_statuses(question, answer, elsewhere)

    posts = {p.text: p for p in next(mastodon_source.fetch_pages(query())).posts}

    assert posts["A1 this #chat"].reply_to_id == question["uri"]
    assert posts["A1 this #chat"].conversation_id == question["uri"]
    assert posts["Q1 what? #chat"].conversation_id == question["uri"]
    assert posts["A1 that #chat"].reply_to_id is None
    assert posts["A1 that #chat"].conversation_id is None


def test_it_skips_a_malformed_status_and_keeps_the_rest_of_the_page(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    good, bad, broken = statuses(3)
    mastodon_server.add_statuses(good, bad, broken)
    mastodon_server.corrupt(bad["id"], drop=["uri"])
    mastodon_server.corrupt(broken["id"], created_at="yesterday")

    result = pull(community, mastodon_source)

    assert result.complete
    assert result.new == 1
    assert sorted(result.skipped_reasons) == sorted(
        [
            f"{bad['id']}: uri is missing or not a string",
            f"{broken['id']}: created_at 'yesterday' is not a timestamp",
        ]
    )
    assert Post.objects.get().external_id == good["uri"]


def test_it_turns_a_429_into_rate_limited_until_the_servers_reset(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    mastodon_server.fail_next(status=429, reset_in=120)

    with pytest.raises(RateLimited) as caught:
        list(mastodon_source.fetch_pages(query()))

    expected = datetime.now(UTC) + timedelta(seconds=120)
    assert abs((caught.value.reset_at - expected).total_seconds()) < 5


def test_it_reports_a_server_that_wants_a_login_for_its_timelines(settings: Any) -> None:
    with FakeMastodon(domain="scholar.social", public_timelines=False) as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        with pytest.raises(SourceAuthError, match="MASTODON_ACCESS_TOKENS"):
            list(source_for(server).fetch_pages(query()))
        server.add_statuses(make_status(ALICE, "A1 #chat", tags=["chat"], created_at=START))
        pages = list(source_for(server, access_token=USER_TOKEN).fetch_pages(query()))
    assert sum(len(p.posts) for p in pages) == 1
    assert server.timeline_requests()[-1].authorization == f"Bearer {USER_TOKEN}"


def test_it_never_reads_a_server_whose_name_points_inside_our_network(
    mastodon_server: FakeMastodon, settings: Any
) -> None:
    # Organisers name the servers: in production (no override) a name resolving to a
    # loopback or private address is refused before any request is sent.
    settings.MASTODON_API_BASE_URL_OVERRIDE = ""
    source = MastodonSource(server="localhost", api_base_url=mastodon_server.base_url)

    with pytest.raises(SourceUnavailable, match="non-public address"):
        list(source.fetch_pages(query()))
    assert mastodon_server.timeline_requests() == []


def test_it_reports_a_refused_token_as_an_auth_error(mastodon_server: FakeMastodon) -> None:
    with pytest.raises(SourceAuthError, match="refused our access token"):
        list(source_for(mastodon_server, access_token="revoked").fetch_pages(query()))


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_reports_a_server_error_as_unavailable(
    mastodon_server: FakeMastodon, mastodon_source: MastodonSource, status: int
) -> None:
    mastodon_server.fail_next(status=status)

    with pytest.raises(SourceUnavailable, match=str(status)):
        list(mastodon_source.fetch_pages(query()))


def test_it_reports_a_server_it_cannot_reach_as_unavailable() -> None:
    with FakeMastodon() as server:
        base_url = server.base_url
    source = MastodonSource(server="gone.example", api_base_url=base_url, timeout=TIMEOUT)

    with pytest.raises(SourceUnavailable, match="could not be reached"):
        list(source.fetch_pages(query()))


def test_it_keeps_what_a_pull_stored_when_a_later_page_fails(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    mastodon_server.add_statuses(*statuses(60))
    mastodon_server.fail_next(status=503, after=1)

    with pytest.raises(SourceUnavailable):
        pull(community, mastodon_source)
    assert Post.objects.count() == 40

    result = pull(community, mastodon_source, until_id=_gap(community))
    assert result.complete
    assert Post.objects.count() == 60


def _gap(community: Community) -> str:
    cursor = cursor_for(network=Network.MASTODON, community=community, hashtags=["chat"])
    cursor.refresh_from_db()
    return cursor.resume_until_id


def test_it_reads_at_most_1_05_statuses_per_archived_post_over_a_chat(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    """An hour's chat, 6 statuses a minute, pulled once a minute from the cursor."""
    reads = 0
    for minute in range(60):
        mastodon_server.add_statuses(*statuses(6, start=START + timedelta(minutes=minute)))
        reads += pull(community, mastodon_source).posts_read

    stored = Post.objects.count()
    assert stored == 360
    assert reads / stored <= 1.05
    assert mastodon_server.statuses_served() == reads
    # Mastodon bills nothing: reads count against the budget, never as a cost.
    assert ReadUsage.objects.aggregate(billed=Sum("posts_billed"))["billed"] == 0


def test_it_stores_statuses_whose_uris_are_long(
    community: Community, mastodon_server: FakeMastodon, mastodon_source: MastodonSource
) -> None:
    author = make_account("a_rather_long_username_of_thirty", domain="scholar.social")
    status = make_status(author, "A1 #chat", tags=["chat"], created_at=START)
    assert len(status["uri"]) > 64
    mastodon_server.add_statuses(status)

    assert pull(community, mastodon_source).complete
    assert Post.objects.get().external_id == status["uri"]
