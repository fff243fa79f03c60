"""Connections between communities at scale: counting what pairs share over 1,000,000
posts (the hourly rollup refresh), and the pages' reads of the rollup.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hashtag_commons \\
        .venv/bin/python benchmarks/connections.py [--posts 1000000] [--communities 20] \\
        [--accounts 50000] [--shared 0.1] [--runs 5]

The script creates a scratch database (default `hc_bench_connections`) on DATABASE_URL's
server with Django's test-database utilities, migrates it, fills it with SQL
(generate_series: posts over two years, each placed in its author's home community and a
share of them in a second one, the way cross-posted hashtags place them), then times the
two counting queries per period (`shared_counts`), the whole `connections_refresh`, and
the pages' reads (`connection_map`, `community_connections`) of the rollup. It drops the
database at the end. It prints figures and asserts nothing about speed.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.db import connection
from django.utils import timezone

from archive.selectors.connections import (
    community_connections,
    connection_map,
    period_since,
    shared_counts,
)
from archive.services.connections import connections_refresh
from benchmarks.scratch import add_scratch_arguments, scratch_database
from community.models import Community

FILL = """
INSERT INTO chats_account (network, external_id, handle, display_name, avatar_url, updated_at)
SELECT 'x', 'a' || n, 'user' || n, '', '', now() FROM generate_series(1, %(accounts)s) n;

INSERT INTO chats_post (network, external_id, author_id, text, html, created_at,
    conversation_id, reply_to_id, quoted_id, language, like_count, reply_count,
    repost_count, quote_count, media, links, hashtags, raw, url, removed, removed_reason,
    first_seen_at, updated_at)
SELECT 'x', 'p' || n, (SELECT min(id) FROM chats_account) + (n %% %(accounts)s), 'post', 'post',
    now() - (n %% 730) * interval '1 day' - (n %% 1440) * interval '1 minute',
    '', '', '', 'en', 0, 0, 0, 0, '[]', '[]', '[]', '{}', '', false, '', now(), now()
FROM generate_series(1, %(posts)s) n;

INSERT INTO chats_postplacement (post_id, community_id, chat_id, created_at, hidden, hidden_reason)
SELECT po.id, c.ids[1 + (po.author_id %% %(communities)s)], NULL, po.created_at, false, ''
FROM chats_post po, (SELECT array_agg(id ORDER BY id) AS ids FROM community_community) c;

INSERT INTO chats_postplacement (post_id, community_id, chat_id, created_at, hidden, hidden_reason)
SELECT po.id,
    -- one of the next three communities, never the author's own (however few there are)
    c.ids[1 + ((po.author_id + 1 + po.id %% LEAST(3, %(communities)s - 1))
        %% %(communities)s)],
    NULL, po.created_at, false, ''
FROM chats_post po, (SELECT array_agg(id ORDER BY id) AS ids FROM community_community) c
WHERE po.id %% 1000 < %(shared_per_mille)s;
ANALYZE;
"""


def _timed(function: Callable[[], object], runs: int) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def benchmark(*, posts: int, communities: int, accounts: int, shared: float, runs: int) -> str:
    for number in range(communities):
        Community.objects.create(
            name=f"Bench {number}", slug=f"bench-{number}", hashtag=f"Bench{number}",
            time_zone="UTC",
        )  # fmt: skip
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            FILL,
            {
                "posts": posts,
                "accounts": accounts,
                "communities": communities,
                "shared_per_mille": int(shared * 1000),
            },
        )
    fill = time.perf_counter() - started
    first = Community.objects.order_by("pk").first()
    assert first is not None
    now = timezone.now()
    lines = [
        f"{posts:,} posts, {accounts:,} accounts, {communities} communities, "
        f"{shared:.0%} placed in two; filled in {fill:.0f} s",
        "| period | counting, median (max) ms | map read ms | one community read ms | pairs |",
        "|--------|---------------------------|-------------|-----------------------|-------|",
    ]
    refresh = _timed(connections_refresh, 1)[0]
    for period in ("3m", "12m", "all"):
        since = period_since(period, now=now)
        count = _timed(lambda since=since: shared_counts(since=since), runs)
        whole = _timed(lambda period=period: connection_map(period=period), runs)
        one = _timed(
            lambda period=period: community_connections(community=first, period=period), runs
        )
        pairs = len(connection_map(period=period).links)
        lines.append(
            f"| {period:6} | {count[0]:9.0f} ({count[1]:.0f}) | {whole[0]:.1f} | {one[0]:.1f} "
            f"| {pairs} |"
        )
    lines.append(f"connections_refresh (all three periods): {refresh:.0f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--shared", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=5)
    # It generates its data every run: nothing to keep or reuse.
    add_scratch_arguments(parser, database="hc_bench_connections", reusable=False)
    arguments = parser.parse_args()
    with scratch_database(arguments):
        print(
            benchmark(
                posts=arguments.posts, communities=arguments.communities,
                accounts=arguments.accounts, shared=arguments.shared, runs=arguments.runs,
            )
        )  # fmt: skip


if __name__ == "__main__":
    main()
