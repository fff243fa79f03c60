"""Mastodon.py clients for any member's server, pinned to that server.

A server name comes from a member's form, so every client is built here: on its own
`requests` session that refuses any host but the server's (a hostile server cannot send
us, by a redirect or by the OAuth endpoints it advertises, to another host) and, in
production, any host whose name resolves to a non-public address, with
a short timeout and rate limits raised rather than slept through (a web request must
never sleep for minutes). `MASTODON_API_BASE_URL_OVERRIDE` points every server at one
base URL: the tests' fake servers; empty in production.
"""

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from mastodon import Mastodon
from requests.adapters import HTTPAdapter

SCOPES = ["read:accounts", "write:statuses"]


class ForeignHostError(requests.exceptions.InvalidURL):
    """A request to a host other than the member's server: refused before connecting."""


class UnknownHostError(requests.exceptions.ConnectionError):
    """The server's name does not resolve."""


class PrivateAddressError(requests.exceptions.InvalidURL):
    """The server's name resolves to a private, loopback or otherwise internal address."""


def refuse_private_addresses(host: str) -> None:
    """Raise unless every address the name resolves to is a public one."""
    try:
        found = socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise UnknownHostError(f"{host} does not resolve") from error
    addresses = {str(info[4][0]).split("%")[0] for info in found}
    if not addresses or not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise PrivateAddressError(f"{host} resolves to a non-public address")


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, host: str, *, public_only: bool) -> None:
        super().__init__(max_retries=0)
        self.host = host
        self.public_only = public_only

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(request.url or "")
        if (parts.hostname or "").lower() != self.host:
            raise ForeignHostError(f"refused a request to another host than {self.host}")
        # Again at every request, not only when the member typed the name: a name that
        # was public when connected may point inside our network months later.
        if self.public_only:
            refuse_private_addresses(self.host)
        return super().send(request, *args, **kwargs)


def api_base_url(server: str) -> str:
    return settings.MASTODON_API_BASE_URL_OVERRIDE.rstrip("/") or f"https://{server}"


def pinned_session(base_url: str) -> requests.Session:
    return pin_session(requests.Session(), base_url)


def pin_session[S: requests.Session](session: S, base_url: str) -> S:
    """Hold the session to the server of `base_url` (and, in production, to public
    addresses): for every client of a server someone named, a member or an organiser."""
    # No proxies or .netrc from the environment: the pin is the whole policy.
    session.trust_env = False
    adapter = _PinnedAdapter(
        (urlsplit(base_url).hostname or "").lower(),
        public_only=not settings.MASTODON_API_BASE_URL_OVERRIDE,
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def mastodon_client(
    *,
    server: str,
    client_id: str | None = None,
    client_secret: str | None = None,
    access_token: str | None = None,
) -> Mastodon:
    base_url = api_base_url(server)
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        access_token=access_token,
        api_base_url=base_url,
        ratelimit_method="throw",
        request_timeout=settings.MASTODON_REQUEST_TIMEOUT,
        # Skips the version probe on every client; the endpoints we use are all old.
        mastodon_version="4.0.0",
        version_check_mode="none",
        session=pinned_session(base_url),
        user_agent="HashtagCommons/1.0",
    )


def register_app(*, server: str, redirect_uri: str) -> tuple[str, str]:
    """Register our OAuth app at the server: (client_id, client_secret)."""
    base_url = api_base_url(server)
    return Mastodon.create_app(
        settings.MASTODON_CLIENT_NAME,
        scopes=SCOPES,
        redirect_uris=redirect_uri,
        website=settings.SITE_URL,
        api_base_url=base_url,
        request_timeout=settings.MASTODON_REQUEST_TIMEOUT,
        session=pinned_session(base_url),
        user_agent="HashtagCommons/1.0",
    )
