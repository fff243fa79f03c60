"""A stand-in for another network's source (Mastodon, Bluesky) behind the Source protocol:
the external network is the only thing replaced; our database and broker are real."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from archive.networks import Network
from archive.sources.base import (
    NormalisedAccount,
    NormalisedPost,
    Page,
    PullQuery,
    SourceError,
)


def network_post(
    network: str,
    number: int,
    *,
    at: datetime,
    text: str,
    handle: str = "",
    server: str = "mastodon.example",
) -> NormalisedPost:
    handle = handle or f"member{number % 3}@{server}"
    if network == Network.MASTODON:
        external_id = f"https://{server}/users/{handle.split('@')[0]}/statuses/{number}"
    elif network == Network.BLUESKY:
        external_id = f"at://did:plc:{handle.split('.')[0]}/app.bsky.feed.post/{number}"
    else:
        external_id = str(number)
    author = NormalisedAccount(
        network=network, external_id=f"{network}:{handle}", handle=handle, display_name=handle
    )
    return NormalisedPost(
        network=network,
        external_id=external_id,
        author=author,
        text=text,
        html=text,
        created_at=at,
        hashtags=tuple(w[1:].lower() for w in text.split() if w.startswith("#")),
        url=external_id if network == Network.MASTODON else "",
    )


@dataclass
class NetworkDouble:
    """Serves its posts newest first, two a page, newer than since_id; or fails."""

    network: Network
    server: str = ""
    posts: list[NormalisedPost] = field(default_factory=list)
    failure: SourceError | None = None
    requests: int = 0
    search_window: timedelta | None = None
    end_time_min_age: timedelta = timedelta(0)

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        self.requests += 1
        if self.failure is not None:
            raise self.failure
        wanted = [p for p in self.posts if _matches(p, query)]
        wanted.sort(key=lambda p: p.created_at, reverse=True)
        if not wanted:
            yield Page(posts=(), last=True)
            return
        for start in range(0, len(wanted), 2):
            chunk = tuple(wanted[start : start + 2])
            last = start + 2 >= len(wanted)
            yield Page(
                posts=chunk,
                newest_id=_order_id(wanted[0]),
                oldest_id=_order_id(chunk[-1]),
                result_count=len(chunk),
                last=last,
            )
            if not last:
                self.requests += 1


def _order_id(post: NormalisedPost) -> str:
    return post.created_at.isoformat()


def _matches(post: NormalisedPost, query: PullQuery) -> bool:
    tags = {t.lower() for t in query.hashtags}
    if not tags & set(post.hashtags):
        return False
    key = _order_id(post)
    if query.since_id and key <= query.since_id:
        return False
    if query.until_id and key >= query.until_id:
        return False
    if query.start_time and post.created_at < query.start_time:
        return False
    return not (query.end_time and post.created_at > query.end_time)
