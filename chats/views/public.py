from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from chats import calendar
from chats.forms.public import ScheduleFilterForm, TimeZoneForm
from chats.permissions import get_chat_for_visitor
from chats.selectors import schedule as selectors
from chats.selectors.participation import participation_for_chat
from common.timezones import TZ_COOKIE, TZ_COOKIE_MAX_AGE, visitor_zone
from community.models import Community

ICAL_CONTENT_TYPE = "text/calendar; charset=utf-8"


@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    form = ScheduleFilterForm(request.GET)
    filters = form.filters()
    zone, now = visitor_zone(request), timezone.now()
    chats = selectors.schedule_chats(now=now, days=filters["days"], text=filters["text"])
    days = selectors.schedule_days(
        chats=chats,
        zone=zone.zone,
        now=now,
        weekday=filters["weekday"],
        time_of_day=filters["time_of_day"],
    )
    context = {
        "form": form,
        "days": filters["days"],
        "schedule_days": days,
        "visitor_zone": zone,
        "now": now,
    }
    return render(request, "chats/schedule.html", context, status=400 if form.errors else 200)


@require_GET
def chat_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat, now = get_chat_for_visitor(request, slug, pk), timezone.now()
    status = chat.status_at(now)
    questions = selectors.chat_questions_for(chat=chat, user=request.user, now=now)
    page = {
        "chat": chat,
        "community": chat.community,
        "chat_status": status,
        "questions": questions or [],
        "questions_withheld": questions is None,
        "visitor_zone": visitor_zone(request),
        "now": now,
    }
    context = {**participation_for_chat(chat=chat, user=request.user), **page}
    return render(request, "chats/detail.html", context)


@require_POST
def set_timezone(request: HttpRequest) -> HttpResponse:
    form = TimeZoneForm(request.POST, prefix="tz")
    if not form.is_valid():
        return HttpResponse("Unknown time zone.", status=400)
    target = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("chats:schedule")
    response = HttpResponseRedirect(target)
    # Not HttpOnly: timezone.js checks for it before detecting the browser's zone.
    response.set_cookie(
        TZ_COOKIE,
        form.cleaned_data["time_zone"],
        max_age=TZ_COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=False,
    )
    return response


def _ical(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type=ICAL_CONTENT_TYPE)


@require_GET
def chat_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_visitor(request, slug, pk)
    name = calendar.chat_summary(chat)
    response = _ical(calendar.chats_calendar(chats=[chat], name=name, now=timezone.now()))
    filename = f"{chat.hashtag}-{chat.start_at:%Y-%m-%d}.ics"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_GET
def community_ics(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    now = timezone.now()
    chats = selectors.calendar_chats(now=now, community=community)
    name = f"#{community.hashtag} chats · {community.name}"
    return _ical(calendar.chats_calendar(chats=chats, name=name, now=now))


@require_GET
def schedule_ics(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    chats = selectors.calendar_chats(now=now)
    return _ical(calendar.chats_calendar(chats=chats, name="Hashtag Commons chats", now=now))
