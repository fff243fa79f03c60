"""The live chat page's poll: posts since the last one."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from archive.paging import bigint_id
from archive.permissions import get_chat_for_reader
from archive.selectors.live import (
    chat_posts,
    chat_posts_withdrawn,
    current_question,
)
from common.timezones import visitor_zone


@require_GET
def chat_posts_fragment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Posts archived since the page's last poll, for the live chat page.

    The fragment also carries the latest host question among them, so the page's
    "current question" box follows without another request, and the posts the page may
    show that were hidden or removed since, so it takes them back.
    """
    chat = get_chat_for_reader(request, slug, pk)
    after = bigint_id(request.GET.get("after", "0"))
    if after is None:
        return HttpResponseBadRequest("after must be a placement id.")
    placements = chat_posts(chat=chat, after=after)
    context = {
        "placements": placements,
        "fragment_question": current_question(placements),
        "withdrawn": chat_posts_withdrawn(chat=chat, up_to=after) if after else [],
        "visitor_zone": visitor_zone(request),
    }
    response = render(request, "archive/_posts.html", context)
    response["Cache-Control"] = "no-store"
    # An open tab learns here that the chat ended, and stops saying "Live now".
    response["X-Chat-Status"] = str(chat.status_at(timezone.now()))
    return response
