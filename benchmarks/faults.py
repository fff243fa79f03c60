"""Faults during a pull, with production's timings: what each costs in time and reads.

    .venv/bin/python benchmarks/faults.py [--posts 3000] [--runs 3]
        [--faults none,worker,pool-process,redis,postgres] [--beat 30] [--poll 60]

Everything runs on servers the script owns and throws away: a PostgreSQL cluster
(initdb'd as the postgres OS user when run as root), a redis-server with production's
append-only file, the fake X API, and real `celery -A config worker` processes (prefork,
as docker-compose runs them) with the project's settings. The script plays beat: it calls
`dispatch_pulls` every `--beat` seconds. Each run: a fresh database cloned from a migrated
template, a live chat of `--posts` posts, one pull that the fault hits when it reaches a
third of its pages (that page is held back `--stall` seconds so the fault lands mid-pull):

- none: no fault, the reference;
- worker: the whole worker killed (SIGKILL to its process group, as a container's
  kill), and started again `--restart-delay` seconds later, as a restart policy would;
- pool-process: the pool process running the pull killed (the OOM killer); the worker lives;
- redis: Redis restarted (SIGTERM, down `--down` seconds);
- postgres: PostgreSQL restarted (`pg_ctl stop -m fast`, down `--down` seconds).

Per fault it prints runs × posts expected/stored/duplicated × the seconds from the fault
until the archive is whole again (every post stored, the cursor moved) × the extra reads
(posts the fake X API served beyond those stored) × whether the cursor recorded the lost
pull. Nothing is asserted about speed.
"""

import argparse
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))

from tests.fakes.servers import PrivatePostgres, PrivateRedis  # noqa: E402
from tests.fakes.x_api import DEFAULT_TOKEN, FakeXApi  # noqa: E402
from tests.fakes.x_data import make_tweet, make_user  # noqa: E402

FAULTS = ("none", "worker", "pool-process", "redis", "postgres")
TEMPLATE = "hc_faults_template"
HASHTAG = "FaultChat"
AUTHORS = [make_user(f"fault_{n:02d}", name=f"Member {n}") for n in range(40)]
PAGE = 100


@dataclass(frozen=True)
class Options:
    posts: int
    beat: float
    poll: int
    lease: float
    stall: float
    down: float
    restart_delay: float
    timeout: float
    verbose: bool


@dataclass(frozen=True)
class Row:
    fault: str
    expected: int
    stored: int
    duplicated: int
    seconds: float | None  # None: not whole within the timeout
    extra_reads: int
    recorded: bool


class Worker:
    """`celery -A config worker` in a session of its own, so that it dies whole."""

    def __init__(self, env: dict[str, str], log_dir: Path, name: str) -> None:
        self.log_path = log_dir / f"{name}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
            "--concurrency=1", "--loglevel=INFO", "-n", f"{name}@%h",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        _wait(lambda: " ready." in self.log(), timeout, "the worker to start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def kill_pool_process(self) -> None:
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        for child in children:
            os.kill(int(child), signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.1)


def _migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def _use_database(name: str, port: int) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict.update(
        NAME=name, HOST="127.0.0.1", PORT=str(port), USER="postgres", PASSWORD=""
    )


def _make_chat(options: Options) -> tuple[Any, datetime]:
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from chats.services import schedule
    from community.services import community_create
    from members.models import User

    user = User.objects.create_user(username="olga", email="olga@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    community = community_create(
        creator=user,
        data={"name": "Fault Finders", "hashtag": HASHTAG, "description": "", "rules": "",
              "time_zone": "UTC", "website": ""},
    )  # fmt: skip
    community.poll_interval_seconds = options.poll
    community.save(update_fields=["poll_interval_seconds"])
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(minutes=30)
    chat = schedule.chat_create(
        community=community, title="Faults", start_at=start, end_at=start + timedelta(hours=1),
        now=start - timedelta(days=1),
    )  # fmt: skip
    return chat, now


def _posts(count: int, start: datetime, end: datetime) -> list[dict[str, Any]]:
    every = (end - start) / (count + 1)
    return [
        make_tweet(
            author=AUTHORS[i % len(AUTHORS)],
            text=f"A{i % 6 + 1} fault post number {i} #{HASHTAG}",
            created_at=start + (i + 1) * every,
        )
        for i in range(count)
    ]


def _whole(expected: int) -> bool:
    from django.db import DatabaseError, connection

    from archive.models import Post, SyncCursor

    try:
        moved = SyncCursor.objects.exclude(newest_id="").exists()
        return moved and Post.objects.count() >= expected
    except DatabaseError:
        connection.close()  # PostgreSQL restarted under this process too
        return False


def _dispatch() -> None:
    from django.db import DatabaseError, connection
    from kombu.exceptions import OperationalError

    from archive.tasks import dispatch_pulls

    try:
        dispatch_pulls()
    except DatabaseError:
        connection.close()  # as beat's task would, it fails now and runs again next round
    except OperationalError:
        pass  # Redis away: the same


def run_once(
    fault: str, number: int, options: Options, pg: PrivatePostgres, redis_server: PrivateRedis
) -> Row:
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    from archive.models import Post, PostPlacement, SyncCursor

    database = f"hc_faults_{number}"
    pg.sql(f'CREATE DATABASE "{database}" TEMPLATE "{TEMPLATE}"')
    _use_database(database, pg.port)
    log_dir = Path(tempfile.mkdtemp(prefix="hc-faults-"))
    workers: list[Worker] = []
    api = FakeXApi(rate_limit=100_000).start()
    try:
        settings.X_API_BASE_URL = api.base_url
        chat, now = _make_chat(options)
        tweets = _posts(options.posts, chat.window_start, now - timedelta(minutes=1))
        api.add_users(*AUTHORS)
        api.add_tweets(*tweets)
        stall_at = max(2, math.ceil(options.posts / PAGE) // 3)
        api.delay_next(0, times=stall_at - 1)
        api.delay_next(options.stall)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": pg.url(database),
            "REDIS_URL": redis_server.url(),
            "CELERY_BROKER_URL": redis_server.url(),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ARCHIVE_PULL_LOCK_LEASE_SECONDS": str(options.lease),
            "X_API_BASE_URL": api.base_url,
            "X_BEARER_TOKEN": api.bearer_token,
        }
        workers.append(Worker(env, log_dir, f"bench{number}"))
        workers[-1].wait_ready()

        started = time.monotonic()
        next_beat = started
        fault_at = whole_at = None
        fault_time = None
        while time.monotonic() - started < options.timeout:
            if time.monotonic() >= next_beat:
                _dispatch()
                next_beat += options.beat
            if fault_at is None and len(api.search_requests) >= stall_at:
                fault_time = timezone.now()
                fault_at = time.monotonic()
                _inject(fault, options, workers, env, log_dir, number, pg, redis_server)
            if fault_at is not None and _whole(options.posts):
                whole_at = time.monotonic()
                break
            time.sleep(0.1)

        stored = Post.objects.filter(external_id__in=[t["id"] for t in tweets]).count()
        duplicated = Post.objects.count() - Post.objects.values("external_id").distinct().count()
        duplicated += sum(
            row["n"] - 1
            for row in PostPlacement.objects.values("post", "chat")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        cursor = SyncCursor.objects.filter(query__icontains=HASHTAG).first()
        recorded = bool(
            cursor and cursor.last_error_at and fault_time and cursor.last_error_at >= fault_time
        )
        if options.verbose:
            for worker in workers:
                print(f"--- {worker.log_path}\n{worker.log()[-3000:]}")
        if whole_at is not None:
            shutil.rmtree(log_dir, ignore_errors=True)
        else:
            print(f"not whole within {options.timeout:g} s; the workers' logs: {log_dir}")
        return Row(
            fault=fault,
            expected=len(tweets),
            stored=stored,
            duplicated=duplicated,
            seconds=None if whole_at is None or fault_at is None else whole_at - fault_at,
            extra_reads=api.posts_served - stored,
            recorded=recorded,
        )
    finally:
        for worker in workers:
            worker.stop()
        api.stop()
        _use_database(TEMPLATE, pg.port)
        from django.db import connection

        connection.close()
        pg.sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _inject(
    fault: str,
    options: Options,
    workers: list[Worker],
    env: dict[str, str],
    log_dir: Path,
    number: int,
    pg: PrivatePostgres,
    redis_server: PrivateRedis,
) -> None:
    if fault == "worker":
        workers[-1].kill()
        time.sleep(options.restart_delay)
        workers.append(Worker(env, log_dir, f"bench{number}-restarted"))
    elif fault == "pool-process":
        workers[-1].kill_pool_process()
    elif fault == "redis":
        redis_server.restart(down=options.down)
    elif fault == "postgres":
        pg.restart(down=options.down)


def _range(values: list[float], fmt: str) -> str:
    if not values:
        return "-"
    middle = format(statistics.median(values), fmt)
    if len(values) == 1:
        return middle
    return f"{middle} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def table(rows: list[Row], options: Options) -> str:
    lines = [
        f"{options.posts} posts a run; beat every {options.beat:g} s, poll interval "
        f"{options.poll} s, lock lease {options.lease:g} s, page held {options.stall:g} s, "
        f"servers down {options.down:g} s; median (min–max)",
        "",
        "| fault        | runs | expected | stored | duplicated | whole again after, s "
        "| extra reads     | lost pull recorded |",
        "|--------------|-----:|---------:|-------:|-----------:|---------------------:"
        "|----------------:|-------------------:|",
    ]
    for fault in FAULTS:
        group = [r for r in rows if r.fault == fault]
        if not group:
            continue
        seconds = [r.seconds for r in group if r.seconds is not None]
        late = len(group) - len(seconds)
        whole = _range(seconds, ".1f") + (f", {late} never" if late else "")
        recorded = "-" if fault == "none" else f"{sum(r.recorded for r in group)}/{len(group)}"
        lines.append(
            f"| {fault:<12} | {len(group):>4} | {min(r.expected for r in group):>8} "
            f"| {min(r.stored for r in group):>6} | {max(r.duplicated for r in group):>10} "
            f"| {whole:>20} | {_range([float(r.extra_reads) for r in group], '.0f'):>15} "
            f"| {recorded:>18} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--beat", type=float, default=30, help="seconds between dispatches")
    parser.add_argument("--poll", type=int, default=60, help="the community's poll interval")
    parser.add_argument("--lease", type=float, default=20, help="pull lock lease, seconds")
    parser.add_argument("--stall", type=float, default=5, help="seconds page ⅓ is held back")
    parser.add_argument("--down", type=float, default=2, help="seconds a server stays down")
    parser.add_argument("--restart-delay", type=float, default=1)
    parser.add_argument("--timeout", type=float, default=300, help="per run")
    parser.add_argument("--verbose", action="store_true", help="print the workers' logs")
    args = parser.parse_args()
    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    options = Options(
        posts=args.posts, beat=args.beat, poll=args.poll, lease=args.lease, stall=args.stall,
        down=args.down, restart_delay=args.restart_delay, timeout=args.timeout,
        verbose=args.verbose,
    )  # fmt: skip

    with PrivatePostgres() as pg, PrivateRedis() as redis_server:
        pg.create_database(TEMPLATE)
        _migrate(pg.url(TEMPLATE))
        os.environ.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DATABASE_URL=pg.url(TEMPLATE),
            REDIS_URL=redis_server.url(),
            CELERY_BROKER_URL=redis_server.url(),
            CELERY_TASK_ALWAYS_EAGER="false",
            X_BEARER_TOKEN=DEFAULT_TOKEN,
        )
        import django

        django.setup()
        rows = []
        number = 0
        for fault in faults:
            for run in range(args.runs):
                number += 1
                row = run_once(fault, number, options, pg, redis_server)
                rows.append(row)
                seconds = "never" if row.seconds is None else f"{row.seconds:.1f} s"
                print(
                    f"{fault} run {run + 1}: stored {row.stored}/{row.expected}, whole again "
                    f"after {seconds}, {row.extra_reads} extra reads, lost pull recorded: "
                    f"{row.recorded}",
                    flush=True,
                )
    print()
    print(table(rows, options))


if __name__ == "__main__":
    main()
