"""The one markup of an archived post, for every page that lists posts, in Python.

A 3,000-post transcript through a per-post `{% include %}` spent most of a second in the
template engine; these strings cost a few microseconds a post. Every value is escaped
here; post.html was rendered and sanitised once, at ingest.
"""

from collections.abc import Iterable
from functools import lru_cache
from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from archive.exports import original_url
from archive.models import Network, Post, PostPlacement
from archive.transcript import Entry, ThreadRow, removed_label

register = template.Library()


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _author_html(post: Post) -> str:
    """The author's part of the post's meta line."""
    author = post.author
    member = author.member if author.member_id else None
    member_url = member.get_absolute_url() if member is not None else None
    return _author_parts(author.handle, author.shown_name, author.avatar_url, member_url)


# A chat's few dozen authors write its thousands of posts: escape each of them once.
@lru_cache(maxsize=4096)
def _author_parts(handle: str, shown_name: str, avatar_url: str, member_url: str | None) -> str:
    shown = escape(handle)
    avatar = ""
    if avatar_url:
        avatar = (
            f'<img class="avatar" src="{escape(avatar_url)}" alt="" width="24" '
            f'height="24" loading="lazy" referrerpolicy="no-referrer"> '
        )
    name = f'<strong dir="auto">{escape(shown_name)}</strong> '
    if not handle:
        # An author X did not return: its name says so, there is no handle to show.
        link = ""
    elif member_url is not None:
        link = f'<a href="{escape(member_url)}">@{shown}</a>'
    else:
        link = f'<span class="meta">@{shown}</span>'
    return avatar + name + link


def _media_html(post: Post) -> str:
    images = []
    for item in post.media or ():
        src = item.get("preview_url") or item.get("url")
        if src:
            images.append(
                f'<img class="post-media" src="{escape(str(src))}" '
                f'alt="{escape(str(item.get("type", "")))} attached to the post" '
                f'loading="lazy" referrerpolicy="no-referrer">'
            )
    return "".join(images)


def _metrics_html(post: Post) -> str:
    if not (post.like_count or post.reply_count or post.repost_count):
        return ""
    return (
        f'<p class="meta">{_plural(post.reply_count, "reply", "replies")} · '
        f"{_plural(post.repost_count, 'repost', 'reposts')} · "
        f"{_plural(post.like_count, 'like', 'likes')}</p>"
    )


@lru_cache(maxsize=8)
def _network_badge(network: str) -> str:
    """Which network the post was made on: read out as "on Mastodon"."""
    label = escape(dict(Network.choices).get(network, network))
    return (
        f'<span class="badge network network-{escape(network)}">'
        f'<span class="visually-hidden">on </span>{label}</span>'
    )


def post_html(post: Post, placement: PostPlacement, *, is_host: bool, depth: int) -> str:
    """One visible post, its times in the active time zone."""
    local = timezone.localtime(post.created_at)
    stamp = local.isoformat()
    external_id = escape(post.external_id)
    classes = "post" + (" host" if is_host else "") + (f" depth-{depth}" if depth else "")
    author = _author_html(post)
    host = ' <span class="badge host-label">Host</span>' if is_host else ""
    network = escape(post.get_network_display())
    return (
        f'<li class="{classes}" id="post-{external_id}" data-placement="{placement.pk}" '
        f'data-created="{stamp}" data-network="{escape(post.network)}">'
        f'<p class="post-meta">{author}{host} {_network_badge(post.network)} · '
        f'<a class="meta" href="{escape(original_url(post))}" '
        f'rel="nofollow noopener" title="The original post on {network}">'
        f'<time datetime="{stamp}">{local:%H:%M} {escape(local.tzname() or "")}</time></a> '
        f'<a class="permalink meta" href="#post-{external_id}" aria-label="Link to this post">¶</a>'
        f"</p>"
        # post.html was rendered and sanitised once, at ingest.
        f'<div class="post-text" dir="auto">{post.html}</div>'
        f"{_media_html(post)}{_metrics_html(post)}</li>\n"
    )


def entry_html(entry: Entry, *, depth: int = 0) -> str:
    """A visible entry as its post; a hidden or removed one as a placeholder, nothing else."""
    if entry.visible:
        return post_html(entry.post, entry.placement, is_host=entry.is_host, depth=depth)
    return removed_html(entry.post, entry.removed_label, depth=depth) + "\n"


def removed_html(post: Post, label: str, *, depth: int = 0, attributes: str = "") -> str:
    """The placeholder of a hidden or removed post: why, never what it said.

    `attributes` is trusted markup (the live page's data attributes), never user input.
    """
    classes = "post removed" + (f" depth-{depth}" if depth else "")
    return (
        f'<li class="{classes}" id="post-{escape(post.external_id)}"{attributes}>'
        f"Removed: {escape(label)}</li>"
    )


@register.simple_tag
def post_item(placement: PostPlacement, *, is_host: bool = False) -> SafeString:
    """A live page's or the stream's post (those lists leave hidden posts out)."""
    html = post_html(placement.post, placement, is_host=is_host, depth=0)
    return mark_safe(html)  # noqa: S308 (every value escaped in post_html)


@register.simple_tag
def post_withdrawn(placement: PostPlacement) -> SafeString:
    """What a live page puts in place of a post hidden or removed after it was shown: the
    transcript's placeholder, or nothing for a version an edit replaced (the edit arrives)."""
    post = placement.post
    if post.removed and post.removed_reason == Post.REMOVED_EDITED:
        html = f'<li data-placement="{placement.pk}" data-withdrawn="replaced"></li>'
    else:
        attributes = f' data-placement="{placement.pk}" data-withdrawn="removed"'
        html = removed_html(post, removed_label(placement, post), attributes=attributes)
    return mark_safe(html)  # noqa: S308 (every value escaped)


@register.simple_tag
def transcript_entries(entries: Iterable[Entry], replies_indented: bool = False) -> SafeString:
    """A list's items; with `replies_indented`, replies one step in (the by-question view)."""
    return mark_safe(  # noqa: S308 (every value escaped above; post.html sanitised at ingest)
        "".join(
            entry_html(e, depth=1 if replies_indented and e.kind == "reply" else 0) for e in entries
        )
    )


@register.simple_tag
def transcript_rows(rows: Iterable[ThreadRow]) -> SafeString:
    """The threads' items, each indented by its (capped) depth."""
    return mark_safe("".join(entry_html(r.entry, depth=r.depth) for r in rows))  # noqa: S308


def print_entry_html(entry: Entry, *, depth: int = 0, anchor: bool = False) -> str:
    """One post on the printable transcript: its text, author and time, no links out.

    `anchor` gives the item its permalink id: only one of the page's two arrangements may.
    """
    post = entry.post
    local = timezone.localtime(post.created_at)
    time = (
        f'<time datetime="{local.isoformat()}">{local:%H:%M} {escape(local.tzname() or "")}</time>'
    )
    classes = (
        "print-post" + (" host" if entry.is_host else "") + (f" depth-{depth}" if depth else "")
    )
    anchor_id = f' id="post-{escape(post.external_id)}"' if anchor else ""
    if not entry.visible:
        body = f'<p class="print-meta removed">{time} · Removed: {escape(entry.removed_label)}</p>'
        return f'<li class="{classes}"{anchor_id}>{body}</li>\n'
    author = post.author
    host = ' <span class="host-label">(host)</span>' if entry.is_host else ""
    likes = f" · {_plural(post.like_count, 'like', 'likes')}" if post.like_count else ""
    return (
        f'<li class="{classes}"{anchor_id}><p class="print-meta">'
        f"<strong>{escape(author.shown_name)}</strong>"
        f"{f' @{escape(author.handle)}' if author.handle else ''}{host} · {time}{likes}</p>"
        # post.html was rendered and sanitised once, at ingest.
        f'<div class="print-text">{post.html}</div></li>\n'
    )


@register.simple_tag
def print_entries(entries: Iterable[Entry], replies_indented: bool = False) -> SafeString:
    """The printable by-question lists: no anchors (the time-order list carries them)."""
    return mark_safe(  # noqa: S308 (every value escaped above; post.html sanitised at ingest)
        "".join(
            print_entry_html(e, depth=1 if replies_indented and e.kind == "reply" else 0)
            for e in entries
        )
    )


@register.simple_tag
def print_rows(rows: Iterable[ThreadRow]) -> SafeString:
    """The printable threads, indented by depth, each post with its permalink id."""
    html = "".join(print_entry_html(r.entry, depth=r.depth, anchor=True) for r in rows)
    return mark_safe(html)  # noqa: S308 (every value escaped above)
