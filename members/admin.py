from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from members.models import User


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
