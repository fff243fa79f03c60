"""Import an archive of X API v2 response pages, one page per line (`twarc2 search` output).

Every page takes the path of a live pull: normalise_x_page, then posts_store in one
transaction, so posts land in chats and streams by the usual rules and importing a
file twice adds nothing. A broken line is reported with its number and skipped.
"""

import gzip
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction

from archive.models import Network, PostPlacement
from archive.services.ingest import posts_store
from archive.sources.base import Page
from archive.sources.x import x_archive_pages
from community.models import Community

# More reasons than this are summarised as a count: a bad file can have millions.
MAX_REASONS_SHOWN = 20
PROGRESS_EVERY = 0.2  # seconds


class _Lines:
    """The file's lines as text, keeping the number, text and bytes read of the latest one.

    x_archive_pages reads one line per page it yields, so when a page arrives, `number`
    and `text` are those of the line it came from.
    """

    def __init__(self, raw: BinaryIO, stream: Iterable[bytes]) -> None:
        self.raw, self.stream = raw, stream
        self.number = 0
        self.text = ""
        self.undecodable: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.stream, start=1):
            self.number = number
            try:
                self.text = line.decode("utf-8")
            except UnicodeDecodeError:
                # Still one line in, one page out: the numbering stays aligned.
                self.undecodable.add(self.number)
                self.text = "\ufffd"
            yield self.text

    @property
    def position(self) -> int:
        return self.raw.tell()


@dataclass
class _Summary:
    pages: int = 0
    new: int = 0
    refreshed: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    in_chats: set[str] = field(default_factory=set)
    in_stream: set[str] = field(default_factory=set)
    chats: set[int] = field(default_factory=set)


class Command(BaseCommand):
    help = (
        "Import X API v2 search response pages stored as JSON lines (the format "
        "`twarc2 search` writes; .gz accepted) into the archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="JSON-lines file, one response page a line.")
        parser.add_argument("--community", required=True, metavar="SLUG")

    def handle(self, *args: object, file: Path, community: str, **options: object) -> None:
        target = Community.objects.filter(slug=community).first()
        if target is None:
            raise CommandError(f"Unknown community: there is no community with slug “{community}”.")
        try:
            raw = file.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        with raw:
            stream = gzip.GzipFile(fileobj=raw) if file.suffix == ".gz" else raw
            try:
                summary = self._import(_Lines(raw, stream), target, file)
            except (OSError, EOFError) as error:
                raise CommandError(f"Cannot read {file}: {error}") from error
        self._summarise(summary, target, file)

    def _import(self, lines: _Lines, community: Community, file: Path) -> _Summary:
        summary = _Summary()
        size = max(file.stat().st_size, 1)
        progress = _Progress(self.stderr, file.name) if self.stderr.isatty() else None
        for page in x_archive_pages(lines):
            if reason := _unusable(page, lines):
                summary.skipped.append((lines.number, f"line {lines.number}: {reason}"))
            else:
                self._store(page, lines.number, community, summary)
            if progress is not None:
                progress.show(lines.position / size, summary)
        if progress is not None:
            progress.done(summary)
        return summary

    def _store(self, page: Page, line: int, community: Community, summary: _Summary) -> None:
        summary.pages += 1
        summary.skipped += [
            (line, f"line {line}: post {item.external_id or '(no id)'}: {item.reason}")
            for item in page.skipped
        ]
        ids = [post.external_id for post in page.posts]
        # posts_store fits each post to its columns and skips, alone, one they still refuse.
        with transaction.atomic():
            stored = posts_store(posts=page.posts)
            placed = list(
                PostPlacement.objects.filter(
                    community=community, post__network=Network.X, post__external_id__in=ids
                ).values_list("post__external_id", "chat_id")
            )
        summary.skipped += [
            (line, f"line {line}: post {item.external_id or '(no id)'}: {item.reason}")
            for item in stored.skipped
        ]
        summary.new += stored.new
        summary.refreshed += stored.refreshed
        summary.seen.update(ids)
        for external_id, chat_id in placed:
            (summary.in_chats if chat_id else summary.in_stream).add(external_id)
            if chat_id:
                summary.chats.add(chat_id)

    def _summarise(self, summary: _Summary, community: Community, file: Path) -> None:
        elsewhere = len(summary.seen - summary.in_chats - summary.in_stream)
        write = self.stdout.write
        write(f"Imported {file} for {community.name} (#{community.hashtag}).")
        write(f"Pages: {summary.pages:,}")
        write(
            f"Posts stored: {summary.new + summary.refreshed:,} "
            f"({summary.new:,} new, {summary.refreshed:,} refreshed)"
        )
        write(
            f"In this community: {len(summary.in_chats):,} in {len(summary.chats):,} chats, "
            f"{len(summary.in_stream):,} in the between-chat stream, "
            f"{elsewhere:,} not (they carry none of its hashtags)"
        )
        style = self.style.WARNING if summary.skipped else self.style.SUCCESS
        write(style(f"Skipped: {len(summary.skipped):,}"))
        for _, reason in sorted(summary.skipped)[:MAX_REASONS_SHOWN]:
            write(f"  {reason}")
        if len(summary.skipped) > MAX_REASONS_SHOWN:
            write(f"  … and {len(summary.skipped) - MAX_REASONS_SHOWN:,} more")


def _unusable(page: Page, lines: _Lines) -> str:
    """Why the whole line is no response page, or '' when it is one (maybe an empty one)."""
    if lines.number in lines.undecodable:
        return "not UTF-8 text"
    if not page.posts and not page.result_count:
        if page.skipped:  # not JSON, or JSON but not an object
            return re.sub(r"^(line \d+|page) is ", "", page.skipped[0].reason)
        if '"data"' not in lines.text and '"meta"' not in lines.text:
            return "not an X API response page (no data, no meta): one post per line?"
    return ""


class _Progress:
    """One line on a terminal, redrawn in place; no dependency needed for that."""

    def __init__(self, out: OutputWrapper, name: str) -> None:
        self.out, self.name = out, name
        self.last = 0.0

    def show(self, fraction: float, summary: _Summary) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self._draw(min(fraction, 1.0), summary)

    def done(self, summary: _Summary) -> None:
        self._draw(1.0, summary)
        self.out.write("", style_func=str)

    def _draw(self, fraction: float, summary: _Summary) -> None:
        width = 30
        bar = "#" * round(fraction * width)
        self.out.write(
            f"\r{self.name} [{bar:<{width}}] {fraction:4.0%} {summary.pages:,} pages, "
            f"{summary.new + summary.refreshed:,} posts",
            style_func=str,
            ending="",
        )
        self.out.flush()
