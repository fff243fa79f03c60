"""The Q1/A1 convention of hashtag chats, read from the start of a post's text.

Hosts post "Q1 What …" (or "Q1:", "Q1.", "Q1)", "Q1 -"); participants answer "A1 …".
Leading @mentions (a reply's) and a leading hashtag are skipped, as people often start
with them: "@host A2: …", "#KMers Q3. …".
"""

import re
from typing import NamedTuple

_MARKER_RE = re.compile(
    r"""^(?:(?:@\w{1,50}|\#\w+)\s+)*   # leading mentions or hashtags
        (?P<kind>[QqAa])\s?(?P<number>[1-9]\d?)   # Q1 … Q99, A1 … A99 ("Q 1" too)
        (?=$|[\s:.)\-–—,/])""",
    re.VERBOSE,
)


class Marker(NamedTuple):
    kind: str  # "Q" or "A"
    number: int


def parse_marker(text: str) -> Marker | None:
    """The post's Qn/An marker, if its text starts with one."""
    match = _MARKER_RE.match(text.lstrip())
    if match is None:
        return None
    return Marker(match["kind"].upper(), int(match["number"]))


_TRAILING_TAGS_RE = re.compile(r"(?:\s+#\w+)+\s*$")


def question_text(text: str) -> str:
    """A host's question post as a heading: without its "Q1:" and its trailing hashtags."""
    text = text.strip()
    match = _MARKER_RE.match(text)
    if match is not None:
        text = text[match.end() :].lstrip(" \t:.)-–—,/")
    return _TRAILING_TAGS_RE.sub("", text) or text
