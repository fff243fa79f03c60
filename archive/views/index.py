"""A community's archive: every past chat with a transcript, by year and month."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from archive.selectors.exports import community_archive
from community.models import Community


@require_safe
def community_transcripts(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    years = community_archive(community=community, now=timezone.now())
    return render(request, "archive/index.html", {"community": community, "years": years})
