"""The daily read cap: a pull stops between pages, and nothing pulls again before 00:00 UTC."""

from datetime import UTC, datetime, time, timedelta

import pytest

from chats.models import Post, SyncCursor
from chats.services.pulls import (
    Target,
    chat_cursor,
    chat_pull,
    pulls_due,
    stream_cursor,
    stream_pull,
    x_source,
)
from community.models import Community
from tests.chats.ingest.conftest import add_posts, make_chat, reads_total
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db


def test_it_stops_between_pages_at_the_daily_cap_and_waits_for_the_next_utc_day(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    community.daily_read_cap = 150
    community.save(update_fields=["daily_read_cap"])
    # Open from 23:15 to 01:00 UTC; the pull runs at 23:55, the cap stops it for the day.
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    add_posts(x_api, 350, start=chat.window_start, every=timedelta(seconds=5))
    late = midnight - timedelta(minutes=5)

    result = chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=late)
    again = chat_pull(
        chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=late + timedelta(minutes=2)
    )

    assert len(x_api.search_requests) == 2
    assert (result.pages, result.posts_read, result.complete) == (2, 200, False)
    assert Post.objects.count() == reads_total() == 200
    assert (again.pages, again.complete) == (0, False)
    cursor = SyncCursor.objects.get()
    assert cursor.next_allowed_at == midnight
    assert "Daily read budget of 150 posts reached" in cursor.last_error
    assert cursor.last_error == result.stopped_reason
    assert cursor.newest_id == ""
    assert pulls_due(now=late + timedelta(minutes=1)) == []
    assert pulls_due(now=midnight - timedelta(seconds=1)) == []
    assert pulls_due(now=midnight + timedelta(seconds=30)) == [Target("chat", chat.pk)]


def test_it_counts_every_cursor_of_the_community_against_its_cap(
    x_api: FakeXApi, community: Community, settings: object, now: datetime
) -> None:
    settings.ARCHIVE_DAILY_READ_CAP = 100
    chat = make_chat(community, start=now - timedelta(minutes=30), extra_hashtags=["KMchat"])
    add_posts(x_api, 100, start=chat.window_start, tags=["KMchat"])
    chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)

    # The between-chat sweep of #KMers is another query, on the same community's budget.
    result = stream_pull(
        community=community, cursor=stream_cursor(community=community), source=x_source(), now=now
    )

    assert len(x_api.search_requests) == 1
    assert SyncCursor.objects.count() == 2
    assert result.stopped_reason.startswith("Daily read budget of 100 posts reached")


@pytest.mark.xfail(
    strict=True,
    reason="the cursor moves only with a pull's last page, so the next day starts over from "
    "the old since_id/window start: the committed pages are read (and paid) again, and a "
    "backlog larger than the cap is never finished",
)
def test_it_resumes_a_pull_the_cap_stopped_where_it_stopped_on_the_next_day(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    community.daily_read_cap = 150
    community.save(update_fields=["daily_read_cap"])
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    add_posts(x_api, 350, start=chat.window_start, every=timedelta(seconds=5))
    chat_pull(
        chat=chat, cursor=chat_cursor(chat=chat), source=x_source(),
        now=midnight - timedelta(minutes=5),
    )  # fmt: skip

    chat_pull(
        chat=chat, cursor=chat_cursor(chat=chat), source=x_source(),
        now=midnight + timedelta(seconds=30),
    )  # fmt: skip

    assert Post.objects.count() == 350
    assert reads_total() == 350
