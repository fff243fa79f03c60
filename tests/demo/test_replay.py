"""The demo's recorded chats: valid X pages, replayed up to now through posts_store, once."""

import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from archive.models import Post, PostPlacement
from archive.sources.x import normalise_x_page
from chats.models import Chat
from community.models import Community
from demo.chat import (
    ARCHIVED,
    LIVE,
    demo_live_chat_anchor,
    demo_replay,
    recorded_chat,
    recording_for,
)
from demo.tasks import replay_demo_chat
from tests.archive.commands.conftest import make_chat

START = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)


def _normalised(pages: list[dict]) -> list:
    # Through JSON and back, as pages arrive from X or from an archive file.
    return [normalise_x_page(json.loads(json.dumps(page))) for page in pages]


def test_it_records_an_hour_of_chat_as_x_pages_that_normalise_without_a_skip() -> None:
    recording = recorded_chat(start=START, hashtag="KMers")
    pages = recording.pages()

    normalised = _normalised(pages)
    posts = [post for page in normalised for post in page.posts]
    assert [skip for page in normalised for skip in page.skipped] == []
    assert 280 <= len(posts) <= 320
    assert len({post.author.handle for post in posts}) == 25
    assert all(
        START - timedelta(minutes=15) <= p.created_at < START + timedelta(minutes=90) for p in posts
    )
    questions = [p.text for p in posts if p.author.handle == "kmers_chat" and p.text[:1] == "Q"]
    assert sorted(q[:2] for q in questions) == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    answers = Counter(p.text[:2] for p in posts if p.text[:1] == "A")
    assert set(answers) == {"A1", "A2", "A3", "A4", "A5"}
    assert all("kmers" in p.hashtags for p in posts)
    assert sum("pkmchat" in p.hashtags for p in posts) >= 3


def test_it_records_replies_quotes_links_media_and_mentions_in_xs_shape() -> None:
    recording = recorded_chat(start=START, hashtag="KMers")
    pages = recording.pages()
    posts = {p.external_id: p for page in _normalised(pages) for p in page.posts}
    included = {t["id"] for page in pages for t in page["includes"].get("tweets", [])}

    replies = [p for p in posts.values() if p.reply_to_id]
    quotes = [p for p in posts.values() if p.quoted_id]
    assert len(replies) >= 50
    assert all(p.conversation_id == posts[p.reply_to_id].conversation_id for p in replies)
    assert len(quotes) >= 10
    assert {p.quoted_id for p in quotes} <= included
    assert sum('href="https://example.' in p.html for p in posts.values()) >= 10
    assert sum('href="https://x.com/' in p.html for p in posts.values()) >= 20
    assert 1 <= sum(bool(p.media) for p in posts.values()) <= 20
    # X escapes "&" in the text it sends; the stored text is the author's again.
    welcome = next(p for p in recording.posts if p.tweet["text"].startswith("Welcome"))
    assert "A1…A5 &amp; the hashtag" in welcome.tweet["text"]
    assert "A1…A5 & the hashtag" in posts[welcome.tweet["id"]].text


def test_it_pages_newest_first_with_xs_meta_and_the_same_pages_every_time() -> None:
    pages = recorded_chat(start=START, hashtag="KMers").pages()

    ids = [int(t["id"]) for page in pages for t in page["data"]]
    assert ids == sorted(ids, reverse=True)
    assert [len(page["data"]) for page in pages][:-1] == [100] * (len(pages) - 1)
    for page in pages:
        page_ids = [int(t["id"]) for t in page["data"]]
        meta = page["meta"]
        assert (meta["newest_id"], meta["oldest_id"]) == (str(max(page_ids)), str(min(page_ids)))
        assert meta["result_count"] == len(page_ids)
    assert ["next_token" in page["meta"] for page in pages] == [True] * (len(pages) - 1) + [False]
    assert recorded_chat(start=START, hashtag="KMers").pages() == pages
    other = recorded_chat(start=START, hashtag="KMers", topic=ARCHIVED).pages()
    assert {t["id"] for p in other for t in p["data"]}.isdisjoint(ids)


@pytest.mark.django_db
def test_it_replays_only_the_posts_whose_time_has_come_and_each_only_once(
    community: Community, now: datetime
) -> None:
    chat = demo_live_chat_anchor(community=community, now=now)
    recording = recording_for(chat)
    due_now = recording.ids_until(now)

    stored_at_anchor = set(Post.objects.values_list("external_id", flat=True))
    again = demo_replay(now=now)
    later = demo_replay(now=now + timedelta(minutes=20))

    assert chat.title == LIVE.title
    assert chat.start_at <= now < chat.end_at
    assert stored_at_anchor == due_now
    assert again == 0
    due_later = recording.ids_until(now + timedelta(minutes=20))
    assert later == len(due_later - due_now) > 0
    assert set(Post.objects.values_list("external_id", flat=True)) == due_later
    assert PostPlacement.objects.filter(chat=chat).count() == len(due_later)
    assert not Post.objects.filter(created_at__gt=now + timedelta(minutes=20)).exists()


@pytest.mark.django_db
def test_it_replays_nothing_without_a_demo_chat(community: Community, now: datetime) -> None:
    make_chat(community, start=now - timedelta(minutes=10))

    assert demo_replay(now=now) == 0
    assert replay_demo_chat() == 0
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_it_replays_the_live_demo_chat_from_the_beat_task(
    community: Community, now: datetime
) -> None:
    chat = demo_live_chat_anchor(community=community, now=now - timedelta(minutes=5))
    before = Post.objects.count()

    added = replay_demo_chat()

    assert added > 0
    assert Post.objects.count() == before + added
    assert PostPlacement.objects.filter(chat=chat).count() == before + added


def _seed() -> str:
    out = io.StringIO()
    with override_settings(DEBUG=True):  # as `make run` has it: no --force needed
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_seeds_a_live_chat_and_an_archived_one_and_reuses_them(now: datetime) -> None:
    # A frozen clock: on the real one the live replay may store one more due post between
    # the two runs, which is replaying, not duplicating.
    with time_machine.travel(now, tick=False):
        first = _seed()
        counts = (Chat.objects.count(), Post.objects.count(), PostPlacement.objects.count())
        second = _seed()

    assert (Chat.objects.count(), Post.objects.count(), PostPlacement.objects.count()) == counts
    live = Chat.objects.get(title=LIVE.title)
    archived = Chat.objects.get(title=ARCHIVED.title)
    assert live.community.slug == archived.community.slug == "kmers"
    assert live.status == Chat.Status.LIVE
    assert archived.status == Chat.Status.ENDED
    assert archived.final_sweep_at is not None
    assert timedelta(days=6) < now - archived.start_at < timedelta(days=8)
    assert archived.placements.count() == len(recording_for(archived).ids_until(None))
    assert 0 < live.placements.count() < len(recording_for(live).ids_until(None))
    assert [q.label for q in live.questions.all()] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert PostPlacement.objects.filter(community__slug="pkmchat", chat=None).exists()
    assert "Demo archive:" in first
    assert "Demo archive:" in second


@pytest.mark.django_db
def test_it_moves_an_ended_demo_chat_to_now_without_keeping_its_old_posts(
    now: datetime,
) -> None:
    _seed()
    old = Chat.objects.get(title=LIVE.title)
    old_ids = set(old.placements.values_list("post__external_id", flat=True))

    with time_machine.travel(now + timedelta(hours=3), tick=False):
        _seed()
        live = Chat.objects.get(title=LIVE.title)
        assert live.pk == old.pk
        assert live.status == Chat.Status.LIVE
        assert live.start_at > old.end_at
    assert not Post.objects.filter(external_id__in=old_ids).exists()
    assert live.placements.count() == len(recording_for(live).ids_until(now + timedelta(hours=3)))


@pytest.mark.django_db
def test_it_keeps_a_live_demo_chat_for_as_long_as_the_demo_runs(
    community: Community, now: datetime
) -> None:
    chat = demo_live_chat_anchor(community=community, now=now)

    with time_machine.travel(now + timedelta(hours=5), tick=False):
        replay_demo_chat()
        chat.refresh_from_db()

        assert chat.status == Chat.Status.LIVE
        assert chat.placements.count() == len(recording_for(chat).ids_until(timezone.now()))
