"""A member's accounts on X, Mastodon and Bluesky are one participant in a transcript."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Account, Network
from archive.selectors.transcript import transcript_for_chat
from archive.services.ingest import posts_store
from chats.models import Chat
from community.models import Community
from members.models import User
from tests.archive.ingest.conftest import make_chat
from tests.archive.networks.doubles import network_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(community: Community, now: datetime) -> Chat:
    return make_chat(community, start=now - timedelta(hours=3))


def _store(chat: Chat) -> None:
    at = chat.start_at + timedelta(minutes=5)
    posts_store(
        posts=[
            network_post(Network.X, 1, at=at, text="A1 from X #KMers", handle="ada_x"),
            network_post(
                Network.MASTODON, 2, at=at + timedelta(minutes=1), text="A1 again #KMers",
                handle="ada@scholar.social", server="scholar.social",
            ),
            network_post(
                Network.BLUESKY, 3, at=at + timedelta(minutes=2), text="A2 #KMers",
                handle="ada.bsky.social",
            ),
            network_post(
                Network.MASTODON, 4, at=at + timedelta(minutes=3), text="A2 too #KMers",
                handle="grace@mastodon.social", server="mastodon.social",
            ),
        ]
    )  # fmt: skip


def test_it_counts_a_members_accounts_on_three_networks_as_one_participant(
    ended: Chat, make_user: Callable[..., User]
) -> None:
    make_user(
        "ada", x_user_id="x:ada_x", mastodon_handle="@Ada@scholar.social",
        bluesky_handle="ada.bsky.social",
    )  # fmt: skip
    _store(ended)

    transcript = transcript_for_chat(chat=ended)

    assert transcript.stats.participants == 2
    ada = transcript.participant("ada@scholar.social")
    assert ada is not None
    assert ada is transcript.participant("ada_x")
    assert ada.posts == 3
    assert {a.network for a in ada.accounts} == {"x", "mastodon", "bluesky"}
    assert len(transcript.entries_of(ada.account)) == 3


def test_it_joins_accounts_archived_before_the_member_named_them_on_their_profile(
    ended: Chat, make_user: Callable[..., User]
) -> None:
    _store(ended)
    assert transcript_for_chat(chat=ended).stats.participants == 4
    grace = make_user("grace")

    grace.mastodon_handle = "grace@mastodon.social"
    grace.bluesky_handle = "ada.bsky.social"
    grace.save()

    assert transcript_for_chat(chat=ended).stats.participants == 3
    grace.bluesky_handle = ""
    grace.save(update_fields=["bluesky_handle"])
    assert transcript_for_chat(chat=ended).stats.participants == 4
    assert Account.objects.get(handle="grace@mastodon.social").claimed_by == grace


def test_it_never_makes_a_claimed_handle_the_members_own_posts(
    ended: Chat, make_user: Callable[..., User]
) -> None:
    # A handle on a profile is not verified: it joins the stats, not authorship.
    make_user("mallory", mastodon_handle="grace@mastodon.social")
    _store(ended)

    account = Account.objects.get(handle="grace@mastodon.social")
    assert account.claimed_by is not None
    assert account.member is None


def test_it_shows_one_participants_posts_from_every_network_by_any_of_their_handles(
    anonymous: Client, ended: Chat, make_user: Callable[..., User]
) -> None:
    make_user("ada", x_user_id="x:ada_x", mastodon_handle="ada@scholar.social")
    _store(ended)
    url = reverse("archive:transcript", kwargs={"slug": ended.community.slug, "pk": ended.pk})

    page = anonymous.get(url, {"view": "participant", "handle": "ada@scholar.social"})

    text = page.content.decode()
    assert page.status_code == 200
    section = text.split('id="participant-heading"')[1].split("</ol>")[0]
    assert "A1 from X" in section
    assert "A1 again" in section
    assert "A2 too" not in section


def test_it_makes_a_verified_mastodon_handle_the_members_own_and_releases_it_on_change(
    ended: Chat, make_user: Callable[..., User]
) -> None:
    # Verified: their Mastodon profile links back to ours (members' rel="me" check).
    grace = make_user("grace", mastodon_handle="grace@mastodon.social")
    _store(ended)
    account = Account.objects.get(handle="grace@mastodon.social")
    assert account.member is None

    grace.mastodon_verified_at = ended.end_at
    grace.save(update_fields=["mastodon_verified_at"])
    account.refresh_from_db()
    assert account.member == grace

    grace.mastodon_handle, grace.mastodon_verified_at = "grace@other.example", None
    grace.save(update_fields=["mastodon_handle", "mastodon_verified_at"])
    account.refresh_from_db()
    assert account.member is None
    assert account.claimed_by is None
