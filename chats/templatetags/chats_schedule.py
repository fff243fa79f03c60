"""What the community page shows from the schedule, read where the template asks for it
(the communities app does not import chats)."""

from django import template
from django.utils import timezone

from chats.selectors.organiser import community_meetings
from chats.selectors.schedule import CommunitySchedule, community_schedule
from community.models import Community

register = template.Library()


@register.simple_tag
def community_schedule_of(community: Community) -> CommunitySchedule:
    return community_schedule(community=community, now=timezone.now())


@register.simple_tag
def meetings_of(communities: list[Community]) -> dict[int, str]:
    """When each of these communities meets (community cards), in one query."""
    return community_meetings(communities=communities, today=timezone.localdate())


@register.filter
def meeting_of(meetings: dict[int, str], community: Community) -> str:
    return meetings.get(community.pk, "")
