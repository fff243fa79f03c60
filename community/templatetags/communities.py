"""What member pages show of communities (the members app does not import this one)."""

from django import template
from django.db.models import QuerySet

from community.models import Membership
from community.selectors import community_list_for_member
from members.models import User

register = template.Library()


@register.simple_tag
def memberships_of(member: User) -> QuerySet[Membership]:
    return community_list_for_member(member=member)
