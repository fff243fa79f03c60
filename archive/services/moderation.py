"""Moderation writes: hide and unhide posts, exclude accounts, authors' own removals.

Every write is one transaction that logs one ModerationAction and moves
Chat.archive_changed_at of each chat whose posts it changed, so cached transcripts
and their ETags change with it. Writes are conditional UPDATEs: a double submit finds
nothing left to change, logs nothing and returns False.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet

from archive.models import (
    Account,
    AccountExclusion,
    HiddenReason,
    ModerationAction,
    Post,
    PostPlacement,
)
from chats.models import Chat
from community.models import Community
from members.models import User

Kind = ModerationAction.Kind

# EXCLUDED belongs to account exclusions: a single post is never hidden "for" it.
HIDE_REASONS = [
    (value, label) for value, label in HiddenReason.choices if value != HiddenReason.EXCLUDED
]


def _bump_chats(placements: QuerySet[PostPlacement]) -> None:
    """Move the archive version of every chat holding one of `placements`."""
    chat_ids = placements.filter(chat__isnull=False).values("chat_id")
    Chat.objects.filter(pk__in=chat_ids).mark_archive_changed()


def _bump_chat_of(placement: PostPlacement) -> None:
    """Move the archive version of the placement's chat; the between-chat stream has none."""
    if placement.chat_id is not None:
        Chat.objects.filter(pk=placement.chat_id).mark_archive_changed()


def _in_same_chat(placement: PostPlacement) -> QuerySet[PostPlacement]:
    """The placement, and in a joint chat the post's placements of the other communities
    holding it: a joint chat has one transcript, so a hide by either community's
    moderators hides the post there and in each holder's archive alike."""
    if placement.chat_id is None:
        return PostPlacement.objects.filter(pk=placement.pk)
    return PostPlacement.objects.filter(post_id=placement.post_id, chat_id=placement.chat_id)


def _log(*, kind: str, actor: User, **fields: object) -> ModerationAction:
    return ModerationAction.objects.create(kind=kind, actor=actor, **fields)


def _check_reason(reason: str) -> None:
    if reason not in {value for value, _ in HIDE_REASONS}:
        raise ValidationError({"reason": "Choose one of the listed reasons."})


@transaction.atomic
def placement_hide(*, placement: PostPlacement, actor: User, reason: str, note: str = "") -> bool:
    """Hide the post in this placement's community only (a joint chat's post: in the chat,
    for every community holding it); False if it was hidden already."""
    _check_reason(reason)
    changed = (
        _in_same_chat(placement).filter(hidden=False).update(hidden=True, hidden_reason=reason)
    )
    if not changed:
        return False
    placement.hidden, placement.hidden_reason = True, reason
    _bump_chat_of(placement)
    _log(
        kind=Kind.HIDE_POST,
        actor=actor,
        community_id=placement.community_id,
        post_id=placement.post_id,
        reason=reason,
        note=note,
    )
    return True


@transaction.atomic
def placement_unhide(*, placement: PostPlacement, actor: User, note: str = "") -> bool:
    """Show the post again in this community; False if it was not hidden.

    A post hidden because its account is excluded stays hidden until the exclusion
    is lifted: unhiding it alone would contradict the exclusion.
    """
    changed = (
        _in_same_chat(placement)
        .filter(hidden=True)
        .exclude(hidden_reason=HiddenReason.EXCLUDED)
        .update(hidden=False, hidden_reason="")
    )
    if not changed:
        current = PostPlacement.objects.filter(pk=placement.pk).values_list(
            "hidden_reason", flat=True
        )
        if list(current) == [HiddenReason.EXCLUDED]:
            raise ValidationError("Its account is excluded: lift the exclusion to show its posts.")
        return False
    placement.hidden, placement.hidden_reason = False, ""
    _bump_chat_of(placement)
    _log(
        kind=Kind.UNHIDE_POST,
        actor=actor,
        community_id=placement.community_id,
        post_id=placement.post_id,
        note=note,
    )
    return True


def _account_placements(community: Community, account: Account) -> QuerySet[PostPlacement]:
    return PostPlacement.objects.filter(community=community, post__author=account)


@transaction.atomic
def account_exclude(
    *, community: Community, account: Account, actor: User, reason: str, note: str = ""
) -> bool:
    """Keep the account's posts out of the community's archive, past and future.

    Its visible posts there are hidden for EXCLUDED (ingest hides its new ones);
    posts hidden for another reason keep that reason. False if already excluded.
    """
    _check_reason(reason)
    _, created = AccountExclusion.objects.get_or_create(
        community=community, account=account, defaults={"reason": reason, "created_by": actor}
    )
    if not created:
        return False
    _account_placements(community, account).filter(hidden=False).update(
        hidden=True, hidden_reason=HiddenReason.EXCLUDED
    )
    _bump_chats(_account_placements(community, account).filter(hidden_reason=HiddenReason.EXCLUDED))
    _log(
        kind=Kind.EXCLUDE_ACCOUNT,
        actor=actor,
        community=community,
        account=account,
        reason=reason,
        note=note,
    )
    return True


@transaction.atomic
def account_include(*, community: Community, account: Account, actor: User, note: str = "") -> bool:
    """Lift an exclusion: posts hidden for it show again, others stay hidden."""
    deleted, _ = AccountExclusion.objects.filter(community=community, account=account).delete()
    if not deleted:
        return False
    excluded = _account_placements(community, account).filter(hidden_reason=HiddenReason.EXCLUDED)
    # Bump first: afterwards nothing marks which placements the exclusion had hidden.
    _bump_chats(excluded)
    excluded.update(hidden=False, hidden_reason="")
    _log(kind=Kind.INCLUDE_ACCOUNT, actor=actor, community=community, account=account, note=note)
    return True


def _check_author(post: Post, member: User) -> None:
    # Views answer 404 before this; the check stays here so no caller can skip it.
    # Asked of the database: a post object loaded before the member linked X is stale.
    own = Post.objects.filter(pk=post.pk, author__member=member).exists()
    if not member.has_verified_x or not own:
        raise PermissionDenied("Only the post's author, with a verified X link, can do that.")


@transaction.atomic
def post_author_remove(*, post: Post, member: User) -> bool:
    """The author withdraws the post from every archive; False if it was removed already."""
    _check_author(post, member)
    changed = Post.objects.filter(pk=post.pk, removed=False).update(
        removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
    )
    if not changed:
        return False
    post.removed, post.removed_reason = True, Post.REMOVED_BY_AUTHOR
    _bump_chats(PostPlacement.objects.filter(post=post))
    _log(kind=Kind.AUTHOR_REMOVAL, actor=member, post=post, account_id=post.author_id)
    return True


@transaction.atomic
def post_author_restore(*, post: Post, member: User) -> bool:
    """Undo the author's own removal; an edit-replaced version is never brought back."""
    _check_author(post, member)
    changed = Post.objects.filter(
        pk=post.pk, removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
    ).update(removed=False, removed_reason="")
    if not changed:
        return False
    post.removed, post.removed_reason = False, ""
    _bump_chats(PostPlacement.objects.filter(post=post))
    _log(kind=Kind.AUTHOR_RESTORE, actor=member, post=post, account_id=post.author_id)
    return True
