"""Posting to Mastodon for a member: Mastodon.py's real calls against a fake Mastodon
server on 127.0.0.1, with Mastodon's shapes, Idempotency-Key and errors."""

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytest_django.fixtures import Settings

from archive.models import Post
from archive.networks import Network
from archive.selectors.publishers import mastodon_publisher_for
from archive.services.ingest import posts_store
from archive.sources.base import (
    Publisher,
    PublishRefused,
    RateLimited,
    SourceAuthError,
    SourceUnavailable,
)
from archive.sources.mastodon_publish import (
    POSTS_PER_WINDOW,
    MastodonPublisher,
    mastodon_post_limit_check,
)
from members.mastodon_client import SCOPES, mastodon_client, register_app
from members.models import MastodonConnection, User
from tests.fakes.mastodon_oauth import FakeMastodon, reset_in

SERVER = "social.example"
STATUSES = "/api/v1/statuses"
REDIRECT = "https://commons.example/profile/mastodon/callback/"


@pytest.fixture
def fake(settings: Settings) -> Iterator[FakeMastodon]:
    with FakeMastodon(domain=SERVER) as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        yield server


@pytest.fixture
def token(fake: FakeMastodon) -> str:
    """A member's token, obtained through the real OAuth round trip."""
    client_id, secret = register_app(server=SERVER, redirect_uri=REDIRECT)
    client = mastodon_client(server=SERVER, client_id=client_id, client_secret=secret)
    url = client.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s")
    code = fake.authorize(url).split("code=")[1].split("&")[0]
    return client.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES)


@pytest.fixture
def publisher(token: str) -> MastodonPublisher:
    return MastodonPublisher(server=SERVER, access_token=token)


def test_it_posts_publicly_and_returns_the_post_as_a_pull_would(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    post = publisher.publish(text="A2 Trust, then #KMers & <friends>\nsecond line")

    status = fake.statuses[0]
    assert fake.requests_to(STATUSES)[0].form["visibility"] == "public"
    assert post.network == Network.MASTODON
    assert post.external_id == status["uri"]
    assert post.url == status["url"]
    # Keyed as the read source keys it (the actor uri), so a pull finds the same account.
    assert post.author.external_id == f"https://{SERVER}/users/ada"
    assert post.author.handle == f"ada@{SERVER}"
    assert post.author.display_name == "Ada Quillfeather"
    assert post.text == "A2 Trust, then #KMers & <friends>\nsecond line"
    assert "&lt;friends&gt;" in post.html
    assert "<script" not in post.html
    assert post.hashtags == ("kmers",)
    assert post.created_at.tzinfo == UTC
    assert abs(post.created_at - datetime.now(UTC)) < timedelta(seconds=5)
    assert post.reply_to_id is None
    assert post.raw["id"] == status["id"]


def test_it_implements_the_publisher_interface(publisher: MastodonPublisher) -> None:
    implementation: Publisher = publisher
    assert implementation.network == Network.MASTODON


def test_it_sends_the_idempotency_key_and_a_retry_posts_nothing_more(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    first = publisher.publish(text="A1 Once #KMers", idempotency_key="submit-7f3a")
    retried = publisher.publish(text="A1 Once #KMers", idempotency_key="submit-7f3a")

    assert [r.headers.get("Idempotency-Key") for r in fake.requests_to(STATUSES)] == [
        "submit-7f3a",
        "submit-7f3a",
    ]
    assert len(fake.statuses) == 1
    assert retried == first


def test_it_posts_again_for_another_submit(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    publisher.publish(text="A1 Twice #KMers", idempotency_key="submit-1")
    publisher.publish(text="A1 Twice #KMers", idempotency_key="submit-2")

    assert len(fake.statuses) == 2


def test_it_replies_to_a_post_known_by_its_uri(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    parent_uri = "https://elsewhere.example/users/host/statuses/42"
    local_id = fake.add_remote_status(parent_uri)

    post = publisher.publish(text="@host@elsewhere.example Agreed #KMers", reply_to_id=parent_uri)

    search = fake.requests_to("/api/v2/search")[0].query
    assert search["q"] == parent_uri
    assert search["resolve"] in ("true", "True", "1")
    assert fake.requests_to(STATUSES)[0].form["in_reply_to_id"] == local_id
    assert fake.statuses[-1]["in_reply_to_id"] == local_id
    assert post.reply_to_id == parent_uri


def test_it_refuses_a_reply_its_server_cannot_find(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    with pytest.raises(PublishRefused) as refused:
        publisher.publish(text="Hm", reply_to_id="https://gone.example/users/x/statuses/1")

    assert "could not find the post you are replying to" in refused.value.reason
    assert not refused.value.retryable
    assert not fake.requests_to(STATUSES)


def test_it_passes_a_reply_to_a_local_id_as_it_is(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    parent = publisher.publish(text="Q1 first #KMers")
    local_id = fake.statuses[0]["id"]

    publisher.publish(text="A1 reply #KMers", reply_to_id=local_id)

    assert not fake.requests_to("/api/v2/search")
    assert fake.statuses[1]["in_reply_to_id"] == local_id
    assert parent.external_id == fake.statuses[0]["uri"]


def test_it_refuses_what_the_server_refuses_with_its_reason(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    with pytest.raises(PublishRefused) as refused:
        publisher.publish(text="x" * 501)

    assert refused.value.reason == (
        f"{SERVER} refused the post: Validation failed: Text character limit of 500 exceeded"
    )
    assert not refused.value.retryable


def test_it_refuses_a_duplicate_the_server_refuses(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    fake.fail_next(STATUSES, 422, "Validation failed: Text is a duplicate")

    with pytest.raises(PublishRefused, match="Text is a duplicate"):
        publisher.publish(text="A1 again #KMers")


def test_it_says_when_the_rate_limit_resets(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    reset = reset_in(120)
    fake.rate_limit_next(STATUSES, reset_at=reset)

    with pytest.raises(RateLimited) as limited:
        publisher.publish(text="A3 #KMers")

    assert abs(limited.value.reset_at - reset) < timedelta(seconds=5)
    assert not fake.statuses


def test_it_waits_a_window_when_a_429_does_not_say_until_when(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    fake.fail_next(STATUSES, 429, "Too many requests")

    with pytest.raises(RateLimited) as limited:
        publisher.publish(text="A3 #KMers")

    wait = limited.value.reset_at - datetime.now(UTC)
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)


def test_it_asks_to_reconnect_when_the_token_is_revoked(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    fake.revoke_all()

    with pytest.raises(SourceAuthError, match="connect it again"):
        publisher.publish(text="A4 #KMers")


def test_it_asks_to_reconnect_when_the_scope_is_missing(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    fake.fail_next(STATUSES, 403, "This action is outside the authorized scopes")

    with pytest.raises(SourceAuthError):
        publisher.publish(text="A4 #KMers")


def test_it_refuses_when_the_account_may_not_post(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    fake.fail_next(STATUSES, 403, "Your login is currently disabled")

    with pytest.raises(PublishRefused, match="Your login is currently disabled"):
        publisher.publish(text="A4 #KMers")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_it_calls_a_server_error_an_outage(
    publisher: MastodonPublisher, fake: FakeMastodon, status: int
) -> None:
    fake.fail_next(STATUSES, status)

    with pytest.raises(SourceUnavailable):
        publisher.publish(text="A5 #KMers")


def test_it_calls_an_answer_that_is_no_status_an_outage(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    fake.fail_next(STATUSES, 200, "not a status")

    with pytest.raises(SourceUnavailable, match="did not answer as a Mastodon server does"):
        publisher.publish(text="A5 #KMers", idempotency_key="k")


def test_it_calls_a_server_that_does_not_answer_an_outage(settings: Settings) -> None:
    with FakeMastodon() as gone:
        settings.MASTODON_API_BASE_URL_OVERRIDE = gone.base_url

    with pytest.raises(SourceUnavailable):
        MastodonPublisher(server=SERVER, access_token="t").publish(text="A5 #KMers")


def test_it_calls_a_timeout_an_outage_and_a_retry_with_the_key_posts_once(
    fake: FakeMastodon, settings: Settings, token: str
) -> None:
    # The server posted but its answer came too late: the member saw an outage. The
    # retry with the submit's key returns the post that was made.
    settings.MASTODON_REQUEST_TIMEOUT = 0.3
    fake.delay_next(STATUSES, 1.0)
    with pytest.raises(SourceUnavailable):
        MastodonPublisher(server=SERVER, access_token=token).publish(
            text="A6 #KMers", idempotency_key="submit-lost"
        )

    retried = MastodonPublisher(server=SERVER, access_token=token).publish(
        text="A6 #KMers", idempotency_key="submit-lost"
    )

    assert len(fake.statuses) == 1
    assert retried.external_id == fake.statuses[0]["uri"]


def test_it_never_posts_to_a_server_whose_name_now_resolves_inside(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Connected while public; its DNS now answers with an internal address.
    settings.MASTODON_API_BASE_URL_OVERRIDE = ""
    answer = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answer)

    with pytest.raises(SourceUnavailable) as unavailable:
        MastodonPublisher(server=SERVER, access_token="t").publish(text="A1 #KMers")

    # Refused before connecting, not a connection that failed.
    assert "social.example resolves to a non-public address" in str(unavailable.value.__cause__)


def test_it_refuses_before_calling_at_300_posts_in_3_hours() -> None:
    now = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    oldest = now - timedelta(hours=2)

    mastodon_post_limit_check(
        posts_in_window=POSTS_PER_WINDOW - 1, oldest_in_window=oldest, now=now
    )
    with pytest.raises(RateLimited) as limited:
        mastodon_post_limit_check(
            posts_in_window=POSTS_PER_WINDOW, oldest_in_window=oldest, now=now
        )

    assert limited.value.reset_at == now + timedelta(hours=1)


@pytest.mark.django_db
def test_it_finds_the_publisher_of_a_connected_member(
    make_user: object, fake: FakeMastodon, token: str
) -> None:
    member: User = make_user("mona")  # type: ignore[operator]
    assert mastodon_publisher_for(user=member) is None
    MastodonConnection.objects.create(
        user=member, server=SERVER, account_id="1", acct=f"ada@{SERVER}", access_token=token,
        scopes=" ".join(SCOPES),
    )  # fmt: skip

    publisher = mastodon_publisher_for(user=member)

    assert publisher is not None
    assert publisher.publish(text="A1 #KMers").author.handle == f"ada@{SERVER}"


@pytest.mark.django_db
def test_it_returns_a_post_the_archive_stores_once(
    publisher: MastodonPublisher, fake: FakeMastodon
) -> None:
    post = publisher.publish(text="A2 Stored once #KMers", idempotency_key="submit-9")

    first = posts_store(posts=[post])
    retried = publisher.publish(text="A2 Stored once #KMers", idempotency_key="submit-9")
    again = posts_store(posts=[retried])

    stored = Post.objects.get()
    assert (first.new, first.skipped) == (1, [])
    assert again.new == 0
    assert stored.network == Network.MASTODON
    assert stored.external_id == fake.statuses[0]["uri"]
    assert stored.url == fake.statuses[0]["url"]
    assert stored.author.handle == f"ada@{SERVER}"
