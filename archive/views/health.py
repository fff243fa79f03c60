"""The archive's health and cost page, for a community's organisers and moderators."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from archive.models import Network
from archive.selectors.health import archive_status
from archive.selectors.networks import community_targets
from community.permissions import get_community_for_moderator


@login_required
def archive_health(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    status = archive_status(community=community, now=timezone.now())
    # Without a token no pull runs at all: the page says so rather than "Nothing pulled yet".
    targets = community_targets(community)
    x_enabled = (Network.X, "") in targets
    context = {
        "community": community,
        # Only a community that archives from X misses X's credentials.
        "x_configured": bool(settings.X_BEARER_TOKEN) or not x_enabled,
        "other_networks": any(network != Network.X for network, _ in targets),
        **status,
    }
    return render(request, "archive/health.html", context)
