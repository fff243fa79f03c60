"""An existing database moves to the new layout without moving a row.

The archive's models left the chats app in chats 0006 and archive 0001, both state only:
the tables keep their chats_* names. Here a database at chats 0005 (the last migration
before the move) is filled through that migration's own models, migrated forward, and
read through today's models.
"""

from datetime import UTC, date, datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from archive.models import (
    Account,
    AccountExclusion,
    ModerationAction,
    Post,
    PostPlacement,
    ReadUsage,
    SourceHealth,
    SyncCursor,
)
from chats.models import Chat

LAST_BEFORE_THE_MOVE = ("chats", "0005_archive_public")
BEFORE_THE_MOVE = [LAST_BEFORE_THE_MOVE, ("archive", None)]
START = datetime(2026, 11, 5, 17, tzinfo=UTC)


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _latest() -> list[tuple[str, str | None]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _fill_archive(apps: object) -> dict[str, int]:
    """A chat with two posts, a stream post, and every other archive row, as 0005 had them."""
    model = apps.get_model  # type: ignore[attr-defined]
    user = model("members", "User").objects.create(username="ada", email="ada@example.org")
    community = model("community", "Community").objects.create(
        name="Knowledge Managers", slug="kmers", hashtag="KMers", time_zone="UTC"
    )
    chat = model("chats", "Chat").objects.create(
        community=community,
        title="Graphs",
        hashtag="KMers",
        start_at=START,
        end_at=START.replace(hour=18),
    )
    account = model("chats", "Account").objects.create(
        network="x", external_id="11", handle="ada", member=user
    )
    post_model, placement_model = model("chats", "Post"), model("chats", "PostPlacement")
    posts = [
        post_model.objects.create(
            network="x",
            external_id=str(100 + n),
            author=account,
            text=f"A{n} knowledge graphs",
            html=f"A{n} knowledge graphs",
            created_at=START.replace(minute=n),
            hashtags=["kmers"],
        )
        for n in range(1, 4)
    ]
    for post in posts[:2]:
        placement_model.objects.create(
            post=post, community=community, chat=chat, created_at=post.created_at
        )
    placement_model.objects.create(
        post=posts[2], community=community, chat=None, created_at=posts[2].created_at
    )
    cursor = model("chats", "SyncCursor").objects.create(
        network="x", query="#KMers", community=community, newest_id="103"
    )
    model("chats", "ReadUsage").objects.create(
        cursor=cursor,
        community=community,
        chat=chat,
        day=date(2026, 11, 5),
        posts_read=3,
        requests=1,
    )
    model("chats", "SourceHealth").objects.create(network="x", healthy=True)
    model("chats", "AccountExclusion").objects.create(
        community=community, account=account, reason="spam", created_by=user
    )
    model("chats", "ModerationAction").objects.create(
        community=community, actor=user, kind="exclude", account=account
    )
    return {"chat": chat.pk, "account": account.pk, "post": posts[0].pk}


@pytest.mark.django_db(transaction=True)
def test_it_keeps_every_archived_row_when_the_archive_leaves_the_chats_app() -> None:
    post_type = ContentType.objects.get_for_model(Post).pk
    executor = _migrate(BEFORE_THE_MOVE)
    ids = _fill_archive(executor.loader.project_state(LAST_BEFORE_THE_MOVE).apps)

    _migrate(_latest())

    counts = [
        model.objects.count()
        for model in (Post, PostPlacement, Account, SyncCursor, ReadUsage, SourceHealth)
    ]
    assert counts == [3, 3, 1, 1, 1, 1]
    assert (AccountExclusion.objects.count(), ModerationAction.objects.count()) == (1, 1)
    chat = Chat.objects.get(pk=ids["chat"])
    assert [p.post.external_id for p in chat.placements.order_by("created_at")] == ["101", "102"]
    assert Post.objects.get(pk=ids["post"]).author.member.username == "ada"
    assert SyncCursor.objects.get().newest_id == "103"
    # Read before the cost meter told re-reads apart: taken as billed, the cost unchanged.
    assert ReadUsage.objects.get().posts_billed == 3
    # The same content type (so permissions and admin history), now under its new app.
    assert ContentType.objects.get(app_label="archive", model="post").pk == post_type


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_search_trigger_and_indexes_on_the_moved_tables() -> None:
    _migrate(BEFORE_THE_MOVE)
    _migrate(_latest())
    account = Account.objects.create(network="x", external_id="12", handle="bo")

    post = Post.objects.create(
        network="x",
        external_id="200",
        author=account,
        text="Knowledge sharing",
        html="Knowledge sharing",
        created_at=START,
        language="en",
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM chats_post WHERE id = %s", [post.pk])
        assert "'share'" in cursor.fetchone()[0]  # stemmed by the trigger, English
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'chats_post'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"chats_post_search_gin", "chats_unique_post"} <= indexes
