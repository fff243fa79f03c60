"""Members suggest topics and vote once each; organisers schedule or decline them."""

import threading
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats.models import Chat, TopicSuggestion, TopicVote
from chats.services.topics import topic_mark_scheduled, topic_vote
from community.models import Community, Membership
from members.models import User

pytestmark = pytest.mark.django_db


def _url(name: str, community: Community, **kwargs: int) -> str:
    return reverse(f"chats:{name}", kwargs={"slug": community.slug, **kwargs})


def _suggest(
    community: Community, by: User, title: str = "Communities of practice"
) -> TopicSuggestion:
    return TopicSuggestion.objects.create(community=community, suggested_by=by, title=title)


@pytest.fixture
def suggestion(community: Community, member_user: User) -> TopicSuggestion:
    return _suggest(community, member_user)


def _voters(make_user: Callable[..., User], community: Community, count: int) -> list[User]:
    users = [make_user(f"voter{i}") for i in range(count)]
    Membership.objects.bulk_create([Membership(community=community, member=u) for u in users])
    return users


def test_it_lets_a_member_suggest_a_topic_that_everyone_then_sees(
    member: Client, member_user: User, community: Community, anonymous: Client
) -> None:
    response = member.post(
        _url("topic_suggest", community),
        {"title": "  Tacit knowledge  ", "description": "How do we pass it on?"},
    )

    assert response.status_code == 302
    suggestion = TopicSuggestion.objects.get()
    assert (suggestion.title, suggestion.suggested_by) == ("Tacit knowledge", member_user)
    assert suggestion.status == TopicSuggestion.Status.OPEN
    page = anonymous.get(_url("topics", community)).content.decode()
    assert "Tacit knowledge" in page
    assert "How do we pass it on?" in page


def test_it_refuses_a_topic_without_a_title_next_to_the_field(
    member: Client, community: Community
) -> None:
    response = member.post(_url("topic_suggest", community), {"title": "   "})

    assert response.status_code == 400
    assert 'id="id_title_error"' in response.content.decode()
    assert not TopicSuggestion.objects.exists()


def test_it_counts_a_second_vote_as_no_vote(
    member: Client, member_user: User, community: Community, suggestion: TopicSuggestion
) -> None:
    member.post(_url("topic_vote", community, pk=suggestion.pk))
    response = member.post(_url("topic_vote", community, pk=suggestion.pk), follow=True)

    assert TopicVote.objects.filter(suggestion=suggestion, member=member_user).count() == 1
    assert "You have already voted for this topic." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_vote_when_two_votes_race(
    member_user: User, suggestion: TopicSuggestion
) -> None:
    start_together = threading.Barrier(2)
    results: list[bool] = []

    def vote() -> None:
        try:
            start_together.wait(timeout=10)
            results.append(topic_vote(suggestion=suggestion, member=member_user))
        finally:
            connection.close()

    threads = [threading.Thread(target=vote) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert TopicVote.objects.filter(suggestion=suggestion).count() == 1


def test_it_lets_a_member_withdraw_a_vote(
    member: Client, member_user: User, community: Community, suggestion: TopicSuggestion
) -> None:
    member.post(_url("topic_vote", community, pk=suggestion.pk))

    response = member.post(_url("topic_unvote", community, pk=suggestion.pk), follow=True)

    assert not TopicVote.objects.filter(member=member_user).exists()
    assert "Your vote for “Communities of practice” is withdrawn." in response.content.decode()


def test_it_forbids_outsiders_to_suggest_or_vote(
    outsider: Client, community: Community, suggestion: TopicSuggestion
) -> None:
    requests = [
        (_url("topic_suggest", community), {"title": "Hijack"}),
        (_url("topic_vote", community, pk=suggestion.pk), {}),
        (_url("topic_unvote", community, pk=suggestion.pk), {}),
    ]
    for url, data in requests:
        assert outsider.post(url, data).status_code == 403, url

    assert TopicSuggestion.objects.count() == 1
    assert not TopicVote.objects.exists()


def test_it_sends_anonymous_visitors_to_sign_in_before_suggesting_or_voting(
    anonymous: Client, community: Community, suggestion: TopicSuggestion
) -> None:
    for url in (
        _url("topic_suggest", community),
        _url("topic_vote", community, pk=suggestion.pk),
        _url("topic_unvote", community, pk=suggestion.pk),
    ):
        response = anonymous.post(url, {"title": "Hijack"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not TopicVote.objects.exists()


def test_it_ranks_by_votes_then_oldest_first(
    make_user: Callable[..., User], member: Client, member_user: User, community: Community
) -> None:
    older_tie = _suggest(community, member_user, "Older, one vote")
    newer_tie = _suggest(community, member_user, "Newer, one vote")
    favourite = _suggest(community, member_user, "Favourite, two votes")
    _suggest(community, member_user, "Nobody's pick")
    ann, bob = _voters(make_user, community, 2)
    for voter, choice in [(ann, older_tie), (bob, newer_tie), (ann, favourite), (bob, favourite)]:
        TopicVote.objects.create(suggestion=choice, member=voter)

    response = member.get(_url("topics", community))

    titles = [s.title for s in response.context["suggestions"]]
    assert titles == ["Favourite, two votes", "Older, one vote", "Newer, one vote", "Nobody's pick"]
    assert [s.vote_count for s in response.context["suggestions"]] == [2, 1, 1, 0]


def test_it_counts_votes_without_a_query_per_suggestion(
    make_user: Callable[..., User], organiser: Client, organiser_user: User, community: Community
) -> None:
    voters = _voters(make_user, community, 3)

    def queries_for(count: int) -> int:
        for i in range(count):
            suggestion = _suggest(community, organiser_user, f"Topic {count}-{i}")
            TopicVote.objects.bulk_create(
                TopicVote(suggestion=suggestion, member=v) for v in voters
            )
        with CaptureQueriesContext(connection) as queries:
            assert organiser.get(_url("topics", community)).status_code == 200
        return len(queries)

    assert queries_for(2) == queries_for(20)


def test_it_shows_organisers_schedule_this_with_a_prefilled_chat_form(
    organiser: Client, member: Client, community: Community, suggestion: TopicSuggestion
) -> None:
    page = organiser.get(_url("topics", community))

    (ranked,) = page.context["suggestions"]
    link = urlsplit(ranked.schedule_url)
    assert link.path == _url("chat_create", community)
    assert parse_qs(link.query) == {
        "title": ["Communities of practice"], "suggestion": [str(suggestion.pk)]
    }  # fmt: skip
    assert "Schedule this" in page.content.decode()
    assert "Schedule this" not in member.get(_url("topics", community)).content.decode()
    form = organiser.get(ranked.schedule_url)
    assert form.status_code == 200
    assert "Communities of practice" in form.content.decode()


def test_it_marks_an_open_suggestion_scheduled_with_its_chat(
    suggestion: TopicSuggestion, chat: Chat
) -> None:
    topic_mark_scheduled(suggestion_id=suggestion.pk, chat=chat)

    suggestion.refresh_from_db()
    assert suggestion.status == TopicSuggestion.Status.SCHEDULED
    assert suggestion.chat == chat


def test_it_does_not_schedule_another_communitys_or_a_declined_suggestion(
    suggestion: TopicSuggestion, make_chat: Callable[..., Chat], other_community: Community,
    member_user: User,
) -> None:  # fmt: skip
    elsewhere = make_chat(timedelta(days=4), of=other_community)
    declined = _suggest(suggestion.community, member_user, "Old idea")
    TopicSuggestion.objects.filter(pk=declined.pk).update(status=TopicSuggestion.Status.DECLINED)

    topic_mark_scheduled(suggestion_id=suggestion.pk, chat=elsewhere)
    topic_mark_scheduled(suggestion_id=declined.pk, chat=make_chat(timedelta(days=5)))

    suggestion.refresh_from_db()
    declined.refresh_from_db()
    assert (suggestion.status, suggestion.chat) == (TopicSuggestion.Status.OPEN, None)
    assert (declined.status, declined.chat) == (TopicSuggestion.Status.DECLINED, None)


def test_it_lets_a_moderator_decline_a_topic_which_leaves_the_ranking(
    moderator: Client, member: Client, community: Community, suggestion: TopicSuggestion
) -> None:
    moderator.post(_url("topic_decline", community, pk=suggestion.pk))

    suggestion.refresh_from_db()
    assert suggestion.status == TopicSuggestion.Status.DECLINED
    assert member.get(_url("topics", community)).context["suggestions"] == []
    response = member.post(_url("topic_vote", community, pk=suggestion.pk), follow=True)
    assert "Voting on this topic has closed." in response.content.decode()
    assert not TopicVote.objects.exists()


def test_it_answers_404_for_a_suggestion_of_another_community(
    member: Client, community: Community, other_community: Community, member_user: User
) -> None:
    elsewhere = _suggest(other_community, member_user, "Not here")

    response = member.post(_url("topic_vote", community, pk=elsewhere.pk))

    assert response.status_code == 404
    assert not TopicVote.objects.exists()


def test_it_invites_a_signed_in_non_member_to_join_and_an_anonymous_one_to_sign_in(
    outsider: Client, anonymous: Client, community: Community
) -> None:
    outsider_page = outsider.get(_url("topics", community)).content.decode()
    anonymous_page = anonymous.get(_url("topics", community)).content.decode()

    assert reverse("communities:join", kwargs={"slug": community.slug}) in outsider_page
    assert 'name="title"' not in outsider_page
    assert reverse("account_login") in anonymous_page


def test_it_refuses_a_topic_already_suggested_and_points_to_its_votes(
    member: Client, community: Community, suggestion: TopicSuggestion
) -> None:
    response = member.post(
        _url("topic_suggest", community), {"title": "  communities OF   practice "}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_title_error"' in html
    assert "is already suggested: vote for it instead." in html
    assert TopicSuggestion.objects.count() == 1
