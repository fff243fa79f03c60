from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chats.selectors.archive import archive_status, chat_in_community, chat_posts
from community.permissions import get_community_for_moderator


@login_required
def archive_health(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    status = archive_status(community=community, now=timezone.now())
    return render(request, "chats/manage/archive.html", {"community": community, **status})


def chat_posts_fragment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Posts archived since the page's last poll, for the live chat page."""
    chat = chat_in_community(slug=slug, pk=pk)
    if chat is None:
        raise Http404("No such chat.")
    try:
        after = max(int(request.GET.get("after", "0")), 0)
    except ValueError:
        return HttpResponse("after must be a placement id.", status=400)
    placements = chat_posts(chat=chat, after=after)
    response = render(request, "chats/_posts.html", {"placements": placements})
    response["Cache-Control"] = "no-store"
    return response
