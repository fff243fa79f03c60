"""Bluesky posts deleted after they were archived, shown as removed by their authors.

Search stops returning a deleted post, so pulls never notice a deletion; a finished
chat's posts are checked with app.bsky.feed.getPosts instead (25 a request: a chat of 400
posts costs 16 requests, and no reads are billed). A post getPosts leaves out was deleted,
or its account was deleted, deactivated or taken down: either way its author withdrew it
from Bluesky, and the transcript shows it removed (Post.REMOVED_BY_AUTHOR), as it does a
post the author removed here. A removal is not undone by a later sweep: a member's own
removal carries the same reason and must stand.
"""

import logging
from typing import Protocol

from django.db import transaction

from archive.models import Post, PostPlacement
from archive.networks import Network
from chats.models import Chat

logger = logging.getLogger(__name__)


class PostsChecker(Protocol):
    def posts_existing(self, uris: list[str]) -> set[str]:
        """Which of these post URIs the network still serves; raises SourceError."""
        ...


def bluesky_deletions_sweep(*, chat_id: int, source: PostsChecker) -> int:
    """Mark the chat's Bluesky posts that Bluesky no longer serves as removed by their
    authors; return how many. Source errors reach the caller, nothing marked."""
    uris = sorted(
        set(
            Post.objects.filter(
                network=Network.BLUESKY, removed=False, placements__chat_id=chat_id
            ).values_list("external_id", flat=True)
        )
    )
    if not uris:
        return 0
    existing = source.posts_existing(uris)
    gone = [uri for uri in uris if uri not in existing]
    if len(uris) > 1 and len(gone) == len(uris):
        # Every post gone at once is an answer gone wrong (an AppView hiccup), not a chat
        # whose every author deleted their posts: nothing is marked; the next sweep checks.
        logger.warning("Bluesky served none of chat %s's %d posts; none marked", chat_id, len(uris))
        return 0
    if not gone:
        return 0
    with transaction.atomic():
        removed = Post.objects.filter(
            network=Network.BLUESKY, external_id__in=gone, removed=False
        ).update(removed=True, removed_reason=Post.REMOVED_BY_AUTHOR)
        # Cached transcripts of every chat showing these posts are rebuilt.
        chats = PostPlacement.objects.filter(
            post__network=Network.BLUESKY, post__external_id__in=gone, chat__isnull=False
        ).values("chat_id")
        Chat.objects.filter(pk__in=chats).mark_archive_changed()
    return removed
