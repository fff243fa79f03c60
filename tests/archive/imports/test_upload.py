"""Organisers upload an archive file; a worker imports it; the page follows and reports."""

import gzip
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import ImportJob, Post
from archive.services.imports import import_job_claim, import_job_run, posts_import
from chats.models import Chat
from community.models import Community
from config.celery import app as celery_app
from tests.archive.exports.conftest import ALICE, BOB, HOST, START
from tests.archive.imports.conftest import tags_csv, tags_row
from tests.fakes.x_data import make_tweet

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def _sheet(count: int = 3) -> bytes:
    authors = [HOST, ALICE, BOB]
    tweets = [
        make_tweet(
            author=authors[n % 3],
            text=f"A{n % 5 + 1} thought {n} #KMers",
            created_at=START + timedelta(minutes=5, seconds=n),
        )
        for n in range(count)
    ]
    return tags_csv([tags_row(t, authors[n % 3]) for n, t in enumerate(tweets)])


def _page_url(community: Community) -> str:
    return reverse("archive:imports", kwargs={"slug": community.slug})


def _status_url(job: ImportJob) -> str:
    return reverse("archive:import_status", kwargs={"slug": job.community.slug, "pk": job.pk})


def _upload(client: Client, community: Community, content: bytes, name: str = "tags.csv",
            format: str = "detect") -> Any:  # fmt: skip
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(_page_url(community), {"file": upload, "format": format})


def _job(community: Community, *, content: bytes = b"", **fields: Any) -> ImportJob:
    content = content or _sheet()
    return ImportJob.objects.create(
        community=community, format="tags", file_name="tags.csv", data=content,
        size=len(content), **fields,
    )  # fmt: skip


def test_it_lets_organisers_only_open_the_import_page(
    organiser: Client, moderator: Client, member: Client, outsider: Client, anonymous: Client,
    community: Community,
) -> None:  # fmt: skip
    url = _page_url(community)

    assert organiser.get(url).status_code == 200
    # Moderators tidy what is archived; bringing in a whole archive is the organisers' call.
    assert moderator.get(url).status_code == 403
    assert member.get(url).status_code == 403
    assert outsider.get(url).status_code == 403
    assert anonymous.get(url)["Location"].startswith(reverse("account_login"))
    for client in (moderator, member, outsider):
        assert _upload(client, community, _sheet()).status_code == 403
    assert not ImportJob.objects.exists()


def test_it_imports_an_uploaded_file_in_a_worker_and_shows_the_result(
    organiser: Client, community: Community, chat: Chat, eager_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _upload(organiser, community, _sheet())

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#import-{job.pk}")
    assert len(callbacks) == 1
    assert (job.status, job.format, job.new_count, job.in_chats_count) == ("done", "tags", 3, 3)
    assert job.data.tobytes() == b""  # the file is gone once the job has ended
    assert job.progress_bytes == job.size
    assert Post.objects.count() == 3
    page = organiser.get(_page_url(community)).content.decode()
    assert "3 new posts, 0 already in the archive," in page
    assert "0 skipped; 3 in this community" in page
    assert "data-poll-url" not in page


def test_it_adds_nothing_when_the_same_file_is_uploaded_again(
    community: Community, chat: Chat
) -> None:
    sheet = _sheet()
    first, second = _job(community, content=sheet), _job(community, content=sheet)

    import_job_run(job_id=first.pk)
    import_job_run(job_id=second.pk)

    second.refresh_from_db()
    assert (second.new_count, second.updated_count, second.status) == (0, 3, "done")
    assert Post.objects.count() == 3


def test_it_runs_a_job_once_unless_its_worker_stopped_beating(community: Community) -> None:
    job = _job(community)

    assert import_job_claim(job_id=job.pk) is True
    assert import_job_claim(job_id=job.pk) is False
    assert import_job_run(job_id=job.pk).startswith("not claimed")
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert import_job_claim(job_id=job.pk) is True


def test_it_refuses_a_file_over_the_size_limit_next_to_the_field(
    organiser: Client, community: Community, settings: Any
) -> None:
    settings.ARCHIVE_IMPORT_MAX_BYTES = 200

    small_over = _upload(organiser, community, _sheet())
    far_over = _upload(organiser, community, b"x" * 100_000)

    for response in (small_over, far_over):
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="id_file_error"' in page
        assert "files of up to 0 MB can be uploaded" in page
    assert not ImportJob.objects.exists()


def test_it_says_when_it_cannot_tell_what_a_file_is(
    organiser: Client, community: Community
) -> None:
    response = _upload(organiser, community, b"\x00\x01 just bytes", name="mystery.bin")

    assert response.status_code == 400
    assert 'id="id_format_error"' in response.content.decode()
    assert "none of the formats we can tell apart" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_fails_a_damaged_file_clearly_and_keeps_what_it_read(
    community: Community, chat: Chat
) -> None:
    damaged = gzip.compress(_sheet(150))[:-40]
    job = _job(community, content=damaged)

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error.startswith("The file is damaged or cut short")
    assert job.data.tobytes() == b""


def test_it_reports_progress_as_it_reads(community: Community, chat: Chat) -> None:
    content = _sheet(250)
    seen: list[int] = []

    posts_import(
        stream=BytesIO(content), format=None, community=community,
        progress=lambda position, summary: seen.append(position),
    )  # fmt: skip

    assert len(seen) == 3  # pages of 100
    assert seen == sorted(seen)
    assert seen[-1] == len(content)


def test_it_shows_a_running_job_with_its_progress_and_a_refresh_link(
    organiser: Client, outsider: Client, other_moderator: Client, community: Community
) -> None:
    job = _job(community, status="running")
    ImportJob.objects.filter(pk=job.pk).update(size=1000, progress_bytes=500)

    fragment = organiser.get(_status_url(job)).content.decode()

    assert f'data-poll-url="{_status_url(job)}"' in fragment
    assert 'value="50"' in fragment
    assert f'href="{_page_url(community)}#import-{job.pk}">Refresh</a>' in fragment
    assert outsider.get(_status_url(job)).status_code == 403
    assert other_moderator.get(_status_url(job)).status_code == 403


def test_it_shows_hostile_file_names_as_text(organiser: Client, community: Community) -> None:
    for name in ("<img src=x onerror=alert(1)>.csv", "../../etc/passwd", "a\u202etxt.csv"):
        response = _upload(organiser, community, _sheet(), name=name)
        assert response.status_code == 302

    page = organiser.get(_page_url(community)).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert ImportJob.objects.count() == 3


def test_it_fails_a_job_its_import_crashed_without_losing_the_reason_for_the_operator(
    community: Community, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    job = _job(community)

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("archive.services.imports.posts_import", crash)
    with pytest.raises(RuntimeError):
        import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "unexpected error" in job.error
    assert job.data.tobytes() == b""
    assert "Import job" in caplog.text


def test_it_answers_the_import_page_in_a_fixed_number_of_queries(
    organiser: Client, community: Community, django_assert_max_num_queries: Any
) -> None:
    _job(community, status="done", reasons=["line 2: post 1: bad"], skipped_count=1)
    organiser.get(_page_url(community))
    with django_assert_max_num_queries(12) as few:
        organiser.get(_page_url(community))
    for _ in range(8):
        _job(community, status="done", uploaded_by=community.created_by)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = organiser.get(_page_url(community)).content.decode()

    assert page.count('class="import-job"') == 9
    assert page.count(f"by {community.created_by.public_name}") == 8


def test_it_fails_a_file_of_the_wrong_format_saying_why_by_line(
    organiser: Client, community: Community
) -> None:
    job = _job(community, content=b'{"chat": {"id": 1}, "posts": []}\n')

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "Nothing in this file could be imported: see why below."
    assert job.reasons == [
        "line 1: not a TAGS archive sheet: no from_user, text, created_at column"
    ]
    page = organiser.get(_page_url(community)).content.decode()
    assert "line 1: not a TAGS archive sheet" in page
