"""Both halves of the PostgreSQL page query: the walk of the newest posts and the GIN half.

Archives in tests are far smaller than the window the walk covers, so these searches
shrink the window to a few posts: every page then needs the GIN half too.
"""

from collections.abc import Callable

import pytest

from archive.models import HiddenReason, Post, PostPlacement
from archive.selectors.search import PAGE_SIZE, SearchParams, search_posts
from benchmarks.search import generate

pytestmark = pytest.mark.django_db


def _all_pages(params: SearchParams, *, window: int) -> list[list[Post]]:
    pages = []
    while True:
        page = search_posts(params=params, recent_window=window)
        pages.append([result.post for result in page.results])
        if page.next_cursor is None:
            return pages
        params = SearchParams(text=params.text, before=page.next_cursor)


@pytest.mark.parametrize("window", [1, 3, 7, PAGE_SIZE + 1, 200])
def test_it_finds_the_same_pages_whatever_the_window(archive: Callable, window: int) -> None:
    posts = archive(
        [(f"A1 {'rhythm' if n % 3 else 'cadence'} {n} #KMers", {"minutes": n}) for n in range(70)]
    )
    hidden = posts[4]
    PostPlacement.objects.filter(post=hidden).update(hidden=True, hidden_reason=HiddenReason.SPAM)
    Post.objects.filter(pk=posts[5].pk).update(removed=True)
    expected = [
        post for post in reversed(posts) if "rhythm" in post.text and post not in {hidden, posts[5]}
    ]

    pages = _all_pages(SearchParams(text="rhythm"), window=window)

    assert [post for page in pages for post in page] == expected
    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE, len(expected) - 2 * PAGE_SIZE]


def test_it_finds_posts_only_older_than_the_window(archive: Callable) -> None:
    old, *_recent = archive(
        [("A1 serendipity #KMers", {"minutes": 1})]
        + [(f"A1 filler {n} #KMers", {"minutes": 2 + n}) for n in range(10)]
    )

    page = search_posts(params=SearchParams(text="serendipity"), recent_window=3)

    assert [result.post for result in page.results] == [old]


def test_it_says_so_when_a_search_runs_past_its_timeout(search: Callable) -> None:
    # Enough posts that walking the window alone takes several milliseconds.
    generate(posts=20_000, accounts=50, vacuum=False)

    page = search_posts(params=SearchParams(text="serendipity"), timeout_ms=1)

    assert page.too_slow
    assert page.results == []
    # The cancelled statement was rolled back to its savepoint: the connection still works.
    assert search_posts(params=SearchParams(text="serendipity")).results
    assert "took too long" not in search(q="serendipity").content.decode()
