"""Which networks a community archives from: the organisers' switches and server list."""

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from archive.models import ArchiveSettings
from community.models import Community

# A public DNS name: labels of letters, digits and inner hyphens, a top-level domain of
# letters (or an IDNA "xn--" one). No scheme, path, port, user or IP address.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST_RE = re.compile(rf"(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})")


def mastodon_server_clean(raw: str) -> str:
    """One server as its host name, lower case ("Mastodon.Social." → "mastodon.social").

    Only public host names: the workers fetch from them, so an address inside our own
    network (127.0.0.1, a metadata service, "localhost") is refused."""
    text = raw.strip().rstrip(".").lower()
    if "://" in text or "/" in text:
        shown = raw.strip()[:80]
        raise ValidationError(f"“{shown}”: the server's name only, e.g. mastodon.social.")
    if "@" in text:
        raise ValidationError(
            f"“{raw.strip()[:80]}” is an account; give its server's name (after the last @)."
        )
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        pass
    else:
        raise ValidationError(f"“{text[:80]}”: a server's name, not an IP address.")
    try:
        host = text.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    if len(host) > 253 or not _HOST_RE.fullmatch(host):
        raise ValidationError(f"“{raw.strip()[:80]}” is not a server name like mastodon.social.")
    return host


def mastodon_servers_clean(raw: list[str]) -> list[str]:
    """Host names, deduplicated in the order given, at most MAX_MASTODON_SERVERS."""
    servers: list[str] = []
    errors: list[ValidationError] = []
    for line in raw:
        if not line.strip():
            continue
        try:
            host = mastodon_server_clean(line)
        except ValidationError as error:
            errors.append(error)
        else:
            if host not in servers:
                servers.append(host)
    if errors:
        raise ValidationError(errors)
    limit = ArchiveSettings.MAX_MASTODON_SERVERS
    if len(servers) > limit:
        raise ValidationError(
            f"At most {limit} servers: each one is read every pull. The same post seen "
            "through two servers is stored once, so the largest few where members are do."
        )
    return servers


@transaction.atomic
def archive_settings_update(
    *,
    community: Community,
    x_enabled: bool,
    mastodon_enabled: bool,
    mastodon_servers: list[str],
    bluesky_enabled: bool,
) -> ArchiveSettings:
    """Switch the community's networks; the next dispatch pulls from what is on."""
    try:
        servers = mastodon_servers_clean(mastodon_servers)
    except ValidationError as error:
        raise ValidationError({"mastodon_servers": error.error_list}) from error
    if mastodon_enabled and not servers:
        raise ValidationError(
            {"mastodon_servers": "List at least one server to follow the hashtag on."}
        )
    settings, _ = ArchiveSettings.objects.update_or_create(
        community=community,
        defaults={
            "x_enabled": x_enabled,
            "mastodon_enabled": mastodon_enabled,
            "mastodon_servers": servers,
            "bluesky_enabled": bluesky_enabled,
        },
    )
    return settings
