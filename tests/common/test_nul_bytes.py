"""A NUL byte in an address answers 400 with the site's page, never a database error."""

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Community
from members.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/communities/%00/",
        "/communities/kmers%00/",
        "/communities/%00/chats/1/transcript/",
        "/communities/%00/members/",
        "/members/%00/",
        "/communities/?q=%00",
        "/schedule/?tz=%00",
        "/communities/kmers/chats/1/transcript/?view=questions&handle=a%00",
    ],
)
def test_it_answers_400_with_the_site_page_to_a_nul_byte_in_the_address(
    anonymous: Client, community: Community, url: str
) -> None:
    response = anonymous.get(url)

    assert response.status_code == 400
    page = response.content.decode()
    assert "This address can't be read" in page
    assert 'class="site-header"' in page


def test_it_answers_400_to_a_nul_byte_in_a_query_key(anonymous: Client) -> None:
    assert anonymous.get("/communities/?%00=1").status_code == 400


def test_it_refuses_a_nul_byte_in_the_address_of_a_post_too(
    organiser: Client, community: Community
) -> None:
    response = organiser.post(f"/communities/{community.slug}%00/join/")

    assert response.status_code == 400


def test_it_treats_a_session_cookie_with_a_nul_byte_as_no_session(
    anonymous: Client, settings
) -> None:
    # A quoted cookie's "\\000" is an octal escape: Django decodes it to NUL.
    anonymous.cookies.load(f'{settings.SESSION_COOKIE_NAME}="\\000abcdefghijkl"')

    response = anonymous.get(reverse("home"))

    assert response.status_code == 200
    assert "Sign in" in response.content.decode()


def test_it_still_reads_an_ordinary_session_cookie(member: Client, member_user: User) -> None:
    response = member.get(reverse("home"))

    assert member_user.public_name in response.content.decode()
