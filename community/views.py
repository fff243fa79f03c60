from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.forms import add_service_error
from common.timezones import visitor_zone
from community import selectors, services
from community.forms import CommunityForm, CommunitySearchForm, RoleForm
from community.models import Community
from community.permissions import get_community_for_organiser, membership_is_organiser
from members.http import AuthenticatedHttpRequest
from members.models import User
from members.selectors import user_is_verified


def community_list(request: HttpRequest) -> HttpResponse:
    form = CommunitySearchForm(request.GET)
    search = form.cleaned_data["q"] if form.is_valid() else ""
    communities = selectors.community_list(search=search)
    status = 400 if form.errors else 200
    return render(
        request, "community/list.html", {"communities": communities, "form": form}, status=status
    )


def community_detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    context = {
        "community": community,
        "organisers": selectors.community_organisers(community=community),
        "member_count": community.memberships.count(),
        "membership": selectors.membership_for(community=community, user=request.user),
        "visitor_zone": visitor_zone(request),
    }
    return render(request, "community/detail.html", context)


def community_members(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    membership = selectors.membership_for(community=community, user=request.user)
    context = {
        "community": community,
        "memberships": selectors.community_members(community=community),
        "is_organiser": membership_is_organiser(membership),
        "role_form": RoleForm(),
    }
    return render(request, "community/members.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def community_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    verified = user_is_verified(user=request.user)
    form = CommunityForm(request.POST or None)
    if request.method == "POST" and verified and form.is_valid():
        try:
            community = services.community_create(creator=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"#{community.hashtag} is yours to organise.")
            return redirect(community)
    context = {"form": form, "verified": verified}
    return render(request, "community/form.html", context, status=_status(request))


@login_required
@require_http_methods(["GET", "POST"])
def community_edit(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_organiser(request, slug)
    form = CommunityForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        try:
            services.community_update(community=community, data=form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Community saved.")
            return redirect(community)
    context = {"form": form, "community": community, "verified": True}
    return render(request, "community/form.html", context, status=_status(request))


@login_required
@require_http_methods(["GET", "POST"])
def community_join(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    if request.method == "GET":
        # A signed-out "Join" comes back here as a GET after sign-in (email or X):
        # ask once more rather than join on a GET, so no link can join anyone.
        if selectors.membership_for(community=community, user=request.user):
            messages.info(request, f"You are already a member of {community.name}.")
            return redirect(community)
        return render(request, "community/join.html", {"community": community})
    try:
        _, created = services.membership_join(community=community, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if created:
            messages.success(request, f"Welcome to #{community.hashtag}!")
        else:
            messages.info(request, f"You are already a member of {community.name}.")
    return redirect(community)


@login_required
@require_POST
def community_leave(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_object_or_404(Community, slug=slug)
    try:
        services.membership_leave(community=community, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"You have left {community.name}.")
    return redirect(community)


@login_required
@require_POST
def membership_role(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    community = get_community_for_organiser(request, slug)
    # Only this community's members have a role in it to change.
    member = get_object_or_404(User, username=username, memberships__community=community)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Unknown role.", status=400)
    try:
        services.membership_set_role(
            community=community, member=member, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{member.public_name} is now {form.cleaned_data['role']}.")
    return redirect("communities:members", slug=community.slug)


def _status(request: HttpRequest) -> int:
    return 400 if request.method == "POST" else 200
