"""The chat page's reminder and hosting box, for each kind of visitor."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from chats.models import Chat, HostOffer, ReminderSubscription
from chats.selectors.participation import participation_for_chat
from chats.services.schedule import chat_set_hosts
from community.models import Community, Membership
from members.models import User

pytestmark = pytest.mark.django_db


def _chat_url(name: str, chat: Chat) -> str:
    return reverse(f"chats:{name}", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def _page(client: Client, chat: Chat) -> str:
    response = client.get(chat.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_offers_a_member_a_reminder_and_the_chance_to_host(member: Client, chat: Chat) -> None:
    page = _page(member, chat)

    assert _chat_url("chat_reminder", chat) in page
    assert "Volunteer to host" in page
    assert _chat_url("host_volunteer", chat) in page


def test_it_asks_anonymous_visitors_to_sign_in_for_a_reminder(
    anonymous: Client, chat: Chat
) -> None:
    page = _page(anonymous, chat)

    assert "Sign in to get a reminder" in page
    assert _chat_url("chat_reminder", chat) not in page
    assert "Volunteer to host" not in page


def test_it_offers_an_outsider_a_reminder_but_not_hosting(outsider: Client, chat: Chat) -> None:
    page = _page(outsider, chat)

    assert _chat_url("chat_reminder", chat) in page
    assert "Volunteer to host" not in page
    assert "Members of #KMers can volunteer." in page


def test_it_shows_a_members_reminder_and_the_way_out(
    member: Client, member_user: User, chat: Chat
) -> None:
    ReminderSubscription.objects.create(member=member_user, chat=chat, minutes_before=15)

    page = _page(member, chat)

    assert "We will email you 15 minutes before this chat starts." in page
    assert _chat_url("chat_reminder_cancel", chat) in page


def test_it_tells_a_community_subscriber_this_chat_is_covered(
    member: Client, member_user: User, community: Community, chat: Chat
) -> None:
    ReminderSubscription.objects.create(member=member_user, community=community, minutes_before=60)

    page = _page(member, chat)

    assert "You get an email 1 hour before every #KMers chat, this one included." in page
    assert _chat_url("chat_reminder", chat) not in page


def test_it_shows_the_status_of_a_members_offer_instead_of_the_button(
    member: Client, member_user: User, chat: Chat
) -> None:
    HostOffer.objects.create(chat=chat, member=member_user)

    page = _page(member, chat)

    assert "You offered to host this chat: <strong>pending</strong>." in page
    assert "Volunteer to host" not in page
    assert _chat_url("host_withdraw", chat) in page


def test_it_does_not_ask_for_volunteers_once_the_chat_has_a_host(
    member: Client, organiser_user: User, chat: Chat
) -> None:
    chat_set_hosts(chat=chat, members=[organiser_user], handles=[])

    assert "Volunteer to host" not in _page(member, chat)


def test_it_points_moderators_to_the_pending_offers(
    moderator: Client, make_user: Callable[..., User], community: Community, chat: Chat
) -> None:
    volunteer = make_user("vera")
    Membership.objects.create(community=community, member=volunteer)
    HostOffer.objects.create(chat=chat, member=volunteer)

    page = _page(moderator, chat)

    assert "1 offer to host this chat to review" in page
    assert reverse("chats:host_offers", kwargs={"slug": community.slug}) in page


def test_it_offers_nothing_on_a_past_chat(
    django_assert_num_queries: Callable, member_user: User, past_chat: Chat
) -> None:
    with django_assert_num_queries(0):  # nothing to offer, so nothing to read
        (participation,) = participation_for_chat(chat=past_chat, user=member_user).values()

    assert not participation.is_upcoming
    assert not participation.can_volunteer


def test_it_reads_the_visitors_options_in_a_few_queries(
    django_assert_max_num_queries: Callable, moderator_user: User, chat: Chat
) -> None:
    with django_assert_max_num_queries(5):
        context = participation_for_chat(chat=chat, user=moderator_user)

    participation = context["participation"]
    assert participation.membership.can_moderate
    assert participation.can_volunteer
    assert participation.pending_offer_count == 0


def test_it_reads_nothing_personal_for_anonymous_visitors(chat: Chat) -> None:
    participation = participation_for_chat(chat=chat, user=AnonymousUser())["participation"]

    assert not participation.signed_in
    assert participation.membership is None
    assert participation.reminder is None
