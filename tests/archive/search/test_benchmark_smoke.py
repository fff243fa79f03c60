"""benchmarks/search.py still runs: its generator and timings on a few thousand posts."""

import pytest

from archive.models import Post, PostPlacement
from benchmarks.search import CASES, explain, generate, time_case

pytestmark = pytest.mark.django_db


def test_it_generates_posts_the_search_benchmark_finds() -> None:
    generate(posts=4000, accounts=50, vacuum=False)

    assert Post.objects.count() == 4000
    assert PostPlacement.objects.filter(chat__isnull=False).exists()
    assert PostPlacement.objects.filter(chat__isnull=True).exists()
    assert Post.objects.filter(search_vector__isnull=True).count() == 0
    shown = {case.label: time_case(case, runs=1)[1] for case in CASES}
    assert shown["common term"] == shown["#hashtag"] == 20
    assert shown["anti-correlated"] == 0
    assert "Execution Time" in explain(CASES[0])
