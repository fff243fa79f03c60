"""Writes for topic suggestions and votes (the #edchat model)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chats.models import Chat, TopicSuggestion, TopicVote
from community.models import Community
from members.models import User


def topic_suggest(
    *, community: Community, member: User, title: str, description: str = ""
) -> TopicSuggestion:
    suggestion = TopicSuggestion(
        community=community,
        suggested_by=member,
        title=title.strip(),
        description=description.strip(),
    )
    suggestion.full_clean()
    title = " ".join(suggestion.title.split())
    already = TopicSuggestion.objects.filter(
        community=community, status=TopicSuggestion.Status.OPEN, title__iexact=title
    )
    if already.exists():
        # One topic, one list of votes: a second copy would split them.
        raise ValidationError(
            {"title": f"“{title}” is already suggested: vote for it instead."}, code="duplicate"
        )
    suggestion.title = title
    suggestion.save()
    return suggestion


def _require_open(suggestion: TopicSuggestion) -> None:
    if suggestion.status != TopicSuggestion.Status.OPEN:
        raise ValidationError("Voting on this topic has closed.", code="closed")


def topic_vote(*, suggestion: TopicSuggestion, member: User) -> bool:
    """Vote once; return False when the member had already voted (nothing changes)."""
    _require_open(suggestion)
    try:
        with transaction.atomic():
            _, created = TopicVote.objects.get_or_create(suggestion=suggestion, member=member)
    except IntegrityError:
        # A concurrent double-submit inserted the vote between our read and write.
        return False
    return created


def topic_unvote(*, suggestion: TopicSuggestion, member: User) -> bool:
    """Withdraw the member's vote; return False when there was none."""
    _require_open(suggestion)
    deleted, _ = TopicVote.objects.filter(suggestion=suggestion, member=member).delete()
    return deleted > 0


def topic_decline(*, suggestion: TopicSuggestion) -> bool:
    """Close an open suggestion without scheduling it; return False if it was not open."""
    updated = TopicSuggestion.objects.filter(
        pk=suggestion.pk, status=TopicSuggestion.Status.OPEN
    ).update(status=TopicSuggestion.Status.DECLINED)
    return updated == 1


def topic_mark_scheduled(*, suggestion_id: int, chat: Chat) -> None:
    """Link an open suggestion of the chat's community to the chat just created for it.

    A suggestion of another community, or one already scheduled or declined, is left
    untouched: the id comes from a query string anyone can edit.
    """
    TopicSuggestion.objects.filter(
        pk=suggestion_id, community_id=chat.community_id, status=TopicSuggestion.Status.OPEN
    ).update(status=TopicSuggestion.Status.SCHEDULED, chat=chat)
