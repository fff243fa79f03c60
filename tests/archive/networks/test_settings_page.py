"""Organisers switch networks and list Mastodon servers; the health page shows each."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import ArchiveSettings, Network, SourceHealth
from archive.services.ingest import cursor_for
from community.models import Community
from tests.archive.networks.conftest import switch_on

pytestmark = pytest.mark.django_db


def _url(community: Community) -> str:
    return reverse("archive:archive_networks", kwargs={"slug": community.slug})


def test_it_archives_from_x_alone_until_an_organiser_says_otherwise(
    organiser: Client, community: Community
) -> None:
    page = organiser.get(_url(community)).content.decode()

    assert 'id="id_x_enabled" checked' in page
    assert 'id="id_mastodon_enabled" checked' not in page
    assert not ArchiveSettings.objects.exists()


def test_it_lets_an_organiser_switch_on_mastodon_and_bluesky(
    organiser: Client, community: Community
) -> None:
    response = organiser.post(
        _url(community),
        {
            "x_enabled": "on",
            "mastodon_enabled": "on",
            "mastodon_servers": "Mastodon.Social\nscholar.social.\n\nmastodon.social",
            "bluesky_enabled": "on",
        },
    )

    assert response.status_code == 302
    saved = ArchiveSettings.objects.get(community=community)
    assert saved.mastodon_servers == ["mastodon.social", "scholar.social"]
    assert saved.networks() == ["x", "mastodon", "bluesky"]


@pytest.mark.parametrize(
    ("servers", "says"),
    [
        ("https://mastodon.social/", "the server&#x27;s name only"),
        ("me@mastodon.social", "is an account"),
        ("127.0.0.1", "not an IP address"),
        ("localhost", "is not a server name"),
        ("a.example\nb.example\nc.example\nd.example\ne.example\nf.example", "At most 5 servers"),
    ],
)
def test_it_refuses_what_is_not_a_public_server_name_beside_the_field(
    organiser: Client, community: Community, servers: str, says: str
) -> None:
    response = organiser.post(
        _url(community), {"mastodon_enabled": "on", "mastodon_servers": servers}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_mastodon_servers_error"' in page
    assert says in page
    assert 'aria-invalid="true"' in page
    textarea = page.split('id="id_mastodon_servers"')[0].rsplit("<", 1)[1]
    assert "id_mastodon_servers_error" in textarea
    assert not ArchiveSettings.objects.exists()


def test_it_wants_a_server_to_switch_mastodon_on(organiser: Client, community: Community) -> None:
    response = organiser.post(_url(community), {"mastodon_enabled": "on"})

    assert response.status_code == 400
    assert "List at least one server" in response.content.decode()


@pytest.mark.parametrize("who", ["moderator", "member", "outsider"])
def test_it_lets_only_organisers_change_networks(
    request: pytest.FixtureRequest, community: Community, who: str
) -> None:
    client: Client = request.getfixturevalue(who)

    assert client.get(_url(community)).status_code == 403
    assert client.post(_url(community), {"bluesky_enabled": "on"}).status_code == 403
    assert not ArchiveSettings.objects.exists()


def test_it_shows_each_network_and_server_on_its_own_health_line(
    organiser: Client, community: Community, settings: Any
) -> None:
    settings.X_BEARER_TOKEN = "token"
    switch_on(community, servers=("a.example", "b.example"), bluesky=True)
    limited_until = datetime.now().astimezone() + timedelta(minutes=4)
    SourceHealth.objects.create(
        network=Network.MASTODON, server="a.example", rate_limited_until=limited_until
    )
    cursor = cursor_for(
        network=Network.MASTODON, server="b.example", community=community, hashtags=["KMers"]
    )
    cursor.last_error = "b.example answered 503"
    cursor.last_error_at = limited_until
    cursor.save()

    page = organiser.get(reverse("archive:archive_health", kwargs={"slug": community.slug}))

    text = page.content.decode()
    assert '<th scope="row">Mastodon (a.example)</th>' in text
    assert "rate limited until" in text
    assert '<th scope="row">Mastodon (b.example)</th>' in text
    assert "b.example answered 503" in text
    assert "not read: no credentials on this site" in text  # Bluesky
    assert '<th scope="row">X</th>' in text
    assert "Nothing is being archived" not in text


def test_it_says_x_is_not_read_while_mastodon_still_is(
    organiser: Client, community: Community, settings: Any
) -> None:
    settings.X_BEARER_TOKEN = ""
    switch_on(community, servers=("a.example",))

    text = organiser.get(
        reverse("archive:archive_health", kwargs={"slug": community.slug})
    ).content.decode()

    assert "Nothing is being archived from X:" in text
