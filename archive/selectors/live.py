"""Reads for the live chat page: a chat's posts, as they arrive, and its current question."""

from collections.abc import Iterable

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from archive.models import PostPlacement
from archive.transcript import asked_question
from chats.models import Chat, ChatHost


def chat_in_community(*, slug: str, pk: int) -> Chat | None:
    """The chat with its community (one query): all a live fragment, a cached transcript or
    an export needs before deciding what to build."""
    return Chat.objects.filter(pk=pk, community__slug=slug).select_related("community").first()


def _host_flags(chat: Chat) -> dict[str, Exists]:
    """Whether the chat has hosts, and whether each placement's author is one of them, by
    X handle or as the member behind the account: archive.transcript.Hosts's rule, in SQL
    (tests/archive/live/test_host_rule.py holds the two to the same answers)."""
    handle = OuterRef("post__author__handle")
    hosts = ChatHost.objects.filter(chat_id=chat.pk)
    # Never by an empty handle: a host without one is no match for an author X did not
    # return (known by its id alone), as Hosts.of leaves empty handles out.
    by_author = hosts.filter(
        Q(handle__iexact=handle, handle__gt="")
        | Q(member__x_handle__iexact=handle, member__x_handle__gt="")
        | Q(member_id=OuterRef("post__author__member_id"))
    )
    return {"is_host": Exists(by_author), "chat_has_hosts": Exists(hosts)}


def _mark_questions(placements: list[PostPlacement]) -> list[PostPlacement]:
    for placement in placements:
        placement.question = asked_question(
            placement.post, is_host=placement.is_host, hosts_known=placement.chat_has_hosts
        )
    return placements


def _visible_placements(chat: Chat) -> QuerySet[PostPlacement]:
    return (
        PostPlacement.objects.filter(
            chat=chat, community_id=chat.community_id, post__removed=False, hidden=False
        )
        .select_related("post__author__member")
        .defer("post__raw", "post__search_vector")
        .annotate(**_host_flags(chat))
    )


def chat_posts(*, chat: Chat, after: int = 0, limit: int = 1000) -> list[PostPlacement]:
    """The chat's visible posts archived after placement `after`, in time order: one query.

    A live page passes the last placement id it has seen, so a poll returns only what
    arrived since. The limit takes the earliest arrivals, so that the next poll (after
    the highest id returned) misses nothing. Each placement carries `is_host` and
    `question`: the Qn number when a host asked it, else None.
    """
    arrived = _visible_placements(chat).filter(pk__gt=after).order_by("pk")[:limit]
    placements = sorted(arrived, key=lambda p: (p.created_at, p.post_id))
    return _mark_questions(placements)


def chat_posts_withdrawn(*, chat: Chat, up_to: int) -> list[PostPlacement]:
    """The chat's posts up to placement `up_to` that are no longer shown: hidden by its
    moderators, removed by their author, or replaced by an edit. One query.

    A live page already shows them; each poll tells it which to take back.
    """
    withdrawn = PostPlacement.objects.filter(
        chat=chat, community_id=chat.community_id, pk__lte=up_to
    ).filter(Q(hidden=True) | Q(post__removed=True))
    return list(
        withdrawn.select_related("post").only(
            "pk",
            "hidden",
            "hidden_reason",
            "created_at",
            "post__external_id",
            "post__removed",
            "post__removed_reason",
        )
    )


def chat_posts_first(*, chat: Chat, limit: int) -> list[PostPlacement]:
    """The chat's first visible posts by post time: a finished chat's preview."""
    return _mark_questions(
        list(_visible_placements(chat).order_by("created_at", "post_id")[:limit])
    )


def current_question(placements: Iterable[PostPlacement]) -> PostPlacement | None:
    """The host's latest question among these placements (by post time, not arrival)."""
    asked = [p for p in placements if getattr(p, "question", None) is not None]
    return max(asked, key=lambda p: (p.created_at, p.post_id), default=None)
