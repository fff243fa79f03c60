"""Signed-in members opt in and out of reminders, per chat and per community."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ReminderSubscription
from chats.services.schedule import chat_cancel
from community.models import Community
from members.models import User

pytestmark = pytest.mark.django_db


def _chat_url(name: str, chat: Chat) -> str:
    return reverse(f"chats:{name}", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def _community_url(name: str, community: Community) -> str:
    return reverse(f"chats:{name}", kwargs={"slug": community.slug})


def test_it_subscribes_a_member_to_one_chat_and_changes_the_time_without_a_second_row(
    member: Client, member_user: User, chat: Chat
) -> None:
    response = member.post(_chat_url("chat_reminder", chat), {"minutes_before": "15"})
    assert response["Location"] == chat.get_absolute_url()

    page = member.post(_chat_url("chat_reminder", chat), {"minutes_before": "1440"}, follow=True)

    subscription = ReminderSubscription.objects.get(member=member_user)
    assert (subscription.chat, subscription.minutes_before) == (chat, 1440)
    assert "We will email you 1 day before this chat starts." in page.content.decode()


def test_it_lets_any_signed_in_visitor_ask_for_a_reminder(
    outsider: Client, outsider_user: User, chat: Chat
) -> None:
    outsider.post(_chat_url("chat_reminder", chat), {"minutes_before": "60"})

    assert ReminderSubscription.objects.filter(member=outsider_user, chat=chat).exists()


def test_it_unsubscribes_from_a_chat(member: Client, member_user: User, chat: Chat) -> None:
    member.post(_chat_url("chat_reminder", chat), {"minutes_before": "60"})

    member.post(_chat_url("chat_reminder_cancel", chat))

    assert not ReminderSubscription.objects.filter(member=member_user).exists()


def test_it_refuses_a_reminder_time_it_does_not_offer(
    member: Client, member_user: User, chat: Chat
) -> None:
    response = member.post(_chat_url("chat_reminder", chat), {"minutes_before": "7"}, follow=True)

    assert "Select a valid choice" in response.content.decode()
    assert not ReminderSubscription.objects.exists()


def test_it_refuses_reminders_for_past_and_cancelled_chats(
    member: Client, past_chat: Chat, make_chat: Callable[..., Chat]
) -> None:
    cancelled = chat_cancel(chat=make_chat(timedelta(days=6)))

    past = member.post(_chat_url("chat_reminder", past_chat), {"minutes_before": "60"}, follow=True)
    gone = member.post(_chat_url("chat_reminder", cancelled), {"minutes_before": "60"}, follow=True)

    assert "This chat has already started." in past.content.decode()
    assert "This chat has been cancelled." in gone.content.decode()
    assert not ReminderSubscription.objects.exists()


def test_it_subscribes_to_every_chat_of_a_community_from_its_page(
    member: Client, member_user: User, community: Community
) -> None:
    page = member.get(community.get_absolute_url()).content.decode()
    assert f'action="{_community_url("community_reminder", community)}"' in page

    response = member.post(
        _community_url("community_reminder", community), {"minutes_before": "15"}, follow=True
    )

    subscription = ReminderSubscription.objects.get(member=member_user)
    assert (subscription.community, subscription.minutes_before) == (community, 15)
    page = response.content.decode()
    assert "We will email you 15 minutes before every #KMers chat." in page
    assert _community_url("community_reminder_cancel", community) in page


def test_it_unsubscribes_from_a_community(
    member: Client, member_user: User, community: Community
) -> None:
    member.post(_community_url("community_reminder", community), {"minutes_before": "60"})

    member.post(_community_url("community_reminder_cancel", community))

    assert not ReminderSubscription.objects.filter(member=member_user).exists()


def test_it_invites_anonymous_visitors_to_sign_in_for_reminders(
    anonymous: Client, community: Community
) -> None:
    page = anonymous.get(community.get_absolute_url()).content.decode()

    assert "to get an email before every #KMers chat" in page
    assert _community_url("community_reminder", community) not in page


def test_it_sends_anonymous_visitors_to_sign_in_before_any_reminder_change(
    anonymous: Client, community: Community, chat: Chat
) -> None:
    urls = [
        _chat_url("chat_reminder", chat),
        _chat_url("chat_reminder_cancel", chat),
        _community_url("community_reminder", community),
        _community_url("community_reminder_cancel", community),
    ]
    for url in urls:
        response = anonymous.post(url, {"minutes_before": "60"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))
    assert not ReminderSubscription.objects.exists()
