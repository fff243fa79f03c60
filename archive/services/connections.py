"""The connections rollup: what each pair of communities shares, per period."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from archive.models import CommunityLink
from archive.selectors.connections import PERIODS, period_since, shared_counts


def connections_refresh(*, now: datetime | None = None) -> int:
    """Recount every pair for every period and store it; returns the rows stored.

    An upsert, then the pairs that no longer share anything go: two refreshes that
    overlap both finish, the later one's counts standing.
    """
    now = now or timezone.now()
    rows = []
    for period in PERIODS:
        posts, people = shared_counts(since=period_since(period, now=now))
        rows += [
            CommunityLink(
                period=period,
                community_id=a,
                other_id=b,
                shared_posts=posts.get((a, b), 0),
                shared_participants=people.get((a, b), 0),
                computed_at=now,
            )
            for a, b in sorted(set(posts) | set(people))
        ]
    with transaction.atomic():
        CommunityLink.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["period", "community", "other"],
            update_fields=["shared_posts", "shared_participants", "computed_at"],
        )
        CommunityLink.objects.filter(computed_at__lt=now).delete()
    return len(rows)
