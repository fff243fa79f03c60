from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/mastodon/", views.mastodon_connect, name="mastodon_connect"),
    path("profile/mastodon/callback/", views.mastodon_callback, name="mastodon_callback"),
    path("profile/mastodon/disconnect/", views.mastodon_disconnect, name="mastodon_disconnect"),
    path("profile/verify-mastodon/", views.verify_mastodon, name="verify_mastodon"),
    path("members/<str:username>/", views.profile, name="profile"),
]
