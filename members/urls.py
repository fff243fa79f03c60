from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("members/<str:username>/", views.profile, name="profile"),
]
