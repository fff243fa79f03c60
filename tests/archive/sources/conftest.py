"""Fake Mastodon servers on 127.0.0.1 and a source reading each through Mastodon.py."""

from collections.abc import Iterator
from typing import Any

import pytest

from archive.sources.mastodon import MastodonSource
from tests.fakes.mastodon_api import FakeMastodon

TIMEOUT = 2.0


@pytest.fixture
def mastodon_server(settings: Any) -> Iterator[FakeMastodon]:
    """mastodon.social, public timelines on; every server's API root points at it."""
    with FakeMastodon(domain="mastodon.social") as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        yield server


@pytest.fixture
def second_server() -> Iterator[FakeMastodon]:
    with FakeMastodon(domain="scholar.social") as server:
        yield server


def source_for(server: FakeMastodon, **kwargs: Any) -> MastodonSource:
    return MastodonSource(
        server=server.domain, api_base_url=server.base_url, timeout=TIMEOUT, **kwargs
    )


@pytest.fixture
def mastodon_source(mastodon_server: FakeMastodon) -> MastodonSource:
    return source_for(mastodon_server)
