"""Jointly held chats (#chatmixer): one community invites another to co-host a chat; its
organisers accept or decline; the inviter may withdraw, the co-host may leave."""

from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chats.models import Chat, ChatCohost
from chats.services import joint, schedule
from community.models import Community, Membership
from members.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def start() -> datetime:
    return (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)


@pytest.fixture
def chat(community: Community, start: datetime) -> Chat:
    return schedule.chat_create(
        community=community, title="Mixer: libraries meet KM", start_at=start,
        end_at=start + timedelta(hours=1),
    )  # fmt: skip


@pytest.fixture
def otto(other_community: Community) -> User:
    return User.objects.get(username="otto")


@pytest.fixture
def other_organiser(otto: User) -> Client:
    client = Client()
    client.force_login(otto)
    return client


def _invite(client: Client, chat: Chat, text: str) -> object:
    url = reverse("chats:joint", kwargs={"slug": chat.community.slug, "pk": chat.pk})
    return client.post(url, {"community": text})


def _answer(client: Client, cohost: ChatCohost, action: str) -> object:
    url = reverse(f"chats:joint_{action}", kwargs={"slug": cohost.community.slug, "pk": cohost.pk})
    return client.post(url)


def _schedule_titles(client: Client, community: Community) -> str:
    return client.get(community.get_absolute_url()).content.decode()


def test_it_puts_an_accepted_joint_chat_on_both_schedules_calendars_and_pages(
    organiser: Client, other_organiser: Client, anonymous: Client, chat: Chat,
    other_community: Community, community: Community,
) -> None:  # fmt: skip
    response = _invite(organiser, chat, "#LibChat")
    assert response.status_code == 302
    cohost = ChatCohost.objects.get(chat=chat)
    assert cohost.status == ChatCohost.Status.INVITED
    # Invited, not yet accepted: not on the guest's schedule, not pulled with its tag.
    assert chat.title not in _schedule_titles(anonymous, other_community)
    manage = other_organiser.get(reverse("chats:manage", kwargs={"slug": other_community.slug}))
    assert chat.title in manage.content.decode()
    assert "Accept" in manage.content.decode()

    assert _answer(other_organiser, cohost, "accept").status_code == 302

    chat.refresh_from_db()
    assert chat.hashtags == ["KMers", "libchat"]
    assert chat.title in _schedule_titles(anonymous, other_community)
    assert chat.title in _schedule_titles(anonymous, community)
    ics = anonymous.get(reverse("chats:community_ics", kwargs={"slug": other_community.slug}))
    assert chat.title in ics.content.decode()
    page = anonymous.get(chat.get_absolute_url()).content.decode()
    assert "held jointly with" in page
    assert other_community.name in page
    # The global schedule lists the chat once, naming both communities.
    schedule_page = anonymous.get(reverse("chats:schedule")).content.decode()
    assert schedule_page.count(f'{chat.get_absolute_url()}"') == 1
    assert "jointly with" in schedule_page
    assert "#libchat" in schedule_page


def test_it_lets_the_invited_organisers_decline_and_keeps_the_chat_off_their_schedule(
    organiser_user: User, otto: User, chat: Chat, other_community: Community, anonymous: Client
) -> None:
    cohost = joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    joint.joint_decline(cohost=cohost, by=otto)

    chat.refresh_from_db()
    assert chat.cohost_hashtags == []
    assert chat.title not in _schedule_titles(anonymous, other_community)
    with pytest.raises(Exception, match="no longer open"):
        joint.joint_accept(cohost=cohost, by=otto)
    # Declined, it may be invited again.
    again = joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    assert again.status == ChatCohost.Status.INVITED


def test_it_lets_the_inviter_withdraw_before_or_after_acceptance(
    organiser: Client, organiser_user: User, otto: User, chat: Chat, other_community: Community,
    anonymous: Client,
) -> None:  # fmt: skip
    pending = joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    url = reverse(
        "chats:joint_withdraw",
        kwargs={"slug": chat.community.slug, "pk": chat.pk, "cohost_pk": pending.pk},
    )
    assert organiser.post(url).status_code == 302
    pending.refresh_from_db()
    assert pending.status == ChatCohost.Status.WITHDRAWN

    accepted = joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    joint.joint_accept(cohost=accepted, by=otto)
    url = reverse(
        "chats:joint_withdraw",
        kwargs={"slug": chat.community.slug, "pk": chat.pk, "cohost_pk": accepted.pk},
    )
    organiser.post(url)

    chat.refresh_from_db()
    assert chat.hashtags == ["KMers"]
    assert chat.title not in _schedule_titles(anonymous, other_community)


def test_it_lets_the_cohost_leave_and_takes_the_chat_off_its_schedule(
    other_organiser: Client, organiser_user: User, otto: User, chat: Chat,
    other_community: Community, anonymous: Client,
) -> None:  # fmt: skip
    cohost = joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    joint.joint_accept(cohost=cohost, by=otto)
    assert chat.title in _schedule_titles(anonymous, other_community)

    assert _answer(other_organiser, cohost, "leave").status_code == 302

    cohost.refresh_from_db()
    chat.refresh_from_db()
    assert cohost.status == ChatCohost.Status.LEFT
    assert chat.cohost_hashtags == []
    assert chat.title not in _schedule_titles(anonymous, other_community)
    ics = anonymous.get(reverse("chats:community_ics", kwargs={"slug": other_community.slug}))
    assert chat.title not in ics.content.decode()


def test_it_refuses_inviting_ones_own_community_an_unknown_one_or_twice(
    organiser: Client, chat: Chat, other_community: Community
) -> None:
    own = _invite(organiser, chat, "#kmers")
    unknown = _invite(organiser, chat, "#nosuchchat")
    assert own.status_code == unknown.status_code == 400
    assert "already holds" in own.content.decode()
    assert "No community has that hashtag" in unknown.content.decode()
    assert _invite(organiser, chat, other_community.slug).status_code == 302
    twice = _invite(organiser, chat, "libchat")
    assert twice.status_code == 400
    assert "already invited" in twice.content.decode()
    assert ChatCohost.objects.filter(chat=chat).count() == 1


def test_it_refuses_inviting_to_a_chat_that_already_started(
    organiser_user: User, community: Community, other_community: Community
) -> None:
    now = timezone.now()
    started = schedule.chat_create(
        community=community, title="Under way", start_at=now - timedelta(minutes=5),
        end_at=now + timedelta(minutes=55), now=now - timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(Exception, match="already started"):
        joint.joint_invite(chat=started, community=other_community, invited_by=organiser_user)


def test_it_lets_only_the_right_organisers_invite_and_answer(
    moderator: Client, member: Client, outsider: Client, other_moderator: Client,
    organiser: Client, organiser_user: User, chat: Chat, other_community: Community,
) -> None:  # fmt: skip
    for client in (moderator, member, outsider, other_moderator):
        assert _invite(client, chat, "#libchat").status_code in (403, 404)
    assert not ChatCohost.objects.exists()

    cohost = joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    # The inviter's organiser, a moderator of the guest, outsiders: none may answer for it.
    for client in (organiser, other_moderator, outsider):
        for action in ("accept", "decline"):
            assert _answer(client, cohost, action).status_code in (403, 404)
    cohost.refresh_from_db()
    assert cohost.status == ChatCohost.Status.INVITED
    # The guest may not withdraw the inviter's invitation.
    otto_client = Client()
    otto_client.force_login(User.objects.get(username="otto"))
    url = reverse(
        "chats:joint_withdraw",
        kwargs={"slug": chat.community.slug, "pk": chat.pk, "cohost_pk": cohost.pk},
    )
    assert otto_client.post(url).status_code in (403, 404)


def test_it_shows_the_invitation_to_the_guests_moderators_without_the_buttons(
    make_user: object, organiser_user: User, chat: Chat, other_community: Community
) -> None:
    joint.joint_invite(chat=chat, community=other_community, invited_by=organiser_user)
    user = User.objects.create_user(username="mia", email="mia@example.org", password="x")
    Membership.objects.create(
        community=other_community, member=user, role=Membership.Role.MODERATOR
    )
    client = Client()
    client.force_login(user)
    page = client.get(
        reverse("chats:manage", kwargs={"slug": other_community.slug})
    ).content.decode()
    assert chat.title in page
    assert "An organiser can accept or decline it." in page


def test_it_keeps_one_live_invitation_per_chat_and_community(
    organiser_user: User, chat: Chat, other_community: Community
) -> None:
    ChatCohost.objects.create(chat=chat, community=other_community)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChatCohost.objects.create(chat=chat, community=other_community, status="accepted")
    ChatCohost.objects.create(chat=chat, community=other_community, status="declined")


def test_it_keeps_a_joint_occurrence_when_its_series_ends(
    organiser_user: User, otto: User, community: Community, other_community: Community
) -> None:
    today = timezone.now().date()
    series = schedule.series_create(
        community=community, title="Weekly", rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=time(12), duration=timedelta(hours=1), first_date=today,
    )  # fmt: skip
    mixed, plain = series.chats.filter(start_at__gt=timezone.now()).order_by("start_at")[:2]
    cohost = joint.joint_invite(chat=mixed, community=other_community, invited_by=organiser_user)
    joint.joint_accept(cohost=cohost, by=otto)

    schedule.series_end(series=series)

    assert Chat.objects.filter(pk=mixed.pk).exists()
    assert not Chat.objects.filter(pk=plain.pk).exists()
    assert ChatCohost.objects.get(pk=cohost.pk).status == ChatCohost.Status.ACCEPTED
