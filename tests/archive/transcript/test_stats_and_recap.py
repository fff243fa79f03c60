"""The header's numbers and chart, and the recap: best answers, links, newcomers."""

from datetime import timedelta

import pytest

from archive.models import HiddenReason, PostPlacement
from archive.selectors.transcript import transcript_for_chat
from archive.transcript import Transcript
from chats.models import Chat
from tests.archive.support import archive_tweets
from tests.archive.transcript.conftest import ALICE, BOB, CAROL, HOST, START, Say
from tests.fakes.x_data import make_tweet

pytestmark = pytest.mark.django_db


def _transcript(chat: Chat) -> Transcript:
    return transcript_for_chat(chat=Chat.objects.select_related("community").get(pk=chat.pk))


def test_it_counts_visible_posts_participants_and_first_timers(chat: Chat, say: Say) -> None:
    # Alice posted with the hashtag last week: she is not new to the community; the
    # host, posting here for the first time, is not a newcomer either.
    last_week = make_tweet(
        author=ALICE, text="Ready for #KMers", created_at=START - timedelta(days=7)
    )
    archive_tweets([last_week], users=[ALICE])
    say(HOST, "Q1 Go #KMers", minutes=5)
    say(ALICE, "A1 one #KMers", minutes=6)
    say(ALICE, "A1 two #KMers", minutes=6.5)
    say(BOB, "A1 three #KMers", minutes=7)
    hidden = say(CAROL, "spam #KMers", minutes=8)
    PostPlacement.objects.filter(post__external_id=hidden["id"]).update(
        hidden=True, hidden_reason=HiddenReason.SPAM
    )

    stats = _transcript(chat).stats

    assert (stats.posts, stats.participants) == (4, 3)
    assert sorted(a.handle for a in stats.first_timers) == ["bob"]
    assert [(c.account.handle, c.posts) for c in stats.top_contributors] == [
        ("alice", 2), ("hannahhost", 1), ("bob", 1),
    ]  # fmt: skip


def test_it_charts_posts_per_minute_with_the_questions_marked(chat: Chat, say: Say) -> None:
    say(HOST, "Q1 Go #KMers", minutes=5)
    say(ALICE, "A1 one #KMers", minutes=5.5)
    say(BOB, "A1 two #KMers", minutes=6)

    chart = _transcript(chat).stats.chart

    # The window opens 15 minutes before the start: minute 20 of the chart is 17:05.
    assert len(chart.bars) == 15 + 60 + 30
    assert [(b.minute, b.count) for b in chart.bars if b.count] == [(20, 2), (21, 1)]
    assert chart.peak == 2
    tall, short = (b for b in chart.bars if b.count)
    assert tall.height > short.height > 0
    assert tall.y + tall.height == chart.height
    [mark] = chart.marks
    assert (mark.label, mark.x) == ("Q1", tall.x)


def test_it_renders_the_chart_as_svg_with_titles(anonymous, chat: Chat, say: Say) -> None:
    from tests.archive.transcript.conftest import page

    say(HOST, "Q1 Go #KMers", minutes=5)

    html = page(anonymous, chat)

    assert '<svg viewBox="0 -2 630 94"' in html
    assert "<title>17:05: 1 post</title>" in html
    assert "<title>Q1 at 17:05</title>" in html
    assert "style=" not in html[html.index("<svg") : html.index("</svg>")]


def test_it_recaps_the_most_liked_visible_answer_per_question(chat: Chat, say: Say) -> None:
    say(HOST, "Q1 Go #KMers", minutes=5)
    say(ALICE, "A1 liked #KMers", minutes=6, likes=3)
    say(BOB, "A1 most liked #KMers", minutes=7, likes=9)
    say(CAROL, "not an answer but popular #KMers", minutes=8, likes=50)
    hidden = say(CAROL, "A1 hidden one #KMers", minutes=9, likes=99)
    PostPlacement.objects.filter(post__external_id=hidden["id"]).update(hidden=True)
    say(ALICE, "A2 only answer #KMers", minutes=20)

    recap = _transcript(chat).recap

    assert [(g.label, e.post.text) for g, e in recap.top_answers] == [
        ("Q1", "A1 most liked #KMers"), ("Q2", "A2 only answer #KMers"),
    ]  # fmt: skip


def test_it_lists_shared_links_once_grouped_by_domain(chat: Chat, say: Say) -> None:
    say(ALICE, "See https://t.co/a1 and https://t.co/a2 #KMers", minutes=6, links={
        "https://t.co/a1": "https://www.example.org/audit",
        "https://t.co/a2": "https://blog.example.net/km",
    })  # fmt: skip
    say(BOB, "Also https://t.co/b1 #KMers", minutes=7, links={
        "https://t.co/b1": "https://example.org/guide",
    })  # fmt: skip
    say(CAROL, "Again https://t.co/c1 #KMers", minutes=8, links={
        "https://t.co/c1": "https://www.example.org/audit",
    })  # fmt: skip

    domains = _transcript(chat).recap.link_domains

    found = [(d.domain, [(link.url, link.shared_by.handle) for link in d.links]) for d in domains]
    assert found == [
        ("example.org", [
            ("https://www.example.org/audit", "alice"), ("https://example.org/guide", "bob"),
        ]),
        ("blog.example.net", [("https://blog.example.net/km", "alice")]),
    ]  # fmt: skip


def test_it_names_the_participants_new_to_the_community(anonymous, chat: Chat, say: Say) -> None:
    from tests.archive.transcript.conftest import page

    earlier = make_tweet(author=BOB, text="Hi #KMers", created_at=START - timedelta(days=30))
    archive_tweets([earlier], users=[BOB])
    say(ALICE, "First time here #KMers", minutes=6)
    say(BOB, "Welcome #KMers", minutes=7)

    html = page(anonymous, chat)
    recap = html[html.index("New to Knowledge Managers") :]

    assert "@alice" in recap
    assert "@bob" not in recap
