"""The benchmarks still run: ingest.py's core with 500 posts, faults.py on a 200-post chat
(no timing is asserted)."""

import subprocess
import sys

import pytest
from django.conf import settings

from archive.models import Account, Post, PostPlacement
from benchmarks.ingest import benchmark, report
from tests.fakes.servers import postgres_bin_dir


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


@pytest.mark.xdist_group("celery")
def test_it_runs_the_faults_benchmark_on_a_small_chat() -> None:
    if postgres_bin_dir() is None:
        pytest.skip("initdb and pg_ctl not found (set PG_BIN)")
    command = [
        sys.executable, "benchmarks/faults.py", "--posts", "200", "--runs", "1",
        "--faults", "none,pool-process", "--beat", "1", "--poll", "2", "--lease", "1",
        "--stall", "1", "--timeout", "90",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300, check=False
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    table = result.stdout[result.stdout.index("| fault") :]
    assert "| none         |    1 |      200 |    200 |          0 |" in table
    assert "| pool-process |    1 |      200 |    200 |          0 |" in table
    assert "1/1 |" in table, "the lost pull recorded on its cursor"
