"""Writes for the schedule: series, their generated chats, single chats, questions, hosts."""

import logging
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from chats import recurrence
from chats.models import (
    MAX_DURATION,
    MAX_QUESTIONS,
    Chat,
    ChatHost,
    ChatSeries,
    Question,
    TopicSuggestion,
)
from chats.selectors.schedule import overlapping_chat
from chats.services.topics import topic_mark_scheduled
from common.markdown import render_markdown
from community.models import Community
from members.models import User

logger = logging.getLogger(__name__)

_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")


def _horizon() -> timedelta:
    return timedelta(weeks=settings.CHAT_GENERATION_WEEKS)


def _check_duration(duration: timedelta, field: str = "duration") -> None:
    if duration <= timedelta(0):
        raise ValidationError({field: "A chat must end after it starts."})
    if duration > MAX_DURATION:
        raise ValidationError({field: "A chat can last at most 8 hours."})


def _normalise_tags(primary: str, extra: Sequence[str]) -> list[str]:
    seen, tags = {primary.lower()}, []
    for tag in extra:
        tag = tag.strip().lstrip("#")
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def _check_overlap(chat: Chat) -> None:
    other = overlapping_chat(
        community=chat.community,
        hashtags=chat.hashtags,
        start=chat.window_start,
        end=chat.window_end,
        exclude_pk=chat.pk,
    )
    if other is not None:
        when = other.local_start().strftime("%a %d %b %Y %H:%M")
        raise ValidationError(
            {"start_at": f"This overlaps “{other.title}” ({when}) on the same hashtag."}
        )


# --- Single chats -------------------------------------------------------------


@transaction.atomic
def chat_create(
    *,
    community: Community,
    title: str,
    start_at: datetime,
    end_at: datetime,
    description: str = "",
    extra_hashtags: Sequence[str] = (),
    questions_hidden: bool = False,
    pre_window: timedelta = timedelta(minutes=15),
    post_window: timedelta = timedelta(minutes=30),
    suggestion: TopicSuggestion | None = None,
    now: datetime | None = None,
) -> Chat:
    """A single chat; when it is scheduled for a topic suggestion, the suggestion says so."""
    now = now or timezone.now()
    if start_at < now:
        raise ValidationError({"start_at": "A new chat cannot start in the past."})
    _check_duration(end_at - start_at, field="end_at")
    chat = Chat(
        community=community,
        title=title,
        description=description,
        description_html=render_markdown(description),
        hashtag=community.hashtag,
        extra_hashtags=_normalise_tags(community.hashtag, extra_hashtags),
        start_at=start_at,
        end_at=end_at,
        questions_hidden=questions_hidden,
        pre_window=pre_window,
        post_window=post_window,
    )
    chat.full_clean()
    _check_overlap(chat)
    chat.save()
    if suggestion is not None:
        topic_mark_scheduled(suggestion_id=suggestion.pk, chat=chat)
    return chat


@transaction.atomic
def chat_update(
    *,
    chat: Chat,
    title: str,
    start_at: datetime,
    end_at: datetime,
    description: str = "",
    extra_hashtags: Sequence[str] = (),
    questions_hidden: bool = False,
) -> Chat:
    """Edit one chat; it is marked customised so series regeneration keeps the edit."""
    chat = Chat.objects.select_for_update().get(pk=chat.pk)
    _check_duration(end_at - start_at, field="end_at")
    chat.title, chat.description = title, description
    chat.description_html = render_markdown(description)
    chat.start_at, chat.end_at = start_at, end_at
    chat.extra_hashtags = _normalise_tags(chat.hashtag, extra_hashtags)
    chat.questions_hidden = questions_hidden
    chat.customised = True
    chat.full_clean()
    _check_overlap(chat)
    chat.save()
    return chat


def chat_cancel(*, chat: Chat) -> Chat:
    # A conditional update: cancelling twice keeps the first cancellation time.
    # update() skips auto_now, and iCal's SEQUENCE/LAST-MODIFIED come from updated_at.
    now = timezone.now()
    Chat.objects.filter(pk=chat.pk, cancelled_at__isnull=True).update(
        cancelled_at=now, customised=True, updated_at=now
    )
    chat.refresh_from_db()
    return chat


def chat_restore(*, chat: Chat) -> Chat:
    with transaction.atomic():
        chat = Chat.objects.select_for_update().get(pk=chat.pk)
        chat.cancelled_at = None
        _check_overlap(chat)
        chat.save(update_fields=["cancelled_at", "updated_at"])
    return chat


# --- Series -------------------------------------------------------------------


def _validate_series(series: ChatSeries) -> None:
    series.full_clean(exclude=["community"])
    _check_duration(series.duration)
    if series.last_date and series.last_date < series.first_date:
        raise ValidationError({"last_date": "The last date comes before the first date."})
    recurrence.validate_rrule(
        rule=series.rrule, dtstart=series.local_dtstart(), last_date=series.last_date
    )


@transaction.atomic
def series_create(
    *,
    community: Community,
    title: str,
    rrule: str,
    start_time: time,
    duration: timedelta,
    first_date: date,
    last_date: date | None = None,
    time_zone: str | None = None,
    extra_hashtags: Sequence[str] = (),
    now: datetime | None = None,
) -> ChatSeries:
    series = ChatSeries(
        community=community,
        title=title,
        rrule=rrule,
        start_time=start_time,
        duration=duration,
        first_date=first_date,
        last_date=last_date,
        time_zone=time_zone or community.time_zone,
        extra_hashtags=_normalise_tags(community.hashtag, extra_hashtags),
    )
    _validate_series(series)
    series.save()
    series_generate_occurrences(series=series, now=now)
    return series


@transaction.atomic
def series_update(
    *,
    series: ChatSeries,
    title: str,
    rrule: str,
    start_time: time,
    duration: timedelta,
    first_date: date,
    last_date: date | None = None,
    time_zone: str | None = None,
    extra_hashtags: Sequence[str] = (),
    now: datetime | None = None,
) -> ChatSeries:
    series = ChatSeries.objects.select_for_update().get(pk=series.pk)
    series.title, series.rrule, series.start_time = title, rrule, start_time
    series.duration, series.first_date, series.last_date = duration, first_date, last_date
    series.time_zone = time_zone or series.time_zone
    series.extra_hashtags = _normalise_tags(series.community.hashtag, extra_hashtags)
    _validate_series(series)
    series.save()
    series_generate_occurrences(series=series, now=now)
    return series


@transaction.atomic
def series_end(*, series: ChatSeries, now: datetime | None = None) -> ChatSeries:
    """Stop a series: its future, untouched chats go; edited and past ones stay."""
    now = now or timezone.now()
    ChatSeries.objects.filter(pk=series.pk).update(is_active=False)
    series.chats.filter(start_at__gt=now, customised=False).delete()
    series.refresh_from_db()
    return series


def _occurrence(series: ChatSeries, start: datetime) -> Chat:
    return Chat(
        community=series.community,
        series=series,
        series_start=start,
        title=series.title,
        hashtag=series.community.hashtag,
        extra_hashtags=series.extra_hashtags,
        start_at=start,
        end_at=start + series.duration,
        pre_window=series.pre_window,
        post_window=series.post_window,
    )


def series_generate_occurrences(*, series: ChatSeries, now: datetime | None = None) -> int:
    """Bring the series' future chats in line with its rule; return how many were created.

    Idempotent: occurrences are keyed by (series, series_start), so running it
    twice, or in two workers at once, creates nothing twice. Customised
    occurrences (moved, retitled, cancelled) are never touched.
    """
    now = now or timezone.now()
    with transaction.atomic():
        series = (
            ChatSeries.objects.select_for_update().select_related("community").get(pk=series.pk)
        )
        starts = []
        if series.is_active:
            starts = recurrence.expand(
                rule=series.rrule,
                dtstart=series.local_dtstart(),
                last_date=series.last_date,
                after=now,
                before=now + _horizon(),
            )
        future = series.chats.filter(start_at__gt=now, customised=False)
        future.exclude(series_start__in=starts).delete()
        wanted = {
            "title": series.title,
            "extra_hashtags": series.extra_hashtags,
            "end_at": F("start_at") + series.duration,
            "pre_window": series.pre_window,
            "post_window": series.post_window,
        }
        # Only rows that differ: updated_at feeds the calendar's SEQUENCE, which must
        # move when a chat changes and stay put when regeneration changes nothing.
        future.exclude(**wanted).update(**wanted, updated_at=timezone.now())
        existing = set(
            series.chats.filter(series_start__in=starts).values_list("series_start", flat=True)
        )
        new = [_occurrence(series, start) for start in starts if start not in existing]
        clear = [chat for chat in new if not _clashes(chat)]
        created = Chat.objects.bulk_create(clear, ignore_conflicts=True)
    return len(created)


def _clashes(chat: Chat) -> bool:
    other = overlapping_chat(
        community=chat.community,
        hashtags=chat.hashtags,
        start=chat.window_start,
        end=chat.window_end,
    )
    # Same series included: an edited (customised) occurrence or a live chat of this
    # series keeps its slot; a regenerated occurrence must not double-book the hashtag.
    if other is not None:
        logger.warning(
            "series %s: skipped %s, it overlaps chat %s",
            chat.series_id,
            chat.start_at.isoformat(),
            other.pk,
        )
        return True
    return False


def series_generate_all(*, now: datetime | None = None) -> int:
    created = 0
    for series_id in ChatSeries.objects.filter(is_active=True).values_list("pk", flat=True):
        created += series_generate_occurrences(series=ChatSeries(pk=series_id), now=now)
    return created


# --- Questions ----------------------------------------------------------------


def chat_require_upcoming(*, chat: Chat, now: datetime) -> None:
    """Refuse what only makes sense before a chat (reminders, hosting offers)."""
    if chat.is_cancelled:
        raise ValidationError("This chat has been cancelled.", code="cancelled")
    if chat.start_at <= now:
        raise ValidationError("This chat has already started.", code="started")


def _check_question_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the question."})
    if _HTML_TAG.search(text):
        raise ValidationError({"text": "Questions are plain text: remove the HTML tags."})
    return text


@transaction.atomic
def question_add(*, chat: Chat, text: str, planned_minute: int | None = None) -> Question:
    Chat.objects.select_for_update().get(pk=chat.pk)  # serialises concurrent adds
    text = _check_question_text(text)
    count = chat.questions.count()
    if count >= MAX_QUESTIONS:
        raise ValidationError({"text": f"A chat can have at most {MAX_QUESTIONS} questions."})
    question = Question(chat=chat, position=count + 1, text=text, planned_minute=planned_minute)
    question.full_clean()
    question.save()
    Chat.objects.filter(pk=chat.pk).mark_archive_changed()
    return question


def question_update(*, question: Question, text: str, planned_minute: int | None) -> Question:
    question.text = _check_question_text(text)
    question.planned_minute = planned_minute
    question.full_clean()
    question.save(update_fields=["text", "planned_minute"])
    Chat.objects.filter(pk=question.chat_id).mark_archive_changed()
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    chat = Chat.objects.select_for_update().get(pk=question.chat_id)
    question.delete()
    _renumber(chat, list(chat.questions.order_by("position").values_list("pk", flat=True)))


@transaction.atomic
def question_move(*, question: Question, offset: int) -> None:
    chat = Chat.objects.select_for_update().get(pk=question.chat_id)
    order = list(chat.questions.order_by("position").values_list("pk", flat=True))
    index = order.index(question.pk)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    _renumber(chat, order)


def _renumber(chat: Chat, order: list[int]) -> None:
    # Two passes keep (chat, position) unique at every step without deferrable constraints.
    top = chat.questions.aggregate(top=Max("position"))["top"] or 0
    questions = {q.pk: q for q in chat.questions.all()}
    for offset, pk in enumerate(order, start=top + 1):
        questions[pk].position = offset
    Question.objects.bulk_update(questions.values(), ["position"])
    for position, pk in enumerate(order, start=1):
        questions[pk].position = position
    Question.objects.bulk_update(questions.values(), ["position"])
    Chat.objects.filter(pk=chat.pk).mark_archive_changed()


# --- Hosts --------------------------------------------------------------------

_X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


@transaction.atomic
def chat_set_hosts(*, chat: Chat, members: Sequence[User], handles: Sequence[str]) -> None:
    """Replace the chat's hosts: members of the site first, then external X handles."""
    clean_handles: list[str] = []
    for handle in handles:
        handle = handle.strip().lstrip("@")
        if handle and not _X_HANDLE.fullmatch(handle):
            raise ValidationError({"handles": f"“{handle}” is not a valid X handle."})
        if handle and handle.lower() not in {h.lower() for h in clean_handles}:
            clean_handles.append(handle)
    chat.hosts.all().delete()
    hosts = [ChatHost(chat=chat, member=m, position=i) for i, m in enumerate(members)]
    hosts += [
        ChatHost(chat=chat, handle=h, position=len(members) + i)
        for i, h in enumerate(clean_handles)
    ]
    ChatHost.objects.bulk_create(hosts)
    Chat.objects.filter(pk=chat.pk).mark_archive_changed()
