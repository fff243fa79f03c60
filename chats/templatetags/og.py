"""OpenGraph and Twitter-card meta for pages whose views other code owns.

    {% load og %}
    {% og_meta title=chat.title description=chat.description_html|html_text og_type="article" %}

renders templates/_og_meta.html with the card common.og builds, its og:url absolute on the
request's host.
"""

from datetime import UTC, datetime

from django import template

from chats.models import Chat
from common import og
from community.models import Community

register = template.Library()

register.filter("html_text", og.html_text)


@register.inclusion_tag("_og_meta.html", takes_context=True)
def og_meta(
    context: template.Context,
    title: str,
    description: str = "",
    og_type: str = "website",
    path: str = "",
) -> dict[str, object]:
    request = context["request"]
    url = request.build_absolute_uri(path or request.path)
    return {"og": og.og_meta(title=title, description=description, url=url, og_type=og_type)}


def _when(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc:%A} {utc.day} {utc:%B %Y, %H:%M} UTC"


@register.inclusion_tag("_og_meta.html", takes_context=True)
def chat_og_meta(context: template.Context, chat: Chat) -> dict[str, object]:
    """The chat page's card: its title and description, or when and where it happens."""
    community = chat.community
    fallback = f"A #{chat.hashtag} chat of {community.name}, {_when(chat.start_at)}."
    description = og.html_text(chat.description_html) or fallback
    title = f"#{chat.hashtag}: {chat.title}"
    return og_meta(context, title, description, og_type="article", path=chat.get_absolute_url())


@register.inclusion_tag("_og_meta.html", takes_context=True)
def community_og_meta(context: template.Context, community: Community) -> dict[str, object]:
    description = og.html_text(community.description_html) or (
        f"{community.name} meets in #{community.hashtag} chats."
    )
    title = f"{community.name} (#{community.hashtag})"
    return og_meta(context, title, description, path=community.get_absolute_url())
