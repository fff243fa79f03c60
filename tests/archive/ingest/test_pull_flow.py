"""A chat's pulls as X sees them: where each starts, how it pages, what it costs per day."""

from datetime import UTC, datetime, time, timedelta

import pytest

from archive.models import Post, ReadUsage, SyncCursor
from archive.services.pulls import chat_cursor, stream_cursor, stream_pull, x_source
from community.models import Community
from tests.archive.ingest.conftest import add_posts, make_chat, pull_now, x_time
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db


def test_it_starts_a_chats_first_pull_at_the_window_start_then_pulls_since_the_newest_id(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(minutes=30))
    add_posts(x_api, 5, start=chat.window_start - timedelta(minutes=5))
    first = add_posts(x_api, 250, start=chat.window_start, every=timedelta(seconds=2))

    pull_now(chat, now=now)
    newest = max(first, key=lambda t: int(t["id"]))["id"]
    later = add_posts(x_api, 150, start=now, every=timedelta(milliseconds=200))
    pull_now(chat, now=now + timedelta(minutes=1))

    requests = x_api.search_requests
    assert len(requests) == 5
    for request in requests[:3]:
        assert request["start_time"] == x_time(chat.window_start)
        assert "since_id" not in request
    for request in requests[3:]:
        assert request["since_id"] == newest
        assert "start_time" not in request
    assert ["next_token" in request for request in requests] == [False, True, True, False, True]
    assert len({request["query"] for request in requests}) == 1
    assert Post.objects.count() == 400
    assert set(Post.objects.values_list("external_id", flat=True)) == {
        t["id"] for t in first + later
    }
    cursor = chat_cursor(chat=chat)
    assert cursor.newest_id == max(later, key=lambda t: int(t["id"]))["id"]
    assert cursor.last_error == ""


def test_it_records_reads_and_requests_per_chat_and_per_utc_day(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    add_posts(x_api, 120, start=chat.window_start, every=timedelta(seconds=10))

    pull_now(chat, now=midnight - timedelta(minutes=1))
    add_posts(x_api, 30, start=midnight - timedelta(seconds=50), every=timedelta(seconds=2))
    pull_now(chat, now=midnight + timedelta(minutes=2))
    add_posts(x_api, 10, start=chat.window_end + timedelta(minutes=5))
    stream_pull(
        community=community, cursor=stream_cursor(community=community), source=x_source(),
        now=chat.window_end + timedelta(minutes=10),
    )  # fmt: skip

    usage = {
        (row.chat_id, row.day): (row.posts_read, row.requests)
        for row in ReadUsage.objects.filter(community=community)
    }
    assert usage == {
        (chat.pk, (midnight - timedelta(days=1)).date()): (120, 2),
        (chat.pk, midnight.date()): (30, 1),
        (None, midnight.date()): (10, 1),
    }
    cursor = SyncCursor.objects.get()
    assert (cursor.reads_total, cursor.requests_total) == (160, 4)
    assert Post.objects.count() == 160
