"""Posts are grouped by the hosts' questions: Qn posts, An answers, replies, conversation."""

from datetime import timedelta

import pytest

from archive.selectors.transcript import transcript_for_chat
from archive.transcript import Transcript
from chats.models import Chat, Question
from chats.services.schedule import chat_set_hosts
from members.models import User
from tests.archive.transcript.conftest import ALICE, BOB, CAROL, HOST, Say

pytestmark = pytest.mark.django_db


def _texts(entries: list) -> list[str]:
    return [entry.post.text for entry in entries]


def _transcript(chat: Chat) -> Transcript:
    return transcript_for_chat(chat=Chat.objects.select_related("community").get(pk=chat.pk))


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Q1 What is a knowledge audit? #KMers", "A1 A map of what we know #KMers"),
        ("Q1: What is a knowledge audit? #KMers", "a1: a map of what we know #KMers"),
        ("Q1. What is a knowledge audit? #KMers", "A1. A map of what we know #KMers"),
        ("#KMers q1) What is a knowledge audit?", "@hannahhost A1 - a map of what we know #KMers"),
        ("Q 1 What is a knowledge audit? #KMers", "A 1, a map of what we know #KMers"),
    ],
)
def test_it_groups_a_hosts_question_with_its_answers_in_every_marker_spelling(
    chat: Chat, say: Say, question: str, answer: str
) -> None:
    say(ALICE, "Hello everyone #KMers", minutes=1)
    say(HOST, question, minutes=5)
    say(ALICE, answer, minutes=7)

    transcript = _transcript(chat)

    [group] = transcript.groups
    assert (group.number, group.label) == (1, "Q1")
    assert group.question_entry is not None
    assert group.question_entry.post.text == question
    assert _texts(group.entries) == [question, answer]
    assert [e.kind for e in group.entries] == ["question", "answer"]
    assert _texts(transcript.conversation) == ["Hello everyone #KMers"]


def test_it_puts_replies_to_a_groups_posts_into_that_group_at_any_depth(
    chat: Chat, say: Say
) -> None:
    q1 = say(HOST, "Q1 Who audits? #KMers", minutes=5)
    answer = say(ALICE, "A1 Librarians #KMers", minutes=6, reply_to=q1)
    reply = say(BOB, "So true #KMers", minutes=7, reply_to=answer)
    say(CAROL, "Agreed #KMers", minutes=8, reply_to=reply)
    say(BOB, "Unrelated musing #KMers", minutes=9)

    transcript = _transcript(chat)

    [group] = transcript.groups
    assert _texts(group.entries) == [
        "Q1 Who audits? #KMers", "A1 Librarians #KMers", "So true #KMers", "Agreed #KMers",
    ]  # fmt: skip
    assert [e.kind for e in group.entries] == ["question", "answer", "reply", "reply"]
    assert all(e.question == 1 for e in group.entries)
    assert _texts(transcript.conversation) == ["Unrelated musing #KMers"]


def test_it_ignores_a_q_marker_from_someone_who_is_not_a_host(chat: Chat, say: Say) -> None:
    say(BOB, "Q2 my own question #KMers", minutes=3)
    say(HOST, "Q1 The real one #KMers", minutes=5)

    transcript = _transcript(chat)

    assert [g.number for g in transcript.groups] == [1]
    assert _texts(transcript.conversation) == ["Q2 my own question #KMers"]
    assert transcript.conversation[0].kind == "post"


def test_it_takes_the_first_question_post_per_number_and_keeps_repeats_with_it(
    chat: Chat, say: Say
) -> None:
    say(HOST, "Q1 First wording #KMers", minutes=5)
    say(HOST, "Q1 (repeat) First wording #KMers", minutes=9)

    [group] = _transcript(chat).groups

    assert group.question_entry.post.text == "Q1 First wording #KMers"
    assert len(group.entries) == 2


def test_it_accepts_anyones_question_when_the_chat_names_no_host(chat: Chat, say: Say) -> None:
    chat.hosts.all().delete()
    q1 = say(BOB, "Q1 Who is here? #KMers", minutes=5)
    say(ALICE, "Q2 is coming? #KMers", minutes=6, reply_to=q1)

    transcript = _transcript(chat)

    [group] = transcript.groups
    assert group.question_entry.post.text == "Q1 Who is here? #KMers"
    # A reply starting with "Q2" is not a question: it stays with its parent's group.
    assert group.entries[1].kind == "reply"


def test_it_opens_a_group_for_answers_to_a_question_never_seen(chat: Chat, say: Say) -> None:
    say(ALICE, "A3 Something #KMers", minutes=30)

    [group] = _transcript(chat).groups

    assert (group.label, group.question_entry, group.prepared) == ("Q3", None, None)
    assert _texts(group.entries) == ["A3 Something #KMers"]


def test_it_falls_back_to_the_prepared_questions_planned_minutes(chat: Chat, say: Say) -> None:
    Question.objects.create(chat=chat, position=1, text="What is an audit?", planned_minute=5)
    Question.objects.create(chat=chat, position=2, text="Who does it?", planned_minute=20)
    say(ALICE, "A1 A map #KMers", minutes=8)
    say(BOB, "nice chat everyone #KMers", minutes=10)
    say(CAROL, "A2 Everyone #KMers", minutes=22)

    transcript = _transcript(chat)

    first, second = transcript.groups
    assert (first.prepared.text, first.question_entry) == ("What is an audit?", None)
    assert first.at == chat.start_at + timedelta(minutes=5)
    assert _texts(first.entries) == ["A1 A map #KMers"]
    assert _texts(second.entries) == ["A2 Everyone #KMers"]
    # An unmarked post inside Q1's planned window is not forced into it.
    assert _texts(transcript.conversation) == ["nice chat everyone #KMers"]
    assert [m.label for m in transcript.stats.chart.marks] == ["Q1", "Q2"]


def test_it_prefers_the_hosts_question_post_to_the_prepared_time(chat: Chat, say: Say) -> None:
    Question.objects.create(chat=chat, position=1, text="What is an audit?", planned_minute=5)
    say(HOST, "Q1 What is an audit, really? #KMers", minutes=12)

    [group] = _transcript(chat).groups

    assert group.prepared.text == "What is an audit?"
    assert group.question_entry.post.text == "Q1 What is an audit, really? #KMers"
    assert group.at == group.question_entry.post.created_at


def test_it_shows_each_reply_right_after_the_answer_it_replies_to(chat: Chat, say: Say) -> None:
    q1 = say(HOST, "Q1 Who audits? #KMers", minutes=5)
    alice = say(ALICE, "A1 Librarians #KMers", minutes=6, reply_to=q1)
    say(BOB, "A1 Everyone, a little #KMers", minutes=7)
    to_alice = say(CAROL, "Which librarians? #KMers", minutes=8, reply_to=alice)
    say(ALICE, "The ones in the basement #KMers", minutes=9, reply_to=to_alice)
    say(BOB, "Same here #KMers", minutes=10, reply_to=alice)

    [group] = _transcript(chat).groups

    assert _texts(group.entries) == [
        "Q1 Who audits? #KMers",
        "A1 Librarians #KMers",
        "Which librarians? #KMers",
        "The ones in the basement #KMers",
        "Same here #KMers",
        "A1 Everyone, a little #KMers",
    ]


def test_it_takes_the_question_of_a_member_host_without_an_x_handle_from_their_account(
    chat: Chat, say: Say, member_user: User
) -> None:
    # Hosted by a member with no X handle on file: only the X account they signed in
    # with (ingest links it by its user id) ties their posts to them. The live page's rule
    # says the same (tests/archive/live).
    User.objects.filter(pk=member_user.pk).update(x_user_id=HOST["id"], x_handle="")
    chat_set_hosts(chat=chat, members=[member_user], handles=[])
    say(HOST, "Q1 Who audits? #KMers", minutes=5)
    say(ALICE, "Q2 not a host #KMers", minutes=6)

    transcript = _transcript(chat)

    [group] = transcript.groups
    assert group.question_entry is not None
    assert group.question_entry.post.text == "Q1 Who audits? #KMers"
    assert group.question_entry.is_host
    assert group.question_entry.post.author.member_id == member_user.pk
    assert "Q2 not a host #KMers" in _texts(transcript.conversation)
