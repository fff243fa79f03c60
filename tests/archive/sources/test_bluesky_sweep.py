"""Bluesky posts deleted after a chat: a getPosts sweep shows them as removed."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from archive.models import Post
from archive.networks import Network
from archive.services.bluesky_sweep import bluesky_deletions_sweep
from archive.services.ingest import posts_store
from archive.sources.base import PullQuery, SourceUnavailable
from archive.sources.bluesky import BlueskySource
from chats.models import Chat
from chats.services import schedule
from community.models import Community
from tests.fakes.bluesky_api import (
    APP_PASSWORD,
    HANDLE,
    FakeBlueskyApi,
    make_bsky_post,
    running_fake,
)

GET_POSTS = "app.bsky.feed.getPosts"


@pytest.fixture
def bluesky_api() -> Iterator[FakeBlueskyApi]:
    yield from running_fake()


@pytest.fixture
def start() -> datetime:
    return timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)


@pytest.fixture
def chat(community: Community, start: datetime) -> Chat:
    return schedule.chat_create(
        community=community,
        title="Graphs",
        start_at=start,
        end_at=start + timedelta(hours=1),
        now=start - timedelta(days=1),
    )


def source(api: FakeBlueskyApi) -> BlueskySource:
    return BlueskySource(handle=HANDLE, app_password=APP_PASSWORD, base_url=api.base_url)


def archived(api: FakeBlueskyApi, start: datetime, count: int) -> list[dict]:
    views = [
        make_bsky_post(text=f"A1 point {n} #KMers", at=start + timedelta(seconds=10 * n))
        for n in range(count)
    ]
    api.add_posts(*views)
    for page in source(api).fetch_pages(PullQuery(hashtags=("kmers",))):
        posts_store(posts=page.posts)
    return views


@pytest.mark.django_db
def test_it_marks_the_posts_bluesky_no_longer_serves_as_removed_by_their_authors(
    bluesky_api: FakeBlueskyApi, chat: Chat, start: datetime
) -> None:
    views = archived(bluesky_api, start, 60)
    deleted = [views[3]["uri"], views[41]["uri"]]
    bluesky_api.delete(*deleted)
    chat.refresh_from_db()
    version = chat.archive_changed_at

    marked = bluesky_deletions_sweep(chat_id=chat.pk, source=source(bluesky_api))

    assert marked == 2
    removed = Post.objects.filter(network=Network.BLUESKY, removed=True)
    assert sorted(removed.values_list("external_id", flat=True)) == sorted(deleted)
    assert {p.removed_reason for p in removed} == {Post.REMOVED_BY_AUTHOR}
    calls = bluesky_api.calls(GET_POSTS)
    assert [len(c.params["uris"]) for c in calls] == [25, 25, 10]
    # A second sweep asks only about the posts still shown, and marks nothing new.
    assert bluesky_deletions_sweep(chat_id=chat.pk, source=source(bluesky_api)) == 0
    assert sum(len(c.params["uris"]) for c in bluesky_api.calls(GET_POSTS)[3:]) == 58
    chat.refresh_from_db()
    assert chat.archive_changed_at != version


@pytest.mark.django_db
def test_it_marks_nothing_when_bluesky_serves_none_of_the_posts(
    bluesky_api: FakeBlueskyApi, chat: Chat, start: datetime
) -> None:
    views = archived(bluesky_api, start, 5)
    bluesky_api.delete(*(v["uri"] for v in views))

    assert bluesky_deletions_sweep(chat_id=chat.pk, source=source(bluesky_api)) == 0
    assert not Post.objects.filter(removed=True).exists()


@pytest.mark.django_db
def test_it_marks_nothing_when_bluesky_fails(
    bluesky_api: FakeBlueskyApi, chat: Chat, start: datetime
) -> None:
    views = archived(bluesky_api, start, 30)
    bluesky_api.delete(views[0]["uri"])
    bluesky_api.fail_next(status=502, nsid=GET_POSTS, after=1)

    with pytest.raises(SourceUnavailable):
        bluesky_deletions_sweep(chat_id=chat.pk, source=source(bluesky_api))
    assert not Post.objects.filter(removed=True).exists()
