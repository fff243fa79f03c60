"""Grow a #KMers history of any size through the real ingest path, then its rollups."""

from datetime import datetime, timedelta

from archive.services.vitality import vitality_refresh
from chats.models import Chat
from community.models import Community
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user


def grow(
    community: Community,
    *,
    first: datetime,
    now: datetime,
    chats: int,
    people: int,
    weeks_on: int = 0,
) -> list[Chat]:
    """Weekly chats from `first` (`weeks_on` weeks later), `people` taking turns in them and
    between them; the rollups rebuilt as of `now`."""
    authors = [make_user(f"grower{n}") for n in range(people)]
    tweets, made = [], []
    for n in range(chats):
        start = first + timedelta(days=7 * (n + weeks_on))
        made.append(
            Chat.objects.create(
                community=community,
                title=f"Grown {n + weeks_on}",
                hashtag=community.hashtag,
                start_at=start,
                end_at=start + timedelta(hours=1),
            )
        )
        tweets += [
            make_tweet(
                author=authors[(n + k) % people],
                text=f"A{k % 6 + 1} #{community.hashtag}",
                created_at=start + timedelta(minutes=3 + k),
            )
            for k in range(2 * people // 3)
        ]
        tweets.append(
            make_tweet(
                author=authors[n % people],
                text=f"between chats #{community.hashtag}",
                created_at=start + timedelta(days=3),
            )
        )
    for batch in range(0, len(tweets), 200):
        archive_tweets(tweets[batch : batch + 200], users=authors)
    vitality_refresh(community=community, now=now)
    return made
