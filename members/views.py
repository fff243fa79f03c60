from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import add_service_error
from members.forms import ProfileForm
from members.http import AuthenticatedHttpRequest
from members.models import User
from members.services import member_update_profile, member_verify_mastodon


def profile(request: HttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    return render(request, "members/profile.html", {"member": member})


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
