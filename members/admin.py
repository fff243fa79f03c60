from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from members.models import MastodonApp, MastodonConnection, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "display_name", "x_handle", "is_staff", "date_joined")
    list_filter = (*BaseUserAdmin.list_filter, "x_verified_at")
    search_fields = ("username", "email", "display_name", "x_handle", "mastodon_handle")
    readonly_fields = ("x_user_id", "x_handle", "x_verified_at")
    fieldsets = (
        # The stub keeps ModelAdmin's "| None"; UserAdmin's fieldsets are a tuple.
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        (
            "Profile",
            {
                "fields": (
                    "display_name",
                    "bio",
                    "time_zone",
                    "avatar_url",
                    "mastodon_handle",
                    "bluesky_handle",
                    "x_user_id",
                    "x_handle",
                    "x_verified_at",
                )
            },
        ),
    )


@admin.register(MastodonApp)
class MastodonAppAdmin(admin.ModelAdmin):
    """Our registrations at Mastodon servers. Deleting one makes the next member from that
    server register the site again. The client secret is never shown."""

    list_display = ("server", "created_at")
    search_fields = ("server",)
    fields = ("server", "client_id", "redirect_uri", "scopes", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(MastodonConnection)
class MastodonConnectionAdmin(admin.ModelAdmin):
    """Members' connected accounts; deleting one disconnects it (the token is never shown)."""

    list_display = ("acct", "user", "created_at")
    search_fields = ("acct", "user__username", "user__email")
    fields = ("user", "server", "acct", "account_id", "account_url", "scopes", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
