from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/verify-mastodon/", views.verify_mastodon, name="verify_mastodon"),
    path("members/<str:username>/", views.profile, name="profile"),
]
