from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from chats.selectors.archive import archive_status
from community.permissions import get_community_for_moderator


@login_required
def archive_health(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    status = archive_status(community=community, now=timezone.now())
    return render(request, "chats/manage/archive.html", {"community": community, **status})
