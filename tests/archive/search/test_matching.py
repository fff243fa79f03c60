"""What a search finds: stems, exact words in other languages, phrases, exclusions, tags."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from archive.models import Post
from tests.archive.search.support import found

pytestmark = pytest.mark.django_db


def test_it_finds_other_forms_of_an_english_word(archive: Callable, search: Callable) -> None:
    learn, learned, _other = archive(
        ["A1 we learn by doing #KMers", "A2 I learned it late #KMers", "A3 nothing here #KMers"]
    )

    assert set(found(search(q="learning"))) == {learn, learned}


def test_it_finds_exact_words_of_a_french_post(archive: Callable, search: Callable) -> None:
    (french,) = archive([("R1 l'apprentissage continu compte #KMers", {"lang": "fr"})])

    assert found(search(q="apprentissage")) == [french]
    assert found(search(q="continu")) == [french]


def test_it_matches_a_quoted_phrase_only_in_that_order(archive: Callable, search: Callable) -> None:
    in_order, reversed_ = archive(
        ["A1 tacit knowledge moves through stories #KMers", "A2 knowledge is tacit #KMers"]
    )

    assert found(search(q='"tacit knowledge"')) == [in_order]
    assert set(found(search(q="tacit knowledge"))) == {in_order, reversed_}


def test_it_leaves_out_posts_with_an_excluded_word(archive: Callable, search: Callable) -> None:
    kept, _ = archive(["A1 knowledge gardens grow #KMers", "A2 knowledge silos harm #KMers"])

    assert found(search(q="knowledge -silos")) == [kept]


def test_it_matches_either_word_with_or(archive: Callable, search: Callable) -> None:
    garden, silo, _ = archive(["A1 gardens #KMers", "A2 silos #KMers", "A3 neither #KMers"])

    assert set(found(search(q="gardens or silos"))) == {garden, silo}


def test_it_finds_a_hashtag_exactly_and_with_words(archive: Callable, search: Callable) -> None:
    tagged, both, word_only = archive(
        [
            "A1 a tagged post #KMers #WorkingOutLoud",
            "A2 blogging matters #KMers #workingoutloud",
            "A3 working out loud without the tag #KMers",
        ]
    )

    assert found(search(q="#WorkingOutLoud")) == [both, tagged]
    assert found(search(q="#workingoutloud blogging")) == [both]
    assert found(search(q="#KMers -#workingoutloud")) == [word_only]


def test_it_shows_newest_posts_first(archive: Callable, search: Callable) -> None:
    first, second, third = archive(
        [
            ("A1 onboarding #KMers", {"minutes": 1}),
            ("A2 onboarding #KMers", {"minutes": 2}),
            ("A3 onboarding #KMers", {"minutes": 3}),
        ]
    )

    assert found(search(q="onboarding")) == [third, second, first]


def test_it_never_finds_removed_posts(archive: Callable, search: Callable) -> None:
    shown, removed = archive(["A1 narrating work #KMers", "A2 narrating more #KMers"])
    Post.objects.filter(pk=removed.pk).update(removed=True, removed_reason=Post.REMOVED_BY_AUTHOR)

    assert found(search(q="narrating")) == [shown]
    assert found(search(participant=removed.author.handle)) == [shown]


def test_it_follows_a_hashtag_link_in_a_post_to_the_posts_with_that_tag(
    archive: Callable, anonymous: Client
) -> None:
    tagged, _other = archive(["A1 see #WorkingOutLoud #KMers", "A2 nothing tagged #KMers"])
    link = re.search(r'href="(/search/\?q=%23WorkingOutLoud)"', tagged.html)
    assert link is not None, tagged.html

    response = anonymous.get(link.group(1))

    assert found(response) == [tagged]
