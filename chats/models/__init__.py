"""The chats app's models: the schedule now, the archive beside it later."""

from .schedule import (
    Chat,
    ChatHost,
    ChatSeries,
    HostOffer,
    Question,
    ReminderDelivery,
    ReminderSubscription,
    TopicSuggestion,
    TopicVote,
)

__all__ = [
    "Chat",
    "ChatHost",
    "ChatSeries",
    "HostOffer",
    "Question",
    "ReminderDelivery",
    "ReminderSubscription",
    "TopicSuggestion",
    "TopicVote",
]
