"""Short-lived exclusive locks, so two workers never pull the same query at once.

With Redis configured the lock is redis-py's (token-checked release, expiry);
without it (the demo's single worker) the cache's atomic add serves.
"""

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

import redis
from django.conf import settings
from django.core.cache import cache as django_cache


@cache
def _redis() -> redis.Redis | None:
    return redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None


@contextmanager
def exclusive(name: str, *, timeout: float) -> Iterator[bool]:
    """Yield True while holding the lock, False if someone else holds it.

    The timeout bounds how long a crashed holder can block others.
    """
    client = _redis()
    if client is not None:
        # Namespaced like the cache, so sites (or test runs) sharing a Redis never collide.
        key = django_cache.make_key(f"lock:{name}")
        lock = client.lock(key, timeout=timeout, blocking=False)
        acquired = lock.acquire()
        try:
            yield acquired
        finally:
            if acquired:
                # Expired meanwhile (a very slow pull): nothing is left to release.
                with suppress(redis.exceptions.LockError):
                    lock.release()
        return
    acquired = django_cache.add(f"lock:{name}", 1, timeout=timeout)
    try:
        yield acquired
    finally:
        if acquired:
            django_cache.delete(f"lock:{name}")
