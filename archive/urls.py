from django.urls import URLPattern, URLResolver, include, path

from archive.feeds import CommunityTranscriptFeed, SiteTranscriptFeed
from archive.views import (
    connections,
    exports,
    health,
    imports,
    index,
    live,
    moderation,
    networks,
    posting,
    search,
    stream,
    transcript,
    vitality,
)

app_name = "archive"

chat_urls = [
    path("posts/", live.chat_posts_fragment, name="chat_posts"),
    path("compose/", posting.chat_compose, name="chat_compose"),
    path("compose/count/", posting.chat_compose_count, name="chat_compose_count"),
    path("transcript/", transcript.chat_transcript, name="transcript"),
    path("transcript/print/", exports.transcript_print, name="transcript_print"),
    path("transcript.<str:fmt>", exports.transcript_export, name="transcript_export"),
]

moderation_urls = [
    path("", moderation.moderation_log, name="moderation_log"),
    path("stream/", moderation.moderate_stream, name="moderate_stream"),
    path("placements/hide/", moderation.placements_hide, name="placements_hide"),
    path("placements/<int:pk>/hide/", moderation.placement_hide, name="placement_hide"),
    path("placements/<int:pk>/unhide/", moderation.placement_unhide, name="placement_unhide"),
    path("accounts/<int:pk>/exclude/", moderation.account_exclude, name="account_exclude"),
    path("accounts/<int:pk>/include/", moderation.account_include, name="account_include"),
]

manage_urls: list[URLPattern | URLResolver] = [
    path("archive/", health.archive_health, name="archive_health"),
    path("archive/imports/", imports.imports, name="imports"),
    path("archive/imports/<int:pk>/", imports.import_status, name="import_status"),
    path("posting/", posting.posting_settings, name="posting_settings"),
    path("posting/mutes/", posting.member_mute, name="member_mute"),
    path("posting/mutes/<int:pk>/unmute/", posting.member_unmute, name="member_unmute"),
    path("archive/networks/", networks.archive_networks, name="archive_networks"),
    path("chats/<int:pk>/moderate/", moderation.moderate_chat, name="moderate_chat"),
    path("moderation/", include(moderation_urls)),
]

community_urls: list[URLPattern | URLResolver] = [
    path("stream/", stream.stream, name="stream"),
    path("transcripts/", index.community_transcripts, name="community_transcripts"),
    path("vitality/", vitality.vitality, name="vitality"),
    path("transcripts.atom", CommunityTranscriptFeed(), name="community_feed"),
    path("connections/<str:other>/", connections.shared_posts, name="shared_posts"),
    path("chats/<int:pk>/", include(chat_urls)),
    path("manage/", include(manage_urls)),
]

my_post_urls = [
    path("", moderation.my_posts, name="my_posts"),
    path("<int:pk>/remove/", moderation.post_remove, name="post_remove"),
    path("<int:pk>/restore/", moderation.post_restore, name="post_restore"),
]

urlpatterns = [
    path("search/", search.search, name="search"),
    path("connections/", connections.connections, name="connections"),
    path("transcripts.atom", SiteTranscriptFeed(), name="site_feed"),
    path("me/posts/", include(my_post_urls)),
    path("communities/<str:slug>/", include(community_urls)),
]
