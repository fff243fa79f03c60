"""iCalendar (RFC 5545) output for chats: one file per chat and feeds of many.

Times are written in UTC (the trailing Z), which every calendar app converts to
its user's zone; UIDs are derived from the chat's primary key and the site's
host, so a chat keeps its UID across feeds, downloads and edits.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event

from chats.models import Chat

PRODID = "-//Hashtag Commons//Chat schedule//EN"
REFRESH_INTERVAL = timedelta(hours=6)


def chat_url(chat: Chat) -> str:
    return settings.SITE_URL.rstrip("/") + chat.get_absolute_url()


def chat_uid(chat: Chat) -> str:
    return f"chat-{chat.pk}@{urlsplit(settings.SITE_URL).hostname}"


def chat_summary(chat: Chat) -> str:
    return f"#{chat.hashtag}: {chat.title}"


def _description(chat: Chat) -> str:
    tags = " ".join(f"#{tag}" for tag in chat.hashtags)
    lines = [chat.title, ""]
    if chat.description.strip():
        lines += [chat.description.strip(), ""]
    hosts = ", ".join(host.display_name for host in chat.hosts.all())
    if hosts:
        lines.append(f"Hosts: {hosts}")
    lines += [
        f"Take part on X: post with {tags}. Answer Q1 with A1, Q2 with A2, and so on.",
        "",
        chat_url(chat),
    ]
    return "\n".join(lines)


def chat_event(chat: Chat, *, now: datetime) -> Event:
    event = Event()
    event.add("uid", chat_uid(chat))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", chat.start_at.astimezone(UTC))
    event.add("dtend", chat.end_at.astimezone(UTC))
    event.add("summary", chat_summary(chat))
    event.add("description", _description(chat))
    event.add("url", chat_url(chat))
    event.add("status", "CANCELLED" if chat.is_cancelled else "CONFIRMED")
    event.add("last-modified", chat.updated_at.astimezone(UTC))
    # Calendar apps apply a changed event only when SEQUENCE grows; the seconds
    # between creation and the last edit grow with every edit and start at 0.
    event.add("sequence", max(int((chat.updated_at - chat.created_at).total_seconds()), 0))
    return event


def chats_calendar(*, chats: Iterable[Chat], name: str, now: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    for chat in chats:
        calendar.add_component(chat_event(chat, now=now))
    return calendar.to_ical()
