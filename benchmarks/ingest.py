"""Ingest throughput: posts from pre-built X API v2 pages through normalise-and-store into
PostgreSQL, against a raw COPY of the same post rows in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hashtag_commons \\
        .venv/bin/python benchmarks/ingest.py [--posts 100000] [--accounts 5000] [--profile]

The script creates a scratch database (default `hc_bench`) on DATABASE_URL's server
with Django's test-database utilities, migrates it, and drops it at the end. The
target is a store rate of at least a quarter of COPY's.
"""

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from archive.models import Account, Post
from archive.services.ingest import posts_store
from archive.sources.base import NormalisedPost
from archive.sources.x import normalise_x_page
from archive.sources.x_objects import search_page
from chats.models import Chat
from community.models import Community
from tests.fakes.x_data import make_media, make_tweet, make_user

PAGE_SIZE = 100
TARGET_RATIO = 0.25
HASHTAG = "BenchChat"
COPY_COLUMNS = [
    "network", "external_id", "author_id", "text", "html", "created_at", "conversation_id",
    "reply_to_id", "quoted_id", "language", "like_count", "reply_count", "repost_count",
    "quote_count", "media", "links", "hashtags", "raw", "removed", "removed_reason",
    "first_seen_at", "updated_at",
]  # fmt: skip
PHRASES = [
    "narrating our work in the open made onboarding twice as fast",
    "we keep a decision log & everyone can read it",
    "communities of practice need a rhythm more than a platform",
    "the best answers come from people who are <still> learning",
    "tacit knowledge moves through stories, not templates",
]


@dataclass(frozen=True)
class Figures:
    posts: int
    pages: int
    accounts: int
    store_seconds: float
    copy_seconds: float
    bare_copy_seconds: float

    @property
    def store_rate(self) -> float:
        return self.posts / self.store_seconds

    @property
    def copy_rate(self) -> float:
        return self.posts / self.copy_seconds

    @property
    def bare_copy_rate(self) -> float:
        return self.posts / self.bare_copy_seconds

    @property
    def ratio(self) -> float:
        return self.store_rate / self.copy_rate

    @property
    def bare_ratio(self) -> float:
        return self.store_rate / self.bare_copy_rate


# --- Pre-built pages ----------------------------------------------------------------


def build_pages(*, posts: int, accounts: int, start: datetime, seed: int = 4) -> list[dict]:
    """`posts` posts by `accounts` authors as recent-search pages of 100, newest first.

    A chat's mix: replies (30 %), links (20 %), quotes (5 %), photos (2 %), mentions,
    and a second community's hashtag on a few.
    """
    rng = random.Random(seed)
    users = [make_user(f"bench_{i:05d}", name=f"Bench Person {i}") for i in range(accounts)]
    tweets: list[dict[str, Any]] = []
    media: dict[str, dict[str, Any]] = {}
    for i in range(posts):
        tweets.append(_tweet(i, rng, users, tweets, media, start + timedelta(seconds=i / 2)))
    by_id = {t["id"]: t for t in tweets}
    user_by_id = {u["id"]: u for u in users}
    newest_first = tweets[::-1]
    return [
        _page(
            newest_first[i : i + PAGE_SIZE], by_id, user_by_id, media, last=i + PAGE_SIZE >= posts
        )
        for i in range(0, posts, PAGE_SIZE)
    ]


def _tweet(
    i: int, rng: random.Random, users: list[dict], earlier: list[dict], media: dict,
    at: datetime,
) -> dict[str, Any]:  # fmt: skip
    author = rng.choice(users)
    text = f"A{i % 6 + 1} {rng.choice(PHRASES)} #{HASHTAG}"
    if rng.random() < 0.05:
        text += " #PKMchat"
    if rng.random() < 0.15:
        text += f" h/t @{rng.choice(users)['username']}"
    links = {}
    if rng.random() < 0.2:
        short = f"https://t.co/b{i:09d}"
        text += f" {short}"
        links[short] = f"https://example.org/articles/{i}/working-out-loud-in-practice"
    reply_to = rng.choice(earlier[-200:]) if earlier and rng.random() < 0.3 else None
    quote_of = rng.choice(earlier[-200:]) if earlier and rng.random() < 0.05 else None
    photos = []
    if rng.random() < 0.02:
        photos = [make_media(media_key=f"3_{i}")]
        media[photos[0]["media_key"]] = photos[0]
    return make_tweet(
        author=author, text=text, created_at=at, reply_to=reply_to, quote_of=quote_of,
        links=links, media=photos, metrics={"like_count": rng.randint(0, 40)},
    )  # fmt: skip


def _page(
    tweets: list[dict], by_id: dict, users: dict, media: dict, *, last: bool
) -> dict[str, Any]:
    refs = [by_id[r["id"]] for t in tweets for r in t.get("referenced_tweets", [])]
    user_ids = dict.fromkeys(t["author_id"] for t in (*tweets, *refs))
    keys = dict.fromkeys(k for t in tweets for k in t.get("attachments", {}).get("media_keys", []))
    return search_page(
        tweets,
        users=[users[u] for u in user_ids],
        media=[media[k] for k in keys],
        referenced=list({t["id"]: t for t in refs}.values()),
        next_token=None if last else f"bench{tweets[-1]['id']}",
    )


# --- The two measurements -------------------------------------------------------------


def time_store(pages: Sequence[dict]) -> float:
    """Normalise and store page by page, one transaction each, as a pull does."""
    started = time.perf_counter()
    for payload in pages:
        with transaction.atomic():
            posts_store(posts=normalise_x_page(payload).posts)
    return time.perf_counter() - started


def copy_buffer(pages: Sequence[dict]) -> io.StringIO:
    """The post rows the store wrote, as CSV for COPY; built outside the timing."""
    authors = dict(Account.objects.filter(network="x").values_list("external_id", "pk"))
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for payload in pages:
        for post in normalise_x_page(payload).posts:
            writer.writerow(_copy_row(post, authors[post.author.external_id], now))
    return buffer


def _copy_row(post: NormalisedPost, author_id: int, now: str) -> list[object]:
    m = post.metrics
    return [
        post.network, post.external_id, author_id, post.text, post.html,
        post.created_at.isoformat(), post.conversation_id or "", post.reply_to_id or "",
        post.quoted_id or "", post.language, m["likes"], m["replies"], m["reposts"],
        m["quotes"], json.dumps(list(post.media)), json.dumps(list(post.links)),
        json.dumps(list(post.hashtags)),
        json.dumps(post.raw), "f", "", now, now,
    ]  # fmt: skip


def time_copy(buffer: io.StringIO, *, like: str) -> float:
    """COPY the rows into a fresh table created `LIKE chats_post <like>`."""
    table = "bench_post_copy"
    columns = ", ".join(COPY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (LIKE chats_post {like})")
        buffer.seek(0)
        started = time.perf_counter()
        copy = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        cursor.copy_expert(copy, buffer)
        elapsed = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {table}")
    return elapsed


def _scenery(start: datetime, posts: int) -> None:
    """A community and two chats inside the posts' time span: some posts land in a chat,
    the rest in the between-chat stream, as in real use."""
    community = Community.objects.create(
        name="Benchmark", slug="benchmark", hashtag=HASHTAG, time_zone="UTC"
    )
    span = timedelta(seconds=posts / 2)
    for n in (1, 2):
        chat_start = start + span * n / 3
        Chat.objects.create(
            community=community, title=f"Bench chat {n}", hashtag=HASHTAG,
            start_at=chat_start, end_at=chat_start + min(span / 6, timedelta(hours=1)),
            pre_window=timedelta(0), post_window=timedelta(0),
        )  # fmt: skip


def benchmark(*, posts: int, accounts: int, profile: bool = False) -> Figures:
    """Both measurements on the current database (it must be PostgreSQL)."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    pages = build_pages(posts=posts, accounts=accounts, start=start)
    _scenery(start, posts)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    store_seconds = time_store(pages)
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    stored = Post.objects.filter(hashtags__contains=[HASHTAG.lower()]).count()
    if stored != posts:
        raise RuntimeError(f"stored {stored} posts, expected {posts}")
    buffer = copy_buffer(pages)
    return Figures(
        posts=posts,
        pages=len(pages),
        accounts=Account.objects.count(),
        store_seconds=store_seconds,
        copy_seconds=time_copy(buffer, like="INCLUDING ALL"),
        bare_copy_seconds=time_copy(buffer, like="INCLUDING DEFAULTS INCLUDING IDENTITY"),
    )


def report(figures: Figures) -> str:
    verdict = "meets" if figures.ratio >= TARGET_RATIO else "MISSES"
    return "\n".join(
        [
            f"{figures.posts:,} posts in {figures.pages:,} pages by {figures.accounts:,} accounts",
            f"normalise + store:        {figures.store_seconds:8.2f} s  "
            f"{figures.store_rate:10,.0f} posts/s",
            f"COPY, with indexes:       {figures.copy_seconds:8.2f} s  "
            f"{figures.copy_rate:10,.0f} rows/s   ratio {figures.ratio:.3f}",
            f"COPY, bare table:         {figures.bare_copy_seconds:8.2f} s  "
            f"{figures.bare_copy_rate:10,.0f} rows/s   ratio {figures.bare_ratio:.3f}",
            f"target: store ≥ {TARGET_RATIO} × COPY with indexes: {verdict}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--database", default="hc_bench", help="scratch database name")
    parser.add_argument("--profile", action="store_true", help="cProfile the store phase")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs DATABASE_URL to point at PostgreSQL.")
    # Query logging under DEBUG would cost memory and time the store does not spend.
    settings.DEBUG = False
    connection.settings_dict["TEST"]["NAME"] = args.database
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(report(benchmark(posts=args.posts, accounts=args.accounts, profile=args.profile)))
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
