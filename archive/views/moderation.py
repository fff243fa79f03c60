"""Moderation pages: moderators hide posts and exclude accounts, authors remove their own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive.forms.moderation import ExcludeForm, HideForm, NextForm, NoteForm
from archive.models import Post, PostPlacement
from archive.permissions import (
    get_account_for_moderator,
    get_placement_for_moderator,
    get_post_for_author,
)
from archive.selectors import moderation as selectors
from archive.services import moderation
from chats.permissions import get_chat_for_archive_moderator
from common.forms import add_service_error
from common.timezones import visitor_zone
from community.permissions import get_community_for_moderator
from members.http import AuthenticatedHttpRequest


def _back(request: HttpRequest, form: NextForm, default: str) -> HttpResponse:
    target = form.cleaned_data.get("next", "") if form.is_valid() else ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if target and safe else default)


def _refused(request: HttpRequest, context: dict) -> HttpResponse:
    """The form again, its errors next to the fields: a failed POST is not a success.
    It posts back to the URL that refused it."""
    context = {**context, "action": request.path}
    return render(request, "archive/moderation/form.html", context, status=400)


def _log_url(slug: str) -> str:
    return reverse("archive:moderation_log", kwargs={"slug": slug})


def _placement_url(placement: PostPlacement) -> str:
    slug = placement.community.slug
    if placement.chat_id is None:
        url = reverse("archive:moderate_stream", kwargs={"slug": slug})
    else:
        url = reverse("archive:moderate_chat", kwargs={"slug": slug, "pk": placement.chat_id})
    return f"{url}#post-{placement.post.external_id}"


# --- Pages ----------------------------------------------------------------------


@login_required
@require_GET
def moderate_chat(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    community, chat = get_chat_for_archive_moderator(request, slug, pk)
    # 29,000 px of posts for one chat: narrow them to an author or some words first.
    author = request.GET.get("author", "").strip()[:100]
    text = request.GET.get("text", "").strip()[:200]
    page = selectors.chat_placements(
        chat=chat, page=request.GET.get("page"), author=author, text=text
    )
    context = {
        "community": community,
        "chat": chat,
        "page": page,
        "filter_author": author,
        "filter_text": text,
        "filter_query": "".join(
            f"&{urlencode({name: value})}"
            for name, value in (("author", author), ("text", text))
            if value
        ),
        "authors": selectors.chat_authors(chat=chat),
        "hide_form": HideForm(),
    }
    return render(request, "archive/moderation/chat.html", context)


@login_required
@require_GET
def moderate_stream(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    context = {
        "community": community,
        "page": selectors.stream_placements(community=community, page=request.GET.get("page")),
        "hide_form": HideForm(),
        "exclude_per_post": True,
    }
    return render(request, "archive/moderation/stream.html", context)


@login_required
@require_GET
def moderation_log(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_moderator(request, slug)
    context = {
        "community": community,
        "page": selectors.moderation_log(community=community, page=request.GET.get("page")),
        "exclusions": selectors.exclusions(community=community),
        "chats": selectors.recent_chats(community=community, now=timezone.now()),
    }
    return render(request, "archive/moderation/log.html", context)


@login_required
@require_GET
def my_posts(request: AuthenticatedHttpRequest) -> HttpResponse:
    verified = request.user.has_verified_x
    context = {
        "verified": verified,
        "visitor_zone": visitor_zone(request).zone,
        "removed_by_author": Post.REMOVED_BY_AUTHOR,
        "page": selectors.member_posts(member=request.user, page=request.GET.get("page"))
        if verified
        else None,
    }
    return render(request, "archive/moderation/my_posts.html", context)


# --- Moderators' actions --------------------------------------------------------


@login_required
@require_POST
def placement_hide(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    placement = get_placement_for_moderator(request, slug, pk)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            done = moderation.placement_hide(
                placement=placement,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            text = "Post hidden from this community's archive."
            messages.success(request, text if done else "It was hidden already.")
            return _back(request, form, _placement_url(placement))
    return _refused(
        request,
        {
            "community": placement.community,
            "form": form,
            "placement": placement,
            "heading": "Hide this post",
            "submit": "Hide",
        },
    )


@login_required
@require_POST
def placements_hide(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Hide the selected posts at once, for one reason: one form for a page of posts."""
    community = get_community_for_moderator(request, slug)
    form = HideForm(request.POST)
    ids = [int(pk) for pk in request.POST.getlist("placement") if pk.isdigit()][:500]
    back = _log_url(slug)
    if not ids:
        messages.error(request, "Select the posts to hide first.")
    elif not form.is_valid():
        messages.error(request, "Choose why these posts are hidden.")
    else:
        placements = PostPlacement.objects.filter(community=community, pk__in=ids)
        hidden = sum(
            moderation.placement_hide(
                placement=placement,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            for placement in placements.select_related("post")
        )
        messages.success(request, f"{hidden} post{pluralize(hidden)} hidden from this archive.")
    return _back(request, NextForm(request.POST), back)


@login_required
@require_POST
def placement_unhide(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    placement = get_placement_for_moderator(request, slug, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            done = moderation.placement_unhide(
                placement=placement, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Post shown again." if done else "It was not hidden.")
            return _back(request, form, _placement_url(placement))
    return _refused(
        request,
        {
            "community": placement.community,
            "form": form,
            "placement": placement,
            "heading": "Show this post again",
            "submit": "Unhide",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def account_exclude(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, account = get_account_for_moderator(request, slug, pk)
    if request.method == "GET":
        # Excluding hides every post of the account here, now and later: the buttons lead
        # to this page, which asks for the reason and a second, deliberate click.
        next_url = request.GET.get("next", "")
        context = {
            "community": community,
            "form": ExcludeForm(initial={"next": next_url}),
            "account": account,
            "heading": f"Exclude {account.at_handle} from this archive?",
            "consequence": "Every post of this account in this community's archive is hidden, "
            "and so is every post it makes here later, until the exclusion is lifted.",
            "submit": "Exclude",
            "action": request.path,
        }
        return render(request, "archive/moderation/form.html", context)
    form = ExcludeForm(request.POST)
    if form.is_valid():
        try:
            done = moderation.account_exclude(
                community=community,
                account=account,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            name = capfirst(account.at_handle)
            text = f"{name} is excluded: its posts here are hidden, future ones too."
            messages.success(request, text if done else f"{name} was excluded already.")
            return _back(request, form, _log_url(slug))
    return _refused(
        request,
        {
            "community": community,
            "form": form,
            "account": account,
            "heading": f"Exclude {account.at_handle} from this archive",
            "submit": "Exclude",
        },
    )


@login_required
@require_POST
def account_include(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    community, account = get_account_for_moderator(request, slug, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            done = moderation.account_include(
                community=community,
                account=account,
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            name = capfirst(account.at_handle)
            text = f"{name} is no longer excluded: its posts show again."
            messages.success(request, text if done else f"{name} was not excluded.")
            return _back(request, form, _log_url(slug))
    return _refused(
        request,
        {
            "community": community,
            "form": form,
            "account": account,
            "heading": f"Lift the exclusion of {account.at_handle}",
            "submit": "Lift",
        },
    )


# --- Authors' own posts ---------------------------------------------------------


@login_required
@require_POST
def post_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_author(request, pk)
    done = moderation.post_author_remove(post=post, member=request.user)
    messages.success(
        request, "Your post is removed from every transcript." if done else "It was removed."
    )
    return _back(request, NextForm(request.POST), reverse("archive:my_posts"))


@login_required
@require_POST
def post_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    post = get_post_for_author(request, pk)
    done = moderation.post_author_restore(post=post, member=request.user)
    messages.success(
        request, "Your post is back in the transcripts." if done else "It was not removed by you."
    )
    return _back(request, NextForm(request.POST), reverse("archive:my_posts"))
