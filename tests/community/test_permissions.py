"""Every organiser URL refuses everyone but the community's organisers."""

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Community, Membership
from community.services import community_create
from members.models import User

pytestmark = pytest.mark.django_db


def _organiser_requests(
    community: Community, target: User, data: dict[str, str]
) -> list[tuple[str, str, dict]]:
    slug = community.slug
    # A valid form: only the permission check stands between it and a saved change.
    hijack = {**data, "name": "Hijacked"}
    return [
        ("get", reverse("communities:edit", kwargs={"slug": slug}), {}),
        ("post", reverse("communities:edit", kwargs={"slug": slug}), hijack),
        (
            "post",
            reverse("communities:role", kwargs={"slug": slug, "username": target.username}),
            {"role": "organiser"},
        ),
    ]


@pytest.mark.parametrize("persona", ["member", "moderator", "outsider"])
def test_it_forbids_non_organisers_every_organiser_url(
    request: pytest.FixtureRequest, persona: str, community: Community, member_user: User,
    community_data: dict[str, str],
) -> None:  # fmt: skip
    client: Client = request.getfixturevalue(persona)

    for method, url, data in _organiser_requests(community, member_user, community_data):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)

    community.refresh_from_db()
    assert community.name == "Knowledge Managers"
    assert Membership.objects.get(member=member_user).role == Membership.Role.MEMBER


def test_it_sends_anonymous_visitors_to_sign_in(
    anonymous: Client, community: Community, member_user: User, community_data: dict[str, str]
) -> None:
    for method, url, data in _organiser_requests(community, member_user, community_data):
        response = getattr(anonymous, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    community.refresh_from_db()
    assert community.name == "Knowledge Managers"


def test_it_does_not_let_an_organiser_of_another_community_edit_this_one(
    make_user, community: Community, community_data: dict[str, str]
) -> None:
    other = make_user("otto")
    community_create(creator=other, data={**community_data, "hashtag": "OtherChat"})
    client = Client()
    client.force_login(other)

    response = client.get(reverse("communities:edit", kwargs={"slug": community.slug}))

    assert response.status_code == 403


def test_it_answers_404_for_a_community_that_does_not_exist(organiser: Client) -> None:
    response = organiser.get(reverse("communities:edit", kwargs={"slug": "nope"}))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("organiser", True), ("moderator", False), ("member", False), ("anonymous", False)],
)
def test_it_offers_role_changes_on_the_members_page_to_organisers_only(
    request: pytest.FixtureRequest, persona: str, offered: bool, community: Community,
    member_user: User,
) -> None:  # fmt: skip
    client: Client = request.getfixturevalue(persona)

    page = client.get(reverse("communities:members", kwargs={"slug": community.slug}))

    html = page.content.decode()
    role_url = reverse(
        "communities:role", kwargs={"slug": community.slug, "username": member_user.username}
    )
    assert ("Change role" in html) is offered
    assert (role_url in html) is offered
