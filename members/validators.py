import re

from django.core.exceptions import ValidationError

# @user@server.tld — the user part allows letters, digits, underscores and
# inner dots or dashes; the server is a domain name.
_DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
_MASTODON_RE = re.compile(rf"^@?[a-z0-9_]+(?:[.-][a-z0-9_]+)*@{_DOMAIN}$", re.IGNORECASE)
_BLUESKY_RE = re.compile(rf"^@?{_DOMAIN}$", re.IGNORECASE)


def validate_mastodon_handle(value: str) -> None:
    if not _MASTODON_RE.fullmatch(value):
        raise ValidationError(
            "Enter a Mastodon handle like @name@mastodon.social.", code="invalid_mastodon"
        )


def validate_bluesky_handle(value: str) -> None:
    if not _BLUESKY_RE.fullmatch(value):
        raise ValidationError(
            "Enter a Bluesky handle like name.bsky.social.", code="invalid_bluesky"
        )


_SERVER_RE = re.compile(rf"^{_DOMAIN}$")
_HANDLE_PREFIX_RE = re.compile(r"^@?[a-z0-9_]+(?:[.-][a-z0-9_]+)*@", re.IGNORECASE)
MAX_SERVER_LENGTH = 253


def normalise_mastodon_server(value: str) -> str:
    """The server's host name from what a member typed: "mastodon.social",
    "https://mastodon.social/" or "@name@mastodon.social".

    Only a bare domain name passes: no IP address, port, path, user info or other scheme,
    so that the name can only ever mean https://<name>/. Whether it resolves to a public
    address is checked when we connect (members.mastodon_client)."""
    server = value.strip()
    if len(server) > MAX_SERVER_LENGTH + 10:
        raise ValidationError("That is too long for a server name.", code="invalid_server")
    server = _HANDLE_PREFIX_RE.sub("", server, count=1)
    if server.lower().startswith("https://"):
        server = server[len("https://") :].removesuffix("/")
    try:
        server = server.encode("idna").decode("ascii").lower()
    except UnicodeError:
        server = ""
    if len(server) > MAX_SERVER_LENGTH or not _SERVER_RE.fullmatch(server):
        raise ValidationError(
            "Enter your server's name, like mastodon.social.", code="invalid_server"
        )
    return server
