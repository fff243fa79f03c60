"""URLs of the exports pages (see chats/urls.py): transcript downloads, print view, feeds."""

from django.urls import URLPattern, path

from .feeds import CommunityTranscriptFeed, SiteTranscriptFeed
from .views import exports

urlpatterns: list[URLPattern] = [
    path(
        "communities/<str:slug>/chats/<int:pk>/transcript.<str:fmt>",
        exports.transcript_export,
        name="transcript_export",
    ),
    path(
        "communities/<str:slug>/chats/<int:pk>/transcript/print/",
        exports.transcript_print,
        name="transcript_print",
    ),
    path("transcripts.atom", SiteTranscriptFeed(), name="site_feed"),
    path(
        "communities/<str:slug>/transcripts.atom",
        CommunityTranscriptFeed(),
        name="community_feed",
    ),
]
