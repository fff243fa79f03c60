"""Ingestion fixtures: the fake X API v2 behind the real tweepy client, chats placed around
the clock, post builders, and real Celery workers on a Redis database of their own (or on a
Redis server and a PostgreSQL cluster of the test's own, which it may restart).

Every pull goes through archive.sources.x.XSource (tweepy) to the fake on 127.0.0.1: the
fake's request log is what X would have seen.
"""

import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from uuid import uuid4

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from archive.models import Post, ReadUsage
from archive.services.ingest import PullResult
from archive.services.pulls import chat_cursor, chat_pull, x_source
from archive.tasks import pull_chat
from chats.models import Chat
from chats.services import schedule
from community.models import Community
from config.celery import app as celery_app
from tests.fakes.servers import PrivatePostgres, PrivateRedis
from tests.fakes.x_api import FakeXApi
from tests.fakes.x_data import make_tweet, make_user

# Enough authors that a page upserts many accounts, in an order that varies by page.
AUTHORS = [make_user(f"kmer_{n:02d}", name=f"Member {n}") for n in range(12)]
_numbers = itertools.count(1)

# Workers get a Redis database no other test uses: broker, pull locks and cache alike
# (set INGEST_WORKER_REDIS_URL to choose another).
WORKER_REDIS_DB = 6
# Short enough that a killed worker's task comes back within the test.
VISIBILITY_TIMEOUT = 3
# The pull lock's lease: shorter than the visibility timeout, so a redelivered pull finds
# a killed worker's lease lapsed. Its maximum hold outlasts any pull of a test.
LEASE_SECONDS = 1.0
LOCK_SECONDS = 60
WAIT_SECONDS = 30


# --- The fake X API and the clock ----------------------------------------------


@pytest.fixture
def x_api(settings: Any) -> Iterator[FakeXApi]:
    with FakeXApi() as api:
        api.add_users(*AUTHORS)
        settings.X_API_BASE_URL = api.base_url
        settings.X_BEARER_TOKEN = api.bearer_token
        yield api


@pytest.fixture
def now() -> datetime:
    # Real time, not a fixed date: the source refuses windows older than seven days.
    return timezone.now().replace(second=0, microsecond=0)


def make_chat(community: Community, *, start: datetime, minutes: int = 60, **fields: Any) -> Chat:
    return schedule.chat_create(
        community=community, title="Knowledge graphs", start_at=start,
        end_at=start + timedelta(minutes=minutes), now=start - timedelta(days=1), **fields,
    )  # fmt: skip


@pytest.fixture
def chat(community: Community, now: datetime) -> Chat:
    """Live: started 30 minutes ago, so its window runs from 45 minutes ago to in an hour."""
    return make_chat(community, start=now - timedelta(minutes=30))


def add_posts(
    api: FakeXApi,
    count: int,
    *,
    start: datetime,
    every: timedelta = timedelta(seconds=5),
    tags: Sequence[str] = ("KMers",),
) -> list[dict[str, Any]]:
    """`count` posts from `start`, one every `every`, by authors in turn, carrying `tags`."""
    hashtags = " ".join(f"#{tag}" for tag in tags)
    tweets = []
    for i in range(count):
        number = next(_numbers)
        tweets.append(
            make_tweet(
                author=AUTHORS[number % len(AUTHORS)],
                text=f"A{number % 6 + 1} post number {number} {hashtags}",
                created_at=start + i * every,
            )
        )
    api.add_tweets(*tweets)
    return tweets


def pull_now(chat: Chat, *, now: datetime) -> PullResult:
    """Pull the chat in this process; as the task does, from the cursor the last pull left."""
    return chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source(), now=now)


def x_time(at: datetime) -> str:
    """A time as the fake X API's request log shows it (the client's format)."""
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def reads_total() -> int:
    return ReadUsage.objects.aggregate(total=Sum("posts_read"))["total"] or 0


def stored_ids() -> list[str]:
    return list(Post.objects.order_by("external_id").values_list("external_id", flat=True))


def wait_for(condition: Callable[[], bool], what: str, *, timeout: float = WAIT_SECONDS) -> float:
    """Poll until `condition` holds; the seconds it took. Fails the test after `timeout`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


# --- Real Celery workers ----------------------------------------------------------


def _same_server(url: str, db: int) -> str:
    parts = urlsplit(url or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{db}"))


WORKER_REDIS_URL = os.environ.get("INGEST_WORKER_REDIS_URL") or _same_server(
    settings.REDIS_URL, WORKER_REDIS_DB
)


def worker_database_url() -> str:
    """The pytest-django test database, for a worker process to connect to."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}"


@dataclass(frozen=True)
class Broker:
    url: str
    # Every kombu key of one test starts with it, so runs sharing the database never meet.
    prefix: str
    queue: str = "pulls"

    @property
    def transport_options(self) -> dict[str, Any]:
        return {"visibility_timeout": VISIBILITY_TIMEOUT, "global_keyprefix": self.prefix}

    def enqueue_pull(self, chat: Chat) -> str:
        """pull_chat, sent to this broker's queue as the dispatcher would send it."""
        with celery_app.connection_for_write() as conn:
            return pull_chat.apply_async(args=[chat.pk], queue=self.queue, connection=conn).id


@contextmanager
def _producing_to(broker: Broker) -> Iterator[Broker]:
    """The Celery app's producer pointed at `broker`, then restored and its keys removed."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options
    conf.broker_url, conf.broker_transport_options = broker.url, broker.transport_options
    try:
        yield broker
    finally:
        conf.broker_url, conf.broker_transport_options = saved
        with redis.Redis.from_url(broker.url) as client, suppress(redis.ConnectionError):
            for key in client.scan_iter(match=f"{broker.prefix}*"):
                client.delete(key)


def _prefix() -> str:
    return f"ingest-test-{uuid4().hex[:12]}:"


@pytest.fixture
def broker() -> Iterator[Broker]:
    """The Celery app's producer pointed at the workers' Redis database, then restored."""
    with _producing_to(Broker(WORKER_REDIS_URL, prefix=_prefix())) as broker:
        yield broker


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of the test's own, persisted as in production, to restart at will."""
    with PrivateRedis() as server:
        yield server


@pytest.fixture
def private_broker(broker: Broker, private_redis: PrivateRedis) -> Iterator[Broker]:
    """The producer pointed at the private Redis server; start workers with broker=it."""
    with _producing_to(Broker(private_redis.url(), prefix=_prefix())) as private:
        yield private


@pytest.fixture
def private_database(transactional_db: None) -> Iterator[PrivatePostgres]:
    """A migrated PostgreSQL cluster of the test's own, to restart at will: for the test,
    this process's ORM uses it as the default database, and so do the workers it starts.

    Request it before any fixture that writes to the database (chat, community…).
    """
    try:
        server = PrivatePostgres()
    except FileNotFoundError as error:
        pytest.skip(str(error))
    with server:
        server.create_database("hc_faults")
        env = {**os.environ, "DATABASE_URL": server.url("hc_faults")}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=settings.BASE_DIR, env=env, check=True,
        )  # fmt: skip
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(
            NAME="hc_faults", HOST="127.0.0.1", PORT=str(server.port), USER="postgres",
            PASSWORD="",
        )  # fmt: skip
        try:
            yield server
        finally:
            # Back before transactional_db flushes the test database.
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, nothing handed back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def kill_pool_process(self) -> None:
        """SIGKILL to the prefork child running the task (as the OOM killer would); the
        worker itself lives on."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(children) == 1, f"one pool process expected, found {children}"
        os.kill(int(children[0]), signal.SIGKILL)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self) -> None:
        wait_for(lambda: " ready." in self.log(), f"worker {self.name} to start")


@pytest.fixture
def start_worker(
    transactional_db: None, x_api: FakeXApi, broker: Broker, tmp_path: Path
) -> Iterator[Callable[..., Worker]]:
    """Start `celery worker --pool=solo` subprocesses on the test database and the broker.

    Depends on transactional_db so that the workers die before the tables are flushed.
    """
    workers: list[Worker] = []

    def start(
        name: str,
        *,
        visibility: int = VISIBILITY_TIMEOUT,
        lock_seconds: int = LOCK_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
        pool: str = "solo",
        on: Broker | None = None,
    ) -> Worker:
        """A worker on `on` (the broker fixture's by default); `pool="prefork"` runs its
        tasks in a child process, as production does."""
        on = on or broker
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.archive.ingest.worker_settings",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": on.url,
            "CELERY_BROKER_URL": on.url,
            "CELERY_VISIBILITY_TIMEOUT": str(visibility),
            "INGEST_TEST_BROKER_PREFIX": on.prefix,
            # Pull locks and their notes too: nothing a test leaves meets the next one.
            "CACHE_KEY_PREFIX": on.prefix,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ARCHIVE_PULL_LOCK_SECONDS": str(lock_seconds),
            "ARCHIVE_PULL_LOCK_LEASE_SECONDS": str(lease_seconds),
            "X_API_BASE_URL": x_api.base_url,
            "X_BEARER_TOKEN": x_api.bearer_token,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}",
            "--concurrency=1", "-Q", on.queue, "-n", f"{name}@%h", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        workers.append(Worker(name, process, log_path))
        return workers[-1]

    try:
        yield start
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.kill()
            # Shown with the failure report of a test that failed.
            print(f"--- worker {worker.name} ---\n{worker.log()[-4000:]}")
