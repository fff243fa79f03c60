"""Reads for posting from a live chat's page: what the compose box offers a visitor."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from archive.models import Network, Post, PostingMute, PostingPolicy, PostPlacement
from archive.services.usage import post_price
from chats.models import Chat
from community.models import Community
from community.selectors import membership_for
from members.models import MastodonConnection, User, XToken


def policy_for(community: Community) -> PostingPolicy:
    """The community's posting policy; a community that never set one has posting off."""
    return PostingPolicy.objects.filter(community=community).first() or PostingPolicy(
        community=community
    )


def posting_networks(*, member: User) -> list[str]:
    """The networks the member can post to from here, without asking them (no network
    call): what the compose box offers. X first: the default."""
    if settings.ARCHIVE_DEMO_REPLAY:
        return [Network.X]
    token = XToken.objects.filter(user=member).only("scope").first()
    networks: list[str] = [Network.X] if token is not None and token.can_post else []
    if MastodonConnection.objects.filter(user=member).exists():
        networks.append(Network.MASTODON)
    return networks


# Where a refused text waits for the chat page to put it back in the box (no JavaScript).
DRAFT_SESSION_KEY = "archive_compose_draft"


@dataclass(frozen=True)
class ComposeState:
    """Why the box shows or what stands in for it: "sign_in", "join", "off" (posting
    not turned on: nothing shown), "muted", "connect" (no token that may post), "ready"."""

    state: str
    policy: PostingPolicy
    networks: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def price(self) -> Decimal:
        return post_price(network=Network.X, has_link=False)

    @property
    def link_price(self) -> Decimal:
        return post_price(network=Network.X, has_link=True)


def compose_state(*, chat: Chat, user: User | AnonymousUser) -> ComposeState:
    """At most four queries: the policy, the membership, a mute, the member's token."""
    policy = policy_for(chat.community)
    if not policy.enabled:
        return ComposeState("off", policy)
    if not isinstance(user, User):
        return ComposeState("sign_in", policy)
    if membership_for(community=chat.community, user=user) is None:
        return ComposeState("join", policy)
    if PostingMute.objects.filter(community_id=chat.community_id, member=user).exists():
        return ComposeState("muted", policy)
    networks = posting_networks(member=user)
    if not networks and not settings.X_LOGIN_ENABLED:
        # No network the member could connect on this site: nothing to offer.
        return ComposeState("off", policy)
    return ComposeState("ready" if networks else "connect", policy, networks)


def reply_target(*, chat: Chat, placement_id: int) -> Post | None:
    """The post a placement of this chat shows, if it is visible: what a reply may answer."""
    placement = (
        PostPlacement.objects.filter(
            Q(pk=placement_id, chat=chat, hidden=False), post__removed=False
        )
        .select_related("post")
        .defer("post__raw", "post__search_vector")
        .first()
    )
    return placement.post if placement else None


def posting_mutes(*, community_id: int) -> list[PostingMute]:
    return list(
        PostingMute.objects.filter(community_id=community_id)
        .select_related("member")
        .order_by("member__username")
    )
