import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_error
from members.forms import MastodonServerForm, ProfileForm
from members.http import AuthenticatedHttpRequest
from members.models import User
from members.selectors import mastodon_connection_of
from members.services import (
    mastodon_connection_finish,
    mastodon_connection_remove,
    mastodon_connection_start,
    member_update_profile,
    member_verify_mastodon,
)

# The session key holding an OAuth round trip to a Mastodon server under way.
MASTODON_PENDING = "mastodon_oauth"
# How long a member may take at their server's authorisation page.
MASTODON_PENDING_SECONDS = 15 * 60
# Mastodon's codes are 43 characters; anything far longer is not one.
MAX_CODE_LENGTH = 512


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    connection = mastodon_connection_of(user=member)
    return render(
        request, "members/profile.html", {"member": member, "mastodon_connection": connection}
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            member_update_profile(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect(request.user.get_absolute_url())
    return render(
        request,
        "members/profile_edit.html",
        {"form": form, "profile_url": request.user.public_profile_url},
    )


def _mastodon_redirect_uri() -> str:
    # SITE_URL, not the request's host: the URI registered at each server must stay one.
    return settings.SITE_URL.rstrip("/") + reverse("members:mastodon_callback")


def _forms_may_lead_to_any_server(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Browsers hold the redirect that follows a form's POST to the form page's CSP
    form-action: the connect form leads to the member's server, which may be any https
    host (and the local stand-in, in development)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        policy = cast("dict[str, list[str]]", settings.SECURE_CSP)
        allowed = [*policy.get("form-action", []), "https:"]
        if settings.MASTODON_API_BASE_URL_OVERRIDE:
            parts = urlsplit(settings.MASTODON_API_BASE_URL_OVERRIDE)
            allowed.append(f"{parts.scheme}://{parts.netloc}")
        config = {**policy, "form-action": allowed}
        return csp_override(config)(view)(request, *args, **kwargs)

    return wrapped


@login_required
@require_http_methods(["GET", "POST"])
@_forms_may_lead_to_any_server
def mastodon_connect(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = MastodonServerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authorization = mastodon_connection_start(
                user=request.user,
                server=form.cleaned_data["server"],
                redirect_uri=_mastodon_redirect_uri(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            request.session[MASTODON_PENDING] = {
                "state": authorization.state,
                "server": authorization.server,
                "started": time.time(),
            }
            return redirect(authorization.url)
    connection = mastodon_connection_of(user=request.user)
    return render(
        request, "members/mastodon_connect.html", {"form": form, "connection": connection}
    )


@login_required
@require_GET
def mastodon_callback(request: AuthenticatedHttpRequest) -> HttpResponse:
    pending = request.session.pop(MASTODON_PENDING, None)
    state = request.GET.get("state", "")
    if (
        not isinstance(pending, dict)
        or not secrets.compare_digest(str(pending.get("state", "")), state)
        or time.time() - float(pending.get("started", 0)) > MASTODON_PENDING_SECONDS
    ):
        messages.error(
            request,
            "That Mastodon sign-in was not started here, or took too long. Please try again.",
        )
        return redirect("members:mastodon_connect")
    server = str(pending["server"])
    code = request.GET.get("code", "")
    if request.GET.get("error") or not code or len(code) > MAX_CODE_LENGTH:
        messages.error(
            request, f"{server} did not connect your account: you declined, or it refused."
        )
        return redirect("members:mastodon_connect")
    try:
        connection = mastodon_connection_finish(
            user=request.user,
            server=server,
            code=code,
            redirect_uri=_mastodon_redirect_uri(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("members:mastodon_connect")
    messages.success(request, f"Your Mastodon account @{connection.acct} is connected.")
    return redirect(request.user.get_absolute_url())


@login_required
@require_POST
def mastodon_disconnect(request: AuthenticatedHttpRequest) -> HttpResponse:
    revoked = mastodon_connection_remove(user=request.user)
    if revoked is None:
        messages.info(request, "No Mastodon account was connected.")
    elif revoked:
        messages.success(request, "Your Mastodon account is disconnected and our access revoked.")
    else:
        messages.warning(
            request,
            "Your Mastodon account is disconnected here, but your server did not confirm that our"
            " access is revoked: you can revoke it under Authorized apps in its settings.",
        )
    return redirect(request.user.get_absolute_url())


@login_required
@require_POST
def verify_mastodon(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        member_verify_mastodon(user=request.user, profile_url=request.user.public_profile_url)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"@{request.user.mastodon_handle} is verified.")
    return redirect("members:profile_edit")
