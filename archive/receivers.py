"""What the archive does when another app tells it something happened."""

from django.dispatch import receiver

from archive.models import Account, Network
from members.models import User
from members.signals import x_account_linked


@receiver(x_account_linked)
def _relink_x_posts(sender: object, *, user: User | None, x_user_id: str, **kwargs: object) -> None:
    # Archived posts by this X account now link to (or away from) the member.
    Account.objects.filter(network=Network.X, external_id=x_user_id).update(member=user)
