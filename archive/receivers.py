"""What the archive does when another app tells it something happened."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from archive.models import Account, Network
from archive.services.accounts import PROFILE_FIELDS, member_claims_relink
from members.models import User
from members.signals import x_account_linked


@receiver(x_account_linked)
def _relink_x_posts(sender: object, *, user: User | None, x_user_id: str, **kwargs: object) -> None:
    # Archived posts by this X account now link to (or away from) the member.
    Account.objects.filter(network=Network.X, external_id=x_user_id).update(member=user)


# A verified Mastodon handle makes its account the member's own (see accounts.py).
_HANDLE_FIELDS = frozenset(PROFILE_FIELDS.values()) | {"mastodon_verified_at"}


@receiver(post_save, sender=User)
def _relink_claimed_accounts(
    sender: object,
    *,
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: object,
) -> None:
    # A member named (or changed, or cleared) a Mastodon or Bluesky handle on their
    # profile: the archived accounts with it count as theirs in transcripts.
    if update_fields is not None and not (_HANDLE_FIELDS & set(update_fields)):
        return  # a login, a time zone: no handle changed
    if created and not (instance.mastodon_handle or instance.bluesky_handle):
        return  # a new member with no handle claims nothing and has nothing to release
    member_claims_relink(user=instance)
