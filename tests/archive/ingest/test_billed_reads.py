"""The cost meter counts what X bills: each post once per UTC day, re-reads apart."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db.models import Sum

from archive.models import BilledRead, ReadUsage, SyncCursor
from archive.services.pulls import chat_cursor, chat_pull, stream_cursor, stream_pull, x_source
from archive.services.usage import billed_reads_prune
from community.models import Community
from tests.archive.ingest.conftest import add_posts, make_chat, pull_now
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db


def _start_over() -> None:
    """As after an interrupted pull: the next one reads the window from its start again."""
    SyncCursor.objects.update(newest_id="", last_success_at=None)


def _usage_by_day() -> dict[object, tuple[int, int]]:
    rows = ReadUsage.objects.values("day").annotate(
        read=Sum("posts_read"), billed=Sum("posts_billed")
    )
    return {row["day"]: (row["read"], row["billed"]) for row in rows}


def test_it_bills_a_post_read_twice_on_the_same_utc_day_once_and_counts_a_re_read(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    # Both pulls on one UTC day, whenever the test runs (at 23:59 the second would not be).
    now = now.replace(hour=min(now.hour, 22))
    chat = make_chat(community, start=now - timedelta(minutes=30))
    tweets = add_posts(x_api, 120, start=chat.window_start)
    # Malformed, it is skipped, but X billed it all the same.
    x_api.corrupt(tweets[0]["id"], created_at="yesterday")

    first = pull_now(chat, now=now)
    _start_over()
    second = pull_now(chat, now=now + timedelta(minutes=1))

    assert (first.posts_read, second.posts_read) == (120, 120)
    assert _usage_by_day() == {now.date(): (240, 120)}
    assert BilledRead.objects.filter(day=now.date()).count() == 120


def test_it_bills_the_same_post_again_the_next_utc_day(
    x_api: FakeXApi, community: Community
) -> None:
    midnight = datetime.combine(datetime.now(UTC).date(), time(0), tzinfo=UTC)
    chat = make_chat(community, start=midnight - timedelta(minutes=30))
    add_posts(x_api, 30, start=chat.window_start, every=timedelta(seconds=20))
    before, after = midnight - timedelta(minutes=5), midnight + timedelta(minutes=40)

    pull_now(chat, now=before)
    _start_over()
    pull_now(chat, now=after)

    assert _usage_by_day() == {before.date(): (30, 30), after.date(): (30, 30)}


def test_it_bills_a_post_once_whichever_query_reads_it_first(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(minutes=30), extra_hashtags=["KMchat"])
    add_posts(x_api, 20, start=chat.window_start, tags=["KMers"])
    add_posts(x_api, 5, start=chat.window_start, tags=["KMchat"])
    chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)

    # The community's sweep is another query, with a cursor of its own: it reads the
    # #KMers posts again, the same day.
    stream_pull(
        community=community, cursor=stream_cursor(community=community), source=x_source(), now=now
    )

    rows = {
        row.chat_id: (row.posts_read, row.posts_billed)
        for row in ReadUsage.objects.filter(day=now.date())
    }
    assert rows == {chat.pk: (25, 25), None: (20, 0)}


def test_it_keeps_the_billed_ids_only_while_a_pull_can_still_count_against_their_day(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(minutes=30))
    add_posts(x_api, 10, start=chat.window_start)
    pull_now(chat, now=now)

    # A pull counts its reads on the day it began: yesterday's ids still serve one that
    # began before midnight.
    assert billed_reads_prune(now=now + timedelta(days=1)) == 0
    assert billed_reads_prune(now=now + timedelta(days=2)) == 10
    assert not BilledRead.objects.exists()
    assert _usage_by_day() == {now.date(): (10, 10)}
