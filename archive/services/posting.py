"""Posting to the networks from a live chat's page, for a member, with their own account.

Every rule lives in `post_publish`, in this order: a submission key seen before answers
with that submission's result (a double click or a retried request sends one post); then
the chat is open, the community turned posting on, the member is not muted nor is their
account excluded, the network is connected, the text is what the network accepts (its
weighted length; links only where allowed); then, under the community's policy row lock,
the member's rate and the community's daily caps, and the submission is claimed. Only
then is the network called, outside any transaction; the post it returns is stored as
the next pull would store it, and appears in the live list at once.
"""

import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from archive.markers import parse_marker
from archive.models import (
    AccountExclusion,
    Network,
    Post,
    PostingMute,
    PostingPolicy,
    PostPlacement,
    PostSubmission,
)
from archive.selectors.posting import policy_for, posting_networks
from archive.selectors.publishers import mastodon_publisher_for
from archive.services.ingest import posts_store
from archive.services.usage import post_price
from archive.sources.base import (
    NormalisedPost,
    Publisher,
    PublishRefused,
    RateLimited,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)
from archive.sources.mastodon_publish import (
    MASTODON_MAX_CHARACTERS,
    MASTODON_URL_LENGTH,
    POST_WINDOW,
    MastodonPublisher,
    mastodon_post_limit_check,
)
from archive.sources.x_objects import user_id as invented_user_id
from archive.sources.x_publish import StandInPublisher, XAuthor, XPublisher
from archive.x_text import extract_urls, parse_tweet
from chats.models import Chat
from community.models import Community
from members.models import User
from members.services import XTokenUnavailable, mastodon_connection_expire, x_access_token

logger = logging.getLogger(__name__)

# A request that finds its key still being sent by another waits this long for its answer.
WAIT_FOR_FIRST = timedelta(seconds=15)
_WAIT_STEP = 0.2
_HANDLE_RE = re.compile(r"\W")


@dataclass(frozen=True, slots=True)
class PublishResult:
    submission: PostSubmission

    @property
    def sent(self) -> bool:
        return self.submission.status == PostSubmission.Status.SENT

    @property
    def pending(self) -> bool:
        return self.submission.status == PostSubmission.Status.SENDING

    @property
    def message(self) -> str:
        if self.sent:
            return "Posted."
        if self.pending:
            return "Your post is on its way; it appears here once the network confirms it."
        return self.submission.error


@dataclass(frozen=True, slots=True)
class Draft:
    """The text as it will be sent, and what the network will make of it."""

    text: str
    weighted_length: int
    valid: bool
    has_link: bool
    cost: Decimal


def submission_key() -> str:
    """A fresh idempotency key, for one press of "Post" (the form carries it hidden)."""
    return secrets.token_urlsafe(24)


# --- composing ---------------------------------------------------------------------------


def compose_text(*, text: str, hashtag: str, answering: int | None = None) -> str:
    """The member's text with the chat's `An ` prefix when answering question n (unless it
    already starts with a marker) and the chat's hashtag appended unless already there
    (any case, "#" or "＃"): a reply keeps it too, or the chat would never see it."""
    text = text.strip()
    if answering is not None and parse_marker(text) is None:
        text = f"A{answering} {text}"
    tag = re.compile(rf"(?<![\w/&])[#\uff03]{re.escape(hashtag)}(?!\w)", re.IGNORECASE)
    if text and not tag.search(text):
        text = f"{text} #{hashtag}"
    return text


def draft_for(*, text: str, network: str) -> Draft:
    urls = extract_urls(text)
    has_link = bool(urls)
    if network == Network.MASTODON:
        # Mastodon counts characters, every link as 23 whatever its length.
        length = len(text) - sum(len(url) for url in urls) + MASTODON_URL_LENGTH * len(urls)
        valid = 0 < length <= MASTODON_MAX_CHARACTERS
    else:
        parsed = parse_tweet(text)
        length, valid = parsed.weightedLength, parsed.valid
    return Draft(
        text=text,
        weighted_length=length,
        valid=valid,
        has_link=has_link,
        cost=post_price(network=network, has_link=has_link),
    )


# --- networks ----------------------------------------------------------------------------


def publisher_for(member: User, network: str) -> Publisher | None:
    """What posts for the member on the network, its token fresh; None: not connected.
    Only that network's: posting to Mastodon never refreshes an X token."""
    if settings.ARCHIVE_DEMO_REPLAY:
        # The demo has no credentials: its stand-in answers as X would, and posts nowhere.
        return StandInPublisher(author=_x_author(member)) if network == Network.X else None
    if network == Network.X:
        return _x_publisher(member)
    if network == Network.MASTODON:
        return mastodon_publisher_for(user=member)
    return None


def _x_publisher(member: User, *, force_refresh: bool = False) -> XPublisher | None:
    try:
        token = x_access_token(user=member, force_refresh=force_refresh)
    except XTokenUnavailable:
        return None
    return XPublisher(token, author=_x_author(member), base_url=settings.X_API_BASE_URL)


def _x_author(member: User) -> XAuthor:
    handle = member.x_handle or _HANDLE_RE.sub("", member.username)[:15] or "member"
    return XAuthor(
        id=member.x_user_id or invented_user_id(f"member:{member.pk}"),
        username=handle,
        name=member.public_name,
        profile_image_url=member.avatar_url,
    )


# --- the rules ---------------------------------------------------------------------------


def _refuse(message: str, code: str, field: str = "text") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check_member(*, member: User, chat: Chat, policy: PostingPolicy, now: datetime) -> None:
    if chat.cancelled_at is not None or not chat.window_start <= now < chat.window_end:
        raise _refuse(
            "This chat is not live: posting from here is open only while it runs.", "closed"
        )
    if not policy.enabled:
        raise _refuse("This community has not turned on posting from this site.", "off")
    community_id = chat.community_id
    if PostingMute.objects.filter(community_id=community_id, member=member).exists():
        raise _refuse("An organiser of this community has muted you here.", "muted")
    mine = Q(account__member=member)
    if member.x_user_id:
        mine |= Q(account__network=Network.X, account__external_id=member.x_user_id)
    if AccountExclusion.objects.filter(mine, community_id=community_id).exists():
        raise _refuse("Your account is excluded from this community's archive.", "excluded")


def _check_draft(*, draft: Draft, policy: PostingPolicy, network: str) -> None:
    if not draft.text:
        raise _refuse("Write something first.", "empty")
    if not draft.valid:
        rule = (
            f"Mastodon allows {MASTODON_MAX_CHARACTERS} characters (links count 23)"
            if network == Network.MASTODON
            else "X allows 280 characters (links count 23, most CJK and emoji 2)"
        )
        raise _refuse(f"{rule}; this post counts {draft.weighted_length}.", "too_long")
    if draft.has_link and not policy.allow_links:
        raise _refuse("This community does not allow links in posts from this site.", "links")


def _check_reply(*, chat: Chat, reply_to: Post | None, network: str) -> None:
    if reply_to is None:
        return
    in_chat = PostPlacement.objects.filter(chat=chat, post=reply_to, hidden=False)
    if reply_to.network != network or reply_to.removed or not in_chat.exists():
        raise _refuse("That post cannot be replied to from here.", "reply", field="reply_to")


def _check_limits(
    *, member: User, policy: PostingPolicy, draft: Draft, network: str, now: datetime
) -> None:
    """Call with the policy and member rows locked: claims are counted one at a time."""
    counted = PostSubmission.objects.exclude(status=PostSubmission.Status.REFUSED)
    if network == Network.X:
        since = now - settings.ARCHIVE_POSTS_PER_MEMBER_WINDOW
        recent = counted.filter(member=member, network=network, created_at__gte=since).count()
        if recent >= settings.ARCHIVE_POSTS_PER_MEMBER:
            window = int(settings.ARCHIVE_POSTS_PER_MEMBER_WINDOW.total_seconds() // 60)
            raise _refuse(
                f"X allows {settings.ARCHIVE_POSTS_PER_MEMBER} posts in {window} minutes: "
                "wait a little and post again.",
                "member_rate",
            )
    elif network == Network.MASTODON:
        _check_mastodon_rate(counted.filter(member=member, network=network), now=now)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = counted.filter(community_id=policy.community_id, created_at__gte=midnight)
    totals = today.aggregate(spent=Sum("cost"))
    if today.count() >= policy.daily_post_cap:
        raise _refuse("This community's posts from the site for today are used up.", "post_cap")
    if (totals["spent"] or Decimal("0")) + draft.cost > policy.daily_spend_cap:
        raise _refuse("This community's posting budget for today is used up.", "spend_cap")


def _check_mastodon_rate(submissions: QuerySet[PostSubmission], *, now: datetime) -> None:
    recent = submissions.filter(created_at__gte=now - POST_WINDOW)
    try:
        mastodon_post_limit_check(
            posts_in_window=recent.count(),
            oldest_in_window=recent.order_by("created_at")
            .values_list("created_at", flat=True)
            .first(),
            now=now,
        )
    except RateLimited as limited:
        raise _refuse(
            f"Mastodon allows 300 posts in 3 hours: post again after "
            f"{timezone.localtime(limited.reset_at):%H:%M}.",
            "member_rate",
        ) from None


# --- posting -----------------------------------------------------------------------------


def post_publish(
    *,
    member: User,
    chat: Chat,
    text: str,
    reply_to: Post | None = None,
    answering: int | None = None,
    network: str = Network.X,
    idempotency_key: str,
) -> PublishResult:
    """Post for the member in the chat; ValidationError for a rule that refuses it, a
    PublishResult (sent, refused by the network, or still on its way) otherwise."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise _refuse("This form has expired: reload the page.", "key")
    earlier = PostSubmission.objects.filter(member=member, key=idempotency_key).first()
    if earlier is not None:
        return _result_of(earlier)
    now = timezone.now()
    policy = policy_for(chat.community)
    _check_member(member=member, chat=chat, policy=policy, now=now)
    if network not in Network.values:
        raise _refuse("Choose a network to post to.", "network", "network")
    if network not in posting_networks(member=member):
        raise _refuse(
            f"Connect {Network(network).label} to post from this site.", "network", "network"
        )
    draft = draft_for(
        text=compose_text(text=text, hashtag=chat.hashtag, answering=answering), network=network
    )
    _check_draft(draft=draft, policy=policy, network=network)
    _check_reply(chat=chat, reply_to=reply_to, network=network)
    claimed = _claim(
        member=member,
        chat=chat,
        policy=policy,
        draft=draft,
        network=network,
        reply_to=reply_to,
        key=idempotency_key,
        now=now,
    )
    if claimed is None:
        return _result_of(PostSubmission.objects.get(member=member, key=idempotency_key))
    return _send(claimed)


def _claim(
    *,
    member: User,
    chat: Chat,
    policy: PostingPolicy,
    draft: Draft,
    network: str,
    reply_to: Post | None,
    key: str,
    now: datetime,
) -> PostSubmission | None:
    """Insert the submission, under the limits; None when another request holds the key."""
    try:
        with transaction.atomic():
            locked = PostingPolicy.objects.select_for_update().filter(pk=policy.pk).first()
            # X's per-member limit spans every community: the member's row too (always
            # after the policy's, so two claims never wait for each other in a circle).
            User.objects.select_for_update().filter(pk=member.pk).values_list("pk").first()
            # A request with the same key that held the lock before us has committed its
            # claim by now: its result is ours, whatever the limits say since.
            if PostSubmission.objects.filter(member=member, key=key).exists():
                return None
            _check_limits(
                member=member, policy=locked or policy, draft=draft, network=network, now=now
            )
            return PostSubmission.objects.create(
                member=member,
                key=key,
                community_id=chat.community_id,
                chat=chat,
                network=network,
                text=draft.text,
                reply_to=reply_to,
                has_link=draft.has_link,
                cost=draft.cost,
            )
    except IntegrityError:
        # The unique (member, key): a double click's first request claimed it.
        return None


def _send(submission: PostSubmission) -> PublishResult:
    member = submission.member
    reply_id = submission.reply_to.external_id if submission.reply_to else None
    try:
        post = _publish_refreshing(
            member, submission.network, submission.text, reply_id, key=submission.key
        )
    except SourceError as exc:
        return _refused(submission, exc)
    with transaction.atomic():
        # Should the archive refuse it (posts_store skips what it cannot fit), the post is
        # still sent: the submission says so, and the next pull tries again.
        posts_store(posts=[post])
        stored = (
            Post.objects.only("pk").filter(network=post.network, external_id=post.external_id)
        ).first()
        PostSubmission.objects.filter(
            pk=submission.pk, status=PostSubmission.Status.SENDING
        ).update(status=PostSubmission.Status.SENT, post=stored, finished_at=timezone.now())
    submission.refresh_from_db()
    return PublishResult(submission)


def _publish_refreshing(
    member: User, network: str, text: str, reply_id: str | None, *, key: str
) -> NormalisedPost:
    """Publish; on X's 401 refresh the member's token once and try again. A token their
    Mastodon server refused is forgotten: their profile then offers to connect again."""
    publisher = publisher_for(member, network)
    if publisher is None:
        raise PublishRefused(f"Connect {Network(network).label} again to post from this site.")
    try:
        return publisher.publish(text=text, reply_to_id=reply_id, idempotency_key=key)
    except SourceAuthError:
        if isinstance(publisher, MastodonPublisher):
            mastodon_connection_expire(user=member, access_token=publisher.access_token)
            raise
        if network != Network.X or settings.ARCHIVE_DEMO_REPLAY:
            raise
        refreshed = _x_publisher(member, force_refresh=True)
        if refreshed is None:
            raise
        return refreshed.publish(text=text, reply_to_id=reply_id, idempotency_key=key)


def _refused(submission: PostSubmission, exc: SourceError) -> PublishResult:
    reason, retryable = _reason(exc, submission.network)
    logger.info(
        "Post by member %s refused by %s: %s",
        submission.member_id,
        submission.network,
        type(exc).__name__,
    )
    PostSubmission.objects.filter(pk=submission.pk, status=PostSubmission.Status.SENDING).update(
        status=PostSubmission.Status.REFUSED,
        error=reason[:300],
        retryable=retryable,
        cost=Decimal("0"),
        finished_at=timezone.now(),
    )
    submission.refresh_from_db()
    return PublishResult(submission)


def _reason(exc: SourceError, network: str) -> tuple[str, bool]:
    label = Network(network).label
    if isinstance(exc, PublishRefused):
        return exc.reason, exc.retryable
    if isinstance(exc, RateLimited):
        at = timezone.localtime(exc.reset_at, timezone.get_fixed_timezone(0)).strftime("%H:%M")
        return f"{label} says you are posting too fast: try again after {at} UTC.", True
    if isinstance(exc, SourceAuthError):
        return (
            f"{label} no longer accepts this site's access to your account: connect {label} again.",
            False,
        )
    if isinstance(exc, SourceUnavailable):
        return f"{label} did not answer. Your text is kept: try again in a moment.", True
    return f"{label} refused the post.", True


def _result_of(submission: PostSubmission) -> PublishResult:
    """The result of an earlier request with the same key, once it has one."""
    deadline = time.monotonic() + WAIT_FOR_FIRST.total_seconds()
    while submission.status == PostSubmission.Status.SENDING and time.monotonic() < deadline:
        time.sleep(_WAIT_STEP)
        submission.refresh_from_db()
    return PublishResult(submission)


# --- the organisers' side ----------------------------------------------------------------


def posting_policy_save(*, community: Community, data: dict[str, object]) -> PostingPolicy:
    """Turn posting from the site on or off and set its caps (data: PostingPolicyForm's)."""
    policy, _ = PostingPolicy.objects.update_or_create(community=community, defaults=data)
    return policy


def posting_mute(*, community: Community, username: str, by: User) -> PostingMute:
    """Stop a member of the community from posting from its pages."""
    member = User.objects.filter(
        username__iexact=username.strip().lstrip("@"), memberships__community=community
    ).first()
    if member is None:
        raise ValidationError(
            {
                "username": ValidationError(
                    "No member of this community has that username.", code="unknown"
                )
            }
        )
    mute, _ = PostingMute.objects.get_or_create(
        community=community, member=member, defaults={"created_by": by}
    )
    return mute


def posting_unmute(*, community: Community, member_id: int) -> None:
    PostingMute.objects.filter(community=community, member_id=member_id).delete()
