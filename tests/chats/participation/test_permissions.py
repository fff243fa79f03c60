"""Host offers and topic declines: only this community's organisers and moderators."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ChatHost, HostOffer, TopicSuggestion
from community.models import Community, Membership
from members.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(make_user: Callable[..., User], community: Community, chat: Chat) -> HostOffer:
    volunteer = make_user("vera")
    Membership.objects.create(community=community, member=volunteer)
    return HostOffer.objects.create(chat=chat, member=volunteer)


@pytest.fixture
def suggestion(community: Community, organiser_user: User) -> TopicSuggestion:
    return TopicSuggestion.objects.create(
        community=community, suggested_by=organiser_user, title="Knowledge maps"
    )


def _organiser_requests(
    community: Community, offer: HostOffer, suggestion: TopicSuggestion
) -> list[tuple[str, str]]:
    slug = community.slug
    return [
        ("get", reverse("chats:host_offers", kwargs={"slug": slug})),
        ("post", reverse("chats:host_offer_accept", kwargs={"slug": slug, "pk": offer.pk})),
        ("post", reverse("chats:host_offer_decline", kwargs={"slug": slug, "pk": offer.pk})),
        ("post", reverse("chats:topic_decline", kwargs={"slug": slug, "pk": suggestion.pk})),
    ]


def _nothing_changed(offer: HostOffer, suggestion: TopicSuggestion) -> bool:
    offer.refresh_from_db()
    suggestion.refresh_from_db()
    return (
        offer.status == HostOffer.Status.PENDING
        and suggestion.status == TopicSuggestion.Status.OPEN
        and not ChatHost.objects.exists()
    )


@pytest.mark.parametrize("persona", ["member", "outsider", "other_moderator"])
def test_it_forbids_everyone_but_organisers_and_moderators(
    request: pytest.FixtureRequest, persona: str, community: Community, offer: HostOffer,
    suggestion: TopicSuggestion,
) -> None:  # fmt: skip
    client: Client = request.getfixturevalue(persona)

    for method, url in _organiser_requests(community, offer, suggestion):
        assert getattr(client, method)(url).status_code == 403, (persona, method, url)

    assert _nothing_changed(offer, suggestion)


def test_it_sends_anonymous_visitors_to_sign_in(
    anonymous: Client, community: Community, offer: HostOffer, suggestion: TopicSuggestion
) -> None:
    for method, url in _organiser_requests(community, offer, suggestion):
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))

    assert _nothing_changed(offer, suggestion)


@pytest.mark.parametrize("persona", ["organiser", "moderator"])
def test_it_lets_organisers_and_moderators_in(
    request: pytest.FixtureRequest, persona: str, community: Community, offer: HostOffer,
    suggestion: TopicSuggestion,
) -> None:  # fmt: skip
    client: Client = request.getfixturevalue(persona)

    for method, url in _organiser_requests(community, offer, suggestion):
        assert getattr(client, method)(url).status_code in (200, 302), (persona, url)

    offer.refresh_from_db()
    suggestion.refresh_from_db()
    assert offer.status == HostOffer.Status.ACCEPTED  # accepted before the decline came
    assert suggestion.status == TopicSuggestion.Status.DECLINED
