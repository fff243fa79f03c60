"""What a chat costs: reads per archived post over a simulated two-hour chat.

The dispatcher ticks every 30 s of a simulated clock, as beat does; posts arrive minute by
minute, each added to the fake just before the tick that follows its creation, so X
never returns a post from the future. Every due pull goes through tweepy to the fake.
"""

from datetime import datetime, timedelta

import pytest
from django.db.models import Sum

from archive.models import Post, ReadUsage
from archive.services.pulls import (
    Target,
    chat_cursor,
    chat_pull,
    pulls_due,
    stream_cursor,
    stream_pull,
    x_source,
)
from chats.models import Chat
from community.models import Community
from tests.archive.ingest.conftest import add_posts, make_chat
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import x_time

pytestmark = pytest.mark.django_db

TICK = timedelta(seconds=30)
MAX_READS_PER_POST = 1.05


def _per_minute(chat: Chat, minute_start: datetime) -> int:
    """A #KMers hour and a half: quiet around it, busy on each question, a rush at Q1."""
    if not chat.start_at <= minute_start < chat.end_at:
        return 2
    minute = int((minute_start - chat.start_at).total_seconds() // 60)
    if minute in (10, 11):
        return 140  # more than a page in one poll
    return 25 if minute % 15 < 4 else 10


def _arrive(api: FakeXApi, chat: Chat, clock: datetime) -> None:
    """Add the posts of the half-minute before `clock` to the fake."""
    start = clock - TICK
    minute_start = start.replace(second=0)
    count = _per_minute(chat, minute_start) // 2
    if count:
        add_posts(api, count, start=start, every=TICK / count)


def _run(target: Target, now: datetime) -> None:
    if target.kind == "stream":
        community = Community.objects.get(pk=target.pk)
        cursor = stream_cursor(community=community)
        stream_pull(community=community, cursor=cursor, source=x_source(), now=now)
        return
    chat = Chat.objects.select_related("community").get(pk=target.pk)
    chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)


@pytest.mark.parametrize(
    "extra_hashtags",
    [
        pytest.param([], id="community-hashtag"),
        pytest.param(["KMchat"], id="extra-hashtag"),
    ],
)
def test_it_reads_each_post_about_once_over_a_two_hour_chat_polled_every_minute(
    x_api: FakeXApi, community: Community, now: datetime, extra_hashtags: list[str]
) -> None:
    # Hours ago, so that the whole simulation, final sweep included, lies in the past;
    # from a between-chat sweep before the window to one after the final sweep.
    chat = make_chat(
        community, start=now - timedelta(hours=4), minutes=120, extra_hashtags=extra_hashtags
    )
    clock, last_tick = chat.window_start - timedelta(minutes=20), chat.end_at + timedelta(hours=1)
    pulls, last_open_pull = 0, clock
    while clock <= last_tick:
        _arrive(x_api, chat, clock)
        for target in pulls_due(now=clock):
            _run(target, clock)
            pulls += 1
            if target.kind != "final":  # a final sweep stops at the window's end
                last_open_pull = clock
        clock += TICK

    usage = ReadUsage.objects.aggregate(reads=Sum("posts_read"), requests=Sum("requests"))
    posts = Post.objects.count()
    ratio = usage["reads"] / posts
    print(
        f"\nreads per archived post: {ratio:.3f} ({usage['reads']} reads, {posts} posts, "
        f"{pulls} pulls, {usage['requests']} requests)"
    )
    # Everything posted before the last open-ended pull is archived, exactly once.
    cutoff = x_time(last_open_pull)
    assert posts == sum(1 for t in x_api.tweets.values() if t["created_at"] < cutoff)
    assert Post.objects.filter(placements__chat=chat).count() > 0.9 * posts
    assert ratio <= MAX_READS_PER_POST
