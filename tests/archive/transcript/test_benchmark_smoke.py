"""benchmarks/transcript.py still runs: its core on a small chat (no timing is asserted)."""

import pytest

from benchmarks.transcript import HOST_HANDLE, benchmark, report
from chats.models import Chat


@pytest.mark.django_db
def test_it_runs_the_transcript_benchmark_core_on_a_small_chat() -> None:
    figures = benchmark(posts=200, requests=3)

    chat = Chat.objects.get()
    assert chat.placements.count() == 200
    assert chat.placements.filter(post__author__handle=HOST_HANDLE).count() == 6
    assert [len(figures["miss"]), len(figures["hit"])] == [3, 3]
    assert min(figures["miss"] + figures["hit"]) > 0
    assert "cache miss" in report(figures, posts=200, view="questions")
