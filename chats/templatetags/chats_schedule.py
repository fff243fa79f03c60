"""What the community page shows from the schedule, read where the template asks for it
(the communities app does not import chats)."""

from django import template
from django.utils import timezone

from chats.selectors.schedule import CommunitySchedule, community_schedule
from community.models import Community

register = template.Library()


@register.simple_tag
def community_schedule_of(community: Community) -> CommunitySchedule:
    return community_schedule(community=community, now=timezone.now())
