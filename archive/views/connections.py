"""How communities connect: the site-wide map and the posts a pair of communities shares."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from archive.selectors import connections as selectors
from common.timezones import visitor_zone
from community.models import Community


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", "")
    return period if period in selectors.PERIODS else selectors.DEFAULT_PERIOD


def _periods(period: str) -> list[dict[str, object]]:
    return [
        {"key": key, "label": label, "current": key == period}
        for key, (label, _) in selectors.PERIODS.items()
    ]


@require_GET
def connections(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    connection_map = selectors.connection_map(period=period)
    nodes, edges = selectors.graph_layout(connection_map)
    context = {
        "map": connection_map,
        "computed_at": connection_map.links[0].computed_at if connection_map.links else None,
        "nodes": nodes,
        "edges": edges,
        "graph_size": selectors.GRAPH_SIZE,
        "period": period,
        "periods": _periods(period),
    }
    return render(request, "archive/connections/map.html", context)


@require_GET
def shared_posts(request: HttpRequest, slug: str, other: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    partner = get_object_or_404(Community, slug=other)
    if partner.pk == community.pk:
        raise Http404("A community shares nothing with itself.")
    period = _period(request)
    since = selectors.period_since(period, now=timezone.now())
    page = selectors.shared_posts_page(
        community=community, other=partner, since=since, page=request.GET.get("page")
    )
    context = {
        "community": community,
        "other": partner,
        "page": page,
        "placements": page.object_list,
        "period": period,
        "periods": _periods(period),
        "visitor_zone": visitor_zone(request),
    }
    return render(request, "archive/connections/shared.html", context)
