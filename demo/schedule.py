"""Demo schedule for `seed_demo`: a series per community, past chats, questions, topics.

Deterministic and idempotent: every row is found by a natural key before it is
created, so running the seed again adds nothing.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from chats import recurrence
from chats.models import Chat, ChatSeries, Question, TopicSuggestion, TopicVote
from chats.selectors.schedule import overlapping_chat
from chats.services.schedule import (
    chat_set_hosts,
    question_add,
    series_create,
    series_generate_occurrences,
)
from common.markdown import render_markdown
from community.models import Community, Membership
from members.models import User

# slug: (title, frequency, weekday, nth, local start, minutes)
SERIES = {
    "kmers": ("Weekly #KMers chat", "weekly", "TU", None, time(12, 0), 60),
    "edchatlite": ("#EdChatLite staffroom", "weekly", "MO", None, time(19, 30), 60),
    "pkmchat": ("#PKMchat sense-making hour", "weekly", "TH", None, time(20, 0), 60),
    "datacoopchat": ("#DataCoopChat monthly", "monthly", "WE", 1, time(17, 0), 90),
    "libchat_asia": ("#LibChat_Asia fortnightly", "biweekly", "FR", None, time(12, 0), 60),
}
PAST_TOPICS = [
    "Working out loud without burning out",
    "What makes a community of practice last?",
    "Tacit knowledge: can we ever write it down?",
]
QUESTIONS = [
    "What brought you to this topic, and what do you hope to take away?",
    "Share one practice that works well in your team.",
    "Where does it usually go wrong, and why?",
    "Which tools help, and which get in the way?",
    "What will you try differently next week?",
]
SUGGESTIONS = [
    ("Onboarding newcomers to a long-running community", 9),
    ("Knowledge graphs for small teams", 6),
    ("Running a chat across three time zones", 4),
    ("Measuring the value of a community", 2),
]


def seed_demo_schedule(*, communities: list[Community], now: datetime | None = None) -> None:
    now = now or timezone.now()
    for community in communities:
        members = [
            m.member
            for m in Membership.objects.filter(community=community).select_related("member")
        ]
        series = _series(community, now)
        _past_chats(community, series, members, now)
        upcoming = series.chats.filter(start_at__gt=now).order_by("start_at").first()
        if upcoming is not None and not upcoming.questions.exists():
            for number, text in enumerate(QUESTIONS[:4], start=1):
                question_add(chat=upcoming, text=text, planned_minute=5 + 12 * (number - 1))
            chat_set_hosts(chat=upcoming, members=members[:1], handles=[])
        _suggestions(community, members)


def _series(community: Community, now: datetime) -> ChatSeries:
    title, frequency, weekday, nth, start, minutes = SERIES[community.slug]
    existing = ChatSeries.objects.filter(community=community, title=title).first()
    if existing is not None:
        series_generate_occurrences(series=existing, now=now)
        return existing
    return series_create(
        community=community,
        title=title,
        rrule=recurrence.build_rrule(frequency=frequency, weekdays=[weekday], nth=nth),
        start_time=start,
        duration=timedelta(minutes=minutes),
        first_date=(now - timedelta(weeks=5)).date(),
        now=now,
    )


def _past_chats(
    community: Community, series: ChatSeries, members: list[User], now: datetime
) -> None:
    """Three past occurrences of the series, each with questions and a host."""
    starts = recurrence.expand(
        rule=series.rrule,
        dtstart=series.local_dtstart(),
        last_date=None,
        after=now - timedelta(weeks=5),
        before=now - timedelta(days=1),
    )[-3:]
    for start, topic, host in zip(starts, PAST_TOPICS, members[1:], strict=False):
        chat = Chat.objects.filter(series=series, series_start=start).first()
        if chat is None:
            if overlapping_chat(
                community=community,
                hashtags=[community.hashtag],
                start=start - series.pre_window,
                end=start + series.duration + series.post_window,
            ):
                continue  # the archived demo chat already holds this slot
            description = f"Hosted by {host.public_name}. Transcript below."
            chat = Chat.objects.create(
                community=community,
                series=series,
                series_start=start,
                customised=True,
                title=topic,
                description=description,
                description_html=render_markdown(description),
                hashtag=community.hashtag,
                start_at=start,
                end_at=start + series.duration,
                final_sweep_at=start + series.duration,
            )
            for number, text in enumerate(QUESTIONS, start=1):
                Question.objects.create(chat=chat, position=number, text=text)
            chat_set_hosts(chat=chat, members=[host], handles=[])


def _suggestions(community: Community, members: list[User]) -> None:
    for title, votes in SUGGESTIONS:
        suggestion, created = TopicSuggestion.objects.get_or_create(
            community=community, title=title, defaults={"suggested_by": members[-1]}
        )
        if created:
            TopicVote.objects.bulk_create(
                [TopicVote(suggestion=suggestion, member=m) for m in members[:votes]],
                ignore_conflicts=True,
            )
