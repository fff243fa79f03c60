"""Posting from a live chat's page, its weighted counter, and the organisers' settings.

The compose form works without JavaScript (a POST, then back to the chat with a message;
a refused text comes back in the box). The page script sends the same form with
`Accept: application/json` and gets the result as JSON instead of a redirect.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive.forms.posting import ComposeForm, CountForm, MuteForm, PostingPolicyForm
from archive.models import Network
from archive.permissions import get_chat_for_poster, get_chat_for_reader
from archive.selectors.posting import DRAFT_SESSION_KEY, posting_mutes, reply_target
from archive.services.posting import (
    PublishResult,
    compose_text,
    draft_for,
    policy_for,
    post_publish,
    posting_mute,
    posting_policy_save,
    posting_unmute,
    submission_key,
)
from chats.models import Chat
from common.forms import add_service_error
from community.models import Community
from community.permissions import get_community_for_organiser
from members.http import AuthenticatedHttpRequest

MAX_WEIGHTED_LENGTH = 280


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _chat_url(chat: Chat, anchor: str) -> str:
    url = chat.get_absolute_url()
    return f"{url}#{anchor}"


@login_required
@require_POST
def chat_compose(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    chat = get_chat_for_poster(request, slug, pk)
    form = ComposeForm(request.POST)
    result: PublishResult | None = None
    if form.is_valid():
        data = form.cleaned_data
        reply_to = (
            reply_target(chat=chat, placement_id=data["reply_to"]) if data["reply_to"] else None
        )
        if data["reply_to"] and reply_to is None:
            form.add_error(
                "reply_to", "That post is no longer shown here: it cannot be replied to."
            )
        else:
            try:
                result = post_publish(
                    member=request.user,
                    chat=chat,
                    text=data["text"],
                    reply_to=reply_to,
                    answering=data["answering"],
                    network=data["network"] or Network.X,
                    idempotency_key=data["key"],
                )
            except ValidationError as error:
                add_service_error(form, error)
    if _wants_json(request):
        return _json_answer(form, result)
    return _redirect_answer(request, chat, form, result)


def _errors(form: ComposeForm, result: PublishResult | None) -> list[str]:
    if result is not None:
        return [] if result.sent or result.pending else [result.message]
    return [str(message) for errors in form.errors.values() for message in errors]


def _json_answer(form: ComposeForm, result: PublishResult | None) -> JsonResponse:
    ok = result is not None and (result.sent or result.pending)
    body = {
        "status": "sent" if ok and result and result.sent else "pending" if ok else "refused",
        "message": result.message if result is not None else " ".join(_errors(form, result)),
        "retryable": bool(result and result.submission.retryable),
        # A refused key is spent: the retry is a new submission.
        "key": submission_key(),
    }
    return JsonResponse(body, status=200 if ok else 400)


def _redirect_answer(
    request: HttpRequest, chat: Chat, form: ComposeForm, result: PublishResult | None
) -> HttpResponse:
    if result is not None and (result.sent or result.pending):
        messages.success(request, result.message)
        return HttpResponseRedirect(_chat_url(chat, "posts-heading"))
    request.session[DRAFT_SESSION_KEY] = {
        "chat": chat.pk,
        "text": form.data.get("text", "")[:4000],
        "answering": form.data.get("answering", ""),
        "error": " ".join(_errors(form, result)),
    }
    return HttpResponseRedirect(_chat_url(chat, "compose"))


@require_GET
def chat_compose_count(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """The post as it will be sent, counted as X counts it: the compose box's counter."""
    chat = get_chat_for_reader(request, slug, pk)
    form = CountForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": "Too long to count."}, status=400)
    text = compose_text(
        text=form.cleaned_data["text"],
        hashtag=chat.hashtag,
        answering=form.cleaned_data["answering"],
    )
    draft = draft_for(text=text, network=Network.X)
    return JsonResponse(
        {
            "length": draft.weighted_length,
            "max": MAX_WEIGHTED_LENGTH,
            "valid": draft.valid,
            "has_link": draft.has_link,
            "cost": str(draft.cost),
            "links_allowed": policy_for(chat.community).allow_links,
        },
        headers={"Cache-Control": "no-store"},
    )


# --- organisers ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def posting_settings(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_organiser(request, slug)
    policy = policy_for(community)
    form = PostingPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            posting_policy_save(community=community, data=form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Posting settings saved.")
            return HttpResponseRedirect(request.path)
    return _settings_page(request, community, form, MuteForm(), status=400 if form.errors else 200)


def _settings_page(
    request: HttpRequest,
    community: Community,
    form: PostingPolicyForm,
    mute_form: MuteForm,
    status: int,
) -> HttpResponse:
    context = {
        "community": community,
        "form": form,
        "mute_form": mute_form,
        "mutes": posting_mutes(community_id=community.pk),
    }
    return render(request, "archive/posting/settings.html", context, status=status)


@login_required
@require_POST
def member_mute(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_organiser(request, slug)
    form = MuteForm(request.POST)
    if form.is_valid():
        try:
            mute = posting_mute(
                community=community, username=form.cleaned_data["username"], by=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"{mute.member.public_name} can no longer post from this site."
            )
            return HttpResponseRedirect(reverse("archive:posting_settings", kwargs={"slug": slug}))
    policy_form = PostingPolicyForm(instance=policy_for(community))
    return _settings_page(request, community, policy_form, form, status=400)


@login_required
@require_POST
def member_unmute(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community = get_community_for_organiser(request, slug)
    posting_unmute(community=community, member_id=pk)
    messages.success(request, "The member may post from this site again.")
    return HttpResponseRedirect(reverse("archive:posting_settings", kwargs={"slug": slug}))
