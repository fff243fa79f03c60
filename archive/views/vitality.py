"""A community's vitality: who keeps coming back, from the rollups, for a chosen period.

The figures' markup (charts and tables: at a thousand chats, the biggest part of the
work) is cached per community, period and rollup version, so a rebuild replaces it; a
short lifetime lets a member's choice to hide from rankings show within minutes."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from archive.forms.vitality import VitalityRangeForm
from archive.models import VitalityState
from archive.selectors.vitality import community_vitality, vitality_state
from archive.services.vitality import DEFAULT_RANGE, RANGES
from archive.vitality import vitality_figures
from community.models import Community


@require_safe
def vitality(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    form = VitalityRangeForm(request.GET or None, initial={"range": DEFAULT_RANGE})
    key = form.chosen()
    state = vitality_state(community=community)
    context = {
        "community": community,
        "form": form,
        "range_label": RANGES[key][0],
        "state": state,
        "body": _body(community, key, state),
    }
    # An unknown period is the visitor's mistake: said so beside the picker, with the
    # default period's figures.
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "archive/vitality/vitality.html", context, status=status)


def _body(community: Community, key: str, state: VitalityState | None) -> str:
    version = state.version if state else 0
    cache_key = f"archive:vitality:{community.pk}:{key}:{version}"
    body: str | None = cache.get(cache_key)
    if body is None:
        data = community_vitality(community=community, key=key, state=state)
        body = render_to_string(
            "archive/vitality/_body.html",
            {
                "community": community,
                "vitality": data,
                "figures": vitality_figures(community=community, vitality=data),
            },
        )
        cache.set(cache_key, body, settings.VITALITY_CACHE_SECONDS)
    return body
