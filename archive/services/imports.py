"""Archive files in: one path for `import_posts` and the organisers' upload.

Every page a reader yields is stored as a pulled page is (posts_store, one transaction),
so posts land in the community's chats by time and hashtags exactly as pulled posts do,
and importing a file twice adds nothing.
"""

import contextlib
import gzip
import io
import logging
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath
from typing import BinaryIO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from archive.imports.formats import FORMATS, HEAD_BYTES, Format, format_detect
from archive.models import ImportJob, Post, PostPlacement
from archive.services.ingest import posts_store
from archive.sources.base import Page
from chats.models import Chat
from community.models import Community
from members.models import User

logger = logging.getLogger(__name__)

DETECT = "detect"
# Reasons kept beyond this are counted only: a bad file can have millions.
MAX_REASONS = 50
GZIP_MAGIC = b"\x1f\x8b"
# A running job whose heartbeat is older than this lost its worker: another may take it.
JOB_STALE_AFTER = timedelta(minutes=2)
PROGRESS_SAVE_EVERY = 1.0  # seconds


@dataclass
class ImportSummary:
    format: str
    pages: int = 0
    new: int = 0
    refreshed: int = 0
    # Already archived and left as they were (formats that do not refresh).
    kept: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    # (network, external id) of every post stored, and where it went in the community.
    seen: set[tuple[str, str]] = field(default_factory=set)
    in_chats: set[tuple[str, str]] = field(default_factory=set)
    in_stream: set[tuple[str, str]] = field(default_factory=set)
    chats: set[int] = field(default_factory=set)
    # Why the file stopped being read before its end (damaged, cut short), or "".
    stopped: str = ""

    @property
    def stored(self) -> int:
        return self.new + self.refreshed

    @property
    def elsewhere(self) -> int:
        return len(self.seen - self.in_chats - self.in_stream)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < MAX_REASONS:
            self.reasons.append(reason)


Progress = Callable[[int, ImportSummary], None]


def import_format_choose(*, stream: BinaryIO, format: str | None) -> Format:
    """The format named, or the one the file's first bytes show (inside its gzip and tar
    wrappings); the stream is rewound."""
    if format and format != DETECT:
        if format not in FORMATS:
            raise ValidationError({"format": f"Unknown format “{format[:40]}”."})
        return FORMATS[format]
    try:
        _, head = _unwrapped(stream)
    finally:
        stream.seek(0)
    found = format_detect(head)
    if found is None:
        names = ", ".join(FORMATS)
        raise ValidationError(
            {"format": f"This file is in none of the formats we can tell apart ({names}): "
                       "choose its format, or check that it is the file you meant."}
        )  # fmt: skip
    return found


# A Mastodon account archive comes as a .tar.gz holding outbox.json beside the media.
ARCHIVED_MEMBERS = ("outbox.json",)


def _unwrapped(stream: BinaryIO) -> tuple[BinaryIO, bytes]:
    """The file's content with gzip and tar taken off, and its first bytes.

    A tar is read as it streams (never unpacked to disk) up to the member we read."""
    content, head = stream, _head(stream)
    if head.startswith(GZIP_MAGIC):
        content = cast(BinaryIO, gzip.GzipFile(fileobj=stream))
        head = _head(content)
    if head[257:262] != b"ustar":
        return content, head
    try:
        # Left open: the member is read from the tar's stream after this returns.
        archive = tarfile.open(fileobj=content, mode="r|")  # noqa: SIM115
        for member in archive:
            if member.isfile() and PurePosixPath(member.name).name in ARCHIVED_MEMBERS:
                extracted = archive.extractfile(member)
                if isinstance(extracted, io.BufferedReader):
                    return cast(BinaryIO, extracted), extracted.peek(HEAD_BYTES)[:HEAD_BYTES]
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ValidationError({"file": f"This tar archive is damaged: {error}"}) from error
    raise ValidationError(
        {"file": "This tar archive holds no file we can import (a Mastodon archive's "
                 "outbox.json): upload that file itself."}
    )  # fmt: skip


def _head(stream: BinaryIO) -> bytes:
    """The first bytes, the stream rewound; a damaged gzip shows what it can, maybe none."""
    head = b""
    with contextlib.suppress(OSError, EOFError):
        head = stream.read(HEAD_BYTES)
    with contextlib.suppress(OSError, EOFError):
        stream.seek(0)
    return head


def community_hashtags(*, community: Community) -> frozenset[str]:
    """Every hashtag the community's chats are held on, lower case, without '#'."""
    extra = Chat.objects.filter(community=community).values_list("extra_hashtags", flat=True)
    tags = {community.hashtag, *getattr(community, "extra_hashtags", ())}
    tags.update(tag for chat_tags in extra for tag in chat_tags or ())
    return frozenset(tag.lower().lstrip("#") for tag in tags if tag)


def posts_import(
    *,
    stream: BinaryIO,
    format: str | None,
    community: Community,
    progress: Progress | None = None,
) -> ImportSummary:
    """Read the file (gzip or not) in the format given or detected and store every page.

    Raises ValidationError when the format is unknown, cannot be told, or its reader is
    not installed; anything wrong inside the file becomes a reason, never an error.
    """
    chosen = import_format_choose(stream=stream, format=format)
    try:
        reader = chosen.reader()
    except ImportError as error:
        logger.warning("Reader of %s unavailable: %s", chosen.name, error)
        raise ValidationError(
            {"format": f"This site cannot read {chosen.description} files yet."}
        ) from error
    summary = ImportSummary(format=chosen.name)
    content, _ = _unwrapped(stream)
    hashtags = community_hashtags(community=community) if chosen.filtered else frozenset()
    try:
        for page in reader(content, hashtags=hashtags):
            _page_store(page, community, summary, refresh=chosen.refreshes)
            if progress is not None:
                progress(stream.tell(), summary)
    except (OSError, EOFError, tarfile.TarError) as error:
        # What was read before stays stored; the organiser is told where it stopped.
        summary.stopped = f"The file is damaged or cut short after byte {stream.tell():,}: {error}"
    return summary


def _page_store(page: Page, community: Community, summary: ImportSummary, *, refresh: bool) -> None:
    for item in page.skipped:
        summary.skip(item.reason)
    if not page.posts and not page.result_count:
        return
    summary.pages += 1
    keys = {(post.network, post.external_id) for post in page.posts}
    by_network: dict[str, list[str]] = {}
    for network, external_id in keys:
        by_network.setdefault(network, []).append(external_id)
    placements, posts = Q(), Q()
    for network, ids in by_network.items():
        placements |= Q(post__network=network, post__external_id__in=ids)
        posts |= Q(network=network, external_id__in=ids)
    with transaction.atomic():
        to_store = page.posts
        if not refresh and keys:
            archived = set(Post.objects.filter(posts).values_list("network", "external_id"))
            to_store = tuple(p for p in page.posts if (p.network, p.external_id) not in archived)
            summary.kept += len(page.posts) - len(to_store)
        stored = posts_store(posts=to_store)
        placed = (
            list(
                PostPlacement.objects.filter(placements, community=community).values_list(
                    "post__network", "post__external_id", "chat_id"
                )
            )
            if keys
            else []
        )
    for item in stored.skipped:
        summary.skip(f"post {item.external_id or '(no id)'}: {item.reason}")
    summary.new += stored.new
    summary.refreshed += stored.refreshed
    summary.seen |= keys
    for network, external_id, chat_id in placed:
        (summary.in_chats if chat_id else summary.in_stream).add((network, external_id))
        if chat_id:
            summary.chats.add(chat_id)


# --- The organisers' upload ----------------------------------------------------------


def import_job_create(
    *, community: Community, user: User, name: str, content: bytes, format: str
) -> ImportJob:
    """Keep an uploaded file for a worker; refuse at once what no worker could read.

    The caller enqueues import_run once the transaction commits."""
    limit = settings.ARCHIVE_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ValidationError({"file": _too_big(len(content), limit)})
    if not content:
        raise ValidationError({"file": "The file is empty."})
    chosen = import_format_choose(stream=io.BytesIO(content), format=format)
    return ImportJob.objects.create(
        community=community,
        uploaded_by=user,
        format=chosen.name,
        file_name=name[:255],
        data=content,
        size=len(content),
    )


def _too_big(size: int, limit: int) -> str:
    return (
        f"The file is {size / 1_000_000:.1f} MB; files of up to {limit / 1_000_000:.0f} MB "
        "can be uploaded. Split it, or ask the site's operator to import it with "
        "`manage.py import_posts`."
    )


def import_too_big_message(*, size: int) -> str:
    return _too_big(size, settings.ARCHIVE_IMPORT_MAX_BYTES)


def import_job_claim(*, job_id: int) -> bool:
    """Take the job for this worker: once, or again when its worker stopped beating."""
    now = timezone.now()
    waiting = Q(status=ImportJob.Status.QUEUED) | Q(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - JOB_STALE_AFTER
    )
    claimed = ImportJob.objects.filter(waiting, pk=job_id).update(
        status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    return claimed == 1


def import_job_run(*, job_id: int) -> str:
    """Run a claimed-here job to its end; returns what happened, for the task's log."""
    if not import_job_claim(job_id=job_id):
        return "not claimed: done, failed, or another worker is on it"
    job = ImportJob.objects.select_related("community").get(pk=job_id)
    saver = _ProgressSaver(job_id)
    try:
        summary = posts_import(
            stream=io.BytesIO(bytes(job.data)),
            format=job.format,
            community=job.community,
            progress=saver,
        )
    except ValidationError as error:
        _job_finish(job_id, status=ImportJob.Status.FAILED, error=" ".join(error.messages))
        return "failed: " + " ".join(error.messages)
    except DatabaseError:
        raise  # our database went away: the task retries, and the import resumes idempotently
    except Exception:
        logger.exception("Import job %s stopped on an error", job_id)
        _job_finish(
            job_id,
            status=ImportJob.Status.FAILED,
            error="The import stopped on an unexpected error; the site's operator can see why "
            "in the logs. What was read before it is kept.",
        )
        raise
    failure = summary.stopped
    if not failure and not summary.pages and summary.skipped:
        failure = "Nothing in this file could be imported: see why below."
    _job_finish(
        job_id,
        status=ImportJob.Status.FAILED if failure else ImportJob.Status.DONE,
        error=failure[:500],
        progress_bytes=job.size,
        **_counts(summary),
    )
    return f"{summary.new} new, {summary.refreshed} updated, {summary.skipped} skipped"


def _counts(summary: ImportSummary) -> dict[str, object]:
    return {
        "new_count": summary.new,
        "updated_count": summary.refreshed + summary.kept,
        "skipped_count": summary.skipped,
        "in_chats_count": len(summary.in_chats),
        "reasons": summary.reasons,
    }


def _job_finish(job_id: int, *, status: str, error: str = "", **fields: object) -> None:
    # The file goes as the job ends, whichever way: it was only kept for the worker.
    ImportJob.objects.filter(pk=job_id).update(
        status=status, error=error, data=b"", finished_at=timezone.now(), **fields
    )


class _ProgressSaver:
    """Saves the job's progress and heartbeat, at most every PROGRESS_SAVE_EVERY seconds."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, position: int, summary: ImportSummary) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_SAVE_EVERY:
            return
        self.last = now
        ImportJob.objects.filter(pk=self.job_id).update(
            progress_bytes=position, heartbeat_at=timezone.now(), **_counts(summary)
        )
