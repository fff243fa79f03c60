"""The archive's health and cost page, for a community's organisers and moderators."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from archive.selectors.health import archive_status
from community.permissions import get_community_for_moderator


@login_required
def archive_health(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    status = archive_status(community=community, now=timezone.now())
    # Without a token no pull runs at all: the page says so rather than "Nothing pulled yet".
    context = {"community": community, "x_configured": bool(settings.X_BEARER_TOKEN), **status}
    return render(request, "archive/health.html", context)
