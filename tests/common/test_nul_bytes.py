"""A NUL byte answers 400 with the site's page, never a database error.

In the path it is refused before any view looks the slug up; in the query, the form that
reads the value refuses it next to its field.
"""

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
        "/members/olga%00/",
    ],
)
def test_it_answers_400_with_the_site_page_to_a_nul_byte_in_the_path(
    anonymous: Client, community: Community, url: str
) -> None:
    response = anonymous.get(url)

    assert response.status_code == 400
    page = response.content.decode()
    assert "This address can't be read" in page
    assert 'class="site-header"' in page


def test_it_refuses_a_nul_byte_in_the_community_search_next_to_the_field(
    anonymous: Client, community: Community
) -> None:
    response = anonymous.get(reverse("communities:list"), {"q": "kmers\x00"})

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert community.name in response.content.decode()


def test_it_still_finds_communities_by_an_ordinary_search(
    anonymous: Client, community: Community
) -> None:
    response = anonymous.get(reverse("communities:list"), {"q": "kmers"})

    assert response.status_code == 200
    assert 'value="kmers"' in response.content.decode()


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
