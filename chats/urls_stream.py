"""URLs of the stream pages (see chats/urls.py)."""

from django.urls import path

from .views import stream

urlpatterns = [
    path("communities/<str:slug>/stream/", stream.stream, name="stream"),
]
