"""The CSV export: documented columns, one row per post, moderated posts without text."""

import csv
import io
from typing import Any

import pytest
from django.test import Client

from archive.exports import CSV_COLUMNS
from archive.models import Post
from chats.models import Chat
from tests.archive.exports.conftest import ALICE, HOST, Say, export_url
from tests.fakes.x_data import make_user

pytestmark = pytest.mark.django_db

DOCUMENTED_COLUMNS = [
    "post_id", "url", "created_at_utc", "author_handle", "author_name", "text", "question",
    "kind", "is_host", "reply_to_id", "like_count", "reply_count", "repost_count",
    "quote_count", "links", "removed", "network",
]  # fmt: skip


def _rows(client: Client, chat: Chat) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(export_url(chat, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert not body.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(body, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["post_id"]: row for row in rows}


def test_it_has_exactly_the_documented_columns(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    columns, rows = _rows(anonymous, chat)

    assert columns == DOCUMENTED_COLUMNS == list(CSV_COLUMNS)
    assert len(rows) == len(discussed)


def test_it_writes_one_row_per_post_in_time_order_with_its_fields(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    _, rows = _rows(anonymous, chat)

    assert [row["post_id"] for row in rows] == [
        discussed[key]["id"] for key in ("q1", "a1", "a1b", "reply", "link", "hidden", "withdrawn")
    ]
    rows_by_id = _by_id(rows)
    question = rows_by_id[discussed["q1"]["id"]]
    assert question == {
        "post_id": discussed["q1"]["id"],
        "url": f"https://x.com/hannahhost/status/{discussed['q1']['id']}",
        "created_at_utc": "2026-11-24T17:05:00Z",
        "author_handle": "hannahhost",
        "author_name": "Hannah Host",
        "text": "Q1: What is a knowledge audit? #KMers",
        "question": "Q1",
        "kind": "question",
        "is_host": "true",
        "reply_to_id": "",
        "like_count": "0",
        "reply_count": "0",
        "repost_count": "0",
        "quote_count": "0",
        "links": "",
        "removed": "",
        "network": "x",
    }
    answer = rows_by_id[discussed["a1b"]["id"]]
    assert (answer["kind"], answer["question"], answer["is_host"]) == ("answer", "Q1", "false")
    assert answer["like_count"] == "9"
    reply = rows_by_id[discussed["reply"]["id"]]
    assert (reply["kind"], reply["question"]) == ("reply", "Q1")
    assert reply["reply_to_id"] == discussed["a1"]["id"]
    assert rows_by_id[discussed["link"]["id"]]["links"] == "https://example.org/audits"
    assert rows_by_id[discussed["link"]["id"]]["kind"] == "post"


def test_it_exports_hidden_and_withdrawn_posts_without_their_text_or_author(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    _, rows = _rows(anonymous, chat)

    hidden = _by_id(rows)[discussed["hidden"]["id"]]
    withdrawn = _by_id(rows)[discussed["withdrawn"]["id"]]
    assert hidden["removed"] == "Hidden by the moderators: Spam"
    assert withdrawn["removed"] == "Removed by its author"
    for row in (hidden, withdrawn):
        assert row["text"] == row["author_handle"] == row["author_name"] == row["url"] == ""
    assert "cheap followers" not in str(rows)
    assert "should not have said" not in str(rows)


def test_it_leaves_out_versions_an_edit_replaced(anonymous: Client, chat: Chat, say: Say) -> None:
    original = say(ALICE, "A1 typo #KMers", minutes=7)
    say(ALICE, "A1 fixed #KMers", minutes=8)
    Post.objects.filter(external_id=original["id"]).update(
        removed=True, removed_reason=Post.REMOVED_EDITED
    )

    _, rows = _rows(anonymous, chat)

    assert [row["text"] for row in rows] == ["A1 fixed #KMers"]


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil.example")', "+1+2", "-2+3", "@SUM(A1:A2)", "\tindented"]
)
def test_it_defuses_cells_a_spreadsheet_would_run_as_formulas(
    anonymous: Client, chat: Chat, say: Say, text: str
) -> None:
    say(ALICE, f"{text} #KMers", minutes=10)

    _, rows = _rows(anonymous, chat)

    assert rows[0]["text"] == f"'{text} #KMers"


def test_it_defuses_a_display_name_that_is_a_formula(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    say(make_user("mallory", name="=cmd|' /C calc'!A0"), "hello #KMers", minutes=10)

    _, rows = _rows(anonymous, chat)

    assert rows[0]["author_name"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["text"] == "hello #KMers"


def test_it_keeps_commas_quotes_newlines_and_unicode_intact(
    anonymous: Client, chat: Chat, say: Say
) -> None:
    text = 'A1 "quoted", line one\nline two — מה? 🙂 #KMers'
    say(HOST, text, minutes=10)

    _, rows = _rows(anonymous, chat)

    assert rows[0]["text"] == text


def test_it_is_a_download_named_after_the_community_date_and_title(
    anonymous: Client, chat: Chat, discussed: dict[str, Any]
) -> None:
    response = anonymous.get(export_url(chat, "csv"))

    assert response["Content-Disposition"] == (
        'attachment; filename="kmers-2026-11-24-knowledge-audits.csv"'
    )
