from django.contrib import admin

from community.models import Community, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["member"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "hashtag", "time_zone", "created_at")
    list_filter = ("time_zone", "created_at")
    search_fields = ("name", "hashtag", "description")
    readonly_fields = ("description_html", "rules_html", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("hashtag",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("member", "community", "role", "joined_at")
    list_filter = ("role", "community")
    search_fields = ("member__username", "member__display_name", "community__hashtag")
    autocomplete_fields = ["member", "community"]
