"""The demo's chats are held on X and Mastodon, without credentials and without a host."""

import socket
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Post
from archive.services.pulls import pulls_due
from community.models import Community
from demo.chat import demo_archived_chat_anchor

pytestmark = pytest.mark.django_db


def test_it_shows_the_archived_demo_chat_held_on_x_and_mastodon_with_badges(
    anonymous: Client, community: Community, now: datetime, settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    settings.X_BEARER_TOKEN = ""

    real = socket.getaddrinfo

    def local_only(host: object, *args: Any, **kwargs: Any) -> Any:
        # Our own PostgreSQL and Redis only.
        assert host in ("127.0.0.1", "localhost", "::1"), f"the demo reached for {host}"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    chat = demo_archived_chat_anchor(community=community, now=now)
    url = reverse("archive:transcript", kwargs={"slug": community.slug, "pk": chat.pk})

    page = anonymous.get(url).content.decode()

    assert "Held on X and Mastodon" in page
    assert page.count('data-network="mastodon"') == Post.objects.filter(network="mastodon").count()
    assert page.count('<span class="visually-hidden">on </span>Mastodon</span>') > 10
    assert 'href="https://scholar.social/@' in page
    # Nothing to pull: the community archives from X, and the site has no X credentials.
    assert [t for t in pulls_due(now=now) if t.kind != "final"] == []
