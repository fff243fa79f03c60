"""An organiser imports a TAGS sheet from a phone and follows a running import."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from archive.models import ImportJob, Post
from chats.models import Chat
from community.models import Community
from config.celery import app as celery_app
from members.models import User
from tests.archive.imports.conftest import tags_csv, tags_row
from tests.browser.tour import PHONE, axe_violations, horizontal_overflow, sign_in_context
from tests.fakes.x_data import make_tweet, make_user

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ALICE = make_user("alice", name="Alice A")


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    # The worker's task runs in the live server's request thread, once the upload commits.
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def past_chat(community: Community) -> Chat:
    start = timezone.now().replace(microsecond=0) - timedelta(days=400)
    return Chat.objects.create(
        community=community, title="Taxonomies", hashtag=community.hashtag,
        start_at=start, end_at=start + timedelta(hours=1),
    )  # fmt: skip


def _open(new_page: Callable[..., Page], live_server: LiveServer, user: User, slug: str) -> Page:
    page = new_page(viewport=PHONE)
    sign_in_context(page.context, live_server.url, user)
    page.goto(reverse("archive:imports", kwargs={"slug": slug}))
    return page


def test_it_lets_an_organiser_upload_a_tags_sheet_and_read_the_result_on_a_phone(
    new_page: Callable[..., Page], live_server: LiveServer, organiser_user: User,
    community: Community, past_chat: Chat, eager_tasks: None, tmp_path: Path,
) -> None:  # fmt: skip
    tweets = [
        make_tweet(author=ALICE, text=f"A{n} from the old sheet #KMers",
                   created_at=past_chat.start_at + timedelta(minutes=n))
        for n in (1, 2)
    ]  # fmt: skip
    rows = [tags_row(t, ALICE) for t in tweets]
    rows.append({**rows[0], "id_str": "42", "status_url": "", "created_at": "someday"})
    sheet = tmp_path / "kmers-archive.csv"
    sheet.write_bytes(tags_csv(rows))
    page = _open(new_page, live_server, organiser_user, community.slug)
    assert axe_violations(page) == []

    page.get_by_label("Archive file").set_input_files(sheet)
    page.get_by_role("button", name="Upload and import").click()

    job = page.locator(".import-job").first
    expect(job).to_contain_text("kmers-archive.csv")
    expect(job).to_contain_text("2 new posts")
    expect(job).to_contain_text("1 skipped; 2 in this community's chats")
    job.get_by_text("Why 1 item was skipped").click()
    expect(job).to_contain_text("line 4: post 42: created_at 'someday' is not X's time format")
    assert Post.objects.count() == 2
    assert horizontal_overflow(page) == 0
    assert axe_violations(page) == []


def test_it_shows_a_running_import_finish_without_a_reload(
    new_page: Callable[..., Page], live_server: LiveServer, organiser_user: User,
    community: Community,
) -> None:  # fmt: skip
    job = ImportJob.objects.create(
        community=community, format="tags", file_name="big.csv", size=1000,
        progress_bytes=250, status=ImportJob.Status.RUNNING,
    )  # fmt: skip
    page = _open(new_page, live_server, organiser_user, community.slug)
    expect(page.get_by_text("Read 25% of the file")).to_be_visible()
    assert axe_violations(page) == []

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, progress_bytes=1000, new_count=812, updated_count=3
    )

    expect(page.locator(f"#import-{job.pk}")).to_contain_text("812 new posts", timeout=8_000)
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)
