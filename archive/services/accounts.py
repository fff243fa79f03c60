"""Which member a Mastodon or Bluesky account belongs to, by the handles on profiles.

Not verified (anyone may type a handle): a claim only makes a member's accounts one
participant in a transcript's stats and its by-participant view. Authorship (the profile
link on posts, withdrawing one's posts) stays with Account.member, the verified link: X's
login, or a Mastodon handle whose profile links back here (members' rel="me" check).
"""

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.functions import Lower

from archive.models import Account, Network
from archive.sources.base import NormalisedAccount
from members.models import User

# The profile field that names each network's handle.
PROFILE_FIELDS = {Network.MASTODON: "mastodon_handle", Network.BLUESKY: "bluesky_handle"}


def profile_handle(value: str) -> str:
    """A profile's handle as the network's accounts carry it: no leading "@", lower case."""
    return value.strip().lstrip("@").lower()


def accounts_claim(*, accounts: Iterable[NormalisedAccount]) -> int:
    """Link the page's Mastodon and Bluesky authors to the members whose profiles name
    them; call in the page's transaction. One query when no member names any of them."""
    wanted: dict[str, set[str]] = {}
    for account in accounts:
        if account.network in PROFILE_FIELDS and account.handle:
            wanted.setdefault(account.network, set()).add(account.handle.lower())
    if not wanted:
        return 0
    match = Q()
    for network, handles in wanted.items():
        field = PROFILE_FIELDS[Network(network)]
        match |= Q(**{f"{field}_lower__in": handles | {f"@{h}" for h in handles}})
    users = User.objects.annotate(
        mastodon_handle_lower=Lower("mastodon_handle"), bluesky_handle_lower=Lower("bluesky_handle")
    ).filter(match)
    linked = 0
    for user in users.only("pk", "mastodon_handle", "bluesky_handle"):
        linked += member_claims_relink(user=user, unlink=False)
    return linked


def member_claims_relink(*, user: User, unlink: bool = True) -> int:
    """Make the accounts the member's profile names theirs, and (unlink) release those it
    no longer names. Returns how many accounts changed hands."""
    changed = 0
    for network, field in PROFILE_FIELDS.items():
        handle = profile_handle(getattr(user, field))
        if unlink:
            released = Account.objects.filter(network=network, claimed_by=user)
            if handle:
                released = released.exclude(handle__iexact=handle)
            changed += released.update(claimed_by=None)
        if handle:
            claimed = Account.objects.filter(network=network, handle__iexact=handle)
            changed += claimed.exclude(claimed_by=user).update(claimed_by=user)
    return changed + _relink_verified_mastodon(user=user)


def _relink_verified_mastodon(*, user: User) -> int:
    """The member's verified Mastodon account is theirs as an X login's is; one that is
    no longer their verified handle is not."""
    verified = profile_handle(user.mastodon_handle) if user.mastodon_verified_at else ""
    mine = Account.objects.filter(network=Network.MASTODON, member=user)
    changed = (mine.exclude(handle__iexact=verified) if verified else mine).update(member=None)
    if verified:
        theirs = Account.objects.filter(network=Network.MASTODON, handle__iexact=verified)
        changed += theirs.exclude(member=user).update(member=user)
    return changed
