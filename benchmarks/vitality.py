"""Vitality at 1,000 chats and 1,000,000 posts: rollups against raw aggregates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hashtag_commons \\
        .venv/bin/python benchmarks/vitality.py [--chats 1000] [--posts 1000000] \\
        [--accounts 20000] [--runs 5] [--database NAME] [--keep] [--reuse]

Creates a scratch database (default `hashtag_commons_bench_vitality`) on DATABASE_URL's
server with Django's test-database utilities, migrates it and fills it in SQL
(INSERT … SELECT from generate_series): one community with `chats` weekly chats up to now,
`accounts` accounts (a core of 500, or a tenth of fewer accounts, posting 70 % of the
posts; one in twenty linked to a member), and `posts` posts: four in five in a chat, the
rest between chats; 1 in 500 hidden. Then it times:

1. the rollup rebuild (`vitality_refresh`, what beat runs after a chat changes);
2. the page's reads from the rollups (`community_vitality`: all time, 12 months), and the
   whole page through the WSGI handler (charts rendered);
3. the same figures computed straight from the placements with SQL aggregates (per chat
   posts / participants / first-timers, monthly active participants, reach, top ten),
   what a page without rollups would have to run on every request.

It drops the database at the end unless --keep (then --reuse skips generation).
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import ChatVitality, CommunityParticipant
from archive.selectors.vitality import community_vitality
from archive.services.vitality import vitality_refresh
from benchmarks.scratch import add_scratch_arguments, scratch_database
from community.models import Community
from members.models import User

SLUG = "vitality-bench"
HASHTAG = "BenchVitality"
CORE = 500
ZONE = "America/New_York"


def generate(*, chats: int, posts: int, accounts: int, vacuum: bool = True) -> Community:
    community = Community.objects.create(
        name="Vitality bench", slug=SLUG, hashtag=HASHTAG, time_zone=ZONE
    )
    members = User.objects.bulk_create(
        User(username=f"bench{n}", email=f"bench{n}@example.org") for n in range(accounts // 20)
    )
    params = {
        "community": community.pk,
        "chats": chats,
        "posts": posts,
        "accounts": accounts,
        "core": min(CORE, max(1, accounts // 10)),
        "tag": HASHTAG.lower(),
        "first_member": members[0].pk,
    }
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        # What this benchmark does not read: the search vector's trigger and index.
        cursor.execute("ALTER TABLE chats_post DISABLE TRIGGER USER")
        cursor.execute("DROP INDEX IF EXISTS chats_post_search_gin")
        for sql in (_CHATS_SQL, _ACCOUNTS_SQL, _POSTS_SQL, _PLACEMENTS_SQL):
            cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE chats_post ENABLE TRIGGER USER")
    # VACUUM cannot run inside a transaction (a test's); ANALYZE alone can.
    command = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        for table in ("chats_chat", "chats_account", "chats_post", "chats_postplacement"):
            cursor.execute(f"{command} {table}")
    return community


# Weekly, the last one an hour ago.
_CHATS_SQL = """
INSERT INTO chats_chat (community_id, title, description, description_html, hashtag,
    extra_hashtags, cohost_hashtags, start_at, end_at, pre_window, post_window,
    questions_hidden, customised, created_at, updated_at)
SELECT %(community)s, 'Bench chat ' || k, '', '', 'BenchVitality', '[]', '[]',
    date_trunc('hour', now()) - make_interval(weeks => (%(chats)s - k)::int, hours => 1),
    date_trunc('hour', now()) - make_interval(weeks => (%(chats)s - k)::int),
    interval '15 minutes', interval '30 minutes', false, false, now(), now()
FROM generate_series(1, %(chats)s) AS k
"""

# One in twenty linked to a member: that member's posts count as one person.
_ACCOUNTS_SQL = """
INSERT INTO chats_account (network, external_id, handle, display_name, avatar_url, member_id,
    updated_at)
SELECT 'x', 'vbench-' || n, 'vbench_' || n, 'Bench Person ' || n, '',
    CASE WHEN n %% 20 = 0 THEN %(first_member)s + n / 20 - 1 END, now()
FROM generate_series(1, %(accounts)s) AS n
"""

# Post n: chat k = n mod chats; four in five in the chat's hour, the rest three days later.
# Authors: 70 % from the core, the rest from everyone (a multiplicative hash spreads them).
_POSTS_SQL = """
WITH a AS (SELECT min(id) AS first FROM chats_account),
     c AS (SELECT array_agg(start_at ORDER BY start_at) AS starts FROM chats_chat
           WHERE community_id = %(community)s)
INSERT INTO chats_post (network, external_id, author_id, text, html, created_at,
    conversation_id, reply_to_id, quoted_id, language, like_count, reply_count, repost_count,
    quote_count, media, links, hashtags, raw, url, removed, removed_reason, first_seen_at,
    updated_at)
SELECT 'x', 'vbench-' || n,
    a.first + CASE WHEN n %% 10 < 7 THEN (n * 2654435761 %% 4294967296) %% %(core)s
                   ELSE (n * 2246822519 %% 4294967296) %% %(accounts)s END,
    'A1 #BenchVitality', 'A1 #BenchVitality',
    c.starts[1 + n %% %(chats)s] + CASE WHEN n %% 5 = 0
        THEN interval '3 days' + make_interval(mins => (n / %(chats)s %% 600)::int)
        ELSE make_interval(secs => (n / %(chats)s %% 3600)::int) END,
    '', '', '', 'en', 0, 0, 0, 0, '[]', '[]', jsonb_build_array(%(tag)s), '{}', '', false, '',
    now(), now()
FROM generate_series(1::bigint, %(posts)s) AS n, a, c
"""

_PLACEMENTS_SQL = """
WITH c AS (SELECT array_agg(id ORDER BY start_at) AS ids FROM chats_chat
           WHERE community_id = %(community)s),
     low AS (SELECT min(id) AS id FROM chats_post)
INSERT INTO chats_postplacement (post_id, community_id, chat_id, created_at, hidden,
    hidden_reason)
SELECT p.id, %(community)s,
    CASE WHEN (p.id - low.id + 1) %% 5 <> 0 THEN c.ids[1 + (p.id - low.id + 1) %% %(chats)s] END,
    p.created_at, p.id %% 500 = 0, CASE WHEN p.id %% 500 = 0 THEN 'spam' ELSE '' END
FROM chats_post p, c, low
"""

# What the page would run without rollups (PostgreSQL): the same definitions.
_VISIBLE = """
    SELECT pl.chat_id, pl.created_at, COALESCE(-a.member_id, a.id) AS who
    FROM chats_postplacement pl
    JOIN chats_post po ON po.id = pl.post_id
    JOIN chats_account a ON a.id = po.author_id
    WHERE pl.community_id = %(community)s AND NOT pl.hidden AND NOT po.removed
"""
RAW_QUERIES = {
    "per chat: posts, participants, first-timers": f"""
        WITH v AS ({_VISIBLE}), firsts AS (
            SELECT who, min(c.start_at) AS first_start FROM v JOIN chats_chat c ON c.id = v.chat_id
            GROUP BY who)
        SELECT v.chat_id, count(*), count(DISTINCT v.who),
            count(DISTINCT v.who) FILTER (WHERE f.first_start = c.start_at)
        FROM v JOIN chats_chat c ON c.id = v.chat_id JOIN firsts f USING (who)
        GROUP BY v.chat_id""",
    "per month: active participants": f"""
        WITH v AS ({_VISIBLE})
        SELECT date_trunc('month', v.created_at AT TIME ZONE %(zone)s), count(DISTINCT v.who)
        FROM v GROUP BY 1""",
    "reach": f"WITH v AS ({_VISIBLE}) SELECT count(DISTINCT who) FROM v",
    "top ten": f"""
        WITH v AS ({_VISIBLE})
        SELECT who, count(*) FROM v GROUP BY who ORDER BY count(*) DESC LIMIT 10""",
}


def timed(run: Callable[[], object], runs: int) -> list[float]:
    run()  # warm-up
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        run()
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def raw(sql: str, community: Community) -> Callable[[], object]:
    def run() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, {"community": community.pk, "zone": ZONE})
            return cursor.fetchall()

    return run


def _line(label: str, timings: list[float]) -> str:
    return f"{label:<48} {statistics.median(timings):10.1f} {max(timings):10.1f}"


def _page_lines(client: Client, url: str, runs: int) -> list[str]:
    """The whole page through the WSGI handler: figures drawn every time (no cache), then
    as visitors mostly get it (drawn once per rollup version, then from the cache)."""
    lines = []
    for label, seconds in (("drawn", 0), ("cached", 600)):
        settings.VITALITY_CACHE_SECONDS = seconds  # 0: Django's cache keeps nothing
        for key in ("all", "12m"):
            timings = timed(partial(client.get, url, {"range": key}), runs)
            lines.append(_line(f"whole page, {key}, {label}", timings))
    return lines


def benchmark(
    *, chats: int, posts: int, accounts: int, runs: int, reuse: bool = False, vacuum: bool = True
) -> str:
    lines = []
    if not reuse:
        began = time.perf_counter()
        generate(chats=chats, posts=posts, accounts=accounts, vacuum=vacuum)
        lines.append(
            f"generated {chats:,} chats, {posts:,} posts by {accounts:,} accounts in "
            f"{time.perf_counter() - began:.0f} s"
        )
    community = Community.objects.get(slug=SLUG)
    builds, cpu = [], []
    for _ in range(max(1, runs // 2)):
        began, began_cpu = time.perf_counter(), time.process_time()
        vitality_refresh(community=community, now=timezone.now())
        builds.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    lines += [
        f"rollup rows: {ChatVitality.objects.count():,} chats, "
        f"{CommunityParticipant.objects.count():,} participants",
        "",
        f"{'':<48} {'median ms':>10} {'max ms':>10}",
        _line("rollup rebuild (vitality_refresh)", builds),
        _line("  of which this process's CPU (Python)", cpu),
    ]
    client = Client(HTTP_HOST="localhost")
    url = reverse("archive:vitality", kwargs={"slug": SLUG})
    lines += [
        _line(
            "page reads from rollups, all time",
            timed(lambda: community_vitality(community=community, key="all", state=None), runs),
        ),
        _line(
            "page reads from rollups, 12 months",
            timed(lambda: community_vitality(community=community, key="12m", state=None), runs),
        ),
        *_page_lines(client, url, runs),
    ]
    total = []
    for label, sql in RAW_QUERIES.items():
        timings = timed(raw(sql, community), runs)
        total.append(statistics.median(timings))
        lines.append(_line(f"raw: {label}", timings))
    lines.append(f"{'raw: the four together (sum of medians)':<48} {sum(total):10.1f}")
    lines.append(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    add_scratch_arguments(parser, database="hashtag_commons_bench_vitality")
    args = parser.parse_args()
    with scratch_database(args):
        print(
            benchmark(
                chats=args.chats,
                posts=args.posts,
                accounts=args.accounts,
                runs=args.runs,
                reuse=args.reuse,
            )
        )


if __name__ == "__main__":
    main()
