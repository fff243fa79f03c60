"""The site-wide pages: home, health, robots.txt and sitemap.xml."""

from django.contrib.sites.requests import RequestSite
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from archive.selectors.exports import recent_transcripts
from archive.sitemaps import SITEMAPS
from chats.selectors import schedule as chat_selectors
from common.timezones import visitor_zone
from community import selectors as community_selectors
from config.health import check_health


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "communities": community_selectors.community_list()[:12],
        "home_chats": chat_selectors.home_chats(now=timezone.now()),
        "recent_transcripts": recent_transcripts(now=timezone.now(), limit=5),
        "visitor_zone": visitor_zone(request),
    }
    if request.user.is_authenticated:
        context["member_home"] = chat_selectors.member_home(member=request.user, now=timezone.now())
    return render(request, "home.html", context)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = check_health(connection)
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # Transcripts are the public face of each community: let them be found, not the
    # account pages, the organisers' pages or the exports (the transcript is the page).
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /admin/",
        "Disallow: /me/",
        "Disallow: /communities/*/manage/",
        "Disallow: /communities/*/chats/*/posts/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def sitemap_xml(request: HttpRequest) -> TemplateResponse:
    """Every section in one urlset, its URLs on the request's host (not the Site row's)."""
    site, page = RequestSite(request), request.GET.get("p", 1)
    urls: list[dict[str, object]] = []
    for sitemap_class in SITEMAPS.values():
        try:
            urls.extend(sitemap_class().get_urls(page=page, site=site, protocol=request.scheme))
        except (EmptyPage, PageNotAnInteger) as error:
            raise Http404("No such sitemap page.") from error
    return TemplateResponse(
        request, "sitemap.xml", {"urlset": urls}, content_type="application/xml"
    )
