"""Archive search over a million posts: p50/p95 of the real selector, and its query plan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hashtag_commons \\
        .venv/bin/python benchmarks/search.py [--posts 1000000] [--runs 30] [--keep]

The script creates a scratch database (default `hashtag_commons_bench_search`) on
DATABASE_URL's server with Django's test-database utilities, migrates it, generates the
posts in SQL (INSERT … SELECT from generate_series; the migration's trigger fills
search_vector), runs VACUUM ANALYZE, then times `search_posts` for rare, common,
two-word and #hashtag queries and prints EXPLAIN (ANALYZE, BUFFERS) of the id query. It
drops the database at the end unless --keep (then --reuse skips generation next time).
Target: p95 ≤ 200 ms for each query.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.db import connection
from django.test import Client
from django.urls import reverse

from archive.models import Post
from archive.paging import Cursor
from archive.selectors.search import SearchParams, search_posts
from benchmarks.scratch import add_scratch_arguments, scratch_database
from chats.models import Chat
from community.models import Community

TARGET_P95_MS = 200.0
HASHTAG = "BenchSearch"
SLUG = "search-bench"
CHATS = 100
# 200 ordinary words: each post draws 8 of them, so each is in about 4 % of the posts.
_FILLER_WORDS = (
    "about across action advice agenda answer archive article attention audience balance "
    "behaviour belief benefit blog board book bridge budget build business calendar campaign "
    "career change channel chapter circle client coach code colleague comment commitment "
    "company context conversation course craft culture customer data debate decision design "
    "detail dialogue diary digital document draft effort email energy engine event evidence "
    "example experience experiment expert feedback field file focus forum framework friend "
    "future game garden goal group growth guide habit handbook health history home idea "
    "image impact index insight interview journal journey language leader lesson letter "
    "library list listening map market meeting memory mentor message method mindset model "
    "moment network news note office opinion order outcome page partner pattern people "
    "picture place plan platform podcast policy portal practice priority problem process "
    "product program progress project prompt purpose question reader reading record "
    "reflection report research resource result review rhythm risk role routine rule school "
    "science search season sharing signal skill slide software solution source space speech "
    "sprint story strategy structure student study style success summary support system "
    "table talent task team template test thinking time tool topic training trust update "
    "value video vision voice website week wiki workflow workshop writing"
)
FILLER = _FILLER_WORDS.split()
ANTI = ("onboarding", "offboarding")  # common, never in the same post


@dataclass(frozen=True)
class Case:
    label: str
    text: str
    expected: str
    participant: str = ""
    in_community: bool = False
    # Start this far back (a share of all posts), as a "More results" link would.
    deep: float = 0.0

    def params(self) -> SearchParams:
        community = Community.objects.get(slug=SLUG) if self.in_community else None
        before = None
        if self.deep:
            total = Post.objects.count()
            created_at, post_id = Post.objects.order_by("-created_at", "-pk").values_list(
                "created_at", "pk"
            )[int(total * self.deep)]
            before = Cursor(created_at=created_at, post_id=post_id)
        return SearchParams(
            text=self.text, participant=self.participant, community=community, before=before
        )


CASES = (
    Case("rare term", "serendipity", "in 1 post of 20,000"),
    Case("mid term", "taxonomy", "in 1 post of 200"),
    Case("common term", "knowledge", "in 1 post of 3"),
    Case("common filler", "workflow", "in ~4 % of posts"),
    Case("two words", "knowledge sharing", "both common"),
    Case("phrase", '"knowledge sharing"', "phrase of two common words"),
    Case("#hashtag", "#wol", "in 1 post of 50"),
    Case("#hashtag + word", "#wol knowledge", "1 of 150"),
    Case("anti-correlated", "onboarding offboarding", "each in 1 of 4, never together"),
    Case("community filter", "workflow", "~4 %, placements checked", in_community=True),
    Case("participant", "knowledge", "1 of 3, author of 50", participant="bench_77"),
    Case("participant only", "", "author of 50 posts", participant="BENCH_77"),
    Case("deep page", "workflow", "~4 %, from halfway back", deep=0.5),
    Case("deep page, rare", "serendipity", "1 of 20,000, from halfway back", deep=0.5),
    Case("faded term", "legacy", "1 of 3 in the older half only"),
)


def generate(*, posts: int, accounts: int, vacuum: bool = True) -> Community:
    """The scenery and `posts` posts, one a minute back from now, in a few statements."""
    community = Community.objects.create(
        name="Search bench", slug=SLUG, hashtag=HASHTAG, time_zone="UTC"
    )
    chats = [
        Chat(
            community=community,
            title=f"Bench chat {n}",
            hashtag=HASHTAG,
            start_at=_minutes_ago(posts - n * (posts // CHATS)),
            end_at=_minutes_ago(posts - n * (posts // CHATS) - 60),
        )
        for n in range(CHATS)
    ]
    Chat.objects.bulk_create(chats)
    chat_ids = [chat.pk for chat in chats]
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute(_ACCOUNTS_SQL, {"accounts": accounts})
        # Filling the GIN index row by row is the slow part of a bulk load: build it after.
        cursor.execute("DROP INDEX chats_post_search_gin")
        cursor.execute(
            _POSTS_SQL,
            {"posts": posts, "filler": FILLER, "anti": list(ANTI), "tag": HASHTAG.lower()},
        )
        cursor.execute(_PLACEMENTS_SQL, {"community": community.pk, "chats": chat_ids})
        # Inside a transaction (the smoke test's) deferred foreign-key checks must run first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CREATE INDEX chats_post_search_gin ON chats_post USING GIN (search_vector)")
    # VACUUM cannot run inside a transaction (a test's); ANALYZE alone can.
    command = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        for table in ("chats_account", "chats_post", "chats_postplacement"):
            cursor.execute(f"{command} {table}")
    return community


def _minutes_ago(minutes: int) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes)


_ACCOUNTS_SQL = """
INSERT INTO chats_account (network, external_id, handle, display_name, avatar_url, updated_at)
SELECT 'x', 'bench-' || n, 'bench_' || n, 'Bench Person ' || n, '', now()
FROM generate_series(1, %(accounts)s) AS n
"""

# Deterministic "random" picks: (n * prime + offset) % size. Languages: 80 % en, 10 % fr,
# 10 % unknown. 0.1 % removed. Rare, mid and common words and a second hashtag on fixed
# residues, so every run finds the same counts.
_POSTS_SQL = """
WITH words AS (SELECT %(filler)s::text[] AS filler, %(anti)s::text[] AS anti),
     first_account AS (SELECT min(id) AS id, count(*) AS total FROM chats_account)
INSERT INTO chats_post (
    network, external_id, author_id, text, html, created_at, conversation_id, reply_to_id,
    quoted_id, language, like_count, reply_count, repost_count, quote_count, media, links,
    hashtags, raw, removed, removed_reason, first_seen_at, updated_at
)
SELECT 'x', 'bench-' || n, a.id + (n * 7919) %% a.total, body.text, body.text,
    date_trunc('minute', now()) - make_interval(mins => (%(posts)s - n)::int),
    'bench-' || n, '', '',
    CASE WHEN n %% 10 = 1 THEN 'fr' WHEN n %% 10 = 2 THEN '' ELSE 'en' END,
    n %% 17, n %% 5, n %% 7, 0, '[]', '[]',
    CASE WHEN n %% 50 = 0 THEN jsonb_build_array(%(tag)s, 'wol') ELSE jsonb_build_array(%(tag)s)
    END,
    '{}', n %% 1000 = 999, CASE WHEN n %% 1000 = 999 THEN 'Removed by its author.' ELSE '' END,
    now(), now()
FROM generate_series(1::bigint, %(posts)s) AS n, words w, first_account a,
LATERAL (SELECT concat_ws(' ',
    'A' || (n %% 9 + 1),
    CASE WHEN n %% 3 = 0 THEN 'knowledge' END,
    CASE WHEN n %% 4 = 1 THEN w.anti[1] WHEN n %% 4 = 3 THEN w.anti[2] END,
    CASE WHEN n %% 200 = 5 THEN 'taxonomy' END,
    CASE WHEN n %% 20000 = 7 THEN 'serendipity' END,
    CASE WHEN n %% 3 = 1 AND n * 2 <= %(posts)s THEN 'legacy' END,
    w.filler[1 + (n * 31) %% 200], w.filler[1 + (n * 37 + 11) %% 200],
    w.filler[1 + (n * 41 + 23) %% 200], w.filler[1 + (n * 43 + 5) %% 200],
    w.filler[1 + (n * 47 + 7) %% 200], w.filler[1 + (n * 53 + 13) %% 200],
    w.filler[1 + (n * 59 + 17) %% 200], w.filler[1 + (n * 61 + 19) %% 200],
    '#' || 'BenchSearch',
    CASE WHEN n %% 50 = 0 THEN '#WOL' END
) AS text) AS body
"""

# Half the posts in one of the chats, half in the stream; 1 in 500 hidden.
_PLACEMENTS_SQL = """
INSERT INTO chats_postplacement (post_id, community_id, chat_id, created_at, hidden, hidden_reason)
SELECT p.id, %(community)s,
    CASE WHEN p.id %% 2 = 0
        THEN (%(chats)s::bigint[])[1 + (p.id - b.low) * array_length(%(chats)s::bigint[], 1)
            / b.span] END,
    p.created_at, p.id %% 500 = 0, CASE WHEN p.id %% 500 = 0 THEN 'spam' ELSE '' END
FROM chats_post p, (SELECT min(id) AS low, max(id) - min(id) + 1 AS span FROM chats_post) b
"""


@contextmanager
def recording() -> Iterator[list[tuple[str, object]]]:
    """The SQL (with its parameters) the block sends."""
    statements: list[tuple[str, object]] = []

    def record(execute: Callable, sql: str, params: object, many: bool, context: dict) -> object:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def time_case(case: Case, *, runs: int) -> tuple[list[float], int]:
    """Milliseconds per full page (ids, placements and snippets), after one warm-up."""
    params = case.params()
    page = search_posts(params=params)
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        search_posts(params=params)
        timings.append((time.perf_counter() - began) * 1000)
    return timings, len(page.results)


def time_page(case: Case, *, runs: int) -> list[float]:
    """Milliseconds per /search/ response through the WSGI handler, middleware and template."""
    client = Client(HTTP_HOST="localhost")
    url = reverse("archive:search")
    query = {"q": case.text}
    if client.get(url, query).status_code != 200:
        raise RuntimeError(f"/search/ did not answer 200 for {case.text!r}")
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(url, query)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def explain(case: Case) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the id query of a search."""
    with recording() as statements:
        search_posts(params=case.params())
    sql, params = next(s for s in statements if "chats_post p" in s[0])
    with connection.cursor() as cursor:
        # The selector sends "SET LOCAL …; <query>": explain the query under the same setting.
        setting, _, query = sql.rpartition("; ")
        cursor.execute(f"{setting}; EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def benchmark(*, posts: int, accounts: int, runs: int, reuse: bool = False) -> str:
    lines = []
    if not reuse:
        began = time.perf_counter()
        generate(posts=posts, accounts=accounts)
        seconds = time.perf_counter() - began
        lines.append(
            f"generated {posts:,} posts by {accounts:,} accounts in {seconds:.0f} s "
            "(with the GIN build and VACUUM ANALYZE)"
        )
    lines.append(f"{'query':<18} {'q':<24} {'shown':>5} {'p50 ms':>8} {'p95 ms':>8}  verdict")
    for case in CASES:
        timings, shown = time_case(case, runs=runs)
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        verdict = "PASS" if p95 <= TARGET_P95_MS else "MISS"
        lines.append(
            f"{case.label:<18} {case.text:<24} {shown:>5} {p50:8.1f} {p95:8.1f}  {verdict}"
            f"  ({case.expected})"
        )
    lines += ["", "the whole page, GET /search/?q= through the WSGI handler (django.test.Client):"]
    for case in (CASES[0], CASES[2], CASES[6]):
        timings = time_page(case, runs=runs)
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        verdict = "PASS" if p95 <= TARGET_P95_MS else "MISS"
        lines.append(f"{case.label:<18} {case.text:<24} {'':>5} {p50:8.1f} {p95:8.1f}  {verdict}")
    for case in (CASES[0], CASES[2]):
        lines += [
            "",
            f"EXPLAIN (ANALYZE, BUFFERS), {case.label} {case.text!r}:",
            explain(case),
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=30)
    add_scratch_arguments(parser, database="hashtag_commons_bench_search")
    args = parser.parse_args()
    with scratch_database(args):
        print(benchmark(posts=args.posts, accounts=args.accounts, runs=args.runs, reuse=args.reuse))


if __name__ == "__main__":
    main()
