"""One chat held on X, Mastodon and Bluesky at once, pulled through each network's real
client (tweepy, Mastodon.py, the atproto SDK) against the fake servers: the dispatcher
finds a pull per network, each fills the same chat, and the transcript shows one list,
grouped by question, with each post's network and a link to its original."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Network, Post, PostPlacement, SyncCursor
from archive.services.pulls import pulls_due
from archive.tasks import pull_chat
from chats.models import Chat
from community.models import Community
from tests.archive.ingest.conftest import add_posts
from tests.archive.networks.conftest import switch_on
from tests.fakes.bluesky_api import APP_PASSWORD, HANDLE, FakeBlueskyApi, make_bsky_post
from tests.fakes.bluesky_api import running_fake as running_bluesky
from tests.fakes.mastodon_api import FakeMastodon, make_account, make_status
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db

SERVER = "mastodon.social"


@pytest.fixture
def mastodon(settings: Any) -> Iterator[FakeMastodon]:
    with FakeMastodon(domain=SERVER) as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        yield server


@pytest.fixture
def bluesky(settings: Any) -> Iterator[FakeBlueskyApi]:
    for api in running_bluesky():
        settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = HANDLE, APP_PASSWORD
        settings.BLUESKY_API_BASE_URL = api.base_url
        yield api


def _answers(chat: Chat, mastodon: FakeMastodon, bluesky: FakeBlueskyApi) -> None:
    olga = make_account("olga", domain=SERVER, display_name="Olga")
    for n, question in enumerate((1, 2)):
        at = chat.start_at + timedelta(minutes=10 * question, seconds=n)
        mastodon.add_statuses(
            make_status(
                olga, f"A{question} from the fediverse #KMers", created_at=at, tags=["KMers"]
            )
        )
        bluesky.add_posts(
            make_bsky_post(
                text=f"A{question} from the sky #KMers",
                handle="mona.bsky.social",
                at=at + timedelta(seconds=30),
                tags=["KMers"],
            )
        )


def test_it_fills_one_chat_from_three_networks_through_their_own_clients(
    x_api: FakeXApi,
    mastodon: FakeMastodon,
    bluesky: FakeBlueskyApi,
    chat: Chat,
    community: Community,
    now: datetime,
    anonymous: Client,
) -> None:
    switch_on(community, servers=(SERVER,), bluesky=True)
    add_posts(x_api, 2, start=chat.start_at + timedelta(minutes=12))
    _answers(chat, mastodon, bluesky)

    targets = pulls_due(now=now)
    for target in targets:
        assert pull_chat.apply(args=[target.pk, target.network, target.server]).get()

    assert {(t.network, t.server) for t in targets} == {
        (Network.X, ""),
        (Network.MASTODON, SERVER),
        (Network.BLUESKY, ""),
    }
    stored = PostPlacement.objects.filter(chat=chat).values_list("post__network", flat=True)
    assert sorted(stored) == sorted(["x"] * 2 + ["mastodon"] * 2 + ["bluesky"] * 2)
    assert SyncCursor.objects.filter(network=Network.MASTODON, server=SERVER).get().newest_id
    page = anonymous.get(
        reverse("chats:detail", kwargs={"slug": community.slug, "pk": chat.pk})
    ).content.decode()
    for post in Post.objects.exclude(network=Network.X):
        assert post.url
        assert f'href="{post.url}"' in page
    assert "Mastodon" in page
    assert "Bluesky" in page


def test_it_keeps_pulling_the_others_while_one_network_is_down(
    x_api: FakeXApi,
    mastodon: FakeMastodon,
    bluesky: FakeBlueskyApi,
    chat: Chat,
    community: Community,
    now: datetime,
) -> None:
    switch_on(community, servers=(SERVER,), bluesky=True)
    _answers(chat, mastodon, bluesky)
    # Down for longer than the task's retries last.
    mastodon.fail_next(status=503, times=50)

    for target in pulls_due(now=now):
        pull_chat.apply(args=[target.pk, target.network, target.server])

    networks = set(Post.objects.values_list("network", flat=True))
    assert networks == {Network.BLUESKY}
    cursor = SyncCursor.objects.get(network=Network.MASTODON, server=SERVER)
    assert cursor.last_error
    assert cursor.consecutive_errors >= 1
