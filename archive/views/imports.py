"""The organisers' archive imports: upload a file, follow its worker, read the result."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from archive.forms.imports import ImportForm
from archive.permissions import get_community_for_importer, get_import_job_for_importer
from archive.selectors.imports import import_jobs_recent
from archive.services.imports import import_job_create, import_too_big_message
from archive.tasks import import_run
from common.forms import add_service_error
from members.http import AuthenticatedHttpRequest

# Room for the form's other fields and the multipart boundaries around the file.
_FORM_OVERHEAD = 64 * 1024


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def imports(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    community = get_community_for_importer(request, slug)
    status = 200
    if request.method == "POST":
        form = _upload_form(request)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_job_create(
                    community=community,
                    user=request.user,
                    name=upload.name or "upload",
                    content=upload.read(),
                    format=form.cleaned_data["format"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                import_run.delay_on_commit(job.pk)
                url = reverse("archive:imports", kwargs={"slug": slug})
                return HttpResponseRedirect(f"{url}#import-{job.pk}")
        status = 400
    else:
        form = ImportForm()
    context = {
        "community": community,
        "form": form,
        "jobs": import_jobs_recent(community=community),
        "max_mb": settings.ARCHIVE_IMPORT_MAX_BYTES // 1_000_000,
    }
    return render(request, "archive/imports/page.html", context, status=status)


def _upload_form(request: HttpRequest) -> ImportForm:
    """The posted form; a body far over the limit is refused before its file is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.ARCHIVE_IMPORT_MAX_BYTES + _FORM_OVERHEAD:
        form = ImportForm(data={"format": "detect"})
        form.full_clean()
        form.add_error("file", import_too_big_message(size=length))
        return form
    return ImportForm(request.POST, request.FILES)


@login_required
@require_safe
def import_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One job's progress or result: the fragment the import page's script polls."""
    job = get_import_job_for_importer(request, slug, pk)
    return render(request, "archive/imports/_job.html", {"job": job, "community": job.community})
