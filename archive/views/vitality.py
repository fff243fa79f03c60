"""A community's vitality: who keeps coming back, from the rollups, for a chosen period."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from archive.forms.vitality import VitalityRangeForm
from archive.selectors.vitality import community_vitality
from archive.services.vitality import DEFAULT_RANGE, RANGES
from archive.vitality import vitality_figures
from community.models import Community


@require_safe
def vitality(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    form = VitalityRangeForm(request.GET or None, initial={"range": DEFAULT_RANGE})
    key = form.chosen()
    data = community_vitality(community=community, key=key)
    context = {
        "community": community,
        "form": form,
        "range_label": RANGES[key][0],
        "vitality": data,
        "figures": vitality_figures(community=community, vitality=data),
    }
    # An unknown period is the visitor's mistake: said so beside the picker, with the
    # default period's figures.
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "archive/vitality/vitality.html", context, status=status)
