"""The scratch PostgreSQL database a benchmark fills and measures (search, vitality,
connections): created under its own name, optionally kept for a later `--reuse` run,
dropped at the end otherwise. Never the database DATABASE_URL names."""

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def add_scratch_arguments(
    parser: argparse.ArgumentParser, *, database: str, reusable: bool = True
) -> None:
    """--database; and, for a benchmark that can measure what an earlier run left,
    --keep and --reuse."""
    parser.add_argument("--database", default=database)
    if reusable:
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")
        parser.add_argument("--reuse", action="store_true", help="measure a kept database")


@contextmanager
def scratch_database(args: argparse.Namespace) -> Iterator[None]:
    """Measure in `args.database`: a fresh one, or (--reuse) one a --keep run left."""
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs DATABASE_URL to point at PostgreSQL.")
    settings.DEBUG = False  # no query log growing with a million rows
    connection.settings_dict["TEST"]["NAME"] = args.database
    reuse, keep = getattr(args, "reuse", False), getattr(args, "keep", False)
    if reuse:
        original = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = args.database
    else:
        original = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        if not keep:
            connection.creation.destroy_test_db(original, verbosity=0)
