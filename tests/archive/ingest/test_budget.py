"""The daily read cap: a pull stops between pages, and nothing pulls again before 00:00 UTC."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import Post, ReadUsage, SyncCursor
from archive.services.pulls import (
    Target,
    chat_cursor,
    chat_pull,
    pulls_due,
    stream_cursor,
    stream_pull,
    x_source,
)
from community.models import Community
from tests.archive.ingest.conftest import (
    add_posts,
    make_chat,
    pull_now,
    reads_total,
    stored_ids,
    x_time,
)
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


def _midnight() -> datetime:
    return datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)


def _cap(community: Community, reads: int) -> None:
    community.daily_read_cap = reads
    community.save(update_fields=["daily_read_cap"])


def _newest(tweets: list[dict[str, Any]]) -> str:
    return max((t["id"] for t in tweets), key=int)


def _oldest_stored() -> str:
    return min(stored_ids(), key=int)


def _reads_per_day() -> dict[date, int]:
    rows = ReadUsage.objects.values("day").annotate(reads=Sum("posts_read"))
    return {row["day"]: row["reads"] for row in rows}


def test_it_resumes_a_pull_the_cap_stopped_where_it_stopped_on_the_next_day(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = _midnight()
    _cap(community, 150)
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    tweets = add_posts(x_api, 350, start=chat.window_start, every=timedelta(seconds=5))
    stopped = pull_now(chat, now=midnight - timedelta(minutes=5))
    oldest_yesterday = _oldest_stored()

    resumed = pull_now(chat, now=midnight + timedelta(seconds=30))

    assert (stopped.posts_read, stopped.complete) == (200, False)
    assert (resumed.posts_read, resumed.complete) == (150, True)
    # Every post stored, each read (and paid for) exactly once.
    assert sorted(stored_ids()) == sorted(t["id"] for t in tweets)
    assert Post.objects.count() == reads_total() == 350
    next_day = x_api.search_requests[2:]
    assert {r["until_id"] for r in next_day} == {oldest_yesterday}
    assert {r["start_time"] for r in next_day} == {x_time(chat.window_start)}
    cursor = chat_cursor(chat=chat)
    assert cursor.newest_id == _newest(tweets)
    assert not cursor.resuming
    assert cursor.last_error == ""


def test_it_finishes_a_backlog_larger_than_the_cap_over_several_days(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = _midnight()
    _cap(community, 150)
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    tweets = add_posts(x_api, 480, start=chat.window_start, every=timedelta(seconds=5))

    pull_now(chat, now=midnight - timedelta(minutes=5))
    first = chat_cursor(chat=chat)
    again = pull_now(chat, now=midnight + timedelta(seconds=30))
    second, oldest_after_two_days = chat_cursor(chat=chat), _oldest_stored()
    last = pull_now(chat, now=midnight + timedelta(days=1, seconds=30))

    # The cap stopped the gap pull too: what is left to read shrank to below its pages.
    assert (again.posts_read, again.complete, last.complete) == (200, False, True)
    assert first.resume_until_id != second.resume_until_id == oldest_after_two_days
    assert second.resume_newest_id == first.resume_newest_id == _newest(tweets)
    assert second.resume_start_time == first.resume_start_time == chat.window_start
    assert (first.newest_id, second.newest_id) == ("", "")
    assert _reads_per_day() == {
        (midnight - timedelta(days=1)).date(): 200,
        midnight.date(): 200,
        (midnight + timedelta(days=1)).date(): 80,
    }
    assert Post.objects.count() == reads_total() == 480
    cursor = chat_cursor(chat=chat)
    assert (cursor.newest_id, cursor.resuming) == (_newest(tweets), False)


def test_it_continues_from_the_stopped_pulls_newest_post_once_the_gap_is_filled(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = _midnight()
    _cap(community, 150)
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    tweets = add_posts(x_api, 250, start=chat.window_start, every=timedelta(seconds=5))
    pull_now(chat, now=midnight - timedelta(minutes=5))
    pull_now(chat, now=midnight + timedelta(seconds=30))
    later = add_posts(x_api, 40, start=midnight + timedelta(seconds=40), every=timedelta(seconds=1))

    result = pull_now(chat, now=midnight + timedelta(minutes=2))

    (request,) = x_api.search_requests[3:]
    assert request["since_id"] == _newest(tweets)
    assert "until_id" not in request
    assert "start_time" not in request
    assert (result.posts_read, result.complete) == (40, True)
    assert Post.objects.count() == reads_total() == 290
    assert chat_cursor(chat=chat).newest_id == _newest(later)


def test_it_moves_the_community_sweep_only_with_the_pull_that_fills_the_gap(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = _midnight()
    _cap(community, 150)
    early = add_posts(x_api, 5, start=midnight - timedelta(hours=2))
    sweep = stream_cursor(community=community)
    stream_pull(
        community=community, cursor=sweep, source=x_source(), now=midnight - timedelta(hours=1)
    )
    # The chat's wider query starts where the sweep stopped and carries it along.
    chat = make_chat(community, start=midnight - timedelta(minutes=30), extra_hashtags=["KMchat"])
    tweets = add_posts(x_api, 300, start=chat.window_start, tags=["KMers", "KMchat"])

    pull_now(chat, now=midnight - timedelta(minutes=5))
    paused_sweep, paused_chat = stream_cursor(community=community), chat_cursor(chat=chat)
    pull_now(chat, now=midnight + timedelta(seconds=30))

    assert (paused_sweep.newest_id, paused_sweep.resuming) == (_newest(early), False)
    assert (paused_chat.resume_since_id, paused_chat.resume_start_time) == (_newest(early), None)
    gap_requests = x_api.search_requests[3:]
    assert {(r["since_id"], r["until_id"]) for r in gap_requests} == {
        (_newest(early), paused_chat.resume_until_id)
    }
    assert stream_cursor(community=community).newest_id == _newest(tweets)
    assert chat_cursor(chat=chat).newest_id == _newest(tweets)
    assert Post.objects.count() == reads_total() == 305


def test_it_tells_organisers_that_a_stopped_pull_will_resume(
    x_api: FakeXApi, community: Community, organiser: Client
) -> None:
    _cap(community, 150)
    chat = make_chat(community, start=timezone.now() - timedelta(minutes=30))
    add_posts(x_api, 250, start=chat.window_start, every=timedelta(seconds=5))
    pull_now(chat, now=timezone.now())

    page = organiser.get(reverse("archive:archive_health", kwargs={"slug": community.slug}))

    assert "Resuming an interrupted pull" in page.content.decode()
