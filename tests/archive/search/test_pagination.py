"""Keyset pages: disjoint, newest first, and a constant number of queries per page."""

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.selectors.search import PAGE_SIZE
from tests.archive.search.support import found

pytestmark = pytest.mark.django_db


def _next_before(response: object) -> str:
    more_url = response.context["more_url"]
    return parse_qs(urlsplit(more_url).query)["before"][0] if more_url else ""


def test_it_pages_through_every_match_once_newest_first(
    archive: Callable, search: Callable
) -> None:
    # Same second for several posts: the post id breaks the tie.
    posts = archive([(f"A1 rhythm {n} #KMers", {"minutes": n // 3}) for n in range(45)])
    archive(["A1 unrelated #KMers"])

    pages, before = [], ""
    while True:
        response = search(q="rhythm", before=before) if before else search(q="rhythm")
        pages.append(found(response))
        before = _next_before(response)
        if not before:
            break

    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, 5]
    seen = [post for page in pages for post in page]
    assert len(set(seen)) == len(seen) == 45
    assert seen == sorted(posts, key=lambda post: (post.created_at, post.pk), reverse=True)


def test_it_keeps_filters_in_the_more_results_link(archive: Callable, search: Callable) -> None:
    archive([(f"A1 rhythm {n} #KMers", {"author": "bob"}) for n in range(PAGE_SIZE + 1)])

    response = search(q="rhythm", participant="bob", community="kmers")

    query = parse_qs(urlsplit(response.context["more_url"]).query)
    assert (query["q"], query["participant"], query["community"]) == (
        ["rhythm"], ["bob"], ["kmers"],
    )  # fmt: skip
    second = search(q="rhythm", participant="bob", community="kmers", before=query["before"][0])
    assert len(found(second)) == 1
    assert "Newest results" in second.content.decode()


def test_it_shows_no_more_link_on_the_last_page(archive: Callable, search: Callable) -> None:
    archive([f"A1 rhythm {n} #KMers" for n in range(PAGE_SIZE)])

    response = search(q="rhythm")

    assert len(found(response)) == PAGE_SIZE
    assert response.context["more_url"] == ""
    assert "More results" not in response.content.decode()


def _queries_for(search: Callable, **params: str) -> int:
    """Statements sent, not counting the savepoint around the search's SET LOCAL."""
    with CaptureQueriesContext(connection) as queries:
        assert search(**params).status_code == 200
    return sum("SAVEPOINT" not in query["sql"] for query in queries.captured_queries)


def test_it_runs_the_same_number_of_queries_for_5_and_50_matches(
    archive: Callable, search: Callable
) -> None:
    archive([(f"A1 cadence {n} #KMers", {"author": f"person{n % 7}"}) for n in range(5)])
    archive([(f"A1 tempo {n} #KMers #Other", {"author": f"person{n}"}) for n in range(50)])
    filters = {"community": "kmers", "from": "2026-11-01", "to": "2026-12-01"}

    few, many = _queries_for(search, q="cadence"), _queries_for(search, q="tempo")
    few_filtered = _queries_for(search, q="cadence", **filters)
    many_filtered = _queries_for(search, q="tempo", **filters)

    assert few == many <= 3
    assert few_filtered == many_filtered <= 4
    by_person = _queries_for(search, q="cadence", participant="person1")
    assert by_person == _queries_for(search, q="tempo", participant="person1") <= 4
