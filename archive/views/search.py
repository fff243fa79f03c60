from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from archive.forms.search import SearchForm
from archive.models import PostPlacement
from archive.paging import Cursor
from archive.selectors.search import SearchPage, search_posts
from common.timezones import visitor_zone


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search every archive: /search/?q=&community=&participant=&from=&to=&before=."""
    form = SearchForm(request.GET)
    context: dict[str, object] = {"form": form, "visitor_zone": visitor_zone(request)}
    if not form.is_valid():
        return render(request, "archive/search.html", context, status=400)
    params = form.params()
    if not params.is_empty:
        page = search_posts(params=params)
        for result in page.results:
            for placement in (result.placement, *result.also_in):
                placement.url = post_url(placement)
        context.update(searched=True, page=page, more_url=_more_url(request, page))
    if params.before is not None:
        context["first_url"] = _first_page_url(request)
    return render(request, "archive/search.html", context)


def post_url(placement: PostPlacement) -> str:
    """The post's anchor in its chat's transcript, or on the stream page that starts with it."""
    post = placement.post
    anchor = f"#post-{quote(post.external_id, safe='')}"
    if placement.chat is not None:
        return placement.chat.get_transcript_url() + anchor
    cursor = Cursor.landing_on(created_at=placement.created_at, post_id=post.pk)
    stream = reverse("archive:stream", kwargs={"slug": placement.community.slug})
    return f"{stream}?before={cursor.encode()}{anchor}"


def _more_url(request: HttpRequest, page: SearchPage) -> str:
    if page.next_cursor is None:
        return ""
    query = request.GET.copy()
    query["before"] = page.next_cursor.encode()
    return f"?{query.urlencode()}"


def _first_page_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("before", None)
    return f"?{query.urlencode()}"
