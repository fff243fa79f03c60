"""The manage page of a community, and the link to it on the community page."""

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ChatSeries
from chats.services import schedule
from community.models import Community

pytestmark = pytest.mark.django_db


def test_it_lists_the_series_with_its_rule_in_words_and_the_upcoming_chats(
    organiser: Client, community: Community, series: ChatSeries, chat: Chat
) -> None:
    schedule.chat_cancel(chat=chat)

    response = organiser.get(reverse("chats:manage", kwargs={"slug": community.slug}))

    page = response.content.decode()
    assert "Every Tuesday at 12:00 America/New_York, 1 h" in page
    # Local times of the community: 12:00 New York on both sides of the DST change.
    assert "Tue 3 Mar 2026, 12:00–13:00" in page
    assert "Tue 10 Mar 2026, 12:00–13:00" in page
    assert "Thu 5 Mar 2026, 18:00–19:00" in page
    assert list(response.context["chats"]).count(chat) == 1
    assert '<span class="badge live">Cancelled</span>' in page
    for name in ("chats:series_create", "chats:chat_create"):
        assert reverse(name, kwargs={"slug": community.slug}) in page


def test_it_marks_an_ended_series(
    organiser: Client, community: Community, series: ChatSeries
) -> None:
    schedule.series_end(series=series)

    page = organiser.get(reverse("chats:manage", kwargs={"slug": community.slug})).content.decode()

    assert '<span class="badge">Ended</span>' in page
    assert reverse("chats:series_end", kwargs={"slug": community.slug, "pk": series.pk}) not in page


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("organiser", True), ("moderator", True), ("member", False), ("anonymous", False)],
)
def test_it_links_the_community_page_to_the_manage_page_for_organisers_and_moderators(
    request: pytest.FixtureRequest, community: Community, persona: str, shown: bool
) -> None:
    client: Client = request.getfixturevalue(persona)

    page = client.get(community.get_absolute_url()).content.decode()

    assert (reverse("chats:manage", kwargs={"slug": community.slug}) in page) is shown
