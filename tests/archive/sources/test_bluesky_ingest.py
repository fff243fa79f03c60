"""Bluesky pages stored by the ingest service: a simulated chat pulled as the dispatcher
pulls, counting what the fake served against what the archive kept."""

from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from archive.models import Post, PostPlacement, SyncCursor
from archive.networks import Network
from archive.services.ingest import cursor_for, pull_run
from archive.services.pulls import pull_query_for
from archive.sources.base import RateLimited
from archive.sources.bluesky import BlueskySource
from chats.models import Chat
from chats.services import schedule
from community.models import Community
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyApi,
    make_bsky_post,
    running_fake,
)

PULL_EVERY = timedelta(minutes=1)


@pytest.fixture
def start() -> datetime:
    return timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)


@pytest.fixture
def chat(community: Community, start: datetime) -> Chat:
    return schedule.chat_create(
        community=community,
        title="Graphs",
        start_at=start,
        end_at=start + timedelta(hours=1),
        now=start - timedelta(days=1),
    )


@pytest.fixture
def bluesky_api() -> Iterator[FakeBlueskyApi]:
    yield from running_fake()


def source(api: FakeBlueskyApi) -> BlueskySource:
    return BlueskySource(handle=HANDLE, app_password=APP_PASSWORD, base_url=api.base_url)


def pull(api: FakeBlueskyApi, chat: Chat, cursor: SyncCursor, now: datetime) -> None:
    cursor.refresh_from_db()
    query = pull_query_for(cursor=cursor, start_time=chat.window_start, end_time=None, now=now)
    # The dispatcher waits for a 429's reset; the next tick is past it here.
    with suppress(RateLimited):
        pull_run(cursor=cursor, source=source(api), query=query, chat=chat, now=now)


def chat_traffic(start: datetime, count: int) -> list[dict]:
    """Posts over the hour, unevenly: bursts after each question, quiet between."""
    posts = []
    for n in range(count):
        minute = (n * 60) // count
        burst = (n * 7919) % 29  # seconds into the minute, scattered
        at = start + timedelta(minutes=minute, seconds=burst, milliseconds=n % 1000)
        text = f"A{1 + minute // 10} point {n} #KMers"
        posts.append(make_bsky_post(text=text, handle=f"kmer{n % 23}.bsky.social", at=at))
    return posts


@pytest.mark.django_db
def test_it_reads_each_post_about_once_over_a_simulated_chat(
    bluesky_api: FakeBlueskyApi, community: Community, chat: Chat, start: datetime
) -> None:
    posts = chat_traffic(start, 400)
    cursor = cursor_for(network=Network.BLUESKY, community=community, hashtags=chat.hashtags)
    tick = start - timedelta(minutes=15)
    outage = (start + timedelta(minutes=20), start + timedelta(minutes=40))
    pending = sorted(posts, key=lambda p: p["indexedAt"])
    while tick <= start + timedelta(minutes=90):
        while pending and datetime.fromisoformat(pending[0]["indexedAt"]) <= tick:
            bluesky_api.add_posts(pending.pop(0))
        if tick == outage[1]:
            # Back after 20 minutes: two pages are due, and the second one is refused (its
            # reset is at once: the simulated clock runs faster than the fake's).
            search = "app.bsky.feed.searchPosts"
            bluesky_api.fail_next(status=429, reset_in=0, nsid=search, after=1)
        if not outage[0] <= tick < outage[1]:
            pull(bluesky_api, chat, cursor, tick)
        tick += PULL_EVERY

    served = bluesky_api.served()
    stored = Post.objects.filter(network=Network.BLUESKY).count()
    assert stored == 400
    assert PostPlacement.objects.filter(chat=chat).count() == 400
    assert served / stored <= 1.05
    cursor.refresh_from_db()
    assert not cursor.resuming
    assert cursor.reads_total == served
    assert len(bluesky_api.calls("com.atproto.server.createSession")) == 1
    assert [r.status for r in bluesky_api.requests].count(429) == 1
    print(f"\nBluesky reads per archived post: {served}/{stored} = {served / stored:.3f}")


@pytest.mark.django_db
def test_it_stores_a_post_with_its_html_thread_and_author(
    bluesky_api: FakeBlueskyApi, community: Community, chat: Chat, start: datetime
) -> None:
    question = make_bsky_post(text="Q1 Why graphs? #KMers", handle="olga.bsky.social", at=start)
    answer = make_bsky_post(
        text="A1 <because> #KMers", at=start + timedelta(minutes=2), reply_to=question, name="Mona"
    )
    bluesky_api.add_posts(question, answer)
    cursor = cursor_for(network=Network.BLUESKY, community=community, hashtags=chat.hashtags)

    pull(bluesky_api, chat, cursor, start + timedelta(minutes=5))
    pull(bluesky_api, chat, cursor, start + timedelta(minutes=6))

    stored = Post.objects.select_related("author").get(external_id=answer["uri"])
    assert stored.network == Network.BLUESKY
    assert stored.html == 'A1 &lt;because&gt; <a href="/search/?q=%23KMers">#KMers</a>'
    assert stored.reply_to_id == question["uri"]
    assert stored.conversation_id == question["uri"]
    assert stored.author.external_id == answer["author"]["did"]
    assert stored.author.display_name == "Mona"
    assert stored.url.startswith("https://bsky.app/profile/mona.bsky.social/post/")
    assert PostPlacement.objects.filter(chat=chat).count() == 2
    cursor.refresh_from_db()
    assert cursor.newest_id == answer["record"]["createdAt"]
    # The second pull asked only for what came after the newest post, and read nothing.
    assert bluesky_api.served() == 2


@pytest.mark.django_db
def test_it_fills_the_gap_a_cut_short_pull_of_two_hashtags_left(
    bluesky_api: FakeBlueskyApi, community: Community, start: datetime
) -> None:
    chat = schedule.chat_create(
        community=community, title="Two tags", start_at=start, end_at=start + timedelta(hours=1),
        extra_hashtags=["kmgraphs"], now=start - timedelta(days=1),
    )  # fmt: skip
    kmers = [
        make_bsky_post(text=f"A{n} #KMers", at=start + timedelta(seconds=20 * n))
        for n in range(150)
    ]
    graphs = [
        make_bsky_post(text=f"B{n} #kmgraphs", at=start + timedelta(seconds=60 * n + 7))
        for n in range(50)
    ]
    bluesky_api.add_posts(*kmers, *graphs)
    # The third search (the second page of #KMers) is refused.
    bluesky_api.fail_next(status=429, reset_in=0, nsid="app.bsky.feed.searchPosts", after=2)
    cursor = cursor_for(network=Network.BLUESKY, community=community, hashtags=chat.hashtags)

    pull(bluesky_api, chat, cursor, start + timedelta(hours=2))
    cursor.refresh_from_db()
    assert cursor.resuming
    assert Post.objects.count() == 100
    pull(bluesky_api, chat, cursor, start + timedelta(hours=2, minutes=1))

    cursor.refresh_from_db()
    assert not cursor.resuming
    stored = set(Post.objects.values_list("external_id", flat=True))
    assert stored == {p["uri"] for p in kmers + graphs}
    assert cursor.newest_id == max(p["record"]["createdAt"] for p in kmers + graphs)
