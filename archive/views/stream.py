from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from archive.paging import BadCursor, Cursor
from archive.selectors.stream import stream_page
from common.timezones import visitor_zone
from community.models import Community


@require_GET
def stream(request: HttpRequest, slug: str) -> HttpResponse:
    """The community's hashtag posts between chats, newest first, a page per cursor."""
    community = get_object_or_404(Community, slug=slug)
    context: dict[str, object] = {"community": community, "visitor_zone": visitor_zone(request)}
    before = request.GET.get("before")
    try:
        cursor = Cursor.decode(before) if before is not None else None
    except BadCursor:
        context["error"] = "That page of the stream does not exist."
        return render(request, "archive/stream/stream.html", context, status=400)
    page = stream_page(community=community, before=cursor)
    context.update(
        placements=page.placements,
        older=page.older.encode() if page.older else None,
        is_first_page=cursor is None,
    )
    return render(request, "archive/stream/stream.html", context)
