"""Series through the organiser pages: created in the community's zone, edited, ended."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from chats.models import Chat, ChatSeries
from community.models import Community
from members.models import User
from tests.chats.organiser.conftest import NEW_YORK, chat_post_data, series_post_data, snapshot

pytestmark = pytest.mark.django_db


def _create_url(community: Community) -> str:
    return reverse("chats:series_create", kwargs={"slug": community.slug})


def _edit_url(series: ChatSeries) -> str:
    return reverse("chats:series_edit", kwargs={"slug": series.community.slug, "pk": series.pk})


def _tuesdays_at_noon(**extra: object) -> dict[str, object]:
    defaults = {"title": "KMers weekly", "weekdays": ["TU"], "first_date": "2026-03-03"}
    return series_post_data(**(defaults | extra))


def test_it_names_the_zone_next_to_the_start_time(organiser: Client, community: Community) -> None:
    response = organiser.get(_create_url(community))

    form = response.context["form"]
    assert form["start_time"].help_text == "Local time in America/New_York"
    assert form["time_zone"].initial == "America/New_York"
    assert "Local time in America/New_York" in response.content.decode()


def test_it_generates_eight_weeks_of_chats_at_noon_new_york_across_the_dst_change(
    organiser: Client, community: Community
) -> None:
    response = organiser.post(_create_url(community), _tuesdays_at_noon())

    assert response.status_code == 302
    assert response["Location"] == reverse("chats:manage", kwargs={"slug": community.slug})
    chats = list(Chat.objects.filter(series__community=community).order_by("start_at"))
    assert len(chats) == 8
    assert [c.start_at.astimezone(NEW_YORK).date() for c in chats] == [
        date(2026, 3, 3) + timedelta(weeks=week) for week in range(8)
    ]
    assert {c.start_at.astimezone(NEW_YORK).time() for c in chats} == {time(12)}
    # 3 March is before the US switch to summer time (8 March), 10 March after it.
    assert chats[0].start_at == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    assert chats[1].start_at == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert all(c.end_at - c.start_at == timedelta(hours=1) for c in chats)


def test_it_keeps_noon_new_york_when_summer_time_ends(
    organiser_user: User, community: Community
) -> None:
    # US summer time ends on 1 November 2026.
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=UTC), tick=False):
        organiser = Client()
        organiser.force_login(organiser_user)
        response = organiser.post(
            _create_url(community), _tuesdays_at_noon(first_date="2026-10-20")
        )

    assert response.status_code == 302
    starts = list(Chat.objects.order_by("start_at").values_list("start_at", flat=True))
    assert starts[:3] == [
        datetime(2026, 10, 20, 16, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 3, 17, 0, tzinfo=UTC),
    ]


def test_it_builds_a_monthly_rule_and_describes_it_on_the_manage_page(
    organiser: Client, community: Community
) -> None:
    data = _tuesdays_at_noon(frequency="monthly", nth="-1", duration="90")

    organiser.post(_create_url(community), data)

    series = ChatSeries.objects.get()
    assert series.rrule == "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1"
    # Eight weeks ahead of 1 March reach 26 April: the last Tuesday of April is not due yet.
    assert [c.start_at.astimezone(NEW_YORK).date() for c in series.chats.all()] == [
        date(2026, 3, 31)
    ]
    page = organiser.get(reverse("chats:manage", kwargs={"slug": community.slug}))
    assert (
        "The last Tuesday of every month at 12:00 America/New_York, 1 h 30 min"
        in page.content.decode()
    )


def test_it_accepts_a_custom_rrule_over_the_structured_choices(
    organiser: Client, community: Community
) -> None:
    data = _tuesdays_at_noon(rrule="RRULE:FREQ=WEEKLY;INTERVAL=3;BYDAY=WE")

    response = organiser.post(_create_url(community), data)

    assert response.status_code == 302
    series = ChatSeries.objects.get()
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE"
    days = [c.start_at.astimezone(NEW_YORK).date() for c in series.chats.all()]
    assert days == [date(2026, 3, 4), date(2026, 3, 25), date(2026, 4, 15)]
    edit = organiser.get(_edit_url(series))
    assert edit.context["form"]["rrule"].value() == "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE"


def test_it_prefills_the_edit_form_from_the_stored_rule(
    organiser: Client, series: ChatSeries
) -> None:
    response = organiser.get(_edit_url(series))

    form = response.context["form"]
    assert form["frequency"].value() == "weekly"
    assert form["weekdays"].value() == ["TU"]
    assert form["start_time"].help_text == "12:00 in America/New_York"
    assert form["duration"].value() == 60
    assert form["rrule"].value() in (None, "")
    assert 'value="TU" id="id_weekdays_1" checked' in response.content.decode()


def test_it_regenerates_untouched_chats_and_keeps_one_edited_through_the_chat_page(
    organiser: Client, community: Community, series: ChatSeries
) -> None:
    edited = series.chats.order_by("start_at")[2]  # Tuesday 17 March
    organiser.post(
        reverse("chats:chat_edit", kwargs={"slug": community.slug, "pk": edited.pk}),
        chat_post_data(date(2026, 3, 17), time(12, 30), time(13, 30), title="AI and KM"),
    )

    response = organiser.post(
        _edit_url(series), _tuesdays_at_noon(start_time="15:00", title="KMers at three")
    )

    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.title == "AI and KM"
    assert edited.start_at == datetime(2026, 3, 17, 12, 30, tzinfo=NEW_YORK)
    others = series.chats.exclude(pk=edited.pk).order_by("start_at")
    assert others.count() == 8  # the 17th gets its 15:00 occurrence beside the edited one
    assert {c.title for c in others} == {"KMers at three"}
    assert {c.start_at.astimezone(NEW_YORK).time() for c in others} == {time(15)}


def test_it_ends_a_series_keeping_edited_chats(
    organiser: Client, community: Community, series: ChatSeries
) -> None:
    edited = series.chats.order_by("start_at")[1]
    organiser.post(
        reverse("chats:chat_edit", kwargs={"slug": community.slug, "pk": edited.pk}),
        chat_post_data(date(2026, 3, 10), time(12), time(13), title="Our special"),
    )

    response = organiser.post(
        reverse("chats:series_end", kwargs={"slug": community.slug, "pk": series.pk})
    )

    assert response.status_code == 302
    series.refresh_from_db()
    assert not series.is_active
    assert list(series.chats.all()) == [edited]


def test_it_leaves_the_series_alone_when_the_edit_is_refused(
    organiser: Client, series: ChatSeries
) -> None:
    before = snapshot()

    response = organiser.post(_edit_url(series), _tuesdays_at_noon(duration="0"))

    assert response.status_code == 400
    assert response.context["form"].errors["duration"] == ["A chat must end after it starts."]
    assert snapshot() == before


def test_it_does_not_double_book_the_day_of_an_edited_occurrence_when_the_series_moves(
    organiser: Client, community: Community, series: ChatSeries
) -> None:
    edited = series.chats.order_by("start_at")[2]  # Tuesday 17 March
    organiser.post(
        reverse("chats:chat_edit", kwargs={"slug": community.slug, "pk": edited.pk}),
        chat_post_data(date(2026, 3, 17), time(12, 30), time(13, 30), title="AI and KM"),
    )

    organiser.post(_edit_url(series), _tuesdays_at_noon(start_time="13:00"))

    # A 13:00 occurrence on the 17th would overlap the edited 12:30 chat on #KMers.
    on_the_17th = series.chats.filter(start_at__date=date(2026, 3, 17))
    assert list(on_the_17th) == [edited]
    assert series.chats.count() == 8
    starts = [c.start_at.astimezone(NEW_YORK).time() for c in series.chats.exclude(pk=edited.pk)]
    assert set(starts) == {time(13)}
