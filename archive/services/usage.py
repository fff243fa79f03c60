"""The cost meter: which reads X bills, and X's own count to check ours against.

X bills a post once per UTC day however often it is read that day (a soft guarantee:
outages may break it), whichever query reads it. The ingest service calls `reads_bill`
in each page's transaction; beat calls `billed_reads_prune` and `usage_reconcile`.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection

from archive.models import BilledRead, Network, NetworkUsage
from archive.sources.base import Page
from archive.sources.x import XSource

# As many days as the archive-health page shows.
USAGE_DAYS = 14


def reads_bill(*, network: str, day: date, page: Page) -> int:
    """How many of the page's reads X bills on `day`: the posts not yet read that day.

    Call in the page's transaction. A concurrent pull inserting the same post waits for
    this one's commit and then finds it billed, so a post is never billed to both.
    Other networks bill nothing per post read (and their ids outgrow BilledRead's).
    """
    if network != Network.X:
        return 0
    ids = sorted(
        {post.external_id for post in page.posts}
        | {item.external_id for item in page.skipped if item.external_id}
    )
    # An item without an id cannot be told from another: each counts as billed.
    anonymous = sum(1 for item in page.skipped if not item.external_id)
    new = _insert_new(network, day, ids) if ids else 0
    return min(new + anonymous, page.reads)


# One statement per page: ON CONFLICT DO NOTHING RETURNING answers only for the rows it
# inserted, which are the first reads of the day (PostgreSQL, and SQLite since 3.35).
_BILL_SQL = (
    "INSERT INTO archive_billedread (day, network, external_id) VALUES {rows} "
    "ON CONFLICT DO NOTHING RETURNING external_id"
)


def _insert_new(network: str, day: date, ids: list[str]) -> int:
    # Sorted ids: two pages sharing posts lock them in the same order, never a deadlock.
    sql = _BILL_SQL.format(rows=", ".join(["(%s, %s, %s)"] * len(ids)))
    params = [value for external_id in ids for value in (day, network, external_id)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


def billed_reads_prune(*, now: datetime) -> int:
    """Forget the billed posts of days no pull counts against any more; how many rows went.

    A pull counts its reads on the UTC day it began (ReadUsage.day), so one that began
    before midnight still needs yesterday's.
    """
    deleted, _ = BilledRead.objects.filter(day__lt=now.date() - timedelta(days=1)).delete()
    return deleted


def usage_reconcile(*, source: XSource, now: datetime, days: int = USAGE_DAYS) -> int:
    """Store X's own count of the posts it billed per UTC day; how many days it gave."""
    counts = source.fetch_usage(days=days)
    rows = [
        NetworkUsage(network=source.network, day=day, posts=posts, fetched_at=now)
        for day, posts in sorted(counts.items())
    ]
    NetworkUsage.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["network", "day"],
        update_fields=["posts", "fetched_at"],
    )
    return len(rows)


def post_price(*, network: str, has_link: bool) -> Decimal:
    """What the network charges the site for one post created for a member: X's
    pay-per-use prices (settings, beside the read price); the others charge nothing."""
    if network != Network.X:
        return Decimal("0")
    price = (
        settings.ARCHIVE_PRICE_PER_POST_WITH_LINK if has_link else settings.ARCHIVE_PRICE_PER_POST
    )
    return Decimal(str(price))
