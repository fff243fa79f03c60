from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser

from members.models import MastodonConnection, User


def user_is_verified(*, user: User | AnonymousUser) -> bool:
    """A member is verified by a confirmed email address or by logging in with X."""
    if not user.is_authenticated:
        return False
    if user.has_verified_x:
        return True
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def mastodon_connection_of(*, user: User | AnonymousUser) -> MastodonConnection | None:
    if not user.is_authenticated:
        return None
    return MastodonConnection.objects.filter(user=user).first()
