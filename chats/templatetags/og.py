"""OpenGraph and Twitter-card meta for pages whose views other code owns.

    {% load og %}
    {% og_meta title=chat.title description=chat.description_html|html_text og_type="article" %}

renders templates/_og_meta.html with an absolute og:url built from the request's host.
"""

import html
import re
from datetime import UTC, datetime

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

from chats.models import Chat
from community.models import Community

register = template.Library()

DESCRIPTION_LENGTH = 200
_SPACE_RE = re.compile(r"\s+")


@register.filter
def html_text(value: str) -> str:
    """Rendered HTML as plain text on one line (the template escapes it again)."""
    return _SPACE_RE.sub(" ", html.unescape(strip_tags(value or ""))).strip()


@register.inclusion_tag("_og_meta.html", takes_context=True)
def og_meta(
    context: template.Context,
    title: str,
    description: str = "",
    og_type: str = "website",
    path: str = "",
) -> dict[str, object]:
    request = context["request"]
    text = _SPACE_RE.sub(" ", str(description)).strip()
    og = {
        "title": _SPACE_RE.sub(" ", str(title)).strip(),
        "description": Truncator(text).chars(DESCRIPTION_LENGTH),
        "url": request.build_absolute_uri(path or request.path),
        "type": og_type,
    }
    return {"og": og}


def _when(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc:%A} {utc.day} {utc:%B %Y, %H:%M} UTC"


@register.inclusion_tag("_og_meta.html", takes_context=True)
def chat_og_meta(context: template.Context, chat: Chat) -> dict[str, object]:
    """The chat page's card: its title and description, or when and where it happens."""
    community = chat.community
    fallback = f"A #{chat.hashtag} chat of {community.name}, {_when(chat.start_at)}."
    description = html_text(chat.description_html) or fallback
    title = f"#{chat.hashtag}: {chat.title}"
    return og_meta(context, title, description, og_type="article", path=chat.get_absolute_url())


@register.inclusion_tag("_og_meta.html", takes_context=True)
def community_og_meta(context: template.Context, community: Community) -> dict[str, object]:
    description = html_text(community.description_html) or (
        f"{community.name} meets in #{community.hashtag} chats."
    )
    title = f"{community.name} (#{community.hashtag})"
    return og_meta(context, title, description, path=community.get_absolute_url())
