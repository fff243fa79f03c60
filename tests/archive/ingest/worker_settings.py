"""Settings for the Celery workers the ingestion tests start: the project's own, except that
an idle worker looks for tasks a dead worker left unacknowledged every second, and the
broker's keys carry the test's own prefix.

kombu's default sweep runs every 10 s and scans on every tenth run; production waits out
a 15-minute visibility timeout anyway, a test would wait 100 s for no reason.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": os.environ["INGEST_TEST_BROKER_PREFIX"],
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
