"""The post renderer shared by every post list."""

from datetime import timedelta

import pytest

from archive.models import Account, Post, PostPlacement
from archive.templatetags.posts import entry_html
from archive.transcript import Hosts, build_transcript, thread_rows
from chats.models import Chat
from tests.archive.transcript.conftest import START

pytestmark = pytest.mark.django_db


def test_it_threads_a_reply_chain_thousands_deep_without_recursion(chat: Chat) -> None:
    author = Account(pk=1, handle="deep", display_name="Deep")
    placements = []
    for n in range(5000):
        post = Post(
            external_id=str(n + 1), reply_to_id=str(n) if n else "", author=author,
            text=f"reply {n} #KMers", created_at=START + timedelta(seconds=n / 10),
        )  # fmt: skip
        placements.append(PostPlacement(post=post, created_at=post.created_at))

    transcript = build_transcript(chat=chat, placements=placements, hosts=Hosts(), questions=())
    rows = thread_rows(transcript.threads, max_depth=4)

    assert len(transcript.threads) == 1
    assert len(rows) == 5000
    assert [row.depth for row in rows[:6]] == [0, 1, 2, 3, 4, 4]
    assert "depth-4" in entry_html(rows[-1].entry, depth=rows[-1].depth)
