"""Hosts: members of the community and external X handles."""

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat
from members.models import User

pytestmark = pytest.mark.django_db


def _hosts_url(chat: Chat) -> str:
    return reverse("chats:hosts", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def test_it_offers_only_members_of_the_community(
    organiser: Client, chat: Chat, member_user: User, outsider_user: User
) -> None:
    response = organiser.get(_hosts_url(chat))

    offered = {user.username for user in response.context["form"].fields["members"].queryset}
    assert offered == {"olga", "mona"}
    assert "Oscar Outsider" not in response.content.decode()


def test_it_saves_members_and_handles_and_shows_them_again(
    organiser: Client, chat: Chat, member_user: User, organiser_user: User
) -> None:
    response = organiser.post(
        _hosts_url(chat),
        {"members": [member_user.pk, organiser_user.pk], "handles": "@ada_l, grace, @ada_l"},
    )

    assert response.status_code == 302
    hosts = [(h.member, h.handle) for h in chat.hosts.all()]
    assert hosts[2:] == [(None, "ada_l"), (None, "grace")]
    assert {member for member, _ in hosts[:2]} == {member_user, organiser_user}
    again = organiser.get(_hosts_url(chat)).context["form"]
    assert set(again["members"].value()) == {member_user.pk, organiser_user.pk}
    assert again["handles"].value() == "@ada_l, @grace"


def test_it_replaces_the_hosts_on_each_save(
    organiser: Client, chat: Chat, member_user: User
) -> None:
    organiser.post(_hosts_url(chat), {"members": [member_user.pk], "handles": "ada"})

    organiser.post(_hosts_url(chat), {"handles": "grace"})

    assert [h.display_name for h in chat.hosts.all()] == ["@grace"]
