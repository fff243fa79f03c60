"""Chats for the participation tests; the second community and its moderator
(other_community, other_moderator) come from tests/conftest.py."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from chats.models import Chat
from chats.services.schedule import chat_create
from community.models import Community


@pytest.fixture
def now() -> datetime:
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def make_chat(community: Community, now: datetime) -> Callable[..., Chat]:
    """An upcoming chat of #KMers starting `starts_in` from now (one hour long)."""

    def make(
        starts_in: timedelta = timedelta(days=2), *, title: str = "Knowledge gardens",
        of: Community | None = None,
    ) -> Chat:  # fmt: skip
        start = now + starts_in
        return chat_create(
            community=of or community, title=title, start_at=start,
            end_at=start + timedelta(hours=1), now=now,
        )  # fmt: skip

    return make


@pytest.fixture
def chat(make_chat: Callable[..., Chat]) -> Chat:
    return make_chat()


@pytest.fixture
def past_chat(community: Community, now: datetime) -> Chat:
    start = now - timedelta(days=3)
    return Chat.objects.create(
        community=community, title="Last week's chat", hashtag=community.hashtag,
        start_at=start, end_at=start + timedelta(hours=1),
    )  # fmt: skip
