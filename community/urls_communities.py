from django.urls import path

from . import views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_create, name="create"),
    path("<str:slug>/", views.community_detail, name="detail"),
    path("<str:slug>/edit/", views.community_edit, name="edit"),
    path("<str:slug>/members/", views.community_members, name="members"),
    path("<str:slug>/join/", views.community_join, name="join"),
    path("<str:slug>/leave/", views.community_leave, name="leave"),
    path("<str:slug>/members/<str:username>/role/", views.membership_role, name="role"),
]
