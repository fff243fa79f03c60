"""benchmarks/ingest.py still runs: its core with 500 posts (no timing is asserted)."""

import pytest

from archive.models import Account, Post, PostPlacement
from benchmarks.ingest import benchmark, report


@pytest.mark.django_db
def test_it_runs_the_ingest_benchmark_core_on_a_small_batch() -> None:
    figures = benchmark(posts=500, accounts=50)

    assert (figures.posts, figures.pages) == (500, 5)
    assert Post.objects.count() == 500
    assert Account.objects.count() == figures.accounts <= 50
    assert PostPlacement.objects.filter(chat__isnull=False).exists()
    assert PostPlacement.objects.filter(chat__isnull=True).exists()
    assert min(figures.store_seconds, figures.copy_seconds, figures.bare_copy_seconds) > 0
    assert "posts/s" in report(figures)
