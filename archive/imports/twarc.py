"""X API v2 search response pages stored one a line (what `twarc2 search` writes).

Each line is read as a live pull reads a page (normalise_x_page), so its posts are the
live source's posts; a line that is no page is skipped with its number.
"""

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from archive.sources.base import Page, SkippedItem
from archive.sources.x import x_archive_pages


class _Lines:
    """The file's lines as text, keeping the number and text of the latest one.

    x_archive_pages reads one line per page it yields (blank lines aside), so when a page
    arrives, `number` and `text` are those of the line it came from.
    """

    def __init__(self, stream: Iterable[bytes]) -> None:
        self.stream = stream
        self.number = 0
        self.text = ""
        self.undecodable = False

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.stream, start=1):
            self.number = number
            try:
                self.text, self.undecodable = line.decode("utf-8"), False
            except UnicodeDecodeError:
                # Still one line in, one page out: the numbering stays aligned.
                self.text, self.undecodable = "\ufffd", True
            yield self.text


def pages(stream: BinaryIO, *, hashtags: frozenset[str]) -> Iterator[Page]:
    lines = _Lines(stream)
    for page in x_archive_pages(lines):
        line = lines.number
        if reason := _unusable(page, lines):
            yield Page(posts=(), skipped=(SkippedItem(None, f"line {line}: {reason}"),))
            continue
        posts = tuple(p for p in page.posts if not hashtags or hashtags & set(p.hashtags))
        skipped = tuple(
            SkippedItem(
                item.external_id,
                f"line {line}: post {item.external_id or '(no id)'}: {item.reason}",
            )
            for item in page.skipped
        )
        yield Page(posts=posts, skipped=skipped, result_count=page.result_count)


def _unusable(page: Page, lines: _Lines) -> str:
    """Why the whole line is no response page, or '' when it is one (maybe an empty one)."""
    if lines.undecodable:
        return "not UTF-8 text"
    if not page.posts and not page.result_count:
        if page.skipped:  # not JSON, or JSON but not an object
            return re.sub(r"^(line \d+|page) is ", "", page.skipped[0].reason)
        if '"data"' not in lines.text and '"meta"' not in lines.text:
            return "not an X API response page (no data, no meta): one post per line?"
    return ""
