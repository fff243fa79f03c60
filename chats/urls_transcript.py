"""URLs of the transcript pages (see chats/urls.py)."""

from django.urls import URLPattern, path

from chats.views.transcript import chat_transcript

urlpatterns: list[URLPattern] = [
    path(
        "communities/<str:slug>/chats/<int:pk>/transcript/",
        chat_transcript,
        name="transcript",
    ),
]
