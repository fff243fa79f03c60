"""Reads of which networks a community archives from, and which a chat was held on."""

from collections.abc import Iterable
from datetime import datetime

from archive.models import ArchiveSettings, Network, PostPlacement
from chats.models import Chat
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


def chat_networks(
    *, chat: Chat, now: datetime, placements: Iterable[PostPlacement] | None = None
) -> list[str]:
    """The networks a chat was held on: those its posts came from, and while it has not
    ended those its community archives from (a chat the community holds on Mastodon is
    held there before its first post arrives). One query: the posts' networks for an
    ended chat; the community's switches for a live one whose posts the page loaded."""
    if chat.window_end > now:
        networks = set(archive_settings_of(chat.community).networks())
        if placements is not None:
            return _ordered(networks | {p.post.network for p in placements})
    else:
        networks = set()
    posted = PostPlacement.objects.filter(chat=chat).values_list("post__network", flat=True)
    return _ordered(networks | set(posted.distinct().order_by()))


def _ordered(networks: set[str]) -> list[str]:
    return [value for value, _ in Network.choices if value in networks]
