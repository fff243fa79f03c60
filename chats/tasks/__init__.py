"""Celery tasks, one module per concern; imported here so autodiscovery finds them."""

from . import demo, ingest, reminders, schedule

__all__ = ["demo", "ingest", "reminders", "schedule"]
