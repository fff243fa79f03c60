"""BlueskySource through the real atproto SDK against the fake PDS/AppView on 127.0.0.1."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from archive.networks import Network
from archive.sources.base import (
    PullQuery,
    RateLimited,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)
from archive.sources.bluesky import BlueskySource, stamp
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyApi,
    external_embed,
    facet,
    image_embed,
    link,
    make_bsky_post,
    mention,
    quote_embed,
    running_fake,
    tag,
)
from tests.fakes.servers import free_port

T0 = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
SEARCH = "app.bsky.feed.searchPosts"


@pytest.fixture
def bluesky_api() -> Iterator[FakeBlueskyApi]:
    yield from running_fake()


def source_for(api: FakeBlueskyApi, **kwargs: str) -> BlueskySource:
    options = {"handle": HANDLE, "app_password": APP_PASSWORD, **kwargs}
    return BlueskySource(base_url=api.base_url, timeout=5, **options)


def chat_posts(count: int, *, start: datetime = T0, text: str = "A1 yes #KMers") -> list[dict]:
    return [
        make_bsky_post(
            text=text, handle=f"kmer{n % 7}.bsky.social", at=start + n * timedelta(seconds=7)
        )
        for n in range(count)
    ]


def test_it_logs_in_once_and_reads_every_page_newest_first(bluesky_api: FakeBlueskyApi) -> None:
    posts = chat_posts(230)
    bluesky_api.add_posts(*posts)

    pages = list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("KMers",))))

    assert [len(p.posts) for p in pages] == [100, 100, 30]
    assert [p.last for p in pages] == [False, False, True]
    read = [post.external_id for page in pages for post in page.posts]
    assert read == [p["uri"] for p in reversed(posts)]
    assert pages[0].newest_id == stamp(T0 + 229 * timedelta(seconds=7))
    assert pages[-1].oldest_id == stamp(T0)
    assert len(bluesky_api.calls("com.atproto.server.createSession")) == 1
    searches = bluesky_api.calls(SEARCH)
    assert all(r.authorization and r.authorization.startswith("Bearer ") for r in searches)
    assert searches[0].params["tag"] == ["KMers"]
    assert searches[0].params["sort"] == ["latest"]
    assert searches[0].params["limit"] == ["100"]
    assert "cursor" not in searches[0].params
    assert searches[1].params["cursor"] == ["100"]


def test_it_keeps_its_session_for_the_next_pull(bluesky_api: FakeBlueskyApi) -> None:
    bluesky_api.add_posts(*chat_posts(3))

    for _ in range(3):
        list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))

    # createSession is limited to 30 a 5 minutes: one login serves every pull of a worker.
    assert len(bluesky_api.calls("com.atproto.server.createSession")) == 1
    assert len(bluesky_api.calls(SEARCH)) == 3


def test_it_reads_only_after_since_id_and_before_until_id(bluesky_api: FakeBlueskyApi) -> None:
    posts = chat_posts(10)
    bluesky_api.add_posts(*posts)
    source = source_for(bluesky_api)
    first = next(iter(source.fetch_pages(PullQuery(hashtags=("kmers",)))))
    later = chat_posts(4, start=T0 + timedelta(minutes=5))
    bluesky_api.add_posts(*later)

    newer = list(source.fetch_pages(PullQuery(hashtags=("kmers",), since_id=first.newest_id)))
    gap_until = stamp(T0 + 5 * timedelta(seconds=7))
    older = list(source.fetch_pages(PullQuery(hashtags=("kmers",), until_id=gap_until)))

    assert [p.external_id for p in newer[0].posts] == [p["uri"] for p in reversed(later)]
    assert [p.external_id for p in older[0].posts] == [p["uri"] for p in reversed(posts[:5])]
    assert newer[-1].last
    assert older[-1].last


def test_it_reads_nothing_when_since_and_end_leave_no_window(bluesky_api: FakeBlueskyApi) -> None:
    query = PullQuery(hashtags=("kmers",), start_time=T0, end_time=T0)

    assert list(source_for(bluesky_api).fetch_pages(query)) == []
    assert bluesky_api.requests == []


def test_it_searches_each_hashtag_and_starts_from_the_newest_post(
    bluesky_api: FakeBlueskyApi,
) -> None:
    kmers = chat_posts(120, text="#KMers talk")
    graphs = chat_posts(3, start=T0 + timedelta(hours=1), text="#kmgraphs talk")
    bluesky_api.add_posts(*kmers, *graphs)

    pages = list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("KMers", "kmgraphs"))))

    stored = {p.external_id for page in pages for p in page.posts}
    assert stored == {p["uri"] for p in kmers + graphs}
    assert [len(p.posts) for p in pages] == [100, 23]
    assert [p.last for p in pages] == [False, True]
    # Newest first across both hashtags: the cursor moves to the newest of either.
    assert pages[0].newest_id == stamp(T0 + timedelta(hours=1, seconds=14))
    assert [r.params["tag"] for r in bluesky_api.calls(SEARCH)] == [
        ["KMers"],
        ["kmgraphs"],
        ["KMers"],
    ]


def test_it_keeps_replies_quotes_images_and_link_cards(bluesky_api: FakeBlueskyApi) -> None:
    question = make_bsky_post(text="Q1 What is a graph? #KMers", handle="host.bsky.social", at=T0)
    answer = make_bsky_post(
        text="A1 nodes and edges #KMers",
        at=T0 + timedelta(minutes=1),
        reply_to=question,
        embed=image_embed("A whiteboard with three circles"),
    )
    nested = make_bsky_post(text="A1 agreed #KMers", at=T0 + timedelta(minutes=2), reply_to=answer)
    quote = make_bsky_post(
        text="Look at this #KMers", at=T0 + timedelta(minutes=3), embed=quote_embed(question)
    )
    card = make_bsky_post(
        text="Reading #KMers",
        at=T0 + timedelta(minutes=4),
        embed=external_embed("https://example.org/graphs", "Graphs, gently"),
        likes=4,
        replies=1,
        reposts=2,
        quotes=3,
    )
    bluesky_api.add_posts(question, answer, nested, quote, card)

    (page,) = source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",)))
    got = {p.external_id: p for p in page.posts}

    assert got[question["uri"]].conversation_id == question["uri"]
    assert got[question["uri"]].reply_to_id is None
    assert got[answer["uri"]].reply_to_id == question["uri"]
    assert got[nested["uri"]].reply_to_id == answer["uri"]
    assert got[nested["uri"]].conversation_id == question["uri"]
    assert got[quote["uri"]].quoted_id == question["uri"]
    (image,) = got[answer["uri"]].media
    assert image["type"] == "photo"
    assert image["url"].startswith("https://cdn.bsky.app/img/feed_fullsize/")
    assert image["preview_url"].startswith("https://cdn.bsky.app/img/feed_thumbnail/")
    assert image["alt"] == "A whiteboard with three circles"
    assert got[card["uri"]].links == (
        {"url": "https://example.org/graphs", "title": "Graphs, gently"},
    )
    assert got[card["uri"]].metrics == {"likes": 4, "replies": 1, "reposts": 2, "quotes": 3}
    rkey = question["uri"].rsplit("/", 1)[1]
    assert got[question["uri"]].url == f"https://bsky.app/profile/host.bsky.social/post/{rkey}"
    assert got[question["uri"]].author.external_id == question["author"]["did"]
    assert got[question["uri"]].author.handle == "host.bsky.social"
    assert got[question["uri"]].network == Network.BLUESKY
    assert got[question["uri"]].language == "en"
    assert got[question["uri"]].created_at == T0


def test_it_renders_facets_as_the_x_renderer_does(bluesky_api: FakeBlueskyApi) -> None:
    text = "🧠 A1 ask @olga.bsky.social about https://example.org/kg… #KMers & <b>"
    facets = [
        facet(text, "@olga.bsky.social", mention("did:plc:olgaolgaolgaolgaolgaolga")),
        facet(text, "https://example.org/kg…", link("https://example.org/kg/intro")),
        facet(text, "#KMers", tag("KMers")),
    ]
    post = make_bsky_post(text=text, facets=facets, tags=["kmgraphs"], at=T0)
    bluesky_api.add_posts(post)

    (page,) = source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",)))
    (got,) = page.posts

    assert got.html == (
        "🧠 A1 ask "
        '<a href="https://bsky.app/profile/did:plc:olgaolgaolgaolgaolgaolga" '
        'rel="nofollow noopener ugc">@olga.bsky.social</a> about '
        '<a href="https://example.org/kg/intro" rel="nofollow noopener ugc">'
        "https://example.org/kg…</a> "
        '<a href="/search/?q=%23KMers">#KMers</a> &amp; &lt;b&gt;'
    )
    assert got.text == text
    assert got.hashtags == ("kmers", "kmgraphs")
    assert got.links == ({"url": "https://example.org/kg/intro", "title": ""},)


def test_it_waits_for_the_reset_bluesky_names_on_a_429(bluesky_api: FakeBlueskyApi) -> None:
    bluesky_api.add_posts(*chat_posts(3))
    bluesky_api.fail_next(status=429, reset_in=120, nsid=SEARCH)

    with pytest.raises(RateLimited) as caught:
        list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))

    wait = caught.value.reset_at - datetime.now(UTC)
    assert timedelta(seconds=100) < wait <= timedelta(seconds=121)


def test_it_refuses_to_run_on_a_wrong_app_password(bluesky_api: FakeBlueskyApi) -> None:
    source = source_for(bluesky_api, app_password="wrong-pass-word-here")

    with pytest.raises(SourceAuthError, match="Invalid identifier or password"):
        list(source.fetch_pages(PullQuery(hashtags=("kmers",))))
    assert bluesky_api.calls(SEARCH) == []


def test_it_refuses_to_run_without_credentials(bluesky_api: FakeBlueskyApi) -> None:
    with pytest.raises(SourceAuthError, match="No Bluesky handle"):
        list(source_for(bluesky_api, handle="").fetch_pages(PullQuery(hashtags=("kmers",))))
    assert bluesky_api.requests == []


def test_it_reports_a_401_on_search_as_refused_credentials(bluesky_api: FakeBlueskyApi) -> None:
    bluesky_api.fail_next(status=401, error="AuthMissing", nsid=SEARCH)

    with pytest.raises(SourceAuthError):
        list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_reports_server_errors_as_unavailable(bluesky_api: FakeBlueskyApi, status: int) -> None:
    bluesky_api.fail_next(status=status, nsid=SEARCH)

    with pytest.raises(SourceUnavailable):
        list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))


def test_it_reports_an_unreachable_server_as_unavailable() -> None:
    source = BlueskySource(
        handle=HANDLE, app_password=APP_PASSWORD, base_url=f"http://127.0.0.1:{free_port()}"
    )

    with pytest.raises(SourceUnavailable):
        list(source.fetch_pages(PullQuery(hashtags=("kmers",))))


def test_it_reports_other_refusals_as_source_errors(bluesky_api: FakeBlueskyApi) -> None:
    bluesky_api.fail_next(status=400, error="InvalidRequest", nsid=SEARCH)

    with pytest.raises(SourceError) as caught:
        list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))
    assert not isinstance(caught.value, SourceAuthError | SourceUnavailable)


def test_it_refreshes_an_expired_session_once(bluesky_api: FakeBlueskyApi) -> None:
    bluesky_api.add_posts(*chat_posts(2))
    source = source_for(bluesky_api)
    list(source.fetch_pages(PullQuery(hashtags=("kmers",))))
    bluesky_api.expire_access_tokens()

    pages = list(source.fetch_pages(PullQuery(hashtags=("kmers",))))

    assert len(pages[0].posts) == 2
    assert len(bluesky_api.calls("com.atproto.server.refreshSession")) == 1
    assert len(bluesky_api.calls("com.atproto.server.createSession")) == 1


def test_it_logs_in_again_when_the_session_cannot_be_refreshed(
    bluesky_api: FakeBlueskyApi,
) -> None:
    bluesky_api.add_posts(*chat_posts(2))
    list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))
    bluesky_api.expire_all_tokens()

    pages = list(source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",))))

    assert len(pages[0].posts) == 2
    assert len(bluesky_api.calls("com.atproto.server.createSession")) == 2


def test_it_skips_malformed_posts_and_keeps_the_rest(bluesky_api: FakeBlueskyApi) -> None:
    posts = chat_posts(6)
    bluesky_api.add_posts(*posts)
    bluesky_api.corrupt(posts[0]["uri"], record=None)
    bluesky_api.corrupt(posts[1]["uri"], drop=["indexedAt"])
    bluesky_api.corrupt(posts[2]["uri"], uri="https://not.an/at-uri")
    bluesky_api.corrupt(posts[3]["uri"], likeCount="many")

    (page,) = source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",)))

    assert {p.external_id for p in page.posts} == {posts[4]["uri"], posts[5]["uri"]}
    assert len(page.skipped) == 4
    assert page.reads == 6
    reasons = {s.external_id: s.reason for s in page.skipped}
    assert reasons[posts[0]["uri"]] == "record is not an object"
    assert None in reasons  # the post whose uri is broken is known by none


@pytest.mark.parametrize(
    "created",
    ["2026-11-24T17:00:00", "yesterday", "2031-01-01T00:00:00Z", "0001-01-01T00:00:00Z", 17],
)
def test_it_dates_a_post_by_its_indexing_when_created_at_is_unusable(
    bluesky_api: FakeBlueskyApi, created: object
) -> None:
    post = make_bsky_post(text="#kmers odd clock", at=T0)
    post["record"]["createdAt"] = created
    bluesky_api.add_posts(post)

    (page,) = source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("kmers",)))

    assert page.posts[0].created_at == datetime.fromisoformat(post["indexedAt"])
    assert page.posts[0].created_at.tzinfo is not None


def test_it_stops_before_a_request_the_spent_rate_limit_would_refuse() -> None:
    with FakeBlueskyApi(rate_limit=2, window_seconds=300) as api:
        api.add_posts(*chat_posts(250))
        source = source_for(api)

        pages = []
        with pytest.raises(RateLimited) as caught:
            pages.extend(source.fetch_pages(PullQuery(hashtags=("kmers",))))

    # Login and one search spend the two requests; the second page is not asked for.
    assert len(pages) == 1
    assert [r.status for r in api.requests] == [200, 200]
    assert caught.value.reset_at > datetime.now(UTC) + timedelta(seconds=200)


def test_it_hands_on_a_post_with_two_of_the_hashtags_once(bluesky_api: FakeBlueskyApi) -> None:
    both = make_bsky_post(text="#KMers meets #kmgraphs", at=T0)
    bluesky_api.add_posts(both, *chat_posts(3, start=T0 + timedelta(minutes=1)))

    (page,) = source_for(bluesky_api).fetch_pages(PullQuery(hashtags=("KMers", "kmgraphs")))

    assert [p.external_id for p in page.posts].count(both["uri"]) == 1
    assert len(page.posts) == 4
    assert page.reads == 5  # read by both searches
