"""Private Redis and PostgreSQL servers that a test or a benchmark owns, so that it may
stop, kill and restart them: never the machine's shared servers, which other runs use.

Both listen on 127.0.0.1 on a free port and keep their files in a directory of their own,
removed at the end.

    with PrivateRedis() as broker:
        broker.restart(down=1)
    with PrivatePostgres() as db:
        db.create_database("faults")
        db.restart(down=1)
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Self

import redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(ready: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up within {timeout} s")
        time.sleep(0.05)


class PrivateRedis:
    """redis-server with the production compose file's persistence (append-only file)."""

    def __init__(self, *, appendonly: bool = True) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="hc-redis-"))
        self.appendonly = appendonly
        self._process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "",
            "--appendonly", "yes" if self.appendonly else "no",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(self._answers, f"redis-server on port {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        """SIGTERM (a restart: Redis writes its file and closes every connection) or SIGKILL."""
        if self._process is None:
            return
        self._process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self._process.wait(timeout=20)
        self._process = None

    def restart(self, *, down: float = 0.0, kill: bool = False) -> None:
        self.stop(kill=kill)
        time.sleep(down)
        self.start()

    def _answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop(kill=True)
        shutil.rmtree(self.directory, ignore_errors=True)


def postgres_bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: PG_BIN, else pg_config's, else Debian's newest."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    try:
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        found = ""
    candidates = [found] if found else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


class PrivatePostgres:
    """A PostgreSQL cluster of its own: initdb'd in a temporary directory (as the postgres
    OS user when run as root, which PostgreSQL refuses to run as), trust auth, no fsync."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise FileNotFoundError("initdb and pg_ctl not found (set PG_BIN)")
        self.bin_dir = bin_dir
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="hc-pg-"))
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", str(self.directory / "data"), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("start", "-w", "-o", options, "-l", str(self.directory / "server.log"))

    def stop(self, *, mode: str = "fast") -> None:
        """`fast` is a restart's shutdown: sessions are ended, open transactions rolled back."""
        self._pg_ctl("stop", "-w", "-m", mode)

    def restart(self, *, down: float = 0.0, mode: str = "fast") -> None:
        self.stop(mode=mode)
        time.sleep(down)
        self.start()

    def create_database(self, name: str) -> None:
        self.sql(f'CREATE DATABASE "{name}"')

    def sql(self, statement: str) -> None:
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", statement)  # fmt: skip

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.directory / "data"), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)

    def __enter__(self) -> Self:
        self.init()
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        with suppress(subprocess.CalledProcessError):  # not running
            self.stop(mode="immediate")
        shutil.rmtree(self.directory, ignore_errors=True)
