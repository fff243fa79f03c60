"""URLs of the moderation pages (see chats/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
