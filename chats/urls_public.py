from django.urls import path

from .views import public

urlpatterns = [
    path("schedule/", public.schedule, name="schedule"),
    path("schedule/calendar.ics", public.schedule_ics, name="schedule_ics"),
    path("time-zone/", public.set_timezone, name="set_timezone"),
    path("communities/<str:slug>/calendar.ics", public.community_ics, name="community_ics"),
    path("communities/<str:slug>/chats/<int:pk>/", public.chat_detail, name="detail"),
    path("communities/<str:slug>/chats/<int:pk>/calendar.ics", public.chat_ics, name="chat_ics"),
]
