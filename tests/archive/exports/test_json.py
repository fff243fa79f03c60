"""The JSON export parses back to the chat, its questions and every post."""

import json
from typing import Any

import pytest
from django.test import Client

from chats.models import Chat
from tests.archive.exports.conftest import export_url

pytestmark = pytest.mark.django_db


def _document(client: Client, chat: Chat) -> dict[str, Any]:
    response = client.get(export_url(chat, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].endswith(
        'filename="kmers-2026-11-24-knowledge-audits.json"'
    )
    return json.loads(response.content)


def test_it_describes_the_chat_with_an_absolute_transcript_url(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    document = _document(anonymous, chat)

    assert document["chat"] == {
        "id": chat.pk,
        "title": "Knowledge audits",
        "community": {"name": "Knowledge Managers", "slug": "kmers", "hashtag": "KMers"},
        "hashtags": ["KMers"],
        "start_at": "2026-11-24T17:00:00Z",
        "end_at": "2026-11-24T18:00:00Z",
        "url": f"http://testserver/communities/kmers/chats/{chat.pk}/transcript/",
    }
    assert document["questions"] == [{"number": 1, "text": "What is a knowledge audit?"}]


def test_it_lists_the_posts_with_typed_fields(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    posts = {post["post_id"]: post for post in _document(anonymous, chat)["posts"]}

    assert len(posts) == 7
    answer = posts[discussed["a1b"]["id"]]
    assert answer["is_host"] is False
    assert answer["like_count"] == 9
    assert (answer["question"], answer["kind"], answer["author_handle"]) == ("Q1", "answer", "bob")
    assert posts[discussed["q1"]["id"]]["is_host"] is True
    assert posts[discussed["link"]["id"]]["links"] == ["https://example.org/audits"]
    hidden = posts[discussed["hidden"]["id"]]
    assert (hidden["text"], hidden["author_handle"], hidden["links"]) == ("", "", [])
    assert hidden["removed"] == "Hidden by the moderators: Spam"


def test_it_keeps_hostile_text_as_plain_data(anonymous: Client, chat: Chat, say: Any) -> None:
    from tests.archive.exports.conftest import ALICE

    say(ALICE, "A1 </script><script>alert(1)</script> =1+1 #KMers", minutes=10)

    posts = _document(anonymous, chat)["posts"]

    assert posts[0]["text"] == "A1 </script><script>alert(1)</script> =1+1 #KMers"


def test_it_falls_back_to_the_prepared_question_when_the_host_never_posted_it(
    anonymous: Client, chat: Chat
) -> None:
    document = _document(anonymous, chat)

    assert document["questions"] == [{"number": 1, "text": "What is a knowledge audit?"}]
    assert document["posts"] == []


def test_it_carries_what_an_import_needs_and_nothing_of_a_hidden_post(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    posts = {post["post_id"]: post for post in _document(anonymous, chat)["posts"]}

    link = posts[discussed["link"]["id"]]
    assert link["network"] == "x"
    assert link["author_id"] == discussed["link"]["author_id"]
    assert link["html"].startswith('Good read <a href="https://example.org/audits"')
    assert link["shared_links"] == [{"url": "https://example.org/audits", "title": ""}]
    assert link["hashtags"] == ["kmers"]
    assert link["created_at"].startswith("2026-11-24T17:20:00")
    hidden = posts[discussed["hidden"]["id"]]
    assert (hidden["html"], hidden["author_id"], hidden["media"]) == ("", "", [])
    assert hidden["shared_links"] == []
