"""import_posts: X API v2 pages as JSON lines, through the same normalise-and-store path."""

import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.models import Post, PostPlacement
from chats.models import Chat
from community.models import Community
from tests.archive.commands.conftest import make_chat, page_line, tweets_at, write_lines

pytestmark = pytest.mark.django_db


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _import(path: Path, slug: str, **streams: io.StringIO) -> str:
    out = io.StringIO()
    call_command("import_posts", str(path), community=slug, stdout=out, **streams)
    return out.getvalue()


@pytest.fixture
def past_chat(community: Community, now: datetime) -> Chat:
    return make_chat(community, start=now - timedelta(days=2))


@pytest.fixture
def archive(tmp_path: Path, past_chat: Chat) -> tuple[Path, dict[str, list[str]]]:
    """Six lines: three pages, a broken line, a blank one, and JSON that is no page."""
    in_chat = tweets_at([past_chat.start_at + timedelta(minutes=m) for m in (1, 2, 3)])
    in_stream = tweets_at([past_chat.end_at + timedelta(hours=h) for h in (2, 3, 4)], start=3)
    elsewhere = tweets_at([past_chat.start_at], tags=["LibChat"], start=6)
    del in_stream[2]["author_id"]  # a malformed item: the rest of its page is stored
    path = write_lines(
        tmp_path / "kmers.jsonl",
        [page_line(in_chat), '{"data": [', page_line(in_stream), "", page_line(elsewhere), "[1]"],
    )
    ids = {
        "chat": [t["id"] for t in in_chat],
        "stream": [t["id"] for t in in_stream[:2]],
        "malformed": [in_stream[2]["id"]],
        "elsewhere": [t["id"] for t in elsewhere],
    }
    return path, ids


def test_it_imports_every_good_post_and_reports_what_it_skipped_and_why(
    archive: tuple[Path, dict[str, list[str]]], community: Community, past_chat: Chat
) -> None:
    path, ids = archive

    output = _import(path, community.slug)

    stored = set(Post.objects.values_list("external_id", flat=True))
    assert stored == {*ids["chat"], *ids["stream"], *ids["elsewhere"]}
    placed = PostPlacement.objects.filter(community=community)
    assert set(placed.filter(chat=past_chat).values_list("post__external_id", flat=True)) == set(
        ids["chat"]
    )
    assert set(placed.filter(chat=None).values_list("post__external_id", flat=True)) == set(
        ids["stream"]
    )
    assert "Pages: 3\n" in output
    assert "Posts stored: 6 (6 new, 0 refreshed)" in output
    assert "3 in 1 chats, 2 in the between-chat stream, 1 not" in output
    assert "Skipped: 3\n" in output
    assert "line 2: not JSON" in output
    assert f"line 3: post {ids['malformed'][0]}: author_id is missing" in output
    assert "line 6: not a JSON object" in output


def test_it_stores_every_post_of_a_page_holding_values_too_long_or_out_of_range(
    tmp_path: Path, community: Community, past_chat: Chat
) -> None:
    tweets = tweets_at([past_chat.start_at + timedelta(minutes=m) for m in (1, 2, 3)])
    tweets[0]["lang"] = "a-language-tag-too-long"
    tweets[1]["public_metrics"]["like_count"] = -4
    path = write_lines(tmp_path / "odd.jsonl", [page_line(tweets)])

    output = _import(path, community.slug)

    assert "Posts stored: 3 (3 new, 0 refreshed)" in output
    assert "Skipped: 0\n" in output
    assert Post.objects.get(external_id=tweets[0]["id"]).language == ""
    assert Post.objects.get(external_id=tweets[1]["id"]).like_count == 0


def test_it_adds_nothing_when_the_same_file_is_imported_twice(
    archive: tuple[Path, dict[str, list[str]]], community: Community
) -> None:
    path, _ = archive
    _import(path, community.slug)
    posts = list(Post.objects.order_by("pk").values_list("pk", "external_id", "html"))
    placements = list(PostPlacement.objects.order_by("pk").values_list("pk", "post_id", "chat_id"))

    output = _import(path, community.slug)

    assert list(Post.objects.order_by("pk").values_list("pk", "external_id", "html")) == posts
    assert (
        list(PostPlacement.objects.order_by("pk").values_list("pk", "post_id", "chat_id"))
        == placements
    )
    assert "Posts stored: 6 (0 new, 6 refreshed)" in output


def test_it_refuses_an_unknown_community_before_reading_anything(
    archive: tuple[Path, dict[str, list[str]]],
) -> None:
    path, _ = archive

    with pytest.raises(CommandError, match="no community with slug “nobody”"):
        _import(path, "nobody")

    assert not Post.objects.exists()


def test_it_reports_a_file_it_cannot_read(tmp_path: Path, community: Community) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        _import(tmp_path / "missing.jsonl", community.slug)


def test_it_reads_gzipped_archives_and_says_when_a_line_holds_one_post_not_a_page(
    tmp_path: Path, community: Community, now: datetime
) -> None:
    tweets = tweets_at([now - timedelta(hours=1), now - timedelta(minutes=30)])
    path = tmp_path / "kmers.jsonl.gz"
    lines = [page_line(tweets[:1]), json.dumps(tweets[1])]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))

    output = _import(path, community.slug)

    assert list(Post.objects.values_list("external_id", flat=True)) == [tweets[0]["id"]]
    assert "line 2: not an X API response page" in output


def test_it_draws_a_progress_bar_only_on_a_terminal(
    archive: tuple[Path, dict[str, list[str]]], community: Community
) -> None:
    path, _ = archive
    terminal, pipe = _Terminal(), io.StringIO()

    _import(path, community.slug, stderr=terminal)
    _import(path, community.slug, stderr=pipe)

    assert terminal.getvalue().startswith("\rkmers.jsonl [")
    assert "100% 3 pages, 6 posts" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")
    assert pipe.getvalue() == ""
