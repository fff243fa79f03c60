"""Transcript exports (Markdown, CSV, JSON), and the printable transcript."""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import content_disposition_header, http_date, quote_etag
from django.views.decorators.http import require_safe

from archive import exports
from archive.permissions import get_chat_for_reader
from archive.selectors.transcript import transcript_for_chat
from archive.transcript import Transcript, thread_rows
from chats.models import Chat
from common.timezones import VisitorZone, visitor_zone

# Bump when an export's shape changes, so no cached body outlives a deploy.
EXPORT_VERSION = "1"
# Extension: (content type, builder of the body from the transcript and its absolute URL).
FORMATS: dict[str, tuple[str, Callable[[Transcript, str], str]]] = {
    "md": ("text/markdown; charset=utf-8", lambda t, url: exports.transcript_markdown(t, url=url)),
    "csv": ("text/csv; charset=utf-8", lambda t, url: exports.transcript_csv(t)),
    "json": ("application/json", lambda t, url: exports.transcript_json(t, url=url)),
}


def _transcript_of(chat: Chat) -> Transcript:
    """The transcript of an ended or live chat, or of any chat that already has posts."""
    transcript = transcript_for_chat(chat=chat)
    started = chat.status_at(timezone.now()) in (Chat.Status.LIVE, Chat.Status.ENDED)
    if not started and not transcript.entries:
        raise Http404("This chat has no transcript yet.")
    return transcript


def _transcript_url(request: HttpRequest, chat: Chat) -> str:
    return request.build_absolute_uri(chat.get_transcript_url())


def _version(request: HttpRequest, chat: Chat, variant: str) -> str:
    """What a finished chat's export depends on: the archive version moves on every change."""
    changed = chat.archive_changed_at.isoformat() if chat.archive_changed_at else "-"
    parts = (
        EXPORT_VERSION,
        chat.pk,
        changed,
        chat.updated_at.isoformat(),
        chat.community.updated_at.isoformat(),
        variant,
        request.build_absolute_uri("/"),
    )
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:32]


def _last_modified(chat: Chat) -> datetime:
    return max(filter(None, (chat.archive_changed_at, chat.updated_at, chat.end_at)))


def _finished(chat: Chat) -> bool:
    return chat.status_at(timezone.now()) == Chat.Status.ENDED


def _not_modified(request: HttpRequest, chat: Chat, version: str) -> HttpResponse | None:
    return get_conditional_response(
        request, etag=quote_etag(version), last_modified=int(_last_modified(chat).timestamp())
    )


def _cache_headers(response: HttpResponse, chat: Chat, version: str | None) -> HttpResponse:
    if version is None:
        # A live chat's export changes with every pull.
        response["Cache-Control"] = "no-store"
        return response
    response["ETag"] = quote_etag(version)
    response["Last-Modified"] = http_date(_last_modified(chat).timestamp())
    response["Cache-Control"] = "public, max-age=60"
    return response


def _cached(key: str, version: str | None, build: Callable[[], str]) -> str:
    """A finished chat's body from the cache (keyed on its archive version); others fresh."""
    if version is None:
        return build()
    body = cache.get(f"{key}:{version}")
    if body is None:
        body = build()
        cache.set(f"{key}:{version}", body, settings.TRANSCRIPT_CACHE_SECONDS)
    return body


@require_safe
def transcript_export(request: HttpRequest, slug: str, pk: int, fmt: str) -> HttpResponse:
    """A download; a finished chat's is answered from the cache and by conditional GET."""
    if fmt not in FORMATS:
        raise Http404("No such export format.")
    chat = get_chat_for_reader(request, slug, pk)
    version = _version(request, chat, fmt) if _finished(chat) else None
    if version is not None and (response := _not_modified(request, chat, version)) is not None:
        return _cache_headers(response, chat, version)
    content_type, build = FORMATS[fmt]
    body = _cached(
        "transcript-export",
        version,
        lambda: build(_transcript_of(chat), _transcript_url(request, chat)),
    )
    response = HttpResponse(body, content_type=content_type)
    filename = exports.export_filename(chat, fmt)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _cache_headers(response, chat, version)


@require_safe
def transcript_print(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The printable transcript; a finished chat's page is cached per visitor time zone."""
    chat = get_chat_for_reader(request, slug, pk)
    zone = visitor_zone(request)
    version = _version(request, chat, f"print|{zone.name}") if _finished(chat) else None
    response = _not_modified(request, chat, version) if version is not None else None
    if response is None:
        page = _cached("transcript-print", version, lambda: _print_page(request, chat, zone))
        response = HttpResponse(page)
    patch_vary_headers(response, ["Cookie"])  # the visitor's zone comes from a cookie
    return _cache_headers(response, chat, version)


def _print_page(request: HttpRequest, chat: Chat, zone: VisitorZone) -> str:
    transcript = _transcript_of(chat)
    context = {
        "chat": chat,
        "community": chat.community,
        "transcript": transcript,
        "rows": thread_rows(transcript.threads),
        "visitor_zone": zone,
        "transcript_url": _transcript_url(request, chat),
    }
    # No request: the page has no CSRF token or user in it, so it can be shared.
    return render_to_string("archive/exports/print.html", context)
