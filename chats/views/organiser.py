"""Organiser pages of the schedule, for the community's organisers and moderators only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chats.forms.organiser import (
    ChatForm,
    HostsForm,
    QuestionForm,
    SeriesForm,
    chat_initial,
    series_initial,
)
from chats.models import MAX_QUESTIONS, Chat, Question
from chats.permissions import get_chat_for_moderator, get_series_for_moderator
from chats.selectors import organiser as selectors
from chats.selectors.joint import community_invitations
from chats.services import schedule
from common.forms import add_service_error
from community.models import Community
from community.permissions import get_community_for_moderator, membership_is_organiser
from community.selectors import membership_for


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    # Only a POST that failed reaches the page again: answer 400 so it is not a success.
    status = 400 if request.method == "POST" else 200
    return render(request, f"chats/manage/{template}", context, status=status)


def _to_manage(community: Community) -> HttpResponse:
    return redirect("chats:manage", slug=community.slug)


@login_required
@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    now = timezone.now()
    context = {
        "community": community,
        "series_list": selectors.series_for_community(community=community),
        "chats": selectors.upcoming_chats_for_organisers(community=community, now=now),
        "invitations": community_invitations(community=community, now=now),
        "is_organiser": membership_is_organiser(
            membership_for(community=community, user=request.user)
        ),
    }
    return render(request, "chats/manage/manage.html", context)


# --- Series -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    form = SeriesForm(request.POST or None, zone=community.time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            series = schedule.series_create(community=community, **form.service_arguments())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            count = series.chats.count()
            messages.success(request, f"Series created: {count} chat{'s' * (count != 1)} ahead.")
            return _to_manage(community)
    return _render(request, "series_form.html", {"form": form, "community": community})


@login_required
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    series = get_series_for_moderator(request, slug, pk)
    form = SeriesForm(request.POST or None, initial=series_initial(series), zone=series.time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            schedule.series_update(series=series, **form.service_arguments())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Series saved; its future chats follow the new rule.")
            return _to_manage(series.community)
    context = {"form": form, "community": series.community, "series": series}
    return _render(request, "series_form.html", context)


@login_required
@require_POST
def series_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    series = get_series_for_moderator(request, slug, pk)
    schedule.series_end(series=series)
    messages.success(request, f"“{series.title}” has ended; edited chats were kept.")
    return _to_manage(series.community)


# --- Single chats -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def chat_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    # The topics page links here with a suggestion to turn into a chat.
    initial = {name: request.GET.get(name, "") for name in ("title", "description", "suggestion")}
    form = ChatForm(request.POST or None, initial=initial, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            chat = schedule.chat_create(
                community=community,
                suggestion=form.cleaned_data["suggestion"],
                **form.service_arguments(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Chat scheduled. Add its questions and hosts now.")
            return redirect("chats:questions", slug=community.slug, pk=chat.pk)
    return _render(request, "chat_form.html", {"form": form, "community": community})


@login_required
@require_http_methods(["GET", "POST"])
def chat_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_moderator(request, slug, pk)
    form = ChatForm(
        request.POST or None, initial=chat_initial(chat), community=chat.community, creating=False
    )
    if request.method == "POST" and form.is_valid():
        try:
            schedule.chat_update(chat=chat, **form.service_arguments())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Chat saved.")
            return _to_manage(chat.community)
    context = {"form": form, "community": chat.community, "chat": chat}
    return _render(request, "chat_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def chat_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_moderator(request, slug, pk)
    if request.method == "GET":
        # The manage page's "Cancel…" leads here: a second click, no JavaScript needed.
        context = {"chat": chat, "community": chat.community, "status": chat.status}
        return render(request, "chats/manage/cancel_confirm.html", context)
    schedule.chat_cancel(chat=chat)
    messages.success(request, f"“{chat.title}” is cancelled; it stays listed as cancelled.")
    return _to_manage(chat.community)


@login_required
@require_POST
def chat_restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_moderator(request, slug, pk)
    try:
        schedule.chat_restore(chat=chat)
    except ValidationError as error:
        messages.error(request, f"“{chat.title}” stays cancelled: {error.messages[0]}")
    else:
        messages.success(request, f"“{chat.title}” is back on the schedule.")
    return _to_manage(chat.community)


# --- Questions ----------------------------------------------------------------


def _questions_page(request: HttpRequest, chat: Chat, form: QuestionForm) -> HttpResponse:
    context = {
        "chat": chat,
        "community": chat.community,
        "questions": chat.questions.all(),
        "form": form,
        "max_questions": MAX_QUESTIONS,
    }
    return _render(request, "questions.html", context)


def _to_questions(chat: Chat) -> HttpResponse:
    return redirect("chats:questions", slug=chat.community.slug, pk=chat.pk)


@login_required
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_moderator(request, slug, pk)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = schedule.question_add(chat=chat, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{added.label} added.")
            return _to_questions(chat)
    return _questions_page(request, chat, form)


def _get_question(request: HttpRequest, slug: str, pk: int, question_pk: int) -> Question:
    chat = get_chat_for_moderator(request, slug, pk)
    return get_object_or_404(chat.questions.select_related("chat__community"), pk=question_pk)


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, slug: str, pk: int, question_pk: int) -> HttpResponse:
    question = _get_question(request, slug, pk, question_pk)
    initial = {"text": question.text, "planned_minute": question.planned_minute}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            schedule.question_update(question=question, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{question.label} saved.")
            return _to_questions(question.chat)
    context = {"form": form, "question": question, "chat": question.chat}
    return _render(request, "question_form.html", {**context, "community": question.chat.community})


@login_required
@require_POST
def question_delete(request: HttpRequest, slug: str, pk: int, question_pk: int) -> HttpResponse:
    question = _get_question(request, slug, pk, question_pk)
    schedule.question_delete(question=question)
    messages.success(request, f"{question.label} deleted; the others were renumbered.")
    return _to_questions(question.chat)


@login_required
@require_POST
def question_move(request: HttpRequest, slug: str, pk: int, question_pk: int) -> HttpResponse:
    question = _get_question(request, slug, pk, question_pk)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        return HttpResponse("Move a question up or down.", status=400)
    schedule.question_move(question=question, offset=offset)
    return _to_questions(question.chat)


# --- Hosts --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def hosts(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_moderator(request, slug, pk)
    current = list(chat.hosts.all())
    initial = {
        "members": [host.member_id for host in current if host.member_id],
        "handles": ", ".join(f"@{host.handle}" for host in current if not host.member_id),
    }
    form = HostsForm(request.POST or None, initial=initial, community=chat.community)
    if request.method == "POST" and form.is_valid():
        try:
            schedule.chat_set_hosts(chat=chat, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Hosts saved.")
            return _to_manage(chat.community)
    return _render(request, "hosts.html", {"form": form, "chat": chat, "community": chat.community})
