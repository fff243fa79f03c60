"""The one place that builds a network's source from the site's settings.

A network's module is imported only when its source is wanted: a worker pulling X
never loads the atproto SDK.
"""

from datetime import timedelta

from django.conf import settings

from archive.networks import Network
from archive.sources.base import Source


def source_for(*, network: str, server: str = "") -> Source:
    """The source for one network (and, for Mastodon, one server's hashtag timeline)."""
    if network == Network.X:
        from archive.sources.x import XSource

        return XSource(bearer_token=settings.X_BEARER_TOKEN, base_url=settings.X_API_BASE_URL)
    if network == Network.MASTODON:
        from archive.sources.mastodon import MastodonSource

        return MastodonSource(
            server=server,
            access_token=settings.MASTODON_ACCESS_TOKENS.get(server, ""),
            timeout=settings.MASTODON_TIMEOUT,
            api_base_url=settings.MASTODON_API_BASE_URL_OVERRIDE or None,
        )
    if network == Network.BLUESKY:
        from archive.sources.bluesky import BlueskySource

        return BlueskySource(
            handle=settings.BLUESKY_HANDLE,
            app_password=settings.BLUESKY_APP_PASSWORD,
            base_url=settings.BLUESKY_API_BASE_URL or "https://bsky.social",
        )
    raise ValueError(f"no source for network {network!r}")


def network_configured(network: str) -> bool:
    """Whether the site has what pulling from the network needs: X a bearer token,
    Bluesky an account and app password (its search wants a login); Mastodon nothing,
    its hashtag timelines are public (a token only for servers that closed them)."""
    if network == Network.X:
        return bool(settings.X_BEARER_TOKEN)
    if network == Network.BLUESKY:
        return bool(settings.BLUESKY_HANDLE and settings.BLUESKY_APP_PASSWORD)
    return network == Network.MASTODON


def credentials_material(network: str, server: str = "") -> str:
    """What the source's credentials are made of, for telling changed ones from refused ones."""
    if network == Network.X:
        return f"{settings.X_BEARER_TOKEN}\n{settings.X_API_BASE_URL}"
    if network == Network.MASTODON:
        token = settings.MASTODON_ACCESS_TOKENS.get(server, "")
        return f"{server}\n{token}\n{settings.MASTODON_API_BASE_URL_OVERRIDE}"
    return (
        f"{settings.BLUESKY_HANDLE}\n{settings.BLUESKY_APP_PASSWORD}\n"
        f"{settings.BLUESKY_API_BASE_URL}"
    )


def search_window(source: Source) -> timedelta | None:
    """How far back the network's search reaches (X: seven days); None: no limit."""
    window: timedelta | None = getattr(source, "search_window", None)
    return window


def end_time_min_age(source: Source) -> timedelta:
    """How old an end time must be before the network accepts it (X: ten seconds)."""
    age: timedelta = getattr(source, "end_time_min_age", timedelta(0))
    return age
