"""The chats namespace, assembled from one URL module per area."""

from .urls_archive import urlpatterns as archive_patterns
from .urls_organiser import urlpatterns as organiser_patterns
from .urls_participation import urlpatterns as participation_patterns
from .urls_public import urlpatterns as public_patterns

app_name = "chats"
urlpatterns = [
    *public_patterns,
    *organiser_patterns,
    *participation_patterns,
    *archive_patterns,
]
