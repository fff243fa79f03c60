"""What other apps' pages show from the archive, read where the template asks for it.

The chat page and the community page belong to apps the archive builds on; they load
this library instead of importing the archive, so dependencies keep running one way.
"""

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone

from archive.models import PostPlacement
from archive.selectors.connections import community_connections, partner_suggestions
from archive.selectors.exports import recent_transcripts
from archive.selectors.live import chat_posts, chat_posts_first, current_question
from archive.selectors.networks import chat_networks, networks_label
from archive.selectors.posting import DRAFT_SESSION_KEY, compose_state
from archive.selectors.vitality import community_vitality_summary
from archive.services.posting import submission_key
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


@register.inclusion_tag("archive/live/_compose.html", takes_context=True)
def chat_compose(
    context: template.Context, chat: Chat, current: PostPlacement | None = None
) -> dict[str, object]:
    """The live page's compose box, or what stands in for it (sign in, connect X...)."""
    request = context["request"]
    state = compose_state(chat=chat, user=request.user)
    draft = request.session.pop(DRAFT_SESSION_KEY, None) if state.ready else None
    if not isinstance(draft, dict) or draft.get("chat") != chat.pk:
        draft = None
    return {
        "chat": chat,
        "compose": state,
        "question": getattr(current, "question", None),
        "draft": draft,
        "key": submission_key(),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.simple_tag
def recent_transcripts_of(community: Community | None = None) -> list[Chat]:
    """The newest transcripts, of one community or of all."""
    return list(
        recent_transcripts(now=timezone.now(), community=community, limit=RECENT_TRANSCRIPTS)
    )


@register.simple_tag
def chat_held_on(chat: Chat, placements: list[PostPlacement] | None = None) -> str:
    """Where the chat was (is being) held, e.g. "X and Mastodon"; empty when nowhere yet.
    `placements`: a live chat's posts the page has loaded already (no second read)."""
    return networks_label(chat_networks(chat=chat, now=timezone.now(), placements=placements))


@register.inclusion_tag("archive/connections/_community.html")
def connected_communities(community: Community) -> dict[str, object]:
    """The communities this one shares posts or participants with, last 12 months."""
    return {
        "community": community,
        "links": community_connections(community=community, period="12m"),
    }


@register.inclusion_tag("archive/connections/_partners.html")
def partner_suggestions_for(community: Community) -> dict[str, object]:
    """Joint chat candidates, with a link to invite them to the next chat to come."""
    now = timezone.now()
    suggestions = partner_suggestions(community=community, period="12m")
    next_chat = (
        Chat.objects.upcoming(now)
        .not_cancelled()
        .filter(community=community, start_at__gt=now)
        .first()
        if suggestions
        else None
    )
    return {"community": community, "suggestions": suggestions, "next_chat": next_chat}


@register.simple_tag
def vitality_summary_of(community: Community) -> dict[str, object]:
    """The community page's glance at its vitality: the last few chats' participants."""
    rows = community_vitality_summary(community=community)
    figure = summary_figure(community=community, rows=rows) if rows else None
    return {"rows": rows, "figure": figure}
