"""A double click's two requests, truly at once: one post reaches X, both get its result."""

import threading
from typing import Any

import pytest
from django.db import connection

from archive.models import PostingPolicy, PostSubmission
from archive.services.posting import post_publish
from chats.models import Chat
from members.models import User
from tests.fakes.x_api import FakeXApi


@pytest.mark.django_db(transaction=True)
def test_it_sends_one_post_when_two_requests_with_one_key_race(
    ready: Chat, poster: User, x_api: FakeXApi, posting_on: PostingPolicy
) -> None:
    # One post a day: the second request must get the first's result, not "cap reached".
    PostingPolicy.objects.filter(pk=posting_on.pk).update(daily_post_cap=1)
    # X takes its time: the second request arrives while the first is being sent.
    x_api.delay_next(0.5)
    results: list[Any] = []
    errors: list[BaseException] = []

    def click() -> None:
        try:
            chat = Chat.objects.select_related("community").get(pk=ready.pk)
            results.append(
                post_publish(member=poster, chat=chat, text="At once", idempotency_key="race")
            )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(x_api.create_requests) == 1
    assert PostSubmission.objects.count() == 1
    assert [r.sent for r in results] == [True, True]
    assert results[0].submission.post_id == results[1].submission.post_id
