"""The import jobs an organiser sees: the newest first, without the files' bytes."""

from archive.models import ImportJob
from community.models import Community

RECENT_JOBS = 10


def import_jobs_recent(*, community: Community) -> list[ImportJob]:
    jobs = ImportJob.objects.filter(community=community).select_related("uploaded_by")
    return list(jobs.defer("data")[:RECENT_JOBS])
