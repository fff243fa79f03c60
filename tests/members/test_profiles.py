import pytest
from django.test import Client
from django.urls import reverse

from community.models import Community
from members.models import User

pytestmark = pytest.mark.django_db

EDIT_URL = "members:profile_edit"


def _profile(**changes: str) -> dict[str, str]:
    data = {
        "display_name": "Mona M.",
        "bio": "I like **chats**.",
        "time_zone": "Europe/Paris",
        "mastodon_handle": "@mona@mastodon.social",
        "bluesky_handle": "@Mona.bsky.social",
    }
    return {**data, **changes}


def test_it_shows_a_public_profile_with_communities_and_handles(
    anonymous: Client, member_user: User, community: Community
) -> None:
    member_user.mastodon_handle = "mona@mastodon.social"
    member_user.save()

    page = anonymous.get(member_user.get_absolute_url()).content.decode()

    assert "Mona Member" in page
    assert "Knowledge Managers" in page
    assert "@mona@mastodon.social" in page


def test_it_saves_profile_edits_with_normalised_handles(member: Client, member_user: User) -> None:
    response = member.post(reverse(EDIT_URL), _profile())

    member_user.refresh_from_db()
    assert response.status_code == 302
    assert member_user.display_name == "Mona M."
    assert member_user.time_zone == "Europe/Paris"
    assert member_user.mastodon_handle == "mona@mastodon.social"
    assert member_user.bluesky_handle == "mona.bsky.social"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Europe/Atlantis"),
        ("mastodon_handle", "mona"),
        ("mastodon_handle", "@mona@"),
        ("bluesky_handle", "not a handle"),
    ],
)
def test_it_rejects_bad_profile_values_next_to_the_field(
    member: Client, member_user: User, field: str, value: str
) -> None:
    response = member.post(reverse(EDIT_URL), _profile(**{field: value}))

    member_user.refresh_from_db()
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert member_user.display_name == "Mona Member"


def test_it_ignores_an_attempt_to_set_the_x_handle_through_the_form(
    member: Client, member_user: User
) -> None:
    member.post(reverse(EDIT_URL), _profile(x_handle="elonmusk", x_user_id="44196397"))

    member_user.refresh_from_db()
    assert member_user.x_handle == ""
    assert member_user.x_verified_at is None


def test_it_escapes_html_in_the_bio(anonymous: Client, member: Client, member_user: User) -> None:
    member.post(
        reverse(EDIT_URL), _profile(bio="<script>alert(1)</script>", display_name="<b>M</b>")
    )

    page = anonymous.get(member_user.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;M&lt;/b&gt;" in page


def test_it_requires_sign_in_to_edit_a_profile(anonymous: Client) -> None:
    response = anonymous.get(reverse(EDIT_URL))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_lets_a_member_hide_from_rankings_and_come_back(
    member: Client, member_user: User
) -> None:
    form = member.get(reverse(EDIT_URL)).content.decode()
    assert 'name="hide_from_rankings"' in form

    member.post(reverse(EDIT_URL), _profile(hide_from_rankings="on"))
    member_user.refresh_from_db()
    assert member_user.hide_from_rankings is True

    member.post(reverse(EDIT_URL), _profile())  # an unticked box is not sent at all
    member_user.refresh_from_db()
    assert member_user.hide_from_rankings is False
