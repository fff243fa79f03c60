"""Reads for a community's between-chat stream: its hashtag's posts outside chat windows."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q

from chats.models import PostPlacement
from community.models import Community

STREAM_PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID = 2**63 - 1


class BadCursor(ValueError):
    """A stream cursor that no page of ours ever produced."""


@dataclass(frozen=True)
class StreamCursor:
    """A position in the stream, newest first: the (created_at, post id) of the last post seen."""

    created_at: datetime
    post_id: int

    def encode(self) -> str:
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.post_id}"

    @classmethod
    def landing_on(cls, *, created_at: datetime, post_id: int) -> "StreamCursor":
        """The cursor of the page that starts with this post (for links to a stream post)."""
        return cls(created_at=created_at, post_id=post_id + 1)

    @classmethod
    def decode(cls, value: str) -> "StreamCursor":
        micros, _, post_id = value.partition("-")
        if not (_digits(micros, 17) and _digits(post_id, 19)) or int(post_id) > _MAX_ID:
            raise BadCursor("That page of the stream does not exist.")
        try:
            created_at = _EPOCH + timedelta(microseconds=int(micros))
        except OverflowError as error:
            raise BadCursor("That page of the stream does not exist.") from error
        return cls(created_at=created_at, post_id=int(post_id))


def _digits(value: str, most: int) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= most


@dataclass(frozen=True)
class StreamPage:
    placements: list[PostPlacement]
    older: StreamCursor | None  # where the next (older) page starts; None on the last page


def stream_page(
    *, community: Community, before: StreamCursor | None = None, size: int = STREAM_PAGE_SIZE
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
    return StreamPage(placements=rows[:size], older=StreamCursor(last.created_at, last.post_id))
