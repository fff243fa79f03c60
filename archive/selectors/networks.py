"""Reads of which networks a community archives from, and which a chat was held on."""

from archive.models import ArchiveSettings, Network
from community.models import Community


def archive_settings_of(community: Community) -> ArchiveSettings:
    """The community's switches; unsaved defaults (X alone) when it never set them."""
    try:
        return community.archive_settings
    except ArchiveSettings.DoesNotExist:
        return ArchiveSettings(community=community)


def community_targets(community: Community) -> list[tuple[str, str]]:
    """The (network, server) pairs a community pulls from; X alone without settings."""
    return archive_settings_of(community).targets()


def networks_label(networks: list[str]) -> str:
    """ "X", "X and Mastodon", "X, Mastodon and Bluesky", in the networks' own order."""
    names = [label for value, label in Network.choices if value in set(networks)]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
