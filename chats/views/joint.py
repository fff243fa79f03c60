"""Jointly held chats: the inviting organisers' page, the invited organisers' answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chats.forms.joint import JointInviteForm
from chats.permissions import get_chat_for_organiser, get_cohost_for_invitee, get_cohost_for_inviter
from chats.selectors.joint import chat_cohosts
from chats.services import joint
from common.forms import add_service_error
from members.http import AuthenticatedHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def joint_page(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_organiser(request, slug, pk)
    initial = {"community": request.GET.get("community", "")[:110]}
    form = JointInviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        guest = form.cleaned_data["community"]
        try:
            joint.joint_invite(chat=chat, community=guest, invited_by=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{guest.name} is invited; its organisers can accept now.")
            return redirect("chats:joint", slug=slug, pk=chat.pk)
    context = {
        "chat": chat,
        "community": chat.community,
        "form": form,
        "cohosts": chat_cohosts(chat_id=chat.pk),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "chats/manage/joint.html", context, status=status)


@login_required
@require_POST
def joint_withdraw(
    request: AuthenticatedHttpRequest, slug: str, pk: int, cohost_pk: int
) -> HttpResponse:
    cohost = get_cohost_for_inviter(request, slug, pk, cohost_pk)
    try:
        joint.joint_withdraw(cohost=cohost, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{cohost.community.name} no longer holds this chat with you.")
    return redirect("chats:joint", slug=slug, pk=pk)


def _answer(request: AuthenticatedHttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    cohost = get_cohost_for_invitee(request, slug, pk)
    service, done = {
        "accept": (joint.joint_accept, "is now on your schedule"),
        "decline": (joint.joint_decline, "was declined"),
        "leave": (joint.joint_leave, "has left your schedule"),
    }[action]
    try:
        service(cohost=cohost, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"The joint chat “{cohost.chat.title}” {done}.")
    return redirect("chats:manage", slug=slug)


@login_required
@require_POST
def joint_accept(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer(request, slug, pk, "accept")


@login_required
@require_POST
def joint_decline(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer(request, slug, pk, "decline")


@login_required
@require_POST
def joint_leave(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    return _answer(request, slug, pk, "leave")
