"""What member pages show of communities (the members app does not import this one)."""

import html

from django import template
from django.db.models import QuerySet
from django.utils.html import strip_tags

from community.models import Membership
from community.selectors import community_list_for_member
from members.models import User

register = template.Library()


@register.simple_tag
def memberships_of(member: User) -> QuerySet[Membership]:
    return community_list_for_member(member=member)


@register.filter
def as_plain_text(rendered: str) -> str:
    """Rendered Markdown as the words a reader sees: no `**`, no tags, entities decoded
    (the template escapes the result again)."""
    return " ".join(html.unescape(strip_tags(rendered)).split())
