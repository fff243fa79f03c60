"""Mastodon's JSON shapes (REST statuses, ActivityStreams notes) → NormalisedPost.

A status's content arrives as HTML written by a server we do not control. It is never
passed through: `render_mastodon_html` re-emits only what the X renderer
(`archive/post_html.py`) emits — text, `<br>`, and `<a>` for links, mentions and
hashtags — and nh3 cleans the result once more to that set.

Ids. A status has a per-server `id` (a snowflake, what paging uses) and a canonical
`uri` (its ActivityPub id, the same through every server): posts are keyed by the `uri`,
accounts by their `uri` (ActivityPub actor id) or, on servers too old to send it, their
profile `url`.

Threads. `in_reply_to_id` is the parent's id on the server read, not its `uri`: a
parent the same pull has seen is resolved to its `uri`; another one is left unknown
(`reply_to_id` None; `raw` keeps the per-server id). `conversation_id` is the root's uri
where the chain is known within the pull, the post's own uri for a post that replies
to nothing, else None.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import nh3
from django.utils.html import escape

from archive.networks import Network
from archive.post_html import DEFAULT_HASHTAG_URL_PREFIX
from archive.sources.base import NormalisedAccount, NormalisedPost

_LINK_REL = "nofollow noopener ugc"
_TAG_RE = re.compile(r"\w+")
_SNOWFLAKE_RE = re.compile(r"\d{1,20}")
_HOST_RE = re.compile(r"[a-z0-9.-]{1,253}", re.IGNORECASE)
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
_VOID = {"br", "img", "hr", "wbr"}
# Elements whose text is not post text: scripts and styles a hostile server might send.
_DROPPED = {"script", "style", "template", "iframe", "object", "noscript", "svg", "math"}
_BLOCKS = {"p", "blockquote", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"}


class Malformed(ValueError):
    """A status or note this normaliser cannot use; the caller skips it with this reason."""


# --- content HTML ----------------------------------------------------------------------


def is_web_url(url: object) -> bool:
    if not isinstance(url, str) or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class _Link:
    def __init__(self, href: str, classes: set[str], rel: set[str]) -> None:
        self.href = href
        self.classes = classes
        self.rel = rel
        self.visible: list[str] = []  # what the link shows (without span.invisible)
        self.full: list[str] = []  # everything it holds (the whole URL, for plain text)
        self.ellipsis = False


class _ContentParser(HTMLParser):
    """Walks Mastodon's content HTML once, collecting safe HTML and plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html: list[str] = []
        self.text: list[str] = []
        self.links: list[dict[str, str]] = []
        self.mentions: list[str] = []
        self._link: _Link | None = None
        self._hidden_depth = 0  # inside span.invisible: in the text, not shown
        self._dropped_depth = 0
        self._stack: list[tuple[str, bool]] = []  # (tag, opened a hidden span)
        self._started = False

    # Paragraphs become blank lines, as Mastodon shows them; `<br>` a line break.
    def _newlines(self, count: int) -> None:
        if self._started:
            for _ in range(count - self._trailing()):
                self._line_break()

    def _trailing(self) -> int:
        count = 0
        for part in reversed(self.text):
            if part != "\n":
                break
            count += 1
        return count

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self._dropped_depth += 1
            return
        if self._dropped_depth:
            return
        attributes = {k: v or "" for k, v in attrs}
        if tag == "br":
            self._line_break()
            return
        if tag in _BLOCKS:
            self._newlines(2)
        if tag in _VOID:
            return
        hidden = tag == "span" and "invisible" in attributes.get("class", "").split()
        if tag == "span" and "ellipsis" in attributes.get("class", "").split() and self._link:
            self._link.ellipsis = True
        if hidden:
            self._hidden_depth += 1
        if tag == "a" and self._link is None:
            self._link = _Link(
                attributes.get("href", ""),
                set(attributes.get("class", "").split()),
                set(attributes.get("rel", "").split()),
            )
        self._stack.append((tag, hidden))

    def _line_break(self) -> None:
        if self._started:
            self.text.append("\n")
            self.html.append("<br>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _DROPPED:
            self.handle_endtag(tag)
        elif tag in _DROPPED:
            self._dropped_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self._dropped_depth = max(0, self._dropped_depth - 1)
            return
        if self._dropped_depth or tag in _VOID:
            return
        # Close up to the matching open tag: servers' HTML is not always well nested.
        while self._stack:
            open_tag, hidden = self._stack.pop()
            if hidden:
                self._hidden_depth -= 1
            if open_tag == "a" and self._link is not None:
                self._close_link()
            if open_tag == tag:
                break
        if tag in _BLOCKS:
            self._newlines(2)

    def handle_data(self, data: str) -> None:
        if self._dropped_depth or not data:
            return
        data = re.sub(r"[\r\n\t ]+", " ", data)
        if not self._started:
            data = data.lstrip()
            if not data:
                return
        self._started = True
        if self._link is not None:
            self._link.full.append(data)
            if not self._hidden_depth:
                self._link.visible.append(data)
            return
        self.text.append(data)
        self.html.append(str(escape(data)))

    def _close_link(self) -> None:
        link, self._link = self._link, None
        assert link is not None
        full = "".join(link.full)
        shown = "".join(link.visible) or full
        if not shown:
            return
        self._started = True
        tag = shown.lstrip("#\uff03")
        if ("hashtag" in link.classes or "tag" in link.rel) and _TAG_RE.fullmatch(tag):
            self.text.append(shown)
            href = DEFAULT_HASHTAG_URL_PREFIX + quote(tag, safe="")
            self.html.append(f'<a href="{escape(href)}">{escape(shown)}</a>')
            return
        if not is_web_url(link.href):
            self.text.append(full)
            self.html.append(str(escape(shown)))
            return
        is_mention = "mention" in link.classes or shown.startswith("@")
        display = shown + ("…" if link.ellipsis and not is_mention else "")
        self.text.append(full if not is_mention else shown)
        self.html.append(f'<a href="{escape(link.href)}" rel="{_LINK_REL}">{escape(display)}</a>')
        if is_mention:
            self.mentions.append(link.href)
        else:
            self.links.append({"url": link.href, "title": ""})

    def close(self) -> None:
        super().close()
        self._dropped_depth = 0  # an unclosed <script> hides the rest, and ends here
        while self._stack:
            self.handle_endtag(self._stack[-1][0])


def render_mastodon_html(content: str) -> tuple[str, str, tuple[dict[str, str], ...]]:
    """(safe html, plain text, web links) from a status's content HTML."""
    parser = _ContentParser()
    parser.feed(_storable(content))
    parser.close()
    text = "".join(parser.text).strip("\n ")
    html = "".join(parser.html)
    while html.endswith("<br>"):
        html = html.removesuffix("<br>")
    cleaned = nh3.clean(
        html,
        tags={"a", "br"},
        attributes={"a": {"href", "rel"}},
        url_schemes={"http", "https"},
        link_rel=None,
        strip_comments=True,
    )
    links = {link["url"]: link for link in parser.links}
    return cleaned.rstrip(), text, tuple(links.values())


# --- statuses --------------------------------------------------------------------------


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE_RE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _required_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise Malformed(f"{key} is missing or not a string")
    return value


def _optional_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def parse_time(value: object, key: str = "created_at") -> datetime:
    if not isinstance(value, str):
        raise Malformed(f"{key} is missing or not a string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Malformed(f"{key} {value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise Malformed(f"{key} has no time zone")
    return parsed.astimezone(UTC)


def status_id(item: object) -> str | None:
    """The per-server id of a status, if it looks like one."""
    value = item.get("id") if isinstance(item, Mapping) else None
    return value if isinstance(value, str) and _SNOWFLAKE_RE.fullmatch(value) else None


def qualified_handle(acct: str, server: str) -> str:
    """`user@server`: a local account's acct lacks its server's domain."""
    acct = acct.lstrip("@")
    if "@" in acct or not server:
        return acct
    return f"{acct}@{server.lower()}"


def handle_from_actor(actor_uri: str) -> str:
    """`user@host` from an actor URI (https://host/users/user), for archives that carry
    only the URI; Mastodon's own actor URIs always end in the username."""
    parts = urlsplit(actor_uri)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1].lstrip("@")
    host = (parts.hostname or "").lower()
    if not (name and host and _HOST_RE.fullmatch(host)):
        raise Malformed("actor is not a URL with a user name")
    return f"{name}@{host}"


def status_account(account: object, *, server: str) -> NormalisedAccount:
    if not isinstance(account, Mapping):
        raise Malformed("account is missing or not an object")
    canonical = account.get("uri") if is_web_url(account.get("uri")) else account.get("url")
    if not is_web_url(canonical):
        raise Malformed("account has neither uri nor url")
    acct = _required_str(account, "acct")
    host = urlsplit(str(canonical)).hostname or server
    handle = qualified_handle(acct, host if "@" not in acct else server)
    return NormalisedAccount(
        network=Network.MASTODON,
        external_id=str(canonical),
        handle=handle,
        display_name=_optional_str(account, "display_name") or acct,
        avatar_url=(
            account["avatar_static"]
            if is_web_url(account.get("avatar_static"))
            else (account["avatar"] if is_web_url(account.get("avatar")) else "")
        ),
    )


def _media(attachments: object) -> tuple[dict[str, str], ...]:
    found = []
    for item in attachments if isinstance(attachments, list) else []:
        if not isinstance(item, Mapping):
            continue
        url = item.get("url") if is_web_url(item.get("url")) else item.get("remote_url")
        preview = item.get("preview_url") if is_web_url(item.get("preview_url")) else url
        if is_web_url(url):
            kind = _optional_str(item, "type")
            found.append({"type": kind, "url": str(url), "preview_url": str(preview)})
    return tuple(found)


def _hashtags(tags: object) -> tuple[str, ...]:
    names = (
        (t.get("name") for t in tags if isinstance(t, Mapping)) if isinstance(tags, list) else ()
    )
    return tuple(dict.fromkeys(n.lower() for n in names if isinstance(n, str) and n))


def _count(item: Mapping[str, Any], key: str) -> int:
    value = item.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(f"{key} is not a number")
    return max(value, 0)


def _card_links(card: object, found: tuple[dict[str, str], ...]) -> tuple[dict[str, str], ...]:
    """The content's links, the preview card's title on the one it describes."""
    if not isinstance(card, Mapping) or not is_web_url(card.get("url")):
        return found
    title = _optional_str(card, "title")
    links = [dict(link) for link in found]
    for link in links:
        if link["url"] == card["url"]:
            link["title"] = title
            return tuple(links)
    return (*found, {"url": str(card["url"]), "title": title})


def normalise_status(
    item: object, *, server: str, uris: Mapping[str, str], roots: Mapping[str, str]
) -> NormalisedPost:
    """One REST status. `uris` maps per-server ids this pull has seen to their uris,
    `roots` uris to their conversation roots. Raises Malformed, or IsBoost."""
    if not isinstance(item, Mapping):
        raise Malformed("status is not an object")
    data: Mapping[str, Any] = _storable(item)
    if data.get("reblog") is not None:
        raise IsBoost("a boost is not a post")
    if status_id(data) is None:
        raise Malformed("id is missing or not a numeric id")
    uri = _required_str(data, "uri")
    if not is_web_url(uri) and not uri.startswith("tag:"):
        raise Malformed("uri is not a URL")
    html, text, links = render_mastodon_html(_optional_str(data, "content"))
    spoiler = _optional_str(data, "spoiler_text")
    if spoiler:
        # A content warning is part of what the author wrote: kept, marked as such.
        text = f"CW: {spoiler}\n\n{text}"
        html = f"CW: {escape(spoiler)}<br><br>{html}"
    parent = data.get("in_reply_to_id")
    reply_to = uris.get(parent) if isinstance(parent, str) else None
    if parent is None:
        conversation: str | None = uri
    else:
        conversation = roots.get(reply_to) if reply_to else None
    page_url = data.get("url") if is_web_url(data.get("url")) else uri
    return NormalisedPost(
        network=Network.MASTODON,
        external_id=uri,
        author=status_account(data.get("account"), server=server),
        text=text,
        html=html,
        created_at=parse_time(data.get("created_at")),
        conversation_id=conversation,
        reply_to_id=reply_to,
        language=_optional_str(data, "language"),
        metrics={
            "likes": _count(data, "favourites_count"),
            "replies": _count(data, "replies_count"),
            "reposts": _count(data, "reblogs_count"),
            "quotes": 0,
        },
        media=_media(data.get("media_attachments")),
        links=_card_links(data.get("card"), links),
        hashtags=_hashtags(data.get("tags")),
        raw={**dict(data), "_server": server},
        url=str(page_url) if is_web_url(page_url) else "",
    )


class IsBoost(Malformed):
    """A boost (reblog): not a post of its own; skipped, never stored."""


# --- ActivityStreams notes (a Mastodon account archive's outbox.json) ---------------------

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_NAMES = {PUBLIC, "as:Public", "Public"}


def _audience(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


def normalise_note(activity: object, *, roots: dict[str, str]) -> NormalisedPost:
    """A `Create` activity of a public `Note` → the post the live source makes of the
    same status: the Note's id is the status's uri, the activity's actor the account's.

    The outbox does not describe the account beyond its URI: the handle is derived from
    it (https://host/users/name → name@host), the display name is the user name, until a
    pull through a server describes it. Counts are not in an archive: zero. `roots`
    maps note ids seen so far to their conversation roots (an outbox lists oldest first).
    Raises Malformed (IsBoost for an `Announce`).
    """
    if not isinstance(activity, Mapping):
        raise Malformed("not an object")
    data: Mapping[str, Any] = _storable(activity)
    kind = data.get("type")
    if kind == "Announce":
        raise IsBoost("a boost is not a post")
    if kind != "Create":
        raise Malformed(
            f"a {kind!r} activity is not a post" if isinstance(kind, str) else "no type"
        )
    note = data.get("object")
    if not isinstance(note, Mapping) or note.get("type") != "Note":
        raise Malformed("its object is not a Note")
    uri = _required_str(note, "id")
    if not is_web_url(uri):
        raise Malformed("the Note's id is not a URL")
    if not _audience(note.get("to")) & _PUBLIC_NAMES:
        # The live source reads public tag timelines only; a followers-only, direct or
        # unlisted post never belongs in a public archive.
        raise Malformed("not public")
    actor = data.get("actor") or note.get("attributedTo")
    if not is_web_url(actor):
        raise Malformed("actor is missing or not a URL")
    handle = handle_from_actor(str(actor))
    html, text, links = render_mastodon_html(_optional_str(note, "content"))
    spoiler = _optional_str(note, "summary")
    if spoiler:
        text = f"CW: {spoiler}\n\n{text}"
        html = f"CW: {escape(spoiler)}<br><br>{html}"
    parent = note.get("inReplyTo")
    reply_to = parent if is_web_url(parent) else None
    conversation = roots.get(str(reply_to)) if reply_to else uri
    if conversation:
        roots[uri] = conversation
    content_map = note.get("contentMap")
    languages = (
        [k for k in content_map if isinstance(k, str)] if isinstance(content_map, Mapping) else []
    )
    page_url = note.get("url")
    return NormalisedPost(
        network=Network.MASTODON,
        external_id=uri,
        author=NormalisedAccount(
            network=Network.MASTODON,
            external_id=str(actor),
            handle=handle,
            display_name=handle.split("@", 1)[0],
        ),
        text=text,
        html=html,
        created_at=parse_time(note.get("published"), "published"),
        conversation_id=conversation,
        reply_to_id=reply_to,
        language=languages[0][:16] if languages else "",
        metrics={"likes": 0, "replies": 0, "reposts": 0, "quotes": 0},
        media=_note_media(note.get("attachment")),
        links=links,
        hashtags=_note_hashtags(note.get("tag")),
        raw={**dict(note), "_source": "outbox"},
        url=str(page_url) if is_web_url(page_url) else "",
    )


def _note_hashtags(tags: object) -> tuple[str, ...]:
    names = []
    for tag in tags if isinstance(tags, list) else []:
        if (
            isinstance(tag, Mapping)
            and tag.get("type") == "Hashtag"
            and isinstance(tag.get("name"), str)
        ):
            names.append(tag["name"].lstrip("#").lower())
    return tuple(dict.fromkeys(n for n in names if n))


def _note_media(attachments: object) -> tuple[dict[str, str], ...]:
    found = []
    for item in attachments if isinstance(attachments, list) else []:
        # An archive's own media paths are relative (files inside the archive): only
        # absolute web URLs can be shown.
        if isinstance(item, Mapping) and is_web_url(item.get("url")):
            media_type = _optional_str(item, "mediaType")
            kind = {"image": "image", "video": "video", "audio": "audio"}.get(
                media_type.split("/")[0], "unknown"
            )
            found.append({"type": kind, "url": str(item["url"]), "preview_url": str(item["url"])})
    return tuple(found)
