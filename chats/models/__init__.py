"""The chats app's models: the schedule now, the archive beside it later."""

from .archive import (
    Account,
    AccountExclusion,
    HiddenReason,
    ModerationAction,
    Network,
    Post,
    PostPlacement,
    ReadUsage,
    SourceHealth,
    SyncCursor,
)
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
    "Account",
    "AccountExclusion",
    "Chat",
    "ChatHost",
    "ChatSeries",
    "HiddenReason",
    "HostOffer",
    "ModerationAction",
    "Network",
    "Post",
    "PostPlacement",
    "Question",
    "ReadUsage",
    "ReminderDelivery",
    "ReminderSubscription",
    "SourceHealth",
    "SyncCursor",
    "TopicSuggestion",
    "TopicVote",
]
