from django.urls import path

from .views import public

app_name = "chats"
urlpatterns = [
    path("schedule/", public.schedule, name="schedule"),
    path("search/", public.search, name="search"),
]
