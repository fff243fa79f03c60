from django.urls import path

from . import views

app_name = "chats"
urlpatterns = [
    path("schedule/", views.schedule, name="schedule"),
    path("search/", views.search, name="search"),
]
