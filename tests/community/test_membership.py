import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from community.models import Community, Membership
from community.services import membership_set_role
from members.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _url(name: str, community: Community, **kwargs: str) -> str:
    return reverse(f"communities:{name}", kwargs={"slug": community.slug, **kwargs})


def test_it_lets_a_verified_member_join_and_leave(
    outsider: Client, outsider_user: User, community: Community
) -> None:
    outsider.post(_url("join", community))
    assert Membership.objects.filter(community=community, member=outsider_user).exists()

    outsider.post(_url("leave", community))
    assert not Membership.objects.filter(community=community, member=outsider_user).exists()


def test_it_treats_joining_twice_as_one_membership(
    outsider: Client, outsider_user: User, community: Community
) -> None:
    outsider.post(_url("join", community))
    response = outsider.post(_url("join", community), follow=True)

    assert Membership.objects.filter(community=community, member=outsider_user).count() == 1
    assert "already a member" in response.content.decode()


def test_it_explains_that_you_cannot_leave_a_community_you_are_not_in(
    outsider: Client, community: Community
) -> None:
    response = outsider.post(_url("leave", community), follow=True)

    assert "You are not a member of Knowledge Managers." in response.content.decode()


def test_it_requires_a_verified_email_before_joining(make_user, community: Community) -> None:
    user = make_user("unverified", verified=False)
    client = Client()
    client.force_login(user)

    response = client.post(_url("join", community), follow=True)

    assert "Verify your email address" in response.content.decode()
    assert not Membership.objects.filter(member=user).exists()


def test_it_sends_anonymous_visitors_to_sign_in_before_joining(
    anonymous: Client, community: Community
) -> None:
    response = anonymous.post(_url("join", community))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert community.memberships.count() == 1


def test_it_only_joins_and_leaves_on_a_post(
    outsider: Client, outsider_user: User, community: Community
) -> None:
    assert outsider.get(_url("join", community)).status_code == 200
    assert outsider.get(_url("leave", community)).status_code == 405
    assert not Membership.objects.filter(community=community, member=outsider_user).exists()


def test_it_rejects_forged_posts_without_a_csrf_token(
    outsider_user: User, community: Community
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider_user)

    response = client.post(_url("join", community))

    assert response.status_code == 403
    assert not Membership.objects.filter(member=outsider_user).exists()


def test_it_lets_an_organiser_promote_a_member(
    organiser: Client, community: Community, member_user: User
) -> None:
    organiser.post(_url("role", community, username=member_user.username), {"role": "moderator"})

    membership = Membership.objects.get(community=community, member=member_user)
    assert membership.role == Membership.Role.MODERATOR


def test_it_keeps_the_last_organiser(
    organiser: Client, organiser_user: User, community: Community
) -> None:
    response = organiser.post(
        _url("role", community, username=organiser_user.username), {"role": "member"}, follow=True
    )

    assert "at least one organiser" in response.content.decode()
    assert Membership.objects.get(member=organiser_user).role == Membership.Role.ORGANISER


def test_it_stops_the_last_organiser_from_leaving(
    organiser: Client, organiser_user: User, community: Community
) -> None:
    response = organiser.post(_url("leave", community), follow=True)

    assert "last organiser" in response.content.decode()
    assert Membership.objects.filter(member=organiser_user, community=community).exists()


def test_it_lets_an_organiser_step_down_once_there_is_another(
    organiser: Client, organiser_user: User, community: Community, member_user: User
) -> None:
    organiser.post(_url("role", community, username=member_user.username), {"role": "organiser"})
    organiser.post(_url("role", community, username=organiser_user.username), {"role": "member"})

    roles = dict(community.memberships.values_list("member__username", "role"))
    assert roles == {"olga": "member", "mona": "organiser"}


def test_it_answers_404_when_an_organiser_sets_the_role_of_someone_not_in_the_community(
    organiser: Client, community: Community, outsider_user: User, other_community: Community
) -> None:
    # Otto organises #libchat: a member somewhere, but not here.
    for username in (outsider_user.username, "otto"):
        response = organiser.post(_url("role", community, username=username), {"role": "moderator"})

        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
    assert not Membership.objects.filter(community=community, member=outsider_user).exists()


def test_it_refuses_to_set_a_role_for_someone_who_is_not_a_member(
    community: Community, outsider_user: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        membership_set_role(community=community, member=outsider_user, role="moderator")

    assert refused.value.code == "not_a_member"


def test_it_rejects_an_unknown_role(
    organiser: Client, community: Community, member_user: User
) -> None:
    response = organiser.post(
        _url("role", community, username=member_user.username), {"role": "emperor"}
    )

    assert response.status_code == 400
    assert Membership.objects.get(member=member_user).role == Membership.Role.MEMBER


def test_it_lists_members_with_their_roles(anonymous: Client, community, member_user) -> None:
    page = anonymous.get(_url("members", community)).content.decode()

    assert "Olga Organiser" in page
    assert "Mona Member" in page
    assert "Organiser" in page


def test_it_completes_a_signed_out_join_after_email_sign_in(
    anonymous: Client, outsider_user: User, community: Community
) -> None:
    to_login = anonymous.post(_url("join", community))
    signed_in = anonymous.post(
        to_login["Location"], {"login": outsider_user.email, "password": PASSWORD}
    )
    assert signed_in["Location"] == _url("join", community)

    asked = anonymous.get(signed_in["Location"])
    assert asked.status_code == 200
    assert "Join #KMers?" in asked.content.decode()
    joined = anonymous.post(_url("join", community))

    assert joined["Location"] == community.get_absolute_url()
    assert Membership.objects.filter(community=community, member=outsider_user).exists()


def test_it_sends_a_member_who_opens_the_join_page_to_the_community(
    member: Client, community: Community
) -> None:
    response = member.get(_url("join", community))

    assert response["Location"] == community.get_absolute_url()
