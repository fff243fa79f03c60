"""Which publisher posts for a member: their own connected account on each network."""

from archive.sources.mastodon_publish import MastodonPublisher
from members.models import MastodonConnection, User


def mastodon_publisher_for(*, user: User) -> MastodonPublisher | None:
    """None: the member has not connected a Mastodon account (or has disconnected it)."""
    connection = MastodonConnection.objects.filter(user=user).only("server", "access_token").first()
    if connection is None:
        return None
    return MastodonPublisher(server=connection.server, access_token=connection.access_token)
