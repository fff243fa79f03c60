"""The schedule as people meet it: an organiser planning a series, a visitor far away.

The live server runs on the real clock, so every date here is computed from
timezone.now() rather than frozen.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect

from chats.models import Chat, Question
from chats.services.schedule import chat_create
from community.models import Community
from members.models import User
from tests.browser.ui import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")
TUESDAY = 1
SERIES_TITLE = "Weekly KMers chat"
CHAT_TITLE = "Knowledge in the age of AI"
QUESTIONS = [
    "What does knowledge management mean in your organisation?",
    "Which tool helped your team share what it knows?",
]


def _day_heading(day: date) -> str:
    # The template's date:"l j F Y", e.g. "Tuesday 10 March 2026".
    return f"{day:%A} {day.day} {day:%B %Y}"


def _schedule_row(page: Page, local_start: datetime, title: str) -> Locator:
    day = page.get_by_role("region", name=_day_heading(local_start.date()), exact=True)
    return day.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def _chat_in_three_days(community: Community) -> Chat:
    day = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=3)
    start = datetime.combine(day, time(12), tzinfo=NEW_YORK).astimezone(UTC)
    return chat_create(
        community=community, title=CHAT_TITLE, start_at=start, end_at=start + timedelta(hours=1)
    )


def _wait_for_zone(page: Page, zone: str) -> None:
    # With no cookie the page renders in UTC first; timezone.js then reloads it once.
    expect(page.get_by_text(f"Times are shown in {zone}")).to_be_visible()


def test_it_lets_an_organiser_create_a_weekly_series_and_add_questions(
    new_page: Callable[..., Page], community: Community, organiser_user: User
) -> None:
    page = new_page()
    page.goto(reverse("home"))
    sign_in(page, organiser_user)
    page.goto(community.get_absolute_url())
    page.get_by_role("link", name="Manage chats").click()
    page.get_by_role("link", name="New series").click()

    submitted_at = timezone.now()
    page.get_by_label("Title").fill(SERIES_TITLE)
    page.get_by_label("Frequency").select_option(label="Every week")
    page.get_by_label("Tuesday").check()
    page.get_by_label("Start time").fill("12:00")
    page.get_by_label("Duration (minutes)").fill("60")
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    page.get_by_label("First date").fill(submitted_at.astimezone(NEW_YORK).date().isoformat())
    page.get_by_role("button", name="Create series").click()

    expect(page.get_by_role("status")).to_contain_text("Series created: 8 chats ahead.")
    chats = list(Chat.objects.filter(community=community).order_by("start_at"))
    assert len(chats) == 8
    local_starts = [chat.start_at.astimezone(NEW_YORK) for chat in chats]
    assert {(start.weekday(), start.time()) for start in local_starts} == {(TUESDAY, time(12))}
    assert submitted_at < chats[0].start_at <= submitted_at + timedelta(days=7)
    upcoming = page.get_by_role("table", name="Upcoming chats of Knowledge Managers")
    first_when = f"{local_starts[0]:%a} {local_starts[0].day} {local_starts[0]:%b %Y, %H:%M}"
    expect(upcoming.get_by_role("row")).to_have_count(1 + 8)
    expect(upcoming.get_by_role("row").nth(1)).to_contain_text(f"{first_when}–13:00")

    upcoming.get_by_role("link", name=f"Questions of {SERIES_TITLE}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Questions of “{SERIES_TITLE}”")
    for text in QUESTIONS:
        page.get_by_role("textbox", name="Question").fill(text)
        page.get_by_role("button", name="Add question").click()

    expect(page.get_by_role("status")).to_contain_text("Q2 added.")
    for label, text in zip(("Q1", "Q2"), QUESTIONS, strict=True):
        row = page.get_by_role("row").filter(has_text=text)
        expect(row.get_by_role("rowheader")).to_have_text(label)
    questions = Question.objects.filter(chat__community=community)
    assert [(q.chat_id, q.label, q.text) for q in questions] == [
        (chats[0].pk, "Q1", QUESTIONS[0]),
        (chats[0].pk, "Q2", QUESTIONS[1]),
    ]


def test_it_shows_a_visitor_in_another_time_zone_the_right_local_time_and_an_ics(
    new_page: Callable[..., Page], community: Community, tmp_path: Path
) -> None:
    chat = _chat_in_three_days(community)
    tokyo_start = chat.start_at.astimezone(TOKYO)
    page = new_page(timezone_id="Asia/Tokyo")

    page.goto(reverse("chats:schedule"))

    _wait_for_zone(page, "Asia/Tokyo")
    row = _schedule_row(page, tokyo_start, CHAT_TITLE)
    expect(row.locator("time")).to_have_text(f"{tokyo_start:%H:%M}")
    row.get_by_role("link", name=CHAT_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CHAT_TITLE)
    tokyo_when = f"{tokyo_start:%A} {tokyo_start.day} {tokyo_start:%B %Y, %H:%M %Z}"
    expect(page.get_by_role("definition").first).to_have_text(tokyo_when)

    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar").click()

    download = info.value
    assert download.suggested_filename == f"KMers-{chat.start_at:%Y-%m-%d}.ics"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    (event,) = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart") == chat.start_at
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert CHAT_TITLE in str(event["summary"])
    assert str(event["url"]).endswith(chat.get_absolute_url())


def test_it_re_renders_the_schedule_when_the_visitor_picks_another_time_zone(
    new_page: Callable[..., Page], community: Community
) -> None:
    chat = _chat_in_three_days(community)
    london_start = chat.start_at.astimezone(LONDON)
    page = new_page(timezone_id="Asia/Tokyo")
    page.goto(reverse("chats:schedule"))
    _wait_for_zone(page, "Asia/Tokyo")

    page.get_by_label("Your time zone").select_option("Europe/London")
    page.get_by_role("button", name="Change time zone").click()

    _wait_for_zone(page, "Europe/London")
    row = _schedule_row(page, london_start, CHAT_TITLE)
    expect(row.locator("time")).to_have_text(f"{london_start:%H:%M}")
    tokyo_day = _day_heading(chat.start_at.astimezone(TOKYO).date())
    expect(page.get_by_role("heading", name=tokyo_day, exact=True)).to_have_count(0)
