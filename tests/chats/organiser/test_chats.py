"""Single chats through the organiser pages, their times in the community's zone."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ChatSeries, TopicSuggestion
from community.models import Community
from members.models import User
from tests.chats.organiser.conftest import NEW_YORK, chat_post_data, snapshot

pytestmark = pytest.mark.django_db


def _url(name: str, chat: Chat) -> str:
    return reverse(name, kwargs={"slug": chat.community.slug, "pk": chat.pk})


def test_it_makes_the_chat_aware_in_the_communitys_zone_not_the_servers(
    organiser: Client, community: Community
) -> None:
    url = reverse("chats:chat_create", kwargs={"slug": community.slug})
    data = chat_post_data(
        date(2026, 3, 12), time(12), time(13, 15), extra_hashtags="#KMchat, knowledge"
    )

    response = organiser.post(url, data)

    chat = Chat.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("chats:questions", chat)
    # 12:00 in New York on 12 March 2026 (summer time, UTC-4) is 16:00 UTC; the server runs UTC.
    assert chat.start_at == datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    assert chat.end_at == datetime(2026, 3, 12, 17, 15, tzinfo=UTC)
    assert chat.hashtags == ["KMers", "KMchat", "knowledge"]
    assert chat.description_html == "<p>Let's talk <em>taxonomies</em>.</p>"
    assert chat.series is None


def test_it_accepts_a_chat_that_ends_after_midnight(
    organiser: Client, community: Community
) -> None:
    url = reverse("chats:chat_create", kwargs={"slug": community.slug})
    data = chat_post_data(date(2026, 3, 12), time(23, 30), time(0, 30), end_date="2026-03-13")

    organiser.post(url, data)

    chat = Chat.objects.get()
    assert chat.duration == timedelta(hours=1)
    assert chat.end_at.astimezone(NEW_YORK) == datetime(2026, 3, 13, 0, 30, tzinfo=NEW_YORK)


def test_it_shows_the_times_of_a_chat_in_the_communitys_zone_when_editing(
    organiser: Client, chat: Chat
) -> None:
    response = organiser.get(_url("chats:chat_edit", chat))

    form = response.context["form"]
    assert form["start_date"].value() == date(2026, 3, 5)
    assert form["start_time"].value() == time(18)
    assert form["end_time"].value() == time(19)
    assert form["start_time"].help_text == "In America/New_York"
    page = response.content.decode()
    assert 'value="18:00"' in page
    assert "In America/New_York" in page


def test_it_edits_an_occurrence_of_a_series_and_marks_it_customised(
    organiser: Client, series: ChatSeries
) -> None:
    occurrence = series.chats.order_by("start_at").first()
    data = chat_post_data(
        date(2026, 3, 3), time(12, 30), time(13, 30), title="Special", questions_hidden="on"
    )

    response = organiser.post(_url("chats:chat_edit", occurrence), data)

    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.customised
    assert occurrence.title == "Special"
    assert occurrence.questions_hidden
    assert occurrence.start_at == datetime(2026, 3, 3, 17, 30, tzinfo=UTC)
    assert occurrence.series == series


def test_it_cancels_and_restores_a_chat(organiser: Client, chat: Chat) -> None:
    organiser.post(_url("chats:chat_cancel", chat))
    chat.refresh_from_db()
    assert chat.is_cancelled
    manage = organiser.get(reverse("chats:manage", kwargs={"slug": chat.community.slug}))
    assert "Cancelled" in manage.content.decode()
    assert _url("chats:chat_restore", chat) in manage.content.decode()

    organiser.post(_url("chats:chat_restore", chat))
    chat.refresh_from_db()
    assert not chat.is_cancelled


def test_it_keeps_a_chat_cancelled_when_restoring_would_overlap(
    organiser: Client, community: Community, chat: Chat
) -> None:
    organiser.post(_url("chats:chat_cancel", chat))
    # Its slot is taken while it is cancelled.
    organiser.post(
        reverse("chats:chat_create", kwargs={"slug": community.slug}),
        chat_post_data(date(2026, 3, 5), time(18), time(19), title="Replacement"),
    )
    before = snapshot()

    response = organiser.post(_url("chats:chat_restore", chat), follow=True)

    assert "stays cancelled: This overlaps “Replacement”" in response.content.decode()
    assert snapshot() == before


def test_it_refuses_get_on_the_post_only_actions(organiser: Client, chat: Chat) -> None:
    assert organiser.get(_url("chats:chat_restore", chat)).status_code == 405
    chat.refresh_from_db()
    assert not chat.is_cancelled


def test_it_asks_before_cancelling_a_chat_without_javascript(organiser: Client, chat: Chat) -> None:
    manage = organiser.get(reverse("chats:manage", kwargs={"slug": chat.community.slug}))
    assert f'<a href="{_url("chats:chat_cancel", chat)}">Cancel…' in manage.content.decode()

    asked = organiser.get(_url("chats:chat_cancel", chat))

    chat.refresh_from_db()
    assert not chat.is_cancelled
    html = asked.content.decode()
    assert f"Cancel “{chat.title}”?" in html
    assert f'<form method="post" action="{_url("chats:chat_cancel", chat)}"' in html


def test_it_prefills_a_new_chat_from_a_topic_suggestion(
    organiser: Client, community: Community, member_user: User
) -> None:
    suggestion = TopicSuggestion.objects.create(
        community=community, suggested_by=member_user, title="Tacit knowledge"
    )
    url = reverse("chats:chat_create", kwargs={"slug": community.slug})

    response = organiser.get(
        url, {"title": "Tacit knowledge", "description": "How?", "suggestion": suggestion.pk}
    )

    form = response.context["form"]
    assert form["title"].value() == "Tacit knowledge"
    assert form["description"].value() == "How?"
    page = response.content.decode()
    assert f'name="suggestion" value="{suggestion.pk}"' in page


def test_it_schedules_a_chat_from_a_suggestion(
    organiser: Client, community: Community, member_user: User
) -> None:
    suggestion = TopicSuggestion.objects.create(
        community=community, suggested_by=member_user, title="Tacit knowledge"
    )
    url = reverse("chats:chat_create", kwargs={"slug": community.slug})
    data = chat_post_data(
        date(2026, 3, 12), time(12), time(13), title="Tacit knowledge", suggestion=suggestion.pk
    )

    response = organiser.post(url, data)

    assert response.status_code == 302
    chat = Chat.objects.get(title="Tacit knowledge")
    suggestion.refresh_from_db()
    assert suggestion.status == TopicSuggestion.Status.SCHEDULED
    assert suggestion.chat == chat


def test_it_refuses_a_suggestion_of_another_community(
    organiser: Client, community: Community, other_community: Community
) -> None:
    foreign = TopicSuggestion.objects.create(community=other_community, title="Not yours")
    before = snapshot()
    url = reverse("chats:chat_create", kwargs={"slug": community.slug})

    response = organiser.post(
        url, chat_post_data(date(2026, 3, 12), time(12), time(13), suggestion=foreign.pk)
    )

    assert response.status_code == 400
    assert "This topic suggestion belongs to another community." in response.content.decode()
    assert snapshot() == before
    foreign.refresh_from_db()
    assert foreign.status == TopicSuggestion.Status.OPEN
