"""Hostile or broken search parameters: 200 or 400 with the form, never a 500."""

import base64
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.models import Post
from archive.paging import Cursor
from tests.archive.search.support import START, found

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "q",
    [
        "& | ! :* ( )",
        "learning & | ! :*",
        "learning:* | (ab",
        '"unbalanced learning',
        'learning "',
        "back\\slash \\\\ learning\\",
        "'; DROP TABLE chats_post; --",
        "learning' OR '1'='1",
        "<script>alert(1)</script>",
        "-learning",
        "- - --",
        "OR OR",
        "# ## #",
        "#",
        "\u202eright-to-left\u200b",
        "emoji 🧠 learning",
    ],
)
def test_it_answers_odd_queries_without_failing(
    archive: Callable, search: Callable, q: str
) -> None:
    archive(["A1 learning together #KMers"])

    response = search(q=q)

    assert response.status_code == 200
    assert Post.objects.exists()
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize("raw", ["%ED%A0%BD%20learning", "%FF%FE", "%00learning", "q%3D%25"])
def test_it_answers_undecodable_bytes_without_failing(anonymous: Client, raw: str) -> None:
    response = anonymous.get(f"{reverse('archive:search')}?q={raw}")

    assert response.status_code in {200, 400}


def test_it_still_searches_words_around_operators(archive: Callable, search: Callable) -> None:
    (post,) = archive(["A1 learning together #KMers"])

    assert found(search(q="learning & | ! :* ( ) \\")) == [post]


def test_it_says_when_a_query_has_nothing_to_search_for(
    archive: Callable, search: Callable
) -> None:
    archive(["A1 learning together #KMers"])

    with CaptureQueriesContext(connection) as queries:
        response = search(q="!!! ... ???")

    assert response.status_code == 200
    assert "no words to look for" in response.content.decode()
    assert not [q for q in queries.captured_queries if "chats_post" in q["sql"]]


def test_it_shows_the_empty_search_page(search: Callable) -> None:
    response = search()

    assert response.status_code == 200
    assert "page" not in response.context
    assert "Search the archive" in response.content.decode()


def test_it_refuses_a_ten_thousand_character_query_quickly(search: Callable) -> None:
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = search(q="learning " * 1111 + "x")

    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()
    assert not [q for q in queries.captured_queries if "chats_post" in q["sql"]]
    assert time.perf_counter() - began < 2


@pytest.mark.parametrize(
    ("params", "field_error"),
    [
        ({"from": "2026-11-21", "to": "2026-11-20"}, "on or after the first day"),
        ({"from": "yesterday"}, "Enter a valid date"),
        ({"to": "2026-13-45"}, "Enter a valid date"),
        ({"from": "-2026-01-01"}, "Enter a valid date"),
        ({"from": "99999-01-01"}, "Enter a valid date"),
        ({"community": "no-such-community"}, "Select a valid choice"),
        ({"community": "'; DROP TABLE community_community; --"}, "Select a valid choice"),
        ({"community": "kmers\x00"}, "Null characters are not allowed"),
        ({"community": "k" * 5000}, "Select a valid choice"),
        ({"participant": "bob\x00"}, "Null characters are not allowed"),
        ({"participant": "<script>"}, "Enter a handle"),
        ({"participant": "x" * 500}, "at most 101 characters"),
    ],
)
def test_it_answers_400_with_the_error_next_to_the_field(
    search: Callable, params: dict[str, str], field_error: str
) -> None:
    response = search(q="learning", **params)

    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_it_accepts_the_first_and_last_representable_days(search: Callable) -> None:
    assert search(q="learning", **{"from": "0001-01-01", "to": "9999-12-31"}).status_code == 200


def _encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "before",
    [
        "garbage",
        "!!!",
        "-1",
        "0",
        "9" * 64,
        "9" * 65,
        _encoded("-5.7"),
        _encoded("1.-7"),
        _encoded("1789000000000000.0"),
        _encoded(f"{10**19 - 1}.1"),
        _encoded(f"1789000000000000.{2**63}"),
        _encoded("abc.def"),
        "\x00",
        "%00",
    ],
)
def test_it_answers_400_to_a_bad_cursor(search: Callable, before: str) -> None:
    response = search(q="learning", before=before)

    assert response.status_code == 400
    assert "Start from the newest results" in response.content.decode()


def test_it_round_trips_a_cursor() -> None:
    cursor = Cursor(created_at=START.replace(microsecond=123456), post_id=2**63 - 1)

    assert Cursor.decode(cursor.encode()) == cursor


def test_it_refuses_other_methods(anonymous: Client) -> None:
    assert anonymous.post(reverse("archive:search"), {"q": "x"}).status_code == 405


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(
        alphabet=st.one_of(
            st.sampled_from(list("&|!:*()\"'\\-#<>;% \t\n")),
            st.characters(blacklist_categories=("Cs",)),
        ),
        max_size=210,
    )
)
def test_it_never_fails_on_any_query(archive: Callable, search: Callable, q: str) -> None:
    if not Post.objects.exists():
        archive(["A1 learning <b>together</b> #KMers"])

    response = search(q=q)

    assert response.status_code in {200, 400}
    assert "<b>together" not in response.content.decode()


def test_it_lets_the_server_say_a_query_is_too_long_instead_of_the_browser_cutting_it(
    anonymous: Client,
) -> None:
    html = anonymous.get(reverse("archive:search")).content.decode()

    search_input = html[html.index('name="q"') - 200 : html.index('name="q"') + 200]
    assert "maxlength" not in search_input


def test_it_names_no_date_format_the_browsers_date_picker_contradicts(anonymous: Client) -> None:
    html = anonymous.get(reverse("archive:search")).content.decode()

    assert 'type="date"' in html
    assert "YYYY-MM-DD" not in html
