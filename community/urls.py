from django.urls import URLPattern, URLResolver, include, path

from community import views

app_name = "communities"

member_urls = [
    path("", views.community_members, name="members"),
    path("<str:username>/role/", views.membership_role, name="role"),
]

community_urls: list[URLPattern | URLResolver] = [
    path("", views.community_detail, name="detail"),
    path("edit/", views.community_edit, name="edit"),
    path("join/", views.community_join, name="join"),
    path("leave/", views.community_leave, name="leave"),
    path("members/", include(member_urls)),
]

urlpatterns = [
    path("communities/", views.community_list, name="list"),
    # Before <slug>/: "new" is no community's slug.
    path("communities/new/", views.community_create, name="create"),
    path("communities/<str:slug>/", include(community_urls)),
]
