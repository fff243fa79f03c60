"""Exclusive locks that follow their holder's life, so two workers never pull the same
query at once and a holder killed outright (kill -9, the OOM killer, a lost machine) holds
up the next one for one short lease, not for the longest run the work may take.

The lock is taken for a lease of a few seconds; a heartbeat thread renews it while the
holder lives, up to a maximum hold. Renewal is compare-and-extend: it only extends a lock
that still carries this holder's token. Each hold also leaves a note, kept until the
holder lets go cleanly: the next holder learns of a predecessor that died holding the lock
or that an exception ended, even one it could not record itself (its database was down).

With Redis configured the lock is redis-py's (token-checked acquire, renewal and release);
without it (the demo's single worker) the cache serves, checked but not atomically.
"""

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from uuid import uuid4

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from redis.exceptions import LockError, LockNotOwnedError

logger = logging.getLogger(__name__)

# A note outlives any sensible gap between two holds of one lock, not the lock's disuse.
NOTE_SECONDS = 7 * 24 * 3600
# Renewals per lease: two may fail (a Redis restart, a slow beat) before the lease lapses.
RENEWALS_PER_LEASE = 3
# What a broker or cache outage raises: the heartbeat tries again, release gives up.
_OUTAGE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

# Only a note that is still this holder's may be closed or removed (a holder past its
# maximum may end after the next one took over).
_NOTE_DELETE = """
local note = redis.call('get', KEYS[1])
if note and cjson.decode(note)['token'] == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_NOTE_CLOSE = """
local note = redis.call('get', KEYS[1])
if note and cjson.decode(note)['token'] == ARGV[1] then
    return redis.call('set', KEYS[1], ARGV[2], 'KEEPTTL')
end
return 0
"""


@dataclass(frozen=True)
class Predecessor:
    """The previous holder of a lock, when it did not let go cleanly."""

    holder: str  # host:pid
    since: datetime
    # What ended its hold ("OperationalError: …"); empty when it died holding the lock.
    ended: str

    def describe(self) -> str:
        started = f"started {self.since:%Y-%m-%d %H:%M:%S} UTC on {self.holder}"
        if self.ended:
            return f"{started}, failed: {self.ended}"
        return f"{started}, never finished: its worker was lost or ran past its time limit"


@dataclass(frozen=True)
class Hold:
    acquired: bool
    predecessor: Predecessor | None = None

    def __bool__(self) -> bool:
        return self.acquired


@cache
def _redis() -> redis.Redis | None:
    if not settings.REDIS_URL:
        return None
    # Bounded, so that a Redis gone silent (no refusal, no answer) cannot hold up the end
    # of the work the lock guards: its heartbeat is joined there.
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)


def _key(name: str) -> str:
    # Namespaced like the cache, so sites (or test runs) sharing a Redis never collide.
    return django_cache.make_key(f"lock:{name}")


def _note(token: str) -> dict[str, str]:
    return {
        "token": token,
        "holder": f"{socket.gethostname()}:{os.getpid()}",
        "since": datetime.now(UTC).isoformat(),
        "ended": "",
    }


def _predecessor(raw: bytes | str | None) -> Predecessor | None:
    if not raw:
        return None
    try:
        note = json.loads(raw)
        return Predecessor(
            holder=note["holder"], since=datetime.fromisoformat(note["since"]), ended=note["ended"]
        )
    except (ValueError, KeyError, TypeError):
        return None


def _ended(error: BaseException | None) -> str:
    if error is None:
        return ""
    # One line: database errors come over several.
    return " ".join(f"{type(error).__name__}: {error}".split())[:500]


class _Heartbeat(threading.Thread):
    """Renews a lease every `every` seconds until stopped, the lock is lost, or `max_hold`
    is reached (a holder that hangs must not keep others out forever)."""

    def __init__(
        self, name: str, renew: Callable[[], bool], *, every: float, max_hold: float
    ) -> None:
        super().__init__(name=f"lease {name}", daemon=True)
        self._lock_name = name
        self._renew = renew
        self._every = every
        self._deadline = time.monotonic() + max_hold
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self._every):
            if time.monotonic() >= self._deadline:
                logger.warning("lock %s held past its maximum; no longer renewed", self._lock_name)
                return
            try:
                if not self._renew():
                    logger.warning("lock %s was lost to another holder", self._lock_name)
                    return
            except _OUTAGE as error:
                logger.warning("lock %s: renewal failed, retrying: %s", self._lock_name, error)

    def stop(self) -> None:
        self._stopping.set()
        self.join()


@contextmanager
def exclusive(name: str, *, lease: float, max_hold: float) -> Iterator[Hold]:
    """Yield a true Hold while holding the lock, a false one if someone else holds it.

    The lease bounds how long a holder that died keeps others out; `max_hold` how long
    one that hangs does (the lease lapses after it).
    """
    client = _redis()
    token = uuid4().hex
    holder = (
        _RedisHolder(client, name, token, lease) if client else _CacheHolder(name, token, lease)
    )
    acquired, predecessor = holder.acquire()
    if not acquired:
        yield Hold(acquired=False)
        return
    heartbeat = _Heartbeat(name, holder.renew, every=lease / RENEWALS_PER_LEASE, max_hold=max_hold)
    heartbeat.start()
    error: BaseException | None = None
    try:
        yield Hold(acquired=True, predecessor=predecessor)
    except BaseException as exc:
        error = exc
        raise
    finally:
        heartbeat.stop()
        holder.release(error)


def abandoned(name: str) -> bool:
    """Whether the last hold of `name` ended without letting go cleanly (its holder died,
    or an exception ended it) and nobody holds it now."""
    client = _redis()
    if client is None:
        return bool(
            django_cache.get(f"lock:{name}:note") and django_cache.get(f"lock:{name}") is None
        )
    key = _key(name)
    with suppress(*_OUTAGE):
        with client.pipeline() as pipe:
            pipe.exists(key)
            pipe.exists(f"{key}:note")
            held, noted = pipe.execute()
        return bool(noted and not held)
    return False


def lease_left(name: str) -> float:
    """Seconds until the lease on `name` lapses unless its holder renews it (0: free, or
    not known without Redis)."""
    client = _redis()
    if client is None:
        return 0.0
    with suppress(*_OUTAGE):
        return max(client.pttl(_key(name)), 0) / 1000
    return 0.0


class _RedisHolder:
    def __init__(self, client: redis.Redis, name: str, token: str, lease: float) -> None:
        self._client = client
        self._key = _key(name)
        self._note_key = f"{self._key}:note"
        self._token = token
        # Not thread-local: the heartbeat thread renews with the holder's token.
        self._lock = client.lock(self._key, timeout=lease, blocking=False, thread_local=False)

    def acquire(self) -> tuple[bool, Predecessor | None]:
        if not self._lock.acquire(token=self._token):
            return False, None
        note = json.dumps(_note(self._token))
        previous = self._client.set(self._note_key, note, ex=NOTE_SECONDS, get=True)
        return True, _predecessor(previous if isinstance(previous, bytes | str) else None)

    def renew(self) -> bool:
        try:
            self._lock.reacquire()
            return True
        except LockNotOwnedError:
            # Gone, not taken (Redis restarted without its data, or an outage outlasted the
            # lease): take it back unless another holder has it.
            return bool(self._lock.acquire(token=self._token))

    def release(self, error: BaseException | None) -> None:
        try:
            if error is None:
                self._client.eval(_NOTE_DELETE, 1, self._note_key, self._token)
            else:
                note = json.dumps({**_note(self._token), "ended": _ended(error)})
                self._client.eval(_NOTE_CLOSE, 1, self._note_key, self._token, note)
            self._lock.release()
        except LockError:
            pass  # lapsed meanwhile: nothing is left to release
        except _OUTAGE:
            # The lease lapses by itself; failing here would fail the work it guarded.
            logger.warning("lock %s: not released (Redis unreachable)", self._key, exc_info=True)


class _CacheHolder:
    """The cache's lock, for the single worker without Redis: nothing else competes."""

    def __init__(self, name: str, token: str, lease: float) -> None:
        self._key = f"lock:{name}"
        self._note_key = f"lock:{name}:note"
        self._token = token
        self._lease = lease

    def acquire(self) -> tuple[bool, Predecessor | None]:
        if not django_cache.add(self._key, self._token, timeout=self._lease):
            return False, None
        previous = django_cache.get(self._note_key)
        django_cache.set(self._note_key, json.dumps(_note(self._token)), timeout=NOTE_SECONDS)
        return True, _predecessor(previous)

    def renew(self) -> bool:
        if django_cache.get(self._key) != self._token:
            return bool(django_cache.add(self._key, self._token, timeout=self._lease))
        return bool(django_cache.touch(self._key, timeout=self._lease))

    def release(self, error: BaseException | None) -> None:
        note = django_cache.get(self._note_key)
        if note and json.loads(note).get("token") == self._token:
            if error is None:
                django_cache.delete(self._note_key)
            else:
                closed = {**json.loads(note), "ended": _ended(error)}
                django_cache.set(self._note_key, json.dumps(closed), timeout=NOTE_SECONDS)
        if django_cache.get(self._key) == self._token:
            django_cache.delete(self._key)
