"""Transcript page: a finished 3,000-post chat through the real WSGI stack, cache miss and hit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hashtag_commons \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/transcript.py [--posts 3000] [--requests 50] \\
        [--view questions|time|print] [--gc-threshold 50000]

The script creates a scratch database (default `hashtag_commons_bench_transcript`) on
DATABASE_URL's server with Django's test-database utilities, migrates it, stores the chat's
posts through the real normaliser and `posts_store`, times the requests with Django's test
client (WSGI handler and every middleware), and drops the database at the end. A miss runs
under a fresh cache key prefix; a hit repeats the same request. Targets: miss p95 ≤ 300 ms,
hit p95 ≤ 20 ms.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from archive.services.ingest import posts_store
from archive.sources.x import normalise_x_page
from chats.models import Chat, ChatHost, Question
from community.models import Community
from tests.fakes.x_data import make_tweet, make_user, search_response

PAGE_SIZE = 100
HASHTAG = "BenchKM"
HOST_HANDLE = "benchhost"
QUESTIONS = 6
MISS_TARGET_MS = 300
HIT_TARGET_MS = 20
PHRASES = [
    "narrating our work in the open made onboarding twice as fast",
    "we keep a decision log & everyone can read it",
    "communities of practice need a rhythm more than a platform",
    "the best answers come from people who are <still> learning",
    "tacit knowledge moves through stories, not templates",
]


def chat_tweets(
    *, start: datetime, count: int, authors: int = 80, seed: int = 5, hashtag: str = HASHTAG
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` tweets of an hour-long chat, oldest first, and their authors.

    The host asks Q1…Q6 every ten minutes; the others answer "An", reply (30 %) to recent
    posts and share links (15 %).
    """
    rng = random.Random(seed)
    host = make_user(HOST_HANDLE, name="Bench Host")
    users = [make_user(f"bench_{i:04d}", name=f"Bench Person {i}") for i in range(authors)]
    tweets: list[dict[str, Any]] = []
    step = timedelta(minutes=60) / max(count, 1)
    asked_at = {count * (n - 1) // QUESTIONS: n for n in range(1, QUESTIONS + 1)}
    question = 1
    for i in range(count):
        at = start + step * i
        if i in asked_at:
            question = asked_at[i]
            text = f"Q{question} What does {rng.choice(PHRASES)} mean to you? #{hashtag}"
            tweets.append(make_tweet(author=host, text=text, created_at=at))
            continue
        links = {}
        text = f"A{question} {rng.choice(PHRASES)} #{hashtag}"
        if rng.random() < 0.15:
            short = f"https://t.co/t{i:08d}"
            text += f" {short}"
            links[short] = f"https://site{i % 12}.example.org/articles/{i}"
        reply_to = rng.choice(tweets[-50:]) if tweets and rng.random() < 0.3 else None
        tweets.append(
            make_tweet(
                author=rng.choice(users),
                text=text,
                created_at=at,
                reply_to=reply_to,
                links=links,
                metrics={"like_count": rng.randint(0, 40)},
            )
        )
    return tweets, [host, *users]


def store_tweets(tweets: list[dict[str, Any]], users: list[dict[str, Any]]) -> None:
    """Through the real normaliser and store, a page of 100 per transaction, as a pull."""
    by_id = {u["id"]: u for u in users}
    for i in range(0, len(tweets), PAGE_SIZE):
        page = tweets[i : i + PAGE_SIZE]
        authors = [by_id[a] for a in dict.fromkeys(t["author_id"] for t in page)]
        normalised = normalise_x_page(search_response(page, users=authors))
        with transaction.atomic():
            posts_store(posts=normalised.posts)


def build_chat(*, posts: int) -> Chat:
    """A community and a finished chat of `posts` posts, with a host and prepared questions."""
    community = Community.objects.create(
        name="Transcript bench", slug="transcript-bench", hashtag=HASHTAG,
        time_zone="Europe/London",
    )  # fmt: skip
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=2)
    chat = Chat.objects.create(
        community=community, title="Benchmark chat", hashtag=HASHTAG,
        start_at=start, end_at=start + timedelta(hours=1),
    )  # fmt: skip
    ChatHost.objects.create(chat=chat, handle=HOST_HANDLE)
    Question.objects.bulk_create(
        Question(chat=chat, position=n, text=f"Prepared question {n}", planned_minute=n * 10 - 8)
        for n in range(1, QUESTIONS + 1)
    )
    store_tweets(*chat_tweets(start=start, count=posts))
    chat.refresh_from_db()
    return chat


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


def time_requests(
    client: Client, url: str, *, requests: int, before: Callable[[], None] = lambda: None
) -> list[float]:
    """Milliseconds per request; `before` runs outside the timing."""
    samples = []
    for _ in range(requests):
        before()
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return samples


def benchmark(*, posts: int, requests: int, view: str = "questions") -> dict[str, list[float]]:
    chat = build_chat(posts=posts)
    if view == "print":
        url = reverse(
            "archive:transcript_print", kwargs={"slug": chat.community.slug, "pk": chat.pk}
        )
    else:
        url = f"{chat.get_transcript_url()}?view={view}"
    client = Client()
    client.get(url)  # warm up: templates compiled, connections opened

    def fresh_cache() -> None:
        cache.key_prefix = f"bench-{uuid.uuid4().hex}"

    miss = time_requests(client, url, requests=requests, before=fresh_cache)
    fresh_cache()
    client.get(url)
    hit = time_requests(client, url, requests=requests)
    return {"miss": miss, "hit": hit}


def report(figures: dict[str, list[float]], *, posts: int, view: str) -> str:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    lines = [f"{posts:,} posts, view={view}, cache: {backend}, GC thresholds {gc.get_threshold()}"]
    for name, target in (("miss", MISS_TARGET_MS), ("hit", HIT_TARGET_MS)):
        p50, p95 = _percentiles(figures[name])
        verdict = "PASS" if p95 <= target else "MISS"
        lines.append(
            f"cache {name:4}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"({len(figures[name])} requests; target p95 ≤ {target} ms: {verdict})"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--view", default="questions", choices=["questions", "time", "print"])
    parser.add_argument("--database", default="hashtag_commons_bench_transcript")
    parser.add_argument(
        "--gc-threshold", type=int, default=None,
        help="first-generation GC threshold during the requests (default: Python's, 2000)",
    )  # fmt: skip
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs DATABASE_URL to point at PostgreSQL.")
    # As in production: no query log, and the test client's host allowed.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    connection.settings_dict["TEST"]["NAME"] = args.database
    original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if args.gc_threshold:
            gc.set_threshold(args.gc_threshold, *gc.get_threshold()[1:])
        figures = benchmark(posts=args.posts, requests=args.requests, view=args.view)
        print(report(figures, posts=args.posts, view=args.view))
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    main()
