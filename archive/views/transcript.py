"""A chat's transcript: by question, in time order, or one participant's posts.

A finished chat's transcript body is cached, and the page answers conditional GETs, keyed
on the chat's archive version (moved by ingest and moderation) so that a late post or a
hidden one shows at once. Live chats are rendered fresh on every request.
"""

import hashlib
import re
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from archive.permissions import get_chat_for_reader
from archive.selectors.transcript import chat_has_participant, transcript_for_chat
from archive.transcript import thread_rows
from chats.models import Chat
from common.og import og_meta
from common.timezones import VisitorZone, visitor_zone
from community.models import Membership
from community.permissions import membership_can_moderate
from community.selectors import membership_for

VIEWS = {"questions": "By question", "time": "In time order", "participant": "By participant"}
DEFAULT_VIEW = "questions"
# An X handle, a Mastodon user@server or a Bluesky domain handle.
HANDLE_RE = re.compile(r"@?[A-Za-z0-9_][A-Za-z0-9_.@-]{0,252}")
# Bump when the body templates change shape, so no stale body outlives a deploy.
BODY_VERSION = "3"
BODY_MARK = "<!-- transcript body -->"


def _bad_request(request: HttpRequest, chat: Chat, message: str) -> HttpResponse:
    # In the site's layout, with the way back to the transcript as it can be shown.
    context = {
        "message": message,
        "back_url": chat.get_transcript_url(),
        "back_label": f"Read the transcript of “{chat.title}”",
    }
    return render(request, "bad_request.html", context, status=400)


# "compact": one line a post (time, author, text), as KMers' own transcripts were.
DENSITIES = ("full", "compact")
DENSITY_COOKIE = "transcript_density"


def _density(request: HttpRequest) -> str:
    asked = request.GET.get("density", "")
    return asked if asked in DENSITIES else request.COOKIES.get(DENSITY_COOKIE, "full")


@require_safe
def chat_transcript(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    response = _chat_transcript(request, slug, pk)
    asked = request.GET.get("density", "")
    if asked in DENSITIES:
        # The reader's choice sticks: every transcript opens the same way afterwards.
        response.set_cookie(DENSITY_COOKIE, asked, max_age=365 * 86400, samesite="Lax")
    return response


def _chat_transcript(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_reader(request, slug, pk)
    view = request.GET.get("view", DEFAULT_VIEW)
    handle = request.GET.get("handle", "").strip().removeprefix("@")
    if view not in VIEWS:
        return _bad_request(request, chat, "Unknown view: use questions, time or participant.")
    if handle and (view != "participant" or not HANDLE_RE.fullmatch(handle)):
        message = "handle must be a handle (X, Mastodon or Bluesky), with view=participant."
        return _bad_request(request, chat, message)
    zone, status = visitor_zone(request), chat.status_at(timezone.now())
    membership = membership_for(community=chat.community, user=request.user)
    if status == Chat.Status.SCHEDULED:
        page = _page(request, chat, membership)
        response = render(request, "archive/transcript/not_started.html", page)
        response["Cache-Control"] = "no-store"
        return response
    if status != Chat.Status.ENDED:
        code, body = _render_body(chat=chat, view=view, handle=handle, zone=zone, status=status)
        response = _respond(request, chat, membership, body, code)
        response["Cache-Control"] = "no-store"
        return response
    return _cached_transcript(request, chat, membership, view=view, handle=handle, zone=zone)


def _cached_transcript(
    request: HttpRequest,
    chat: Chat,
    membership: Membership | None,
    *,
    view: str,
    handle: str,
    zone: VisitorZone,
) -> HttpResponse:
    version = _version(chat, view=view, handle=handle, zone=zone)
    etag = quote_etag(_digest(f"{version}|{_visitor(request, membership)}"))
    last_modified = _last_modified(chat)
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified.timestamp())
    )
    if not_modified is not None:
        return _cache_headers(request, not_modified, etag=etag, last_modified=last_modified)
    key = f"transcript:{_digest(version)}"
    body = cache.get(key)
    if body is None:
        code, body = _render_body(chat=chat, view=view, handle=handle, zone=zone, status="ended")
        if code != 200:
            # Not cached: made-up handles must not fill the cache.
            return _respond(request, chat, membership, body, code)
        cache.set(key, body, settings.TRANSCRIPT_CACHE_SECONDS)
    response = _respond(request, chat, membership, body, 200)
    return _cache_headers(request, response, etag=etag, last_modified=last_modified)


def _version(chat: Chat, *, view: str, handle: str, zone: VisitorZone) -> str:
    changed = chat.archive_changed_at.isoformat() if chat.archive_changed_at else "-"
    parts = (
        BODY_VERSION,
        chat.pk,
        changed,
        chat.updated_at.isoformat(),
        chat.community.updated_at.isoformat(),
        view,
        handle.lower(),
        zone.name,
    )
    return "|".join(str(part) for part in parts)


def _visitor(request: HttpRequest, membership: Membership | None) -> str:
    # A signed-in page names the member and carries their session's CSRF token: a new
    # session (sign out, sign in) must not revalidate the old page; nor may a new role
    # (moderators get a link to moderate the chat).
    # The density wraps the same body differently: a page of the other must not revalidate.
    density = _density(request)
    if not request.user.is_authenticated:
        return f"anonymous|{density}"
    role = membership.role if membership is not None else "-"
    return f"{request.user.pk}|{request.session.session_key or ''}|{role}|{density}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _last_modified(chat: Chat) -> datetime:
    return max(filter(None, (chat.archive_changed_at, chat.updated_at)))


def _cache_headers(
    request: HttpRequest, response: HttpResponse, *, etag: str, last_modified: datetime
) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    if request.user.is_authenticated:
        # The header names the member: only their own browser may keep it.
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
    else:
        response["Cache-Control"] = "public, max-age=60"
    patch_vary_headers(response, ["Cookie"])
    return response


def _why_empty(*, chat: Chat, status: str) -> str:
    """Why a transcript has no posts, in the words its reader needs."""
    if not settings.X_BEARER_TOKEN:
        return (
            "No posts are archived: this site has no X credentials configured, "
            "so nothing is pulled from X."
        )
    if status == Chat.Status.LIVE or chat.final_sweep_at is None:
        return (
            "No posts archived yet: the archive reads the hashtag's posts during the chat "
            "and once more after it ends."
        )
    return f"No posts with #{chat.hashtag} were found during this chat."


def _render_body(
    *, chat: Chat, view: str, handle: str, zone: VisitorZone, status: str
) -> tuple[int, bytes]:
    """The expensive part of the page, without the request: nothing per visitor in it."""
    if handle and not chat_has_participant(chat=chat, handle=handle):
        # One cheap query: made-up handles must not cost a transcript build each.
        context = {"chat": chat, "handle": handle, "base_url": chat.get_transcript_url()}
        return 400, render_to_string("archive/transcript/_no_participant.html", context).encode()
    transcript = transcript_for_chat(chat=chat)
    participant = transcript.participant(handle) if handle else None
    code = 400 if handle and participant is None else 200
    context = {
        "chat": chat,
        "community": chat.community,
        "transcript": transcript,
        "view": view,
        "views": VIEWS,
        "handle": handle,
        "participant": participant,
        "visitor_zone": zone,
        "status": status,
        "is_live": status == Chat.Status.LIVE,
        "base_url": chat.get_transcript_url(),
        "empty_reason": "" if transcript.entries else _why_empty(chat=chat, status=status),
    }
    if view == "time":
        context["rows"] = thread_rows(transcript.threads)
    elif view == "participant" and participant is not None:
        context["participant_entries"] = transcript.entries_of(participant.account)
    return code, render_to_string("archive/transcript/_body.html", context).encode()


def _respond(
    request: HttpRequest, chat: Chat, membership: Membership | None, body: bytes, code: int
) -> HttpResponse:
    # The body is spliced in as bytes: a cached 3 MB body is never decoded or re-encoded.
    context = {**_page(request, chat, membership), "body": mark_safe(BODY_MARK)}  # noqa: S308
    response = render(request, "archive/transcript/page.html", context, status=code)
    head, _, tail = response.content.partition(BODY_MARK.encode())
    response.content = head + body + tail
    return response


def _page(request: HttpRequest, chat: Chat, membership: Membership | None) -> dict[str, object]:
    community = chat.community
    og = og_meta(
        title=f"#{chat.hashtag}: {chat.title} — transcript",
        description=(
            f"The transcript of the #{chat.hashtag} chat of {community.name}, "
            f"{chat.start_at:%d %B %Y}: every post, grouped by question."
        ),
        url=request.build_absolute_uri(chat.get_transcript_url()),
        og_type="article",
    )
    return {
        "chat": chat,
        "community": community,
        "og": og,
        "visitor_zone": visitor_zone(request),
        "can_moderate": membership_can_moderate(membership),
        "compact": _density(request) == "compact",
        "density_url": _density_url(request),
    }


def _density_url(request: HttpRequest) -> str:
    """This page (its view, its participant) in the other density."""
    query = request.GET.copy()
    query["density"] = "full" if _density(request) == "compact" else "compact"
    return f"?{query.urlencode()}"
