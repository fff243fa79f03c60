"""Reads for jointly held chats: a chat's co-hosts, a community's invitations."""

from datetime import datetime

from django.db.models import Q

from chats.models import ChatCohost
from community.models import Community

Status = ChatCohost.Status


def chat_cohosts(*, chat_id: int) -> list[ChatCohost]:
    """Every invitation of the chat, live ones first, with its community."""
    cohosts = ChatCohost.objects.filter(chat_id=chat_id).select_related("community")
    live_first = sorted(cohosts, key=lambda c: (c.status not in ChatCohost.LIVE, c.created_at))
    return live_first


def community_invitations(*, community: Community, now: datetime) -> list[ChatCohost]:
    """What the community was invited to co-host and has not finished with: open
    invitations of chats to come, and the joint chats it co-hosts, not yet ended."""
    return list(
        ChatCohost.objects.filter(community=community, chat__end_at__gt=now)
        .filter(
            Q(status=Status.INVITED, chat__cancelled_at__isnull=True) | Q(status=Status.ACCEPTED)
        )
        .select_related("chat__community")
        .order_by("chat__start_at", "pk")
    )
