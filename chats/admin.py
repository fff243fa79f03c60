from django.contrib import admin

from chats.models import (
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


admin.site.register(TopicVote)
