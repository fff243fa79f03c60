"""URLs of the exports pages (see chats/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
