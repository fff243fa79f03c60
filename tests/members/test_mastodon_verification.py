"""A member verifies their Mastodon handle: their Mastodon profile links back here."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from members.models import User
from tests.fakes.mastodon_api import FakeMastodon, make_account, make_verified_field

pytestmark = pytest.mark.django_db

VERIFY_URL = "members:verify_mastodon"


@pytest.fixture
def server(settings: Any) -> Iterator[FakeMastodon]:
    settings.SITE_URL = "https://commons.example"
    with FakeMastodon(domain="mastodon.social") as fake:
        settings.MASTODON_API_BASE_URL_OVERRIDE = fake.base_url
        yield fake


@pytest.fixture
def mona(member_user: User) -> User:
    member_user.mastodon_handle = "mona@mastodon.social"
    member_user.save()
    return member_user


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_it_verifies_a_handle_whose_profile_links_back_with_a_verified_field(
    member: Client, mona: User, server: FakeMastodon
) -> None:
    link = make_verified_field(f"https://commons.example/members/{mona.username}/")
    server.add_accounts(make_account("mona", fields=[link]))

    response = member.post(reverse(VERIFY_URL), follow=True)

    mona.refresh_from_db()
    assert mona.has_verified_mastodon
    assert "@mona@mastodon.social is verified." in _messages(response)
    assert server.requests[-1].path == "/api/v1/accounts/lookup"
    assert server.requests[-1].params["acct"] == ["mona@mastodon.social"]


@pytest.mark.parametrize(
    "fields",
    [
        [],
        [make_verified_field("https://commons.example/members/mona/", verified=False)],
        [make_verified_field("https://commons.example/members/someone-else/")],
    ],
    ids=["no-field", "field-not-verified", "links-elsewhere"],
)
def test_it_does_not_verify_without_a_verified_link_to_this_profile(
    member: Client, mona: User, server: FakeMastodon, fields: list
) -> None:
    server.add_accounts(make_account("mona", fields=fields))

    response = member.post(reverse(VERIFY_URL), follow=True)

    mona.refresh_from_db()
    assert not mona.has_verified_mastodon
    (message,) = _messages(response)
    assert "does not show a verified link to https://commons.example/members/" in message


def test_it_says_so_when_the_server_knows_no_such_account(
    member: Client, mona: User, server: FakeMastodon
) -> None:
    response = member.post(reverse(VERIFY_URL), follow=True)

    assert _messages(response) == [
        "mastodon.social knows no account @mona@mastodon.social. Check the handle."
    ]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_it_asks_to_try_again_when_the_server_fails(
    member: Client, mona: User, server: FakeMastodon, status: int
) -> None:
    server.fail_next(status=status)

    response = member.post(reverse(VERIFY_URL), follow=True)

    assert response.status_code == 200
    assert _messages(response) == [
        "mastodon.social did not answer just now. Try again in a few minutes."
    ]


def test_it_asks_to_try_again_when_the_server_cannot_be_reached(
    member: Client, mona: User, settings: Any
) -> None:
    with FakeMastodon() as gone:
        settings.MASTODON_API_BASE_URL_OVERRIDE = gone.base_url
    settings.MASTODON_REQUEST_TIMEOUT = 1

    response = member.post(reverse(VERIFY_URL), follow=True)

    assert "did not answer just now" in _messages(response)[0]


def test_it_clears_verification_when_the_handle_changes(
    member: Client, mona: User, server: FakeMastodon
) -> None:
    link = make_verified_field(f"https://commons.example/members/{mona.username}/")
    server.add_accounts(make_account("mona", fields=[link]))
    member.post(reverse(VERIFY_URL))
    profile = {"display_name": "Mona", "bio": "", "time_zone": "", "bluesky_handle": ""}

    member.post(
        reverse("members:profile_edit"), {**profile, "mastodon_handle": "@Mona@mastodon.social"}
    )
    mona.refresh_from_db()
    assert mona.has_verified_mastodon  # the same handle, written differently

    member.post(
        reverse("members:profile_edit"), {**profile, "mastodon_handle": "mona@scholar.social"}
    )
    mona.refresh_from_db()
    assert not mona.has_verified_mastodon


def test_it_shows_the_steps_and_the_button_on_the_profile_form(
    member: Client, mona: User, server: FakeMastodon
) -> None:
    page = member.get(reverse("members:profile_edit")).content.decode()

    assert "Verify your Mastodon handle" in page
    assert f"<code>https://commons.example/members/{mona.username}/</code>" in page
    assert f'action="{reverse(VERIFY_URL)}"' in page


def test_it_links_the_handle_with_rel_me_and_shows_it_verified_on_the_public_profile(
    anonymous: Client, mona: User, server: FakeMastodon
) -> None:
    link = make_verified_field(f"https://commons.example/members/{mona.username}/")
    server.add_accounts(make_account("mona", fields=[link]))
    page = anonymous.get(mona.get_absolute_url()).content.decode()
    assert 'href="https://mastodon.social/@mona" rel="me nofollow noopener"' in page
    assert "Their Mastodon profile links back to this page" not in page

    client = Client()
    client.force_login(mona)
    client.post(reverse(VERIFY_URL))

    assert (
        "Their Mastodon profile links back to this page"
        in anonymous.get(mona.get_absolute_url()).content.decode()
    )


def test_it_takes_only_a_post_from_a_signed_in_member(
    member: Client, anonymous: Client, mona: User
) -> None:
    assert member.get(reverse(VERIFY_URL)).status_code == 405
    response = anonymous.post(reverse(VERIFY_URL))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_it_asks_for_a_handle_first(member: Client, member_user: User) -> None:
    response = member.post(reverse(VERIFY_URL), follow=True)

    assert _messages(response) == ["Add your Mastodon handle to your profile first."]
