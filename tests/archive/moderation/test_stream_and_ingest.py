"""Moderating the between-chat stream, and ingest keeping excluded accounts hidden."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import ModerationAction, PostPlacement
from archive.services import moderation
from community.models import Community
from members.models import User
from tests.archive.moderation.conftest import ADA, SPAMMER, START, USERS, Archive
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet

pytestmark = pytest.mark.django_db

STREAM_URL = reverse("archive:moderate_stream", kwargs={"slug": "kmers"})


def _between_chats(text: str, *, days: int, author: dict = ADA) -> None:
    created = START + timedelta(days=days)
    archive_tweets([make_tweet(author=author, text=text, created_at=created)], users=USERS)


def test_it_lists_stream_posts_newest_first_and_hides_them_there(
    moderator: Client, archive: Archive
) -> None:
    _between_chats("Older thought #KMers", days=2)
    _between_chats("Newer thought #KMers", days=3)

    page = moderator.get(STREAM_URL).content.decode()
    placement = PostPlacement.objects.get(post__text__startswith="Newer")
    response = moderator.post(
        reverse("archive:placement_hide", kwargs={"slug": "kmers", "pk": placement.pk}),
        {"reason": "off_topic"},
    )

    assert page.index("Newer thought") < page.index("Older thought")
    assert "Buy followers" not in page  # chat posts are on the chat's page
    assert '<option value="off_topic">Off topic</option>' in page
    assert response["Location"] == f"{STREAM_URL}#post-{placement.post.external_id}"
    placement.refresh_from_db()
    assert placement.hidden
    assert ModerationAction.objects.get().post_id == placement.post_id


def test_it_moderates_the_stream_in_the_same_number_of_queries_for_1_and_12_posts(
    moderator: Client, archive: Archive, community: Community, organiser_user: User
) -> None:
    _between_chats("First #KMers", days=2)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert moderator.get(STREAM_URL).status_code == 200
        return len(queries)

    small = count()
    for n in range(11):
        _between_chats(f"More {n} #KMers", days=3 + n, author=SPAMMER if n % 2 else ADA)
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=organiser_user, reason="spam"
    )

    assert count() == small


def _store_queries(tweets: list[dict]) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        archive_tweets(tweets, users=USERS)
    return [q["sql"] for q in queries if "chats_accountexclusion" in q["sql"]]


def test_it_asks_for_exclusions_once_per_page_and_only_when_posts_are_placed(
    archive: Archive, community: Community, organiser_user: User
) -> None:
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=organiser_user, reason="spam"
    )
    placed = [
        make_tweet(author=SPAMMER, text=f"Spam {n} #KMers", created_at=START + timedelta(minutes=n))
        for n in range(1, 6)
    ]
    unplaced = [make_tweet(author=SPAMMER, text="No tag here", created_at=START)]

    assert len(_store_queries(placed)) == 1
    assert _store_queries(unplaced) == []
    assert PostPlacement.objects.filter(post__text__startswith="Spam", hidden=False).count() == 0


def test_it_keeps_a_moderator_hidden_post_hidden_when_it_is_pulled_again(
    archive: Archive, moderator_user: User
) -> None:
    moderation.placement_hide(placement=archive.spam_placement, actor=moderator_user, reason="spam")

    archive_tweets(
        [make_tweet(author=SPAMMER, text="Buy followers now #KMers", created_at=START,
                    tweet_id=archive.spam.external_id)],
        users=USERS,
    )  # fmt: skip

    archive.spam_placement.refresh_from_db()
    assert (archive.spam_placement.hidden, archive.spam_placement.hidden_reason) == (True, "spam")
