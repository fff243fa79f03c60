"""X's own count of the posts it billed (GET /2/usage/tweets), fetched and set beside ours."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings

from archive.models import BilledRead, NetworkUsage, SourceHealth, SyncCursor
from archive.selectors.health import archive_status
from archive.sources.x import normalise_x_usage
from archive.tasks import reconcile_usage
from community.models import Community
from tests.archive.ingest.conftest import add_posts, make_chat, pull_now
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db


def _day_row(community: Community, now: datetime) -> dict[str, Any]:
    rows = archive_status(community=community, now=now)["reconciliation"]
    return next(row for row in rows if row["day"] == now.date())


def test_it_stores_xs_count_per_day_and_it_agrees_with_ours_after_re_reads(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    chat = make_chat(community, start=now - timedelta(minutes=30))
    add_posts(x_api, 150, start=chat.window_start)
    pull_now(chat, now=now)
    SyncCursor.objects.update(newest_id="", last_success_at=None)  # the next starts over
    pull_now(chat, now=now + timedelta(minutes=1))

    outcome = reconcile_usage()

    assert outcome == "14 days of X's usage stored"
    (request,) = x_api.usage_requests
    assert request == {"days": "14", "usage.fields": "daily_project_usage"}
    usage = NetworkUsage.objects.get(day=x_api.today())
    assert usage.posts == 150
    row = _day_row(community, now)
    assert (row["billed"], row["x_posts"], row["mismatch"]) == (150, 150, False)
    # The day over, X's figure is final: still no mismatch.
    assert not _day_row(community, now + timedelta(days=1))["mismatch"]


def test_it_reads_the_shape_of_xs_api_reference_too_and_shows_a_difference(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    x_api.usage_shape = "openapi"
    chat = make_chat(community, start=now - timedelta(minutes=30))
    add_posts(x_api, 20, start=chat.window_start)
    pull_now(chat, now=now)
    # Posts X counts that this site never stored: another app of the project, say.
    x_api.usage_adjustments[x_api.today()] = 7
    x_api.usage_adjustments[x_api.today() - timedelta(days=3)] = 40

    reconcile_usage()

    counts = dict(NetworkUsage.objects.values_list("day", "posts"))
    assert (counts[x_api.today()], counts[x_api.today() - timedelta(days=3)]) == (27, 40)
    assert len(counts) == 14
    NetworkUsage.objects.update(fetched_at=now + timedelta(days=1))
    row = _day_row(community, now)
    assert (row["billed"], row["x_posts"], row["mismatch"], row["difference"]) == (20, 27, True, 7)


def test_it_forgets_billed_posts_of_past_days_and_asks_x_nothing_without_credentials(
    x_api: FakeXApi, settings: Any, now: datetime
) -> None:
    settings.X_BEARER_TOKEN = ""
    old, recent = now.date() - timedelta(days=2), now.date() - timedelta(days=1)
    BilledRead.objects.bulk_create(
        [BilledRead(day=day, network="x", external_id="1") for day in (old, recent)]
    )

    assert reconcile_usage() == "off: no X credentials"

    assert list(BilledRead.objects.values_list("day", flat=True)) == [recent]
    assert x_api.requests == []


@pytest.mark.parametrize(
    ("status", "said"), [(403, "403 Forbidden"), (503, "503 Service"), (429, "rate limited")]
)
def test_it_stores_nothing_when_x_refuses_and_stops_no_pull(
    x_api: FakeXApi, status: int, said: str
) -> None:
    x_api.fail_next(status=status, reset_in=60)

    outcome = reconcile_usage()

    assert outcome.startswith(f"unavailable: {said}")
    assert not NetworkUsage.objects.exists()
    assert not SourceHealth.objects.filter(healthy=False).exists()
    assert not SourceHealth.objects.exclude(rate_limited_until=None).exists()


def test_it_runs_from_beat_every_quarter_of_an_hour() -> None:
    (entry,) = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "archive.tasks.reconcile_usage"
    ]  # fmt: skip
    assert entry["schedule"] == 900
    assert entry["options"]["expires"] == 900


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {}),
        ({"data": {"project_usage": "12"}}, {}),
        ({"data": {"daily_project_usage": "nope"}}, {}),
        (
            {"data": {"daily_project_usage": [
                {"date": "2026-11-24", "usage": [
                    {"app_id": "1", "tweets_consumed": 5}, {"app_id": "2", "tweets_consumed": 2},
                ]},
                {"date": "2026-11-25", "usage": [{"app_id": "1", "tweets_consumed": "x"}]},
                {"date": "yesterday", "usage": [{"app_id": "1", "tweets_consumed": 3}]},
                "not an object",
            ]}},
            {date(2026, 11, 24): 7},
        ),
        (
            {"data": {"daily_project_usage": {"project_id": "1", "usage": [
                {"date": "2026-11-24T00:00:00.000Z", "usage": "120"},
                {"date": "2026-11-25T00:00:00.000Z", "usage": 3},
                {"date": "2026-11-26T00:00:00.000Z", "usage": -1},
                {"date": "2026-11-27T00:00:00.000Z", "usage": True},
                {"date": "2026-11-28T00:00:00.000Z", "usage": "１２"},
                {"usage": 4},
            ]}}},
            {date(2026, 11, 24): 120, date(2026, 11, 25): 3},
        ),
    ],
)  # fmt: skip
def test_it_reads_only_the_usage_entries_that_make_sense(
    payload: dict[str, Any], expected: dict[date, int]
) -> None:
    assert normalise_x_usage(payload) == expected
