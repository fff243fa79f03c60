"""Template tags for pages that participation does not render itself."""

from django import template
from django.contrib.auth.models import AnonymousUser

from chats.models import ReminderSubscription
from chats.selectors.participation import community_reminder_for
from community.models import Community
from members.models import User

register = template.Library()


@register.simple_tag
def community_reminder_state(community: Community, user: User | AnonymousUser) -> dict:
    """The visitor's reminder for every chat of the community, for the community page."""
    subscription = community_reminder_for(community=community, user=user)
    minutes = ReminderSubscription.MinutesBefore
    selected = (
        subscription.minutes_before if subscription else ReminderSubscription.DEFAULT_MINUTES_BEFORE
    )
    return {
        "subscription": subscription,
        "choices": minutes.choices,
        "selected": selected,
        "when": minutes.label_for(selected),
    }
