"""URLs of the search pages (see chats/urls.py)."""

from django.urls import path

from .views import search

urlpatterns = [
    path("search/", search.search, name="search"),
]
