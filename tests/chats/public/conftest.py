"""Fixtures for the public schedule: a fixed clock, communities in three zones, chats."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from chats.models import Chat
from chats.services.schedule import chat_create, chat_set_hosts
from community.models import Community
from community.services import community_create
from members.models import User

# Monday 9 March 2026, 12:00 UTC: New York has just moved to EDT, London and
# Sydney have not changed yet.
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def make_chat(community: Community) -> Callable[..., Chat]:
    """An upcoming chat made by the service, or (live=True / past) a row made directly."""

    def make(
        start_at: datetime,
        *,
        title: str = "Knowledge in the age of AI",
        minutes: int = 60,
        of: Community | None = None,
        hosts: tuple[User, ...] = (),
        handles: tuple[str, ...] = (),
        **fields: object,
    ) -> Chat:
        target = of or community
        end_at = start_at + timedelta(minutes=minutes)
        if start_at > datetime.now(UTC):
            chat = chat_create(
                community=target, title=title, start_at=start_at, end_at=end_at, **fields
            )
        else:
            chat = Chat.objects.create(
                community=target, hashtag=target.hashtag, title=title,
                start_at=start_at, end_at=end_at, **fields,
            )  # fmt: skip
        if hosts or handles:
            chat_set_hosts(chat=chat, members=hosts, handles=handles)
        return chat

    return make


@pytest.fixture
def make_community(organiser_user: User) -> Callable[[str, str, str], Community]:
    def make(name: str, hashtag: str, time_zone: str) -> Community:
        data = {"name": name, "hashtag": hashtag, "time_zone": time_zone}
        return community_create(
            creator=organiser_user, data={**data, "description": "", "rules": "", "website": ""}
        )

    return make


@pytest.fixture
def london_community(make_community: Callable[[str, str, str], Community]) -> Community:
    return make_community("Library Londoners", "LibLon", "Europe/London")


@pytest.fixture
def sydney_community(make_community: Callable[[str, str, str], Community]) -> Community:
    return make_community("Sydney Educators", "OzEdChat", "Australia/Sydney")


@pytest.fixture
def visitor_in(db: None) -> Callable[[str], Client]:
    """A signed-in visitor whose profile is set to the given zone."""

    def make(zone: str) -> Client:
        # No password: force_login needs none, and hashing one costs a second.
        username = f"visitor-{zone.replace('/', '-').lower()}"
        user = User.objects.create_user(username=username, password=None, time_zone=zone)
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def cookie_visitor() -> Callable[[str], Client]:
    """An anonymous visitor whose browser has set the tz cookie."""

    def make(zone: str) -> Client:
        client = Client()
        client.cookies["tz"] = zone
        return client

    return make
