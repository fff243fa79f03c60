"""Liveness of what the site depends on, for /healthz and load balancers."""

import logging

import redis
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)


def _database(connection: BaseDatabaseWrapper) -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("health check: database unreachable")
        return "down"
    return "ok"


def _redis(url: str) -> str:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except redis.RedisError:
        logger.exception("health check: redis unreachable")
        return "down"
    return "ok"


def check_health(connection: BaseDatabaseWrapper) -> dict[str, object]:
    checks = {"database": _database(connection)}
    if settings.REDIS_URL:
        checks["redis"] = _redis(settings.REDIS_URL)
    status = "ok" if all(v == "ok" for v in checks.values()) else "down"
    return {"status": status, "checks": checks}
