"""Locks follow their holder's life: a short lease renewed while the holder lives, free one
lease after it dies, and a note that tells the next holder how the last hold ended."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache

from common import locks
from common.locks import abandoned, exclusive, lease_left
from tests.fakes.servers import PrivateRedis

# Long enough that a loaded machine still renews in time (three renewals a lease).
LEASE = 1.0
HOLDER = """
import sys, time, django
django.setup()
from common.locks import exclusive
with exclusive("job", lease=0.5, max_hold=60) as held:
    print("held" if held else "busy", flush=True)
    time.sleep(60)
"""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            pytest.fail(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started


def others_get_it(name: str = "job") -> bool:
    with exclusive(name, lease=LEASE, max_hold=30) as held:
        return held.acquired


@contextmanager
def start_holder() -> Iterator[subprocess.Popen[str]]:
    """Another process holding "job" (the same cache namespace), to be killed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CACHE_KEY_PREFIX": cache.key_prefix,
    }
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            yield holder
        finally:
            holder.kill()
            holder.wait(timeout=10)


def forget_lock_client() -> None:
    """Let the next lock connect to the REDIS_URL now set, closing the last one's client."""
    if locks._redis.cache_info().currsize:
        client = locks._redis()
        if client is not None:
            client.close()
    locks._redis.cache_clear()


@pytest.fixture
def lock_redis() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def private_redis(settings: Any) -> Iterator[PrivateRedis]:
    with PrivateRedis() as server:
        settings.REDIS_URL = server.url()
        forget_lock_client()
        try:
            yield server
        finally:
            forget_lock_client()


def test_it_keeps_others_out_while_its_holder_lives_past_the_lease() -> None:
    with exclusive("job", lease=LEASE, max_hold=30) as held:
        assert held
        time.sleep(LEASE * 2.5)

        assert not others_get_it()
        assert 0 < lease_left("job") <= LEASE
    assert others_get_it()
    assert lease_left("job") == 0


def test_it_frees_the_lock_one_lease_after_its_holder_is_killed() -> None:
    with start_holder() as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not others_get_it()
        holder.kill()

    seconds = wait_for(others_get_it, "the dead holder's lease to lapse")

    print(f"\nfree {seconds:.2f} s after its holder was killed (lease 0.5 s)")
    with exclusive("job", lease=LEASE, max_hold=30) as held:
        # others_get_it took the note already: a clean hold since leaves none.
        assert held.predecessor is None


def test_it_tells_the_next_holder_of_one_that_died_holding_it() -> None:
    with start_holder() as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        holder.kill()
    predecessors = []

    def take() -> bool:
        with exclusive("job", lease=LEASE, max_hold=30) as held:
            predecessors.append(held.predecessor)
            return held.acquired

    wait_for(take, "the dead holder's lease to lapse")

    predecessor = predecessors[-1]
    assert predecessor is not None
    assert predecessor.holder.endswith(f":{holder.pid}")
    assert predecessor.ended == ""
    assert "never finished" in predecessor.describe()


def test_it_tells_the_next_holder_what_ended_a_failed_hold() -> None:
    with pytest.raises(RuntimeError), exclusive("job", lease=LEASE, max_hold=30):
        raise RuntimeError("the database went away")

    with exclusive("job", lease=LEASE, max_hold=30) as held:
        assert held.predecessor is not None
        assert held.predecessor.ended == "RuntimeError: the database went away"
        assert held.predecessor.holder.endswith(f":{os.getpid()}")
    with exclusive("job", lease=LEASE, max_hold=30) as held:
        assert held.predecessor is None, "a clean hold leaves no note"


def test_it_says_a_lock_was_abandoned_until_someone_takes_it_again() -> None:
    assert not abandoned("job"), "never held"
    with exclusive("job", lease=LEASE, max_hold=30):
        assert not abandoned("job"), "held"
    assert not abandoned("job"), "let go cleanly"
    with start_holder() as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        holder.kill()

    wait_for(lambda: abandoned("job"), "the dead holder's lease to lapse")
    with exclusive("job", lease=LEASE, max_hold=30):
        assert not abandoned("job")
    assert not abandoned("job")


def test_it_stops_renewing_a_hold_that_outlasts_its_maximum() -> None:
    with exclusive("job", lease=LEASE, max_hold=LEASE) as held:
        assert held
        seconds = wait_for(others_get_it, "the hung holder's lease to lapse")

    print(f"\nfree {seconds:.2f} s into a hold of at most {LEASE} s (lease {LEASE} s)")


def test_it_only_extends_a_lock_its_holder_still_owns(lock_redis: redis.Redis) -> None:
    key = cache.make_key("lock:job")
    with exclusive("job", lease=LEASE, max_hold=30):
        # Taken over meanwhile (the holder stalled past its lease).
        lock_redis.set(key, "another-holder", px=60_000)
        time.sleep(LEASE * 2)

        assert lock_redis.get(key) == b"another-holder"
        assert lock_redis.pttl(key) > 50_000, "not renewed by the old holder"
    assert lock_redis.get(key) == b"another-holder", "not released by the old holder"
    lock_redis.delete(key)


def test_it_takes_back_a_lease_redis_lost(lock_redis: redis.Redis) -> None:
    key = cache.make_key("lock:job")
    with exclusive("job", lease=LEASE, max_hold=30):
        lock_redis.delete(key)  # as a Redis restarted without its data

        wait_for(lambda: lock_redis.exists(key) == 1, "the holder to take its lease back")
        assert not others_get_it()


def test_it_holds_on_through_a_redis_restart(private_redis: PrivateRedis) -> None:
    key = cache.make_key("lock:job")
    with (
        redis.Redis.from_url(private_redis.url()) as client,
        exclusive("job", lease=LEASE, max_hold=30) as held,
    ):
        assert held
        private_redis.restart(down=LEASE * 3)  # longer than the lease

        wait_for(lambda: client.exists(key) == 1, "the holder to take its lease back")
        assert not others_get_it()
    assert others_get_it()


def test_it_lets_go_without_failing_the_work_when_redis_is_down(
    private_redis: PrivateRedis,
) -> None:
    with exclusive("job", lease=LEASE, max_hold=30) as held:
        assert held
        private_redis.stop()
    private_redis.start()

    wait_for(others_get_it, "the lease to lapse")


def test_it_falls_back_to_the_cache_without_redis(settings: Any) -> None:
    # As `make run` has it: no Redis, the process's own cache.
    settings.REDIS_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    forget_lock_client()
    try:
        with exclusive("job", lease=LEASE, max_hold=30) as held:
            assert held
            time.sleep(LEASE * 2.5)
            assert not others_get_it(), "renewed while held"
        with pytest.raises(RuntimeError), exclusive("job", lease=LEASE, max_hold=30):
            raise RuntimeError("interrupted")
        with exclusive("job", lease=LEASE, max_hold=30) as held:
            assert held.predecessor is not None
            assert held.predecessor.ended == "RuntimeError: interrupted"
        assert others_get_it()
        assert lease_left("job") == 0
        assert not abandoned("job")
    finally:
        forget_lock_client()
