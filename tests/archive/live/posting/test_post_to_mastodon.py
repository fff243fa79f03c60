"""Posting from a live chat's page to a member's connected Mastodon account: the same
rules and the same one-post-per-key as X, Mastodon's own length, its Idempotency-Key sent,
the post archived in the chat at once, and a token the server revoked forgotten."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_django.fixtures import Settings

from archive.models import Network, Post, PostPlacement, PostSubmission
from archive.selectors.posting import posting_networks
from archive.services.posting import post_publish
from chats.models import Chat
from members.mastodon_client import SCOPES, mastodon_client, register_app
from members.models import MastodonConnection, User, XToken
from tests.fakes.mastodon_oauth import FakeMastodon
from tests.fakes.x_oauth import FakeXOAuth

pytestmark = pytest.mark.django_db

SERVER = "social.example"
REDIRECT = "https://commons.example/profile/mastodon/callback/"
STATUSES = "/api/v1/statuses"


@pytest.fixture
def fake(settings: Settings) -> Iterator[FakeMastodon]:
    with FakeMastodon(domain=SERVER) as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        yield server


@pytest.fixture
def connected(fake: FakeMastodon, poster: User) -> User:
    """The member, with a Mastodon account connected through the real OAuth round trip."""
    client_id, secret = register_app(server=SERVER, redirect_uri=REDIRECT)
    client = mastodon_client(server=SERVER, client_id=client_id, client_secret=secret)
    url = client.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s")
    code = fake.authorize(url).split("code=")[1].split("&")[0]
    token = client.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES)
    MastodonConnection.objects.create(
        user=poster, server=SERVER, account_id="1", acct=f"ada@{SERVER}",
        access_token=token, scopes=" ".join(SCOPES),
    )  # fmt: skip
    return poster


@pytest.fixture
def to_mastodon(ready: Chat, connected: User) -> Callable[..., Any]:
    def send(text: str, *, key: str = "m-1", **kwargs: Any) -> Any:
        return post_publish(
            member=connected, chat=ready, text=text, network=Network.MASTODON,
            idempotency_key=key, **kwargs,
        )  # fmt: skip

    return send


def test_it_offers_mastodon_beside_x_once_connected(connected: User) -> None:
    assert posting_networks(member=connected) == [Network.X, Network.MASTODON]


def test_it_posts_to_mastodon_and_archives_the_post_in_the_chat(
    to_mastodon: Callable[..., Any], fake: FakeMastodon, ready: Chat
) -> None:
    result = to_mastodon("Federated thoughts", answering=2)

    assert result.sent
    sent = fake.requests_to(STATUSES)
    assert len(sent) == 1
    assert sent[0].form["status"] == "A2 Federated thoughts #KMers"
    assert sent[0].headers["Idempotency-Key"] == "m-1"
    post = Post.objects.get(network=Network.MASTODON)
    assert PostPlacement.objects.filter(post=post, chat=ready).exists()
    assert post.external_id == fake.statuses[0]["uri"]


def test_it_sends_one_post_for_two_requests_with_one_key(
    to_mastodon: Callable[..., Any], fake: FakeMastodon
) -> None:
    first = to_mastodon("Only once")
    again = to_mastodon("Only once")

    assert first.submission.pk == again.submission.pk
    assert len(fake.statuses) == 1


def test_it_counts_mastodon_characters_not_x_weights(to_mastodon: Callable[..., Any]) -> None:
    # 300 characters: over X's 280, within Mastodon's 500.
    assert to_mastodon("a" * 300).sent
    with pytest.raises(ValidationError, match="Mastodon allows 500 characters"):
        to_mastodon("a" * 520, key="m-2")


def test_it_forgets_a_token_the_server_revoked_and_keeps_the_text(
    to_mastodon: Callable[..., Any], fake: FakeMastodon, connected: User
) -> None:
    fake.revoke_all()

    result = to_mastodon("Still here")

    assert not result.sent
    assert result.submission.status == PostSubmission.Status.REFUSED
    assert result.submission.text == "Still here #KMers"
    assert not MastodonConnection.objects.filter(user=connected).exists()
    assert posting_networks(member=connected) == [Network.X]


def test_it_leaves_the_members_x_token_alone_when_posting_to_mastodon(
    to_mastodon: Callable[..., Any], x_oauth: FakeXOAuth, connected: User
) -> None:
    # An X token about to expire is refreshed when posting to X, never on the way to
    # Mastodon: X's refresh tokens are single use, and the call is X's to make.
    XToken.objects.filter(user=connected).update(expires_at=timezone.now() + timedelta(seconds=30))
    before = XToken.objects.get(user=connected).access_token

    assert to_mastodon("Only Mastodon").sent

    assert x_oauth.requests_to(urlsplit(x_oauth.token_url).path) == []
    assert XToken.objects.get(user=connected).access_token == before
