"""The X source, through the real tweepy client, against the fake X API v2 on 127.0.0.1."""

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from archive.sources import (
    NormalisedAccount,
    Page,
    PullQuery,
    RateLimited,
    SourceAuthError,
    SourceUnavailable,
)
from archive.sources.x import (
    XSource,
    build_x_query,
    normalise_x_page,
    search_params,
    x_archive_pages,
)
from archive.tasks import pull_chat
from tests.fakes.x_api import DEFAULT_TOKEN, FakeXApi
from tests.fakes.x_data import (
    make_media,
    make_retweet,
    make_tweet,
    make_user,
    search_response,
    snowflake,
)

TIMEOUT = 0.5
ADA = make_user("ada_l", name="Ada Lovelace")
GRACE = make_user("grace_h", name="Grace Hopper")


@pytest.fixture
def x_api() -> Iterator[FakeXApi]:
    with FakeXApi() as api:
        api.add_users(ADA, GRACE)
        yield api


@pytest.fixture
def source(x_api: FakeXApi) -> XSource:
    return XSource(DEFAULT_TOKEN, base_url=x_api.base_url, timeout=TIMEOUT)


@pytest.fixture
def chat_start() -> datetime:
    # Recent search covers seven days, so the chat is an hour ago rather than a fixed date.
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def _chat(api: FakeXApi, start: datetime, count: int, tag: str = "KMers") -> list[dict]:
    tweets = [
        make_tweet(
            author=(ADA, GRACE)[i % 2],
            text=f"A{i % 6 + 1} post {i} #{tag}",
            created_at=start + timedelta(seconds=i),
        )
        for i in range(count)
    ]
    api.add_tweets(*tweets)
    return tweets


def _ids(pages: list[Page]) -> list[str]:
    return [post.external_id for page in pages for post in page.posts]


def test_it_pulls_every_post_once_newest_first_with_since_id_fixed(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    tweets = _chat(x_api, chat_start, 260)
    repost = make_retweet(
        author=GRACE,
        original=tweets[-1],
        original_author=ADA,
        created_at=chat_start + timedelta(minutes=10),
    )
    x_api.add_tweets(repost)
    since_id = tweets[9]["id"]

    pages = list(source.fetch_pages(PullQuery(hashtags=("kmers",), since_id=since_id)))

    expected = sorted((t["id"] for t in tweets[10:]), key=int, reverse=True)
    assert _ids(pages) == expected
    assert [len(p.posts) for p in pages] == [100, 100, 50]
    assert pages[0].newest_id == expected[0]
    assert pages[-1].next_token is None
    requests_made = x_api.search_requests
    assert len(requests_made) == 3
    assert {r["since_id"] for r in requests_made} == {since_id}
    assert all("start_time" not in r for r in requests_made)
    assert "next_token" not in requests_made[0]
    assert [r["next_token"] for r in requests_made[1:]] == [p.next_token for p in pages[:2]]
    assert {r["query"] for r in requests_made} == {"#kmers -is:retweet"}
    assert {r["max_results"] for r in requests_made} == {"100"}


def test_it_starts_the_first_pull_at_the_window_start(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    before = make_tweet(
        author=ADA, text="early #KMers", created_at=chat_start - timedelta(minutes=5)
    )
    x_api.add_tweets(before)
    tweets = _chat(x_api, chat_start, 3)

    pages = list(source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start)))

    assert _ids(pages) == [t["id"] for t in reversed(tweets)]
    (request,) = x_api.search_requests
    assert request["start_time"] == chat_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "since_id" not in request


def test_it_asks_every_page_only_for_posts_older_than_until_id(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    tweets = _chat(x_api, chat_start, 260)
    since_id, until_id = tweets[9]["id"], tweets[240]["id"]
    query = PullQuery(hashtags=("KMers",), since_id=since_id, until_id=until_id)

    pages = list(source.fetch_pages(query))

    assert _ids(pages) == sorted((t["id"] for t in tweets[10:240]), key=int, reverse=True)
    assert [len(p.posts) for p in pages] == [100, 100, 30]
    requests_made = x_api.search_requests
    assert len(requests_made) == 3
    assert {(r["since_id"], r["until_id"]) for r in requests_made} == {(since_id, until_id)}


def test_it_searches_several_hashtags_at_once(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    km = _chat(x_api, chat_start, 2, tag="KMers")
    lrn = _chat(x_api, chat_start + timedelta(minutes=1), 2, tag="lrnchat")
    _chat(x_api, chat_start, 2, tag="other")

    pages = list(
        source.fetch_pages(PullQuery(hashtags=("KMers", "#LrnChat"), start_time=chat_start))
    )

    assert set(_ids(pages)) == {t["id"] for t in km + lrn}
    assert x_api.search_requests[0]["query"] == "(#KMers OR #LrnChat) -is:retweet"


def test_it_normalises_replies_quotes_media_and_metrics(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    question = make_tweet(
        author=ADA, text="Q1 What is tacit knowledge? #KMers", created_at=chat_start
    )
    photo = make_media()
    answer = make_tweet(
        author=GRACE,
        text="@ada_l A1 It is what we know & can't say #KMers https://t.co/k1",
        created_at=chat_start + timedelta(minutes=2),
        reply_to=question,
        quote_of=question,
        links={"https://t.co/k1": "https://example.org/tacit"},
        media=[photo],
        lang="en",
        metrics={"like_count": 7, "reply_count": 2, "retweet_count": 3, "quote_count": 1},
    )
    x_api.add_tweets(question, answer)
    x_api.add_media(photo)

    (page,) = source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start))

    post = page.posts[0]
    assert post.external_id == answer["id"]
    assert post.network == "x"
    assert (post.author.external_id, post.author.handle) == (GRACE["id"], "grace_h")
    assert post.author.display_name == "Grace Hopper"
    assert post.author.avatar_url == GRACE["profile_image_url"]
    assert post.text.startswith("@ada_l A1 It is what we know & can't say #KMers https://t.co/k1")
    assert '<a href="https://example.org/tacit" rel="nofollow noopener ugc">' in post.html
    assert "we know &amp; can&#x27;t say" in post.html
    assert post.created_at == chat_start + timedelta(minutes=2)
    assert post.created_at.tzinfo == UTC
    assert post.conversation_id == question["id"]
    assert post.reply_to_id == question["id"]
    assert post.quoted_id == question["id"]
    assert post.language == "en"
    assert post.metrics == {"likes": 7, "replies": 2, "reposts": 3, "quotes": 1}
    assert post.media == ({"type": "photo", "url": photo["url"], "preview_url": photo["url"]},)
    assert post.hashtags == ("kmers",)
    assert post.raw["id"] == answer["id"]
    assert page.posts[1].reply_to_id is None


def test_it_raises_rate_limited_at_the_fakes_reset_time_without_sleeping(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    _chat(x_api, chat_start, 3)
    x_api.fail_next(status=429, reset_in=600)
    began = time.monotonic()

    with pytest.raises(RateLimited) as raised:
        list(source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start)))

    assert time.monotonic() - began < 2
    expected = datetime.now(UTC) + timedelta(seconds=600)
    assert abs((raised.value.reset_at - expected).total_seconds()) < 3
    assert len(x_api.requests) == 1


def test_it_assumes_a_minute_when_a_429_has_no_reset_header(
    x_api: FakeXApi, source: XSource
) -> None:
    x_api.fail_next(status=429)

    with pytest.raises(RateLimited) as raised:
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))

    expected = datetime.now(UTC) + timedelta(seconds=60)
    assert abs((raised.value.reset_at - expected).total_seconds()) < 3


def test_it_hands_over_earlier_pages_before_a_later_page_is_rate_limited(
    chat_start: datetime,
) -> None:
    with FakeXApi(rate_limit=1, window_seconds=900) as api:
        api.add_users(ADA, GRACE)
        _chat(api, chat_start, 150)
        pages = XSource(DEFAULT_TOKEN, base_url=api.base_url, timeout=TIMEOUT).fetch_pages(
            PullQuery(hashtags=("KMers",), start_time=chat_start)
        )

        first = next(pages)
        with pytest.raises(RateLimited) as raised:
            next(pages)

    assert len(first.posts) == 100
    assert raised.value.reset_at > datetime.now(UTC) + timedelta(minutes=14)
    assert [r.status for r in api.requests] == [200, 429]


def test_it_reports_server_errors_as_unavailable(x_api: FakeXApi, source: XSource) -> None:
    x_api.fail_next(status=503)

    with pytest.raises(SourceUnavailable):
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))


def test_it_gives_up_on_a_slow_answer_after_its_timeout(x_api: FakeXApi, source: XSource) -> None:
    x_api.delay_next(3)
    began = time.monotonic()

    with pytest.raises(SourceUnavailable):
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))

    assert time.monotonic() - began < 2


def test_it_reports_a_connection_failure_as_unavailable() -> None:
    with FakeXApi() as api:
        base_url = api.base_url  # nothing listens there once the fake has stopped

    source = XSource(DEFAULT_TOKEN, base_url=base_url, timeout=TIMEOUT)

    with pytest.raises(SourceUnavailable):
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))


def test_it_reports_a_wrong_token_as_an_auth_error(x_api: FakeXApi) -> None:
    source = XSource("not-the-token", base_url=x_api.base_url, timeout=TIMEOUT)

    with pytest.raises(SourceAuthError):
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))

    assert x_api.requests[0].status == 401


def test_it_reports_forbidden_as_an_auth_error(x_api: FakeXApi, source: XSource) -> None:
    x_api.fail_next(status=403)

    with pytest.raises(SourceAuthError):
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))


def test_it_skips_malformed_items_and_keeps_the_rest_of_the_page(
    x_api: FakeXApi, source: XSource, chat_start: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    tweets = _chat(x_api, chat_start, 5)
    x_api.corrupt(tweets[1]["id"], drop=["author_id"])
    x_api.corrupt(tweets[2]["id"], created_at="yesterday")
    x_api.corrupt(tweets[3]["id"], author_id="12x")

    with caplog.at_level(logging.WARNING, logger="archive.sources.x"):
        (page,) = source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start))

    assert _ids([page]) == [tweets[4]["id"], tweets[0]["id"]]
    reasons = {s.external_id: s.reason for s in page.skipped}
    assert reasons.keys() == {tweets[1]["id"], tweets[2]["id"], tweets[3]["id"]}
    assert "author_id" in reasons[tweets[1]["id"]]
    assert "created_at" in reasons[tweets[2]["id"]]
    assert reasons[tweets[3]["id"]] == "author_id is not a numeric id"
    assert page.result_count == 5
    for skipped in page.skipped:
        assert skipped.external_id in caplog.text


def test_it_returns_one_empty_page_when_nothing_matches(x_api: FakeXApi, source: XSource) -> None:
    raw = requests.get(
        f"{x_api.base_url}/2/tweets/search/recent",
        params={"query": "#KMers"},
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=TIMEOUT,
    ).json()

    pages = list(source.fetch_pages(PullQuery(hashtags=("KMers",))))

    assert raw == {"meta": {"result_count": 0}}
    assert pages == [Page(posts=(), result_count=0, last=True)]


def test_it_sends_every_request_to_the_configured_base_url(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    _chat(x_api, chat_start, 120)

    pages = list(source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start)))

    # Each page came from a request the fake answered: tweepy's own host was never used.
    assert len(pages) == len(x_api.requests) == 2
    assert len(_ids(pages)) == 120
    assert all(r.authorization == f"Bearer {DEFAULT_TOKEN}" for r in x_api.requests)


def test_it_builds_one_query_form_within_xs_limit() -> None:
    assert build_x_query(["#KMers"]) == "#KMers -is:retweet"
    assert build_x_query(["KMers", "#kmers", "lrnchat"]) == "(#KMers OR #lrnchat) -is:retweet"
    with pytest.raises(ValueError, match="512"):
        build_x_query([f"tag{i:03d}{'x' * 20}" for i in range(30)])
    with pytest.raises(ValueError, match="not a hashtag"):
        build_x_query(["km ers"])
    with pytest.raises(ValueError, match="at least one"):
        build_x_query([])


def test_it_trades_a_since_id_older_than_seven_days_for_the_window() -> None:
    now = datetime.now(UTC)
    old_id = snowflake(now - timedelta(days=8))

    params = search_params(PullQuery(hashtags=("KMers",), since_id=old_id), now=now)

    assert params is not None
    assert params["since_id"] is None
    assert now - timedelta(days=7) < params["start_time"] < now - timedelta(days=6)


def test_it_keeps_until_id_when_it_trades_an_old_since_id_for_the_window() -> None:
    now = datetime.now(UTC)
    old_id, until_id = snowflake(now - timedelta(days=8)), snowflake(now - timedelta(days=2))
    query = PullQuery(hashtags=("KMers",), since_id=old_id, until_id=until_id)

    params = search_params(query, now=now)
    beyond = search_params(replace(query, until_id=old_id), now=now)

    assert params is not None
    assert (params["since_id"], params["until_id"]) == (None, until_id)
    assert now - timedelta(days=7) < params["start_time"] < now - timedelta(days=6)
    # Nothing older than an id X no longer serves is left to ask for.
    assert beyond is None


def test_it_leaves_out_an_end_time_x_would_refuse() -> None:
    now = datetime.now(UTC)
    query = PullQuery(hashtags=("KMers",), start_time=now - timedelta(hours=1))

    future = search_params(replace(query, end_time=now), now=now)
    past = search_params(replace(query, end_time=now - timedelta(minutes=5)), now=now)

    assert future is not None
    assert future["end_time"] is None
    assert past is not None
    assert past["end_time"] == now - timedelta(minutes=5)


@pytest.mark.parametrize(
    "query",
    [
        PullQuery(hashtags=("KMers",), start_time=datetime.now(UTC) - timedelta(days=30)),
        PullQuery(hashtags=("KMers",), since_id=snowflake(datetime.now(UTC) - timedelta(days=8))),
    ],
    ids=["start_time", "since_id"],
)
def test_it_asks_for_a_start_x_still_accepts_when_a_pulls_last_page_goes_out(
    query: PullQuery, chat_start: datetime
) -> None:
    # Every page sends the pull's start again; a pull task pages until its soft time limit.
    last_page_after = pull_chat.soft_time_limit
    with FakeXApi(enforce_recent_window=True, clock=lambda: time.time() + last_page_after) as api:
        api.add_users(ADA, GRACE)
        tweets = _chat(api, chat_start, 150)
        source = XSource(DEFAULT_TOKEN, base_url=api.base_url, timeout=TIMEOUT)

        pages = list(source.fetch_pages(query))

    assert len(pages) == 2
    assert sorted(_ids(pages)) == sorted(t["id"] for t in tweets)
    assert XSource.SEARCH_WINDOW < XSource.SEARCH_LIMIT == timedelta(days=7)


@pytest.mark.parametrize("age", [0, 5, 10, 14, 16, 60])
def test_it_sends_only_end_times_x_accepts_though_our_clock_runs_ahead(
    age: int, chat_start: datetime
) -> None:
    # X wants end_time 10 s before the request by its own clock, here 4 s behind ours.
    with FakeXApi(enforce_recent_window=True, clock=lambda: time.time() - 4) as api:
        api.add_users(ADA, GRACE)
        _chat(api, chat_start, 5)
        source = XSource(DEFAULT_TOKEN, base_url=api.base_url, timeout=TIMEOUT)
        end_time = datetime.now(UTC) - timedelta(seconds=age)

        (page,) = source.fetch_pages(
            PullQuery(hashtags=("KMers",), start_time=chat_start, end_time=end_time)
        )

    assert len(page.posts) == 5
    (params,) = api.search_requests
    assert ("end_time" in params) == (age > 15)
    assert XSource.END_TIME_MIN_AGE > XSource.END_TIME_LIMIT == timedelta(seconds=10)


def test_it_tolerates_partial_errors_and_prefers_the_full_text_of_long_posts() -> None:
    tweet = make_tweet(author=ADA, text="Short… #KMers", created_at=datetime.now(UTC))
    long_text = "A long answer " * 30 + "#KMers #Tacit"
    tweet["note_tweet"] = {
        "text": long_text,
        "entities": {
            "hashtags": [
                {"start": len(long_text) - 13, "end": len(long_text) - 7, "tag": "KMers"},
                {"start": len(long_text) - 6, "end": len(long_text), "tag": "Tacit"},
            ]
        },
    }
    payload = search_response([tweet], users=[ADA])
    payload["errors"] = [{"title": "Not Found Error", "resource_id": "1"}]

    page = normalise_x_page(payload)

    (post,) = page.posts
    assert post.text == long_text
    assert post.hashtags == ("kmers", "tacit")
    assert page.skipped == ()


def test_it_reads_twarc_archives_through_the_same_normaliser(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    first = make_tweet(author=ADA, text="Q1 #KMers", created_at=now)
    second = make_tweet(author=GRACE, text="A1 #KMers", created_at=now)
    archive = tmp_path / "kmers.jsonl"
    lines = [
        {**search_response([second], users=[GRACE]), "__twarc": {"version": "2.14.0"}},
        search_response([first], users=[ADA]),
    ]
    archive.write_text("\n".join([*map(json.dumps, lines), "{not json", ""]) + "\n")

    with archive.open() as handle:
        pages = list(x_archive_pages(handle))

    assert _ids(pages) == [second["id"], first["id"]]
    assert pages[-1].skipped[0].reason == "line 3 is not JSON"


def test_it_skips_a_repost_and_counts_it_as_read() -> None:
    now = datetime.now(UTC)
    original = make_tweet(author=ADA, text="Tacit knowledge #KMers", created_at=now)
    repost = make_retweet(
        author=GRACE, original=original, original_author=ADA, created_at=now + timedelta(seconds=5)
    )

    page = normalise_x_page(search_response([repost, original], users=[ADA, GRACE]))

    # Live pulls ask X to leave reposts out; an imported archive may still carry them.
    assert _ids([page]) == [original["id"]]
    assert [(s.external_id, s.reason) for s in page.skipped] == [(repost["id"], "is a repost")]
    assert page.reads == 2


@pytest.mark.parametrize("reason", ["suspended", "protected"])
def test_it_keeps_a_post_whose_author_x_cannot_return_as_an_account_known_by_its_id(
    x_api: FakeXApi, source: XSource, chat_start: datetime, reason: str
) -> None:
    tweets = _chat(x_api, chat_start, 4)
    x_api.withhold_users(ADA["id"], reason=reason)

    (page,) = source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start))

    assert _ids([page]) == [t["id"] for t in reversed(tweets)]
    assert page.skipped == ()
    authors = {post.author.external_id: post.author for post in page.posts}
    assert authors[ADA["id"]] == NormalisedAccount(
        network="x", external_id=ADA["id"], handle="", display_name=""
    )
    assert not authors[ADA["id"]].known
    assert authors[GRACE["id"]].handle == "grace_h"
    assert authors[GRACE["id"]].known


def test_it_takes_an_author_whose_user_object_lacks_a_username_as_unknown() -> None:
    tweet = make_tweet(author=ADA, text="A1 #KMers", created_at=datetime.now(UTC))

    page = normalise_x_page(search_response([tweet], users=[{"id": ADA["id"], "name": "Ada"}]))

    (post,) = page.posts
    assert (post.author.external_id, post.author.handle) == (ADA["id"], "")
    assert post.author.display_name == "Ada"


def test_it_tells_the_last_page_from_one_that_cannot_say_whether_more_follow() -> None:
    now = datetime.now(UTC)
    tweets = [
        make_tweet(author=ADA, text=f"A{i} #KMers", created_at=now + timedelta(seconds=i))
        for i in range(3)
    ]
    newest_first = tweets[::-1]
    last = search_response(newest_first, users=[ADA])
    more = search_response(newest_first, users=[ADA], next_token="abc")
    without_meta = {k: v for k, v in last.items() if k != "meta"}

    pages = [normalise_x_page(payload) for payload in (last, more, without_meta)]

    assert [(p.last, p.next_token) for p in pages] == [(True, None), (False, "abc"), (False, None)]
    # Without meta, the ids the page holds still tell how far the pull reached.
    assert {(p.newest_id, p.oldest_id) for p in pages} == {(tweets[2]["id"], tweets[0]["id"])}
    assert pages[2].reads == 3


def test_it_hands_over_a_page_without_meta_then_reports_the_pull_cut_short(
    x_api: FakeXApi, source: XSource, chat_start: datetime
) -> None:
    tweets = _chat(x_api, chat_start, 250)
    x_api.delay_next(0)  # the first page is whole,
    x_api.drop_meta_next()  # the second comes without meta: tweepy's Paginator stops there.
    pages = source.fetch_pages(PullQuery(hashtags=("KMers",), start_time=chat_start))

    first, second = next(pages), next(pages)
    with pytest.raises(SourceUnavailable, match="without meta"):
        next(pages)

    assert (first.last, second.last) == (False, False)
    assert len(first.posts) == len(second.posts) == 100
    assert second.oldest_id == tweets[50]["id"]
    assert len(x_api.search_requests) == 2


@pytest.mark.parametrize(
    "header",
    ["soon", "", "12.5", "-5", "99999999999999999999", str(int(time.time()) + 400 * 86400)],
    ids=["word", "empty", "fraction", "negative", "overflow", "next-year"],
)
def test_it_waits_a_minute_when_a_429s_reset_header_is_unusable(
    x_api: FakeXApi, source: XSource, header: str
) -> None:
    x_api.fail_next(status=429, reset_header=header)

    with pytest.raises(RateLimited) as raised:
        list(source.fetch_pages(PullQuery(hashtags=("KMers",))))

    expected = datetime.now(UTC) + timedelta(seconds=60)
    assert abs((raised.value.reset_at - expected).total_seconds()) < 3
