"""URLs of the stream pages (see chats/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
