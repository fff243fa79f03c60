from collections.abc import Callable
from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from chats.models import ChatSeries
from chats.recurrence import Frequency, build_rrule
from community import services
from community.models import Community, Membership
from members.models import User

pytestmark = pytest.mark.django_db


def _form(data: dict[str, str], **changes: str) -> dict[str, str]:
    return {**data, **changes}


def test_it_lets_a_verified_member_start_a_community_and_become_its_organiser(
    outsider: Client, outsider_user: User, community_data: dict[str, str]
) -> None:
    response = outsider.post(reverse("communities:create"), community_data)

    community = Community.objects.get(hashtag="KMers")
    assert response.status_code == 302
    assert response["Location"] == community.get_absolute_url()
    membership = Membership.objects.get(community=community, member=outsider_user)
    assert membership.role == Membership.Role.ORGANISER
    assert community.description_html == "<p>We talk about <em>knowledge</em>.</p>"


def test_it_refuses_to_let_an_unverified_member_start_a_community(
    make_user: Callable[..., User], community_data: dict[str, str]
) -> None:
    client = Client()
    client.force_login(make_user("newbie", verified=False))

    response = client.post(reverse("communities:create"), community_data)

    assert response.status_code == 400
    assert b"Verify your email address" in response.content
    assert not Community.objects.exists()


@pytest.mark.parametrize(
    ("hashtag", "message"),
    [
        ("kmers", "Another community already uses this hashtag."),
        ("#Gardening", "Enter the hashtag without the leading #."),
        ("two words", "only letters, digits and underscores"),
        ("chat\N{GRINNING FACE}", "only letters, digits and underscores"),
        ("2024", "at least one letter"),
        ("a" * 101, "at most 100 characters"),
    ],
)
def test_it_rejects_a_bad_hashtag_next_to_the_field_and_keeps_the_input(
    community: Community,
    outsider: Client,
    community_data: dict[str, str],
    hashtag: str,
    message: str,
) -> None:
    data = _form(community_data, name="Another one", hashtag=hashtag)

    response = outsider.post(reverse("communities:create"), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["hashtag"])
    assert 'value="Another one"' in response.content.decode()
    assert Community.objects.count() == 1


def test_it_accepts_a_hashtag_in_any_script(
    outsider: Client, community_data: dict[str, str]
) -> None:
    outsider.post(reverse("communities:create"), _form(community_data, hashtag="Bibliothèque_24"))

    assert Community.objects.filter(hashtag="Bibliothèque_24").exists()


def test_it_rejects_an_unknown_time_zone(outsider: Client, community_data: dict[str, str]) -> None:
    response = outsider.post(
        reverse("communities:create"), _form(community_data, time_zone="Mars/Olympus_Mons")
    )

    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert not Community.objects.exists()


def test_it_escapes_html_in_names_and_strips_script_from_markdown(
    outsider: Client, community_data: dict[str, str]
) -> None:
    data = _form(
        community_data,
        name="<script>alert(1)</script>Evil",
        description=(
            "Hi <script>alert(2)</script> [x](javascript:alert(3)) <img src=x onerror=alert(4)>"
        ),
        rules="<iframe src=//evil.example></iframe>ok",
    )
    outsider.post(reverse("communities:create"), data)
    community = Community.objects.get()

    page = outsider.get(community.get_absolute_url()).content.decode()

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Evil" in page
    assert "javascript:" not in community.description_html
    assert "onerror" not in community.description_html
    assert "<iframe" not in community.rules_html


def test_it_lets_an_organiser_edit_the_community(
    organiser: Client, community: Community, community_data: dict[str, str]
) -> None:
    data = _form(community_data, name="KM Chat", description="**New**")

    response = organiser.post(reverse("communities:edit", kwargs={"slug": community.slug}), data)

    community.refresh_from_db()
    assert response.status_code == 302
    assert community.name == "KM Chat"
    assert community.description_html == "<p><strong>New</strong></p>"


def test_it_keeps_the_stored_community_when_an_edit_is_invalid(
    organiser: Client, community: Community, community_data: dict[str, str]
) -> None:
    data = _form(community_data, name="Changed", hashtag="#bad")

    response = organiser.post(reverse("communities:edit", kwargs={"slug": community.slug}), data)

    community.refresh_from_db()
    assert response.status_code == 400
    assert community.name == "Knowledge Managers"
    assert community.hashtag == "KMers"


def test_it_shows_a_refusal_of_the_service_next_to_the_fields_it_names(
    organiser: Client,
    community: Community,
    community_data: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(**_: object) -> Community:
        raise ValidationError({"website": "Unreachable.", "slug": "Taken."})

    monkeypatch.setattr(services, "community_update", refuse)
    data = _form(community_data, name="Changed")

    response = organiser.post(reverse("communities:edit", kwargs={"slug": community.slug}), data)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["website"] == ["Unreachable."]
    assert form.non_field_errors() == ["Taken."]  # the form has no slug field
    assert 'id="id_website_error"' in response.content.decode()
    assert 'value="Changed"' in response.content.decode()


def test_it_finds_communities_by_name_hashtag_or_description(
    anonymous: Client, community: Community
) -> None:
    url = reverse("communities:list")

    assert community.name in anonymous.get(url, {"q": "#kmers"}).content.decode()
    assert community.name in anonymous.get(url, {"q": "knowledge"}).content.decode()
    assert community.name not in anonymous.get(url, {"q": "gardening"}).content.decode()


def test_it_shows_the_community_page_with_organisers_and_member_count(
    anonymous: Client, community: Community, member_user: User
) -> None:
    response = anonymous.get(community.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert "Olga Organiser" in page
    assert "2 members" in page
    assert "<em>knowledge</em>" in page


def test_it_shows_a_communitys_description_on_its_card_as_text_not_markdown(
    anonymous: Client, organiser_user: User, community_data: dict[str, str]
) -> None:
    data = {**community_data, "description": "We **learn and remember** & share."}
    services.community_create(creator=organiser_user, data={**data, "hashtag": "LearnTag"})

    for url in (reverse("home"), reverse("communities:list")):
        html = anonymous.get(url).content.decode()

        assert "We learn and remember &amp; share." in html
        assert "**learn" not in html


def test_it_says_on_each_card_when_the_community_meets(
    anonymous: Client, community: Community
) -> None:
    ChatSeries.objects.create(
        community=community, title="Weekly #KMers",
        rrule=build_rrule(frequency=Frequency.WEEKLY, weekdays=["TU"]),
        start_time=time(12), time_zone="America/New_York", first_date=date(2026, 1, 6),
    )  # fmt: skip

    for url in (reverse("home"), reverse("communities:list")):
        html = anonymous.get(url).content.decode()

        assert "Meets: Every Tuesday at 12:00 America/New_York, 1 h" in html
