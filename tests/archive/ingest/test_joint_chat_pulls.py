"""A joint chat is pulled once with both communities' hashtags: no post read twice, each
post placed once in the one transcript, and not in the co-host's between-chat stream."""

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Post, PostPlacement
from archive.selectors.live import chat_posts
from archive.selectors.stream import stream_page
from archive.selectors.transcript import chat_placements
from archive.services.pulls import Target, pulls_due
from chats.models import Chat
from chats.services import joint
from community.models import Community
from members.models import User
from tests.archive.ingest.conftest import add_posts, make_chat, pull_now
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db


@pytest.fixture
def joint_chat(
    community: Community, other_community: Community, organiser_user: User, now: datetime
) -> Chat:
    start = now - timedelta(minutes=30)
    chat = make_chat(community, start=start)
    before = start - timedelta(days=1)
    cohost = joint.joint_invite(
        chat=chat, community=other_community, invited_by=organiser_user, now=before
    )
    joint.joint_accept(cohost=cohost, by=User.objects.get(username="otto"), now=before)
    chat.refresh_from_db()
    return chat


def test_it_pulls_a_joint_chat_once_with_both_hashtags_and_places_each_post_once(
    x_api: FakeXApi, joint_chat: Chat, other_community: Community, now: datetime
) -> None:
    start = joint_chat.window_start + timedelta(minutes=1)
    ours = add_posts(x_api, 3, start=start, tags=("KMers",))
    theirs = add_posts(x_api, 4, start=start, tags=("libchat",))
    both = add_posts(x_api, 2, start=start, tags=("KMers", "libchat"))

    # While the chat is open it stands in for both communities' sweeps.
    assert pulls_due(now=now) == [Target("chat", joint_chat.pk)]
    pull_now(joint_chat, now=now)

    queries = {request["query"] for request in x_api.search_requests}
    assert len(queries) == 1
    assert set(re.findall(r"#(\w+)", queries.pop().lower())) == {"kmers", "libchat"}
    assert Post.objects.count() == 9
    transcript = chat_placements(chat=joint_chat)
    assert sorted(p.post.external_id for p in transcript) == sorted(
        t["id"] for t in ours + theirs + both
    )
    # The live page too shows each post once.
    assert len(chat_posts(chat=joint_chat)) == 9
    guest = PostPlacement.objects.filter(community=other_community)
    assert guest.count() == 6
    assert set(guest.values_list("chat_id", flat=True)) == {joint_chat.pk}
    assert stream_page(community=other_community).placements == []


def test_it_keeps_a_left_joint_chats_posts_in_its_transcript_and_stops_pulling_the_tag(
    x_api: FakeXApi, joint_chat: Chat, other_community: Community, now: datetime
) -> None:
    add_posts(x_api, 3, start=joint_chat.window_start, tags=("libchat",))
    pull_now(joint_chat, now=now)
    cohost = joint_chat.cohosts.get()
    joint.joint_leave(cohost=cohost, by=User.objects.get(username="otto"))
    joint_chat.refresh_from_db()

    assert joint_chat.hashtags == ["KMers"]
    assert len(chat_placements(chat=joint_chat)) == 3
    # Its own sweep runs again: the chat's query no longer covers it.
    assert Target("stream", other_community.pk) in pulls_due(now=now)


def test_it_lets_either_communitys_moderators_moderate_the_one_transcript(
    x_api: FakeXApi, joint_chat: Chat, other_moderator: Client, moderator: Client,
    other_community: Community, now: datetime,
) -> None:  # fmt: skip
    add_posts(x_api, 2, start=joint_chat.window_start, tags=("KMers", "libchat"))
    pull_now(joint_chat, now=now)
    first, second = chat_placements(chat=joint_chat)

    page = other_moderator.get(
        reverse("archive:moderate_chat", kwargs={"slug": other_community.slug, "pk": joint_chat.pk})
    )
    assert page.status_code == 200
    hide = reverse("archive:placement_hide", kwargs={"slug": other_community.slug, "pk": first.pk})
    assert other_moderator.post(hide, {"reason": "spam"}).status_code == 302

    # Hidden in the joint transcript and in the guest's archive alike.
    assert PostPlacement.objects.filter(post_id=first.post_id, hidden=False).count() == 0
    shown = [p for p in chat_placements(chat=joint_chat) if not p.hidden]
    assert [p.post_id for p in shown] == [second.post_id]
    hide = reverse(
        "archive:placement_hide", kwargs={"slug": joint_chat.community.slug, "pk": second.pk}
    )
    assert moderator.post(hide, {"reason": "spam"}).status_code == 302
    assert not PostPlacement.objects.filter(hidden=False).exists()


def test_it_refuses_moderation_of_a_joint_chat_to_a_community_that_left_it(
    x_api: FakeXApi, joint_chat: Chat, other_moderator: Client, other_community: Community,
    now: datetime,
) -> None:  # fmt: skip
    add_posts(x_api, 1, start=joint_chat.window_start, tags=("KMers",))
    pull_now(joint_chat, now=now)
    (placement,) = chat_placements(chat=joint_chat)
    joint.joint_leave(cohost=joint_chat.cohosts.get(), by=User.objects.get(username="otto"))

    kwargs = {"slug": other_community.slug, "pk": joint_chat.pk}
    assert other_moderator.get(reverse("archive:moderate_chat", kwargs=kwargs)).status_code == 404
    hide = reverse(
        "archive:placement_hide", kwargs={"slug": other_community.slug, "pk": placement.pk}
    )
    assert other_moderator.post(hide, {"reason": "spam"}).status_code == 404
