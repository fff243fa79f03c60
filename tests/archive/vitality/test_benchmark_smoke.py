"""benchmarks/vitality.py still runs (its figures are not asserted, only that the rollups
it times agree with the scenery it made)."""

import pytest

from archive.models import ChatVitality, CommunityParticipant, RangeVitality
from benchmarks.vitality import benchmark


@pytest.mark.django_db
def test_it_runs_the_vitality_benchmark_on_a_small_archive() -> None:
    report = benchmark(chats=6, posts=600, accounts=60, runs=1, vacuum=False)

    assert ChatVitality.objects.count() == 6
    assert 0 < CommunityParticipant.objects.count() <= 60
    assert RangeVitality.objects.get(key="all").reach == CommunityParticipant.objects.count()
    assert "rollup rebuild" in report
    assert "raw: the four together" in report
