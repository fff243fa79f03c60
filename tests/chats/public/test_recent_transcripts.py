"""Visitors find finished chats' transcripts from the home page and the community page."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.models import Chat
from community.models import Community
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 10, 17, 0, tzinfo=UTC)


def _ended_chat(community: Community, *, week: int, posts: int) -> Chat:
    start = START + timedelta(weeks=week)
    chat = Chat.objects.create(
        community=community, title=f"Week {week} chat", hashtag=community.hashtag,
        start_at=start, end_at=start + timedelta(hours=1),
    )  # fmt: skip
    people = [make_user(f"person{week}_{n}") for n in range(posts)]
    tweets = [
        make_tweet(author=person, text=f"A1 answer {n} #KMers",
                   created_at=start + timedelta(minutes=n + 1))
        for n, person in enumerate(people)
    ]  # fmt: skip
    if tweets:
        archive_tweets(tweets, users=people)
    return chat


def _page(client: Client, url: str) -> tuple[str, int]:
    with (
        time_machine.travel(START + timedelta(weeks=6), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        html = client.get(url).content.decode()
    return html, len(queries)


def test_it_links_the_newest_transcripts_with_their_size(
    anonymous: Client, community: Community
) -> None:
    older = _ended_chat(community, week=0, posts=3)
    newer = _ended_chat(community, week=1, posts=2)
    _ended_chat(community, week=2, posts=0)  # no posts: no transcript

    for url in (reverse("home"), community.get_absolute_url()):
        html, _ = _page(anonymous, url)

        links = [
            reverse("archive:transcript", kwargs={"slug": community.slug, "pk": chat.pk})
            for chat in (newer, older)
        ]
        assert html.index(links[0]) < html.index(links[1])
        assert "Week 2 chat" not in html.split("Recent transcripts")[1].split("</section>")[0]
        assert "2 posts, 2 participants" in html
        assert "3 posts, 3 participants" in html


def test_it_lists_transcripts_in_a_constant_number_of_queries(
    anonymous: Client, community: Community
) -> None:
    _ended_chat(community, week=0, posts=2)
    _, one = _page(anonymous, reverse("home"))
    for week in range(1, 5):
        _ended_chat(community, week=week, posts=3)

    _, five = _page(anonymous, reverse("home"))

    assert five == one


def test_it_lists_every_past_chat_by_year_and_month_with_post_counts(
    anonymous: Client, community: Community
) -> None:
    november = _ended_chat(community, week=0, posts=3)
    december = _ended_chat(community, week=4, posts=2)
    december_too = _ended_chat(community, week=5, posts=1)
    archive_url = reverse("archive:community_transcripts", kwargs={"slug": community.slug})
    assert archive_url in _page(anonymous, community.get_absolute_url())[0]

    html, _ = _page(anonymous, archive_url)

    years = html.split('<h2 id="year-')
    assert [part[:4] for part in years[1:]] == ["2026"]
    assert "(6 posts)" in years[1]
    assert html.index("December") < html.index("November")
    assert 'December <span class="meta">(3 posts)</span>' in html
    assert 'November <span class="meta">(3 posts)</span>' in html
    for chat in (november, december, december_too):
        assert chat.get_transcript_url() in html


def test_it_explains_an_empty_community_archive(anonymous: Client, community: Community) -> None:
    url = reverse("archive:community_transcripts", kwargs={"slug": community.slug})

    html, _ = _page(anonymous, url)

    assert "No transcripts yet" in html
