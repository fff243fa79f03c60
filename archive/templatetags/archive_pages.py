"""What other apps' pages show from the archive, read where the template asks for it.

The chat page and the community page belong to apps the archive builds on; they load
this library instead of importing the archive, so dependencies keep running one way.
"""

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone

from archive.selectors.exports import recent_transcripts
from archive.selectors.live import chat_posts, chat_posts_first, current_question
from archive.selectors.vitality import community_vitality_summary
from archive.vitality import summary_figure
from chats.models import Chat
from community.models import Community

register = template.Library()

# An ended chat's page lists only its first posts: the transcript has them all.
ENDED_PREVIEW_POSTS = 10
RECENT_TRANSCRIPTS = 5


@register.simple_tag
def chat_page_posts(chat: Chat, status: str, now: datetime) -> dict[str, object]:
    """The posts a chat page lists: all while live, a preview once the transcript has them."""
    if chat.window_start > now:
        return {"placements": []}
    if status in (Chat.Status.ENDED, Chat.Status.CANCELLED):
        # One more than shown, to know whether the transcript holds more.
        placements = chat_posts_first(chat=chat, limit=ENDED_PREVIEW_POSTS + 1)
        more = len(placements) > ENDED_PREVIEW_POSTS
        return {"placements": placements[:ENDED_PREVIEW_POSTS], "more_posts": more}
    placements = chat_posts(chat=chat)
    return {
        "placements": placements,
        "current_question": current_question(placements),
        "live_poll_ms": settings.LIVE_POLL_MS,
    }


@register.simple_tag
def recent_transcripts_of(community: Community | None = None) -> list[Chat]:
    """The newest transcripts, of one community or of all."""
    return list(
        recent_transcripts(now=timezone.now(), community=community, limit=RECENT_TRANSCRIPTS)
    )


@register.simple_tag
def vitality_summary_of(community: Community) -> dict[str, object]:
    """The community page's glance at its vitality: the last few chats' participants."""
    rows = community_vitality_summary(community=community)
    figure = summary_figure(community=community, rows=rows) if rows else None
    return {"rows": rows, "figure": figure}
