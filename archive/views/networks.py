"""The organisers' page for the networks a community archives from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from archive.forms.networks import NetworksForm
from archive.models import Network
from archive.selectors.networks import archive_settings_of
from archive.services.networks import archive_settings_update
from archive.sources.registry import network_configured
from common.forms import add_service_error
from community.permissions import get_community_for_organiser


@login_required
@require_http_methods(["GET", "POST"])
def archive_networks(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_organiser(request, slug)
    form = NetworksForm.for_settings(archive_settings_of(community), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            archive_settings_update(community=community, **form.service_arguments())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Networks saved: the next pulls read from them.")
            return redirect("archive:archive_networks", slug=community.slug)
    # A network the site has no credentials for may be switched on; the page says it
    # will not be read until the operator configures it.
    unconfigured = [label for value, label in Network.choices if not network_configured(value)]
    context = {"community": community, "form": form, "unconfigured": unconfigured}
    status = 400 if request.method == "POST" else 200
    return render(request, "archive/networks.html", context, status=status)
