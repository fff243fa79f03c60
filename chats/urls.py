"""The chats namespace, assembled from one URL module per area."""

from .urls_archive import urlpatterns as archive_patterns
from .urls_exports import urlpatterns as export_patterns
from .urls_moderation import urlpatterns as moderation_patterns
from .urls_organiser import urlpatterns as organiser_patterns
from .urls_participation import urlpatterns as participation_patterns
from .urls_public import urlpatterns as public_patterns
from .urls_search import urlpatterns as search_patterns
from .urls_stream import urlpatterns as stream_patterns
from .urls_transcript import urlpatterns as transcript_patterns

app_name = "chats"
urlpatterns = [
    *public_patterns,
    *organiser_patterns,
    *participation_patterns,
    *archive_patterns,
    *transcript_patterns,
    *search_patterns,
    *export_patterns,
    *moderation_patterns,
    *stream_patterns,
]
