"""Shared by the search tests: the chat's start and reading results off a page."""

from datetime import UTC, datetime

from django.http import HttpResponse

from archive.models import Post

START = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def found(response: HttpResponse) -> list[Post]:
    """The posts a search page shows, in order."""
    assert response.status_code == 200, response.content.decode()[:2000]
    return [result.post for result in response.context["page"].results]
