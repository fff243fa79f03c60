"""Members volunteer to host an upcoming chat without a host; organisers decide."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ChatHost, HostOffer
from chats.services.schedule import chat_cancel, chat_set_hosts
from community.models import Community, Membership
from members.models import User

pytestmark = pytest.mark.django_db


def _chat_url(name: str, chat: Chat) -> str:
    return reverse(f"chats:{name}", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def _offer_url(name: str, offer: HostOffer) -> str:
    return reverse(f"chats:{name}", kwargs={"slug": offer.chat.community.slug, "pk": offer.pk})


def _offers_url(community: Community) -> str:
    return reverse("chats:host_offers", kwargs={"slug": community.slug})


@pytest.fixture
def volunteers(make_user: Callable[..., User], community: Community) -> list[User]:
    users = [make_user("vera"), make_user("victor")]
    for user in users:
        Membership.objects.create(community=community, member=user)
    return users


def test_it_records_a_members_offer_to_host(member: Client, member_user: User, chat: Chat) -> None:
    response = member.post(_chat_url("host_volunteer", chat), {"note": "I ran Q&As before."})

    assert response.status_code == 302
    assert response["Location"] == chat.get_absolute_url()
    offer = HostOffer.objects.get()
    assert (offer.chat, offer.member, offer.note) == (chat, member_user, "I ran Q&As before.")
    assert offer.status == HostOffer.Status.PENDING


def test_it_refuses_a_second_offer_by_the_same_member(
    member: Client, member_user: User, chat: Chat
) -> None:
    member.post(_chat_url("host_volunteer", chat))
    response = member.post(_chat_url("host_volunteer", chat), follow=True)

    assert HostOffer.objects.filter(member=member_user).count() == 1
    assert "You have already offered to host this chat." in response.content.decode()


def test_it_refuses_offers_for_a_chat_that_has_a_host(
    member: Client, organiser_user: User, chat: Chat
) -> None:
    chat_set_hosts(chat=chat, members=[organiser_user], handles=[])

    response = member.post(_chat_url("host_volunteer", chat), follow=True)

    assert not HostOffer.objects.exists()
    assert "This chat already has a host." in response.content.decode()


def test_it_refuses_offers_for_past_and_cancelled_chats(
    member: Client, past_chat: Chat, make_chat: Callable[..., Chat]
) -> None:
    cancelled = chat_cancel(chat=make_chat(timedelta(days=6)))

    past = member.post(_chat_url("host_volunteer", past_chat), follow=True).content.decode()
    gone = member.post(_chat_url("host_volunteer", cancelled), follow=True).content.decode()

    assert "This chat has already started." in past
    assert "This chat has been cancelled." in gone
    assert not HostOffer.objects.exists()


def test_it_forbids_outsiders_to_volunteer_and_sends_anonymous_visitors_to_sign_in(
    outsider: Client, anonymous: Client, chat: Chat
) -> None:
    assert outsider.post(_chat_url("host_volunteer", chat)).status_code == 403
    response = anonymous.post(_chat_url("host_volunteer", chat))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not HostOffer.objects.exists()


def test_it_lets_a_member_withdraw_a_pending_offer(
    member: Client, member_user: User, chat: Chat
) -> None:
    member.post(_chat_url("host_volunteer", chat))

    member.post(_chat_url("host_withdraw", chat))

    assert not HostOffer.objects.filter(member=member_user).exists()


def test_it_lists_pending_offers_for_the_organisers(
    organiser: Client, volunteers: list[User], chat: Chat, past_chat: Chat
) -> None:
    HostOffer.objects.create(chat=chat, member=volunteers[0], note="Pick me")
    HostOffer.objects.create(chat=past_chat, member=volunteers[1], note="Too late")

    response = organiser.get(_offers_url(chat.community))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Pick me" in page
    assert "Too late" not in page


def test_it_makes_the_accepted_volunteer_host_and_declines_the_others(
    moderator: Client, volunteers: list[User], chat: Chat
) -> None:
    chosen, other = (HostOffer.objects.create(chat=chat, member=v) for v in volunteers)

    response = moderator.post(_offer_url("host_offer_accept", chosen))

    assert response["Location"] == _offers_url(chat.community)
    assert list(ChatHost.objects.filter(chat=chat).values_list("member", flat=True)) == [
        volunteers[0].pk
    ]
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert chosen.status == HostOffer.Status.ACCEPTED
    assert other.status == HostOffer.Status.DECLINED
    assert chosen.decided_at is not None
    assert other.decided_at is not None


def test_it_declines_an_offer_without_making_a_host(
    organiser: Client, volunteers: list[User], chat: Chat
) -> None:
    offer = HostOffer.objects.create(chat=chat, member=volunteers[0])

    organiser.post(_offer_url("host_offer_decline", offer))

    offer.refresh_from_db()
    assert offer.status == HostOffer.Status.DECLINED
    assert not ChatHost.objects.exists()


def test_it_does_not_accept_an_offer_twice_or_after_a_decline(
    organiser: Client, volunteers: list[User], chat: Chat
) -> None:
    declined = HostOffer.objects.create(chat=chat, member=volunteers[0])
    accepted = HostOffer.objects.create(chat=chat, member=volunteers[1])
    organiser.post(_offer_url("host_offer_decline", declined))
    organiser.post(_offer_url("host_offer_accept", accepted))

    after_decline = organiser.post(_offer_url("host_offer_accept", declined), follow=True)
    twice = organiser.post(_offer_url("host_offer_accept", accepted), follow=True)

    assert "This offer was already declined." in after_decline.content.decode()
    assert "This offer was already accepted." in twice.content.decode()
    assert list(ChatHost.objects.values_list("member", flat=True)) == [volunteers[1].pk]


def test_it_does_not_accept_a_volunteer_who_left_the_community(
    organiser: Client, volunteers: list[User], chat: Chat
) -> None:
    offer = HostOffer.objects.create(chat=chat, member=volunteers[0])
    Membership.objects.filter(member=volunteers[0]).delete()

    response = organiser.post(_offer_url("host_offer_accept", offer), follow=True)

    assert "is no longer a member of this community" in response.content.decode()
    assert not ChatHost.objects.exists()


def test_it_answers_404_for_an_offer_of_another_communitys_chat(
    organiser: Client, make_user: Callable[..., User], make_chat: Callable[..., Chat],
    community: Community, other_community: Community,
) -> None:  # fmt: skip
    elsewhere = make_chat(timedelta(days=4), of=other_community)
    offer = HostOffer.objects.create(chat=elsewhere, member=make_user("lou"))
    url = reverse("chats:host_offer_accept", kwargs={"slug": community.slug, "pk": offer.pk})

    assert organiser.post(url).status_code == 404
    assert not ChatHost.objects.exists()
