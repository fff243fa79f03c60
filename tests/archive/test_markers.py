"""The Q1/A1 convention, read from the start of a post."""

import pytest

from archive.markers import Marker, parse_marker, question_text


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("Q1 What is an audit? #KMers", Marker("Q", 1)),
        ("Q1: What", Marker("Q", 1)),
        ("q2. lower case", Marker("Q", 2)),
        ("Q3) bracket", Marker("Q", 3)),
        ("Q 4 - spaced", Marker("Q", 4)),
        ("A12 two digits", Marker("A", 12)),
        ("@host @other A2: after mentions", Marker("A", 2)),
        ("#KMers Q5. after the hashtag", Marker("Q", 5)),
        ("  A1", Marker("A", 1)),
        ("Quite a question", None),
        ("A1b is not an answer", None),
        ("Q0 is no question", None),
        ("Answer without number", None),
        ("I think A1 matters", None),
    ],
)
def test_it_reads_the_marker_at_the_start_of_a_post(text: str, marker: Marker | None) -> None:
    assert parse_marker(text) == marker


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Q1 What first drew you in? #KMers", "What first drew you in?"),
        ("Q2: Why? #KMers #kmchat", "Why?"),
        ("#KMers Q3. Go on", "Go on"),
        ("Q4 #KMers", "#KMers"),
    ],
)
def test_it_turns_a_host_question_into_a_heading(text: str, heading: str) -> None:
    assert question_text(text) == heading
