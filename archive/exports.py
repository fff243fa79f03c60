"""A transcript as Markdown, CSV and JSON: pure builders over an already-built Transcript.

Hidden and removed posts are rows with their text, author and links left blank and
`removed` set to why (the page's rule: never the text). The columns are documented in
README.md ("Transcript exports"); keep them stable, add new ones at the end.
"""

import csv
import html
import io
import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import slugify

from archive.models import Network, Post
from archive.transcript import Entry, Group, Transcript
from chats.models import Chat

CSV_COLUMNS = (
    "post_id",
    "url",
    "created_at_utc",
    "author_handle",
    "author_name",
    "text",
    "question",
    "kind",
    "is_host",
    "reply_to_id",
    "like_count",
    "reply_count",
    "repost_count",
    "quote_count",
    "links",
    "removed",
    # Added with Mastodon and Bluesky: columns are only ever appended.
    "network",
)

# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def utc_iso(moment: datetime) -> str:
    """2026-11-24T17:05:09Z."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def x_status_url(handle: str, external_id: str) -> str:
    """A post's page on X; both parts quoted, as neither came from us. Without a handle
    (an author X did not return), x.com/i/status/<id> still finds the post."""
    return f"https://x.com/{quote(handle or 'i', safe='/')}/status/{quote(external_id, safe='/')}"


def original_url(post: Post) -> str:
    """The post on its own network: the source's URL, else the network's rule (X); empty
    where neither gives one."""
    if post.url:
        return post.url
    if post.network == Network.X:
        return x_status_url(post.author.handle, post.external_id)
    return ""


def _links(entry: Entry) -> list[str]:
    # A URL never holds raw white space; this keeps the CSV's space-separated list parseable.
    urls = (str(link.get("url", "")) for link in entry.post.links or ())
    return [re.sub(r"\s", "%20", url) for url in urls if url]


def post_record(entry: Entry) -> dict[str, Any]:
    """One post's export fields, typed (JSON); csv_row() flattens them."""
    post, shown = entry.post, entry.visible
    return {
        "post_id": post.external_id,
        "url": original_url(post) if shown else "",
        "created_at_utc": utc_iso(post.created_at),
        "network": post.network,
        "author_handle": post.author.handle if shown else "",
        "author_name": post.author.display_name if shown else "",
        "text": post.text if shown else "",
        "question": f"Q{entry.question}" if entry.question is not None else "",
        "kind": entry.kind,
        "is_host": entry.is_host,
        "reply_to_id": post.reply_to_id,
        "like_count": post.like_count,
        "reply_count": post.reply_count,
        "repost_count": post.repost_count,
        "quote_count": post.quote_count,
        "links": _links(entry) if shown else [],
        "removed": entry.removed_label,
    }


def _csv_cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = " ".join(value)
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def transcript_csv(transcript: Transcript) -> str:
    """One row per post in time order, columns CSV_COLUMNS, RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in transcript.entries:
        record = post_record(entry)
        writer.writerow([_csv_cell(record[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def post_import_record(entry: Entry) -> dict[str, Any]:
    """What the JSON export adds to post_record so that a transcript imports back whole
    (archive.imports.transcript_json): the post as stored, blank where it is not shown."""
    post, shown = entry.post, entry.visible
    return {
        "network": post.network,
        "created_at": post.created_at.astimezone(UTC).isoformat(),
        "author_id": post.author.external_id if shown else "",
        "author_avatar_url": post.author.avatar_url if shown else "",
        "html": post.html if shown else "",
        "conversation_id": post.conversation_id,
        "quoted_id": post.quoted_id,
        "language": post.language,
        "hashtags": list(post.hashtags or ()),
        "media": list(post.media or ()) if shown else [],
        "shared_links": list(post.links or ()) if shown else [],
    }


def transcript_json(transcript: Transcript, *, url: str) -> str:
    chat = transcript.chat
    document = {
        "chat": {
            "id": chat.pk,
            "title": chat.title,
            "community": {
                "name": chat.community.name,
                "slug": chat.community.slug,
                "hashtag": chat.community.hashtag,
            },
            "hashtags": chat.hashtags,
            "start_at": utc_iso(chat.start_at),
            "end_at": utc_iso(chat.end_at),
            "url": url,
        },
        "questions": [
            {"number": group.number, "text": group.heading} for group in transcript.groups
        ],
        "posts": [
            {**post_record(entry), **post_import_record(entry)} for entry in transcript.entries
        ],
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


# Characters with a meaning in CommonMark, GitHub's dialect or Python-Markdown wherever
# they stand get a backslash; those that are markup only at the start of a line ("#",
# "+", "-", "1." or "1)") get one only there. The others become character references,
# which no dialect reads as markup (a table's "|" included).
_MD_BACKSLASHED = "\\`*_{}[]"
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "~": "&#126;", "=": "&#61;"}
_MD_SPECIAL_RE = re.compile("[" + re.escape(_MD_BACKSLASHED + "".join(_MD_ENTITIES)) + "]")
# Bare URLs and www. names become links in GitHub's dialect: break the pattern.
_MD_AUTOLINK_RE = re.compile(r"(?i)://|www\.")
_MD_LINE_START_RE = re.compile(r"^([#+\-])")
_MD_ORDERED_RE = re.compile(r"^(\d+)([.)])")
# A line starting with ":" is a definition in Python-Markdown's "extra".
_MD_DEFINITION_RE = re.compile(r"^:")
# The post's rendered HTML: escaped text, <br> and <a> (links, mentions, hashtags).
_HTML_LINK_RE = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>|<br>', re.S)
# A placeholder for "a link goes here" that no post text can contain.
_LINK_MARK = "\x00"


def _md_char(match: re.Match[str]) -> str:
    char = match[0]
    return _MD_ENTITIES.get(char) or f"\\{char}"


def _md_unlink(match: re.Match[str]) -> str:
    return ":&#47;&#47;" if match[0] == "://" else match[0][:3] + "\\."


def _md_inline_piece(piece: str) -> str:
    return _MD_AUTOLINK_RE.sub(_md_unlink, _MD_SPECIAL_RE.sub(_md_char, piece))


def _md_line(line: str) -> str:
    line = _md_inline_piece(line)
    line = _MD_ORDERED_RE.sub(r"\1\\\2", line)
    line = _MD_LINE_START_RE.sub(r"\\\1", line)
    return _MD_DEFINITION_RE.sub("&#58;", line)


def md_escape(text: str, *, indent: str = "  ", links: Sequence[str] = ()) -> str:
    """Post text as inert Markdown: no links, images, HTML, headings, lists or code but
    `links`, Markdown links put where the text holds _LINK_MARK, in order.

    Lines after the first are indented by `indent`: that of the list item they belong to.
    """
    lines, pending = [], iter(links)
    if not links:
        text = text.replace(_LINK_MARK, "")
    for raw_line in text.splitlines():
        pieces = raw_line.strip().split(_LINK_MARK)
        line = _md_line(pieces[0])
        for piece in pieces[1:]:
            line += next(pending, "") + _md_inline_piece(piece)
        line = line.strip()
        if line:
            lines.append(line)
    # Hard breaks (two spaces) keep the lines in one list item, indented under it.
    return f"  \n{indent}".join(lines)


def _md_link(href: str, shown: str) -> str:
    text = _MD_SPECIAL_RE.sub(_md_char, shown)
    return f"[{text}](<{href.replace('<', '%3C').replace('>', '%3E').replace(' ', '%20')}>)"


def md_post_text(post_html: str, *, indent: str = "  ") -> str:
    """A post as inert Markdown from its rendered HTML: its web links as Markdown links to
    where they lead (not t.co), mentions and hashtags as text."""
    text, links, position = [], [], 0

    def plain(fragment: str) -> str:
        return html.unescape(fragment).replace(_LINK_MARK, "")

    for match in _HTML_LINK_RE.finditer(post_html):
        text.append(plain(post_html[position : match.start()]))
        position = match.end()
        if match[0] == "<br>":
            text.append("\n")
            continue
        href, shown = html.unescape(match[1]), plain(match[2])
        if shown.startswith(("@", "#")) or not href.startswith(("http://", "https://")):
            text.append(shown)
        else:
            text.append(_LINK_MARK)
            links.append(_md_link(href, shown))
    text.append(plain(post_html[position:]))
    return md_escape("".join(text), indent=indent, links=links)


def md_inline(text: str) -> str:
    """Escaped text on one line, for headings and details."""
    return md_escape(" ".join(text.split()))


def _md_post(entry: Entry, *, nested: bool = False) -> str:
    """A list item; a reply is nested under the item before it (four spaces: every dialect)."""
    bullet, indent = ("    - ", "      ") if nested else ("- ", "  ")
    time = f"{entry.post.created_at.astimezone(UTC):%H:%M} UTC"
    if not entry.visible:
        return f"{bullet}({time}) *{md_inline(entry.removed_label)}*"
    host = " (host)" if entry.is_host else ""
    handle = md_inline(entry.post.author.at_handle)
    return f"{bullet}**{handle}**{host} ({time}): {md_post_text(entry.post.html, indent=indent)}"


def _md_header(transcript: Transcript, url: str) -> Iterator[str]:
    chat, community = transcript.chat, transcript.chat.community
    start, end = chat.start_at.astimezone(UTC), chat.end_at.astimezone(UTC)
    yield f"# {md_inline(chat.title)}"
    yield ""
    yield f"- Community: {md_inline(f'{community.name} (#{community.hashtag})')}"
    yield f"- Hashtags: {md_inline(' '.join(f'#{tag}' for tag in chat.hashtags))}"
    yield f"- When: {start:%Y-%m-%d %H:%M}–{end:%H:%M} UTC"
    yield f"- Posts: {transcript.stats.posts}, participants: {transcript.stats.participants}"
    yield f"- Transcript: <{url}>"


def _md_heading(group: Group) -> str:
    return f"## {group.label} {md_inline(group.heading)}".rstrip()


def transcript_markdown(transcript: Transcript, *, url: str) -> str:
    """Title and details, the posts by question, then the conversation."""
    lines = list(_md_header(transcript, url))
    for group in transcript.groups:
        lines += ["", _md_heading(group), ""]
        posts = [
            # Never the first item: four spaces after a blank line would be a code block.
            _md_post(entry, nested=n > 0 and entry.kind == "reply")
            for n, entry in enumerate(group.entries)
        ]
        lines += posts or ["*No answers archived.*"]
    lines += ["", "## Conversation", ""]
    lines += [_md_post(entry) for entry in transcript.conversation] or ["*No other posts.*"]
    return "\n".join(lines) + "\n"


def export_filename(chat: Chat, extension: str) -> str:
    """kmers-2026-11-24-knowledge-audits.csv, dated in the community's zone."""
    day = chat.start_at.astimezone(ZoneInfo(chat.community.time_zone)).date()
    parts = [slugify(chat.community.slug), day.isoformat(), slugify(chat.title)[:60].strip("-")]
    return "-".join(part for part in parts if part) + f".{extension}"
