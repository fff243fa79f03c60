"""Import an archive file made by another tool, or a transcript exported here as JSON.

Formats: archive.imports.formats (twarc2 JSON lines, TAGS CSV, our transcript JSON, a
Mastodon outbox.json, a Bluesky CAR), told apart by their first bytes unless --format
says; .gz files are read as they are. Every page takes the path of a live pull through
archive.services.imports.posts_import, so importing a file twice adds nothing. What a
reader cannot use is reported with its line or record number and skipped.
"""

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from archive.imports.formats import FORMATS
from archive.services.imports import DETECT, ImportSummary, posts_import
from community.models import Community

# More reasons than this are summarised as a count: a bad file can have millions.
MAX_REASONS_SHOWN = 20
PROGRESS_EVERY = 0.2  # seconds


class Command(BaseCommand):
    help = (
        "Import an archive file into a community's archive: X API v2 search pages as JSON "
        "lines (`twarc2 search`), a TAGS CSV, a transcript exported as JSON, a Mastodon "
        "outbox.json or a Bluesky CAR (.gz accepted). The format is detected unless given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive file.")
        parser.add_argument("--community", required=True, metavar="SLUG")
        parser.add_argument(
            "--format",
            choices=[DETECT, *FORMATS],
            default=DETECT,
            help="The file's format (default: detect it from the first bytes).",
        )

    def handle(
        self, *args: object, file: Path, community: str, format: str, **options: object
    ) -> None:
        target = Community.objects.filter(slug=community).first()
        if target is None:
            raise CommandError(f"Unknown community: there is no community with slug “{community}”.")
        try:
            raw = file.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        size = max(file.stat().st_size, 1)
        bar = _Progress(self.stderr, file.name, size) if self.stderr.isatty() else None
        with raw:
            try:
                summary = posts_import(stream=raw, format=format, community=target, progress=bar)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        if bar is not None:
            bar.done(summary)
        self._summarise(summary, target, file)

    def _summarise(self, summary: ImportSummary, community: Community, file: Path) -> None:
        write = self.stdout.write
        write(f"Imported {file} ({summary.format}) for {community.name} (#{community.hashtag}).")
        write(f"Pages: {summary.pages:,}")
        if summary.kept:
            write(
                f"Posts stored: {summary.stored:,} ({summary.new:,} new); {summary.kept:,} "
                "already archived, left as they were"
            )
        else:
            write(
                f"Posts stored: {summary.stored:,} "
                f"({summary.new:,} new, {summary.refreshed:,} refreshed)"
            )
        write(
            f"In this community: {len(summary.in_chats):,} in {len(summary.chats):,} chats, "
            f"{len(summary.in_stream):,} in the between-chat stream, "
            f"{summary.elsewhere:,} not (they carry none of its hashtags)"
        )
        style = self.style.WARNING if summary.skipped else self.style.SUCCESS
        write(style(f"Skipped: {summary.skipped:,}"))
        for reason in summary.reasons[:MAX_REASONS_SHOWN]:
            write(f"  {reason}")
        if summary.skipped > MAX_REASONS_SHOWN:
            write(f"  … and {summary.skipped - MAX_REASONS_SHOWN:,} more")
        if summary.stopped:
            write(self.style.ERROR(summary.stopped))


class _Progress:
    """One line on a terminal, redrawn in place; no dependency needed for that."""

    def __init__(self, out: OutputWrapper, name: str, size: int) -> None:
        self.out, self.name, self.size = out, name, size
        self.last = 0.0

    def __call__(self, position: int, summary: ImportSummary) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self._draw(min(position / self.size, 1.0), summary)

    def done(self, summary: ImportSummary) -> None:
        self._draw(1.0, summary)
        self.out.write("", style_func=str)

    def _draw(self, fraction: float, summary: ImportSummary) -> None:
        width = 30
        bar = "#" * round(fraction * width)
        self.out.write(
            f"\r{self.name} [{bar:<{width}}] {fraction:4.0%} {summary.pages:,} pages, "
            f"{summary.stored:,} posts",
            style_func=str,
            ending="",
        )
        self.out.flush()
