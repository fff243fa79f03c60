from collections.abc import Callable
from typing import Any

import pytest

from archive.models import ArchiveSettings, Network
from archive.sources import registry
from archive.sources.base import Source
from community.models import Community
from tests.archive.ingest.conftest import chat, now, x_api  # noqa: F401  (fixtures)
from tests.archive.networks.doubles import NetworkDouble


@pytest.fixture
def doubles(monkeypatch: pytest.MonkeyPatch, settings: Any) -> dict[tuple[str, str], NetworkDouble]:
    """Mastodon's and Bluesky's sources, per (network, server), stood in for by doubles;
    X stays the real client against the fake X API (x_api fixture)."""
    settings.BLUESKY_HANDLE = "archiver.example"
    settings.BLUESKY_APP_PASSWORD = "app-password"
    made: dict[tuple[str, str], NetworkDouble] = {}
    real: Callable[..., Source] = registry.source_for

    def source_for(*, network: str, server: str = "") -> Source:
        if network == Network.X:
            return real(network=network, server=server)
        return made.setdefault((network, server), NetworkDouble(Network(network), server))

    monkeypatch.setattr(registry, "source_for", source_for)
    return made


def switch_on(
    community: Community, *, x: bool = True, servers: tuple[str, ...] = (), bluesky: bool = False
) -> None:
    ArchiveSettings.objects.update_or_create(
        community=community,
        defaults={
            "x_enabled": x,
            "mastodon_enabled": bool(servers),
            "mastodon_servers": list(servers),
            "bluesky_enabled": bluesky,
        },
    )
