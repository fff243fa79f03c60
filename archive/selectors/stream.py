"""Reads for a community's between-chat stream: its hashtag's posts outside chat windows."""

from dataclasses import dataclass

from django.db.models import Q

from archive.models import PostPlacement
from archive.paging import Cursor
from community.models import Community

STREAM_PAGE_SIZE = 50


@dataclass(frozen=True)
class StreamPage:
    placements: list[PostPlacement]
    older: Cursor | None  # where the next (older) page starts; None on the last page


def stream_page(
    *, community: Community, before: Cursor | None = None, size: int = STREAM_PAGE_SIZE
) -> StreamPage:
    """One page of the community's visible stream posts, newest first: one query.

    Keyset pagination on (created_at, post id), so pages stay disjoint and complete
    while new posts arrive, and a deep page costs what the first one does.
    """
    placements = PostPlacement.objects.filter(
        community=community, chat__isnull=True, hidden=False, post__removed=False
    )
    if before is not None:
        placements = placements.filter(
            Q(created_at__lt=before.created_at)
            | Q(created_at=before.created_at, post_id__lt=before.post_id)
        )
    rows = list(
        placements.select_related("post__author__member")
        .defer("post__raw", "post__search_vector")
        .order_by("-created_at", "-post_id")[: size + 1]
    )
    if len(rows) <= size:
        return StreamPage(placements=rows, older=None)
    last = rows[size - 1]
    return StreamPage(placements=rows[:size], older=Cursor(last.created_at, last.post_id))
