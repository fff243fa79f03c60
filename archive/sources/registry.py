"""The one place that builds a network's source from the site's settings.

Mastodon's and Bluesky's modules are imported inside the functions: a site (or a
branch) without one of them still pulls from the others.
"""

import importlib.util
from datetime import timedelta
from functools import cache

from django.conf import settings

from archive.networks import Network
from archive.sources.base import Source


def source_for(*, network: str, server: str = "") -> Source:
    """The source for one network (and, for Mastodon, one server's hashtag timeline)."""
    if network == Network.X:
        from archive.sources.x import XSource

        return XSource(bearer_token=settings.X_BEARER_TOKEN, base_url=settings.X_API_BASE_URL)
    if network == Network.MASTODON:
        from archive.sources.mastodon import MastodonSource  # type: ignore[import-not-found,unused-ignore]

        tokens = getattr(settings, "MASTODON_ACCESS_TOKENS", {}) or {}
        return MastodonSource(  # type: ignore[no-any-return,unused-ignore]
            server=server,
            access_token=tokens.get(server, ""),
            api_base_url=getattr(settings, "MASTODON_API_BASE_URL_OVERRIDE", None) or None,
        )
    if network == Network.BLUESKY:
        from archive.sources.bluesky import BlueskySource  # type: ignore[import-not-found,unused-ignore]

        return BlueskySource(  # type: ignore[no-any-return,unused-ignore]
            handle=getattr(settings, "BLUESKY_HANDLE", ""),
            app_password=getattr(settings, "BLUESKY_APP_PASSWORD", ""),
            base_url=getattr(settings, "BLUESKY_API_BASE_URL", "") or "https://bsky.social",
        )
    raise ValueError(f"no source for network {network!r}")


def network_configured(network: str) -> bool:
    """Whether the site has what pulling from the network needs: X a bearer token,
    Bluesky an account and app password (its search wants a login); Mastodon nothing,
    its hashtag timelines are public (a token only for servers that closed them)."""
    if network == Network.X:
        return bool(settings.X_BEARER_TOKEN)
    if network == Network.BLUESKY:
        handle = getattr(settings, "BLUESKY_HANDLE", "")
        password = getattr(settings, "BLUESKY_APP_PASSWORD", "")
        return bool(handle and password) and _installed("bluesky")
    return network == Network.MASTODON and _installed("mastodon")


@cache
def _installed(module: str) -> bool:
    """Whether this site has the network's source module (a site, or a branch, may not)."""
    return importlib.util.find_spec(f"archive.sources.{module}") is not None


def credentials_material(network: str, server: str = "") -> str:
    """What the source's credentials are made of, for telling changed ones from refused ones."""
    if network == Network.X:
        return f"{settings.X_BEARER_TOKEN}\n{settings.X_API_BASE_URL}"
    if network == Network.MASTODON:
        tokens = getattr(settings, "MASTODON_ACCESS_TOKENS", {}) or {}
        override = getattr(settings, "MASTODON_API_BASE_URL_OVERRIDE", None) or ""
        return f"{server}\n{tokens.get(server, '')}\n{override}"
    handle = getattr(settings, "BLUESKY_HANDLE", "")
    password = getattr(settings, "BLUESKY_APP_PASSWORD", "")
    return f"{handle}\n{password}\n{getattr(settings, 'BLUESKY_API_BASE_URL', '')}"


def search_window(source: Source) -> timedelta | None:
    """How far back the network's search reaches (X: seven days); None: no limit."""
    window: timedelta | None = getattr(source, "search_window", None)
    return window


def end_time_min_age(source: Source) -> timedelta:
    """How old an end time must be before the network accepts it (X: ten seconds)."""
    age: timedelta = getattr(source, "end_time_min_age", timedelta(0))
    return age
