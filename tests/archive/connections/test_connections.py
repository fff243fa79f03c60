"""Connections between communities: the posts they share, the people who take part in
both, over a period; on each community page, a site-wide map and a pair's shared posts."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import Account, PostPlacement
from archive.selectors.connections import community_connections, connection_map
from archive.selectors.transcript import chat_placements
from archive.services import moderation
from archive.services.connections import connections_refresh
from chats.models import Chat
from chats.services import joint, schedule
from community.models import Community
from community.services import community_create
from members.models import User
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet
from tests.fakes.x_data import make_user as make_x_user

pytestmark = pytest.mark.django_db

ANN, BEN, CAT = (make_x_user(name) for name in ("ann", "ben", "cat"))


def _post(author: dict[str, Any], tags: str, *, days_ago: float = 1) -> dict[str, Any]:
    tweet = make_tweet(
        author=author,
        text=f"Thinking aloud {tags}",
        created_at=timezone.now() - timedelta(days=days_ago),
    )
    archive_tweets([tweet], users=[author])
    return tweet


def _counted() -> None:
    """What beat does hourly: recount the connections the pages read."""
    connections_refresh()


@pytest.fixture
def third_community(make_user: Callable[..., User], community_data: dict[str, str]) -> Community:
    return community_create(
        creator=make_user("tess"), data={**community_data, "name": "Teachers", "hashtag": "edchat"}
    )


def test_it_counts_shared_posts_and_shared_participants_in_the_period(
    community: Community, other_community: Community, third_community: Community
) -> None:
    _post(ANN, "#KMers #libchat")
    _post(ANN, "#KMers #libchat", days_ago=200)  # outside the last 3 months
    _post(BEN, "#KMers")
    _post(BEN, "#libchat")  # shared participant, no shared post
    _post(CAT, "#KMers")
    _post(CAT, "#edchat", days_ago=100)
    _counted()

    recent = {
        link.other.hashtag: link for link in community_connections(community=community, period="3m")
    }
    assert set(recent) == {"libchat"}
    assert (recent["libchat"].shared_posts, recent["libchat"].shared_participants) == (1, 2)

    year = {
        link.other.hashtag: link
        for link in community_connections(community=community, period="12m")
    }
    assert (year["libchat"].shared_posts, year["libchat"].shared_participants) == (2, 2)
    assert (year["edchat"].shared_posts, year["edchat"].shared_participants) == (0, 1)
    # Ordered strongest first.
    assert [
        link.other.hashtag for link in community_connections(community=community, period="12m")
    ] == [
        "libchat",
        "edchat",
    ]


def test_it_counts_a_member_posting_from_two_accounts_as_one_participant(
    community: Community, other_community: Community, member_user: User
) -> None:
    _post(ANN, "#KMers")
    _post(BEN, "#libchat")
    Account.objects.filter(handle__in=["ann", "ben"]).update(member=member_user)
    _counted()

    (link,) = community_connections(community=community, period="3m")
    assert (link.shared_posts, link.shared_participants) == (0, 1)


def test_it_leaves_out_a_post_hidden_in_either_community(
    community: Community, other_community: Community, organiser_user: User, anonymous: Client
) -> None:
    hidden = _post(ANN, "#KMers #libchat spamspam")
    _post(BEN, "#KMers #libchat goodpost")
    placement = PostPlacement.objects.get(post__external_id=hidden["id"], community=other_community)
    moderation.placement_hide(placement=placement, actor=organiser_user, reason="spam")
    _counted()

    (link,) = community_connections(community=community, period="3m")
    assert link.shared_posts == 1
    page = anonymous.get(
        reverse(
            "archive:shared_posts", kwargs={"slug": community.slug, "other": other_community.slug}
        )
    ).content.decode()
    assert "goodpost" in page
    assert "spamspam" not in page


def test_it_lists_a_pairs_shared_posts_newest_first_a_page_at_a_time(
    community: Community, other_community: Community, anonymous: Client
) -> None:
    for number in range(55):
        _post(ANN, f"#KMers #libchat number{number:02d}", days_ago=1 + number / 100)
    _post(BEN, "#KMers only-ours")
    url = reverse(
        "archive:shared_posts", kwargs={"slug": community.slug, "other": other_community.slug}
    )

    first = anonymous.get(url).content.decode()
    second = anonymous.get(url, {"page": 2}).content.decode()

    assert re.findall(r"number(\d\d)", first)[:2] == ["00", "01"]
    assert len(set(re.findall(r"number(\d\d)", first))) == 50
    assert set(re.findall(r"number(\d\d)", second)) == {str(n) for n in range(50, 55)}
    assert "only-ours" not in first + second
    assert anonymous.get(url, {"page": "999", "period": "bogus"}).status_code == 200
    itself = {"slug": community.slug, "other": community.slug}
    assert anonymous.get(reverse("archive:shared_posts", kwargs=itself)).status_code == 404


def test_it_shows_connected_communities_on_the_community_page_linking_to_the_shared_posts(
    community: Community, other_community: Community, anonymous: Client
) -> None:
    _post(ANN, "#KMers #libchat")
    _counted()
    page = anonymous.get(community.get_absolute_url()).content.decode()
    assert "Connected communities" in page
    assert (
        reverse(
            "archive:shared_posts", kwargs={"slug": community.slug, "other": other_community.slug}
        )
        in page
    )
    assert "1 shared post" in page
    assert "1 shared participant" in page


def test_it_draws_the_site_wide_map_with_a_table_equivalent(
    community: Community, other_community: Community, third_community: Community, anonymous: Client
) -> None:
    _post(ANN, "#KMers #libchat")
    _post(BEN, "#edchat #libchat")
    _counted()
    response = anonymous.get(reverse("archive:connections"))
    page = response.content.decode()

    assert response.status_code == 200
    assert page.count("<line ") == 2
    assert '<svg viewBox="0 0 400 400" role="img"' in page
    assert "Connected pairs" in page
    assert "Shared posts, community by community" in page
    pairs = [
        {link.community.hashtag, link.other.hashtag} for link in connection_map(period="3m").links
    ]
    assert sorted(pairs, key=sorted) == [{"KMers", "libchat"}, {"edchat", "libchat"}]
    assert anonymous.get(reverse("archive:connections"), {"period": "all"}).status_code == 200


def test_it_answers_the_connection_pages_in_a_fixed_number_of_queries(
    community: Community, other_community: Community, third_community: Community,
    anonymous: Client, django_assert_num_queries: Any, make_user: Callable[..., User],
    community_data: dict[str, str],
) -> None:  # fmt: skip
    _post(ANN, "#KMers #libchat")
    _counted()
    url = reverse("archive:connections")
    anonymous.get(url)
    with django_assert_num_queries(1) as few:
        anonymous.get(url)
    for number in range(6):
        name = f"c{number}"
        community_create(
            creator=make_user(f"u{number}"), data={**community_data, "name": name, "hashtag": name}
        )
        _post(make_x_user(f"p{number}"), f"#{name} #KMers #edchat #libchat")
    _counted()
    with django_assert_num_queries(len(few.captured_queries)):
        anonymous.get(url)
    assert connection_map(period="3m").links


def test_it_suggests_partners_by_shared_participants_to_organisers_with_an_invite_link(
    community: Community, other_community: Community, third_community: Community,
    organiser: Client, organiser_user: User,
) -> None:  # fmt: skip
    for author in (ANN, BEN):
        _post(author, "#KMers")
        _post(author, "#libchat")
    _post(CAT, "#KMers")
    _post(CAT, "#edchat")
    _counted()
    start = timezone.now() + timedelta(days=2)
    chat = schedule.chat_create(
        community=community, title="Next one", start_at=start, end_at=start + timedelta(hours=1)
    )

    page = organiser.get(reverse("chats:manage", kwargs={"slug": community.slug})).content.decode()

    assert "Suggested partners for a joint chat" in page
    suggestions = page.split("Suggested partners", 1)[1].split("</section>", 1)[0]
    assert suggestions.index("Librarians") < suggestions.index("Teachers")
    invite = reverse("chats:joint", kwargs={"slug": community.slug, "pk": chat.pk})
    assert f"{invite}?community=libchat" in suggestions


def test_it_lists_a_joint_chats_one_transcript_for_both_communities(
    community: Community, other_community: Community, organiser_user: User, anonymous: Client
) -> None:
    start = timezone.now() - timedelta(hours=3)
    chat = schedule.chat_create(
        community=community, title="Mixer transcript", start_at=start,
        end_at=start + timedelta(hours=1), now=start - timedelta(days=1),
    )  # fmt: skip
    cohost = joint.joint_invite(
        chat=chat,
        community=other_community,
        invited_by=organiser_user,
        now=start - timedelta(days=1),
    )
    joint.joint_accept(
        cohost=cohost, by=User.objects.get(username="otto"), now=start - timedelta(days=1)
    )
    tweet = make_tweet(
        author=ANN, text="A1 both #KMers #libchat", created_at=start + timedelta(minutes=5)
    )
    archive_tweets([tweet], users=[ANN])
    chat = Chat.objects.get(pk=chat.pk)

    for slug in (community.slug, other_community.slug):
        page = anonymous.get(reverse("communities:detail", kwargs={"slug": slug})).content.decode()
        assert chat.get_transcript_url() in page
    assert anonymous.get(chat.get_transcript_url()).status_code == 200
    # Placed in both communities' archives, shown once in the one transcript.
    assert PostPlacement.objects.filter(chat=chat).count() == 2
    assert [p.post.external_id for p in chat_placements(chat=chat)] == [tweet["id"]]


def test_it_recounts_on_refresh_dropping_pairs_that_no_longer_share_anything(
    community: Community, other_community: Community, organiser_user: User
) -> None:
    tweet = _post(ANN, "#KMers #libchat")
    _counted()
    assert len(community_connections(community=community, period="3m")) == 1
    placement = PostPlacement.objects.get(post__external_id=tweet["id"], community=community)
    moderation.placement_hide(placement=placement, actor=organiser_user, reason="spam")

    # Pages read the rollup: unchanged until the next recount, then gone.
    assert len(community_connections(community=community, period="3m")) == 1
    _counted()
    assert community_connections(community=community, period="3m") == []
    assert connection_map(period="all").links == []
