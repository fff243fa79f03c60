from datetime import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def now() -> datetime:
    # Real time, not a fixed date: the demo's live chat is anchored to the present.
    return timezone.now().replace(microsecond=0)
