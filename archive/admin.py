from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from archive.models import (
    Account,
    AccountExclusion,
    ArchiveSettings,
    ImportJob,
    ModerationAction,
    NetworkUsage,
    Post,
    PostPlacement,
    ReadUsage,
    SourceHealth,
    SyncCursor,
)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("handle", "network", "display_name", "member", "claimed_by")
    list_filter = ("network",)
    search_fields = ("handle", "display_name", "external_id")
    raw_id_fields = ("member", "claimed_by")


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
        "query",
        "network",
        "community",
        "last_success_at",
        "consecutive_errors",
        "next_allowed_at",
        "reads_total",
        "requests_total",
        "malformed_count",
    )
    list_filter = ("network", "community")
    search_fields = ("query", "last_error")


@admin.register(ReadUsage)
class ReadUsageAdmin(admin.ModelAdmin):
    list_display = ("day", "community", "chat", "posts_read", "posts_billed", "requests")
    list_filter = ("community", "day")
    date_hierarchy = "day"


@admin.register(NetworkUsage)
class NetworkUsageAdmin(admin.ModelAdmin):
    list_display = ("day", "network", "posts", "fetched_at")
    list_filter = ("network",)
    date_hierarchy = "day"


@admin.register(SourceHealth)
class SourceHealthAdmin(admin.ModelAdmin):
    list_display = ("network", "server", "healthy", "rate_limited_until", "changed_at", "error")
    list_filter = ("healthy", "network")
    search_fields = ("network", "server", "error")


@admin.register(ArchiveSettings)
class ArchiveSettingsAdmin(admin.ModelAdmin):
    list_display = ("community", "x_enabled", "mastodon_enabled", "bluesky_enabled", "updated_at")
    list_filter = ("x_enabled", "mastodon_enabled", "bluesky_enabled")
    search_fields = ("community__name",)
    raw_id_fields = ("community",)


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


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Uploaded archive files and their results; the file's bytes never load here."""

    list_display = ("file_name", "community", "format", "status", "new_count", "created_at")
    list_filter = ("status", "format")
    search_fields = ("file_name", "community__slug")
    raw_id_fields = ("community", "uploaded_by")
    exclude = ("data",)
    readonly_fields = ("progress_bytes", "reasons", "error", "started_at", "finished_at")

    def get_queryset(self, request: HttpRequest) -> "QuerySet[ImportJob]":
        return super().get_queryset(request).defer("data")
