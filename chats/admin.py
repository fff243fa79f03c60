from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Account,
    AccountExclusion,
    Chat,
    ChatHost,
    ChatSeries,
    HostOffer,
    ModerationAction,
    Post,
    PostPlacement,
    Question,
    ReadUsage,
    ReminderDelivery,
    ReminderSubscription,
    SourceHealth,
    SyncCursor,
    TopicSuggestion,
    TopicVote,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


class HostInline(admin.TabularInline):
    model = ChatHost
    extra = 0
    autocomplete_fields = ["member"]


@admin.register(ChatSeries)
class ChatSeriesAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "rrule", "start_time", "time_zone", "is_active")
    list_filter = ("is_active", "time_zone", "community")
    search_fields = ("title", "community__name", "community__hashtag")


@admin.register(Chat)
class ChatAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "start_at", "end_at", "cancelled_at", "customised")
    list_filter = ("community", "customised", ("cancelled_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "hashtag", "community__name")
    date_hierarchy = "start_at"
    readonly_fields = ("description_html", "series_start", "final_sweep_at")
    inlines = [HostInline, QuestionInline]


@admin.register(TopicSuggestion)
class TopicSuggestionAdmin(admin.ModelAdmin):
    list_display = ("title", "community", "status", "created_at")
    list_filter = ("status", "community")
    search_fields = ("title", "description")


@admin.register(HostOffer)
class HostOfferAdmin(admin.ModelAdmin):
    list_display = ("member", "chat", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("member__username", "chat__title")


@admin.register(ReminderSubscription)
class ReminderSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("member", "chat", "community", "minutes_before")
    search_fields = ("member__username",)


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ("member", "chat", "claimed_at", "sent_at")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    search_fields = ("member__username", "chat__title")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("handle", "network", "display_name", "member")
    list_filter = ("network",)
    search_fields = ("handle", "display_name", "external_id")
    raw_id_fields = ("member",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("external_id", "network", "author", "created_at", "removed")
    list_filter = ("network", "removed", "language")
    search_fields = ("external_id", "text", "author__handle")
    date_hierarchy = "created_at"
    raw_id_fields = ("author",)
    readonly_fields = ("html", "raw", "first_seen_at", "updated_at")


@admin.register(PostPlacement)
class PostPlacementAdmin(admin.ModelAdmin):
    list_display = ("post", "community", "chat", "created_at")
    list_filter = ("community",)
    raw_id_fields = ("post", "chat")


@admin.register(SyncCursor)
class SyncCursorAdmin(admin.ModelAdmin):
    list_display = (
        "query", "network", "community", "last_success_at", "consecutive_errors",
        "next_allowed_at", "reads_total", "requests_total", "malformed_count",
    )  # fmt: skip
    list_filter = ("network", "community")
    search_fields = ("query", "last_error")


@admin.register(ReadUsage)
class ReadUsageAdmin(admin.ModelAdmin):
    list_display = ("day", "community", "chat", "posts_read", "requests")
    list_filter = ("community", "day")
    date_hierarchy = "day"


@admin.register(SourceHealth)
class SourceHealthAdmin(admin.ModelAdmin):
    list_display = ("network", "healthy", "rate_limited_until", "changed_at", "error")
    list_filter = ("healthy",)
    search_fields = ("network", "error")


@admin.register(AccountExclusion)
class AccountExclusionAdmin(admin.ModelAdmin):
    list_display = ("account", "community", "reason", "created_by", "created_at")
    list_filter = ("community", "reason")
    search_fields = ("account__handle", "community__name")
    raw_id_fields = ("account", "created_by")
    readonly_fields = ("created_at",)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The log is evidence: it can be read here, never written or deleted."""

    list_display = ("created_at", "kind", "community", "actor", "post", "account", "reason")
    list_filter = ("kind", "community", "reason")
    search_fields = ("actor__username", "account__handle", "post__external_id", "note")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


admin.site.register(TopicVote)
