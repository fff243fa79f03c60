"""The moderation services: per-community hiding, exclusions past and future, authors'
own removals; each change logged once and moving the archive version of its chats."""

from collections.abc import Callable

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from archive.models import AccountExclusion, ModerationAction, Post, PostPlacement
from archive.services import moderation
from community.models import Community
from members.models import User
from tests.archive.moderation.conftest import (
    ADA,
    SPAMMER,
    START,
    USERS,
    Archive,
    age_archives,
    changed_chats,
    tweet,
    verified_author,
)
from tests.archive.support import archive_tweets

pytestmark = pytest.mark.django_db
Kind = ModerationAction.Kind
LATER = START.replace(day=25, hour=9)


def _state(placement: PostPlacement) -> tuple[bool, str]:
    placement.refresh_from_db()
    return placement.hidden, placement.hidden_reason


def test_it_hides_a_post_in_one_community_only(archive: Archive, moderator_user: User) -> None:
    age_archives()

    done = moderation.placement_hide(
        placement=archive.placement, actor=moderator_user, reason="off_topic", note="Not ours."
    )

    assert done is True
    assert _state(archive.placement) == (True, "off_topic")
    assert _state(archive.other_placement) == (False, "")
    assert changed_chats() == {archive.chat.pk}


def test_it_logs_who_hid_what_when_and_why(archive: Archive, moderator_user: User) -> None:
    with time_machine.travel(LATER, tick=False):
        moderation.placement_hide(
            placement=archive.placement, actor=moderator_user, reason="spam", note="Ad."
        )

    action = ModerationAction.objects.get()
    assert (action.kind, action.actor, action.community_id) == (
        Kind.HIDE_POST, moderator_user, archive.chat.community_id
    )  # fmt: skip
    assert (action.post, action.reason, action.note, action.created_at) == (
        archive.shared, "spam", "Ad.", LATER
    )  # fmt: skip


def test_it_logs_a_repeated_hide_once(archive: Archive, moderator_user: User) -> None:
    first = moderation.placement_hide(
        placement=archive.placement, actor=moderator_user, reason="spam"
    )
    stale = PostPlacement.objects.get(pk=archive.placement.pk)
    age_archives()

    again = moderation.placement_hide(placement=stale, actor=moderator_user, reason="abuse")

    assert (first, again) == (True, False)
    assert ModerationAction.objects.count() == 1
    assert _state(archive.placement) == (True, "spam")
    assert changed_chats() == set()


@pytest.mark.parametrize("reason", ["excluded", "", "SPAM", "nonsense"])
def test_it_refuses_a_reason_outside_the_list(
    archive: Archive, moderator_user: User, reason: str
) -> None:
    with pytest.raises(ValidationError):
        moderation.placement_hide(placement=archive.placement, actor=moderator_user, reason=reason)

    assert _state(archive.placement) == (False, "")
    assert not ModerationAction.objects.exists()


def test_it_unhides_once_and_logs_it(archive: Archive, moderator_user: User) -> None:
    moderation.placement_hide(placement=archive.placement, actor=moderator_user, reason="spam")
    age_archives()

    done = moderation.placement_unhide(placement=archive.placement, actor=moderator_user)
    again = moderation.placement_unhide(placement=archive.placement, actor=moderator_user)

    assert (done, again) == (True, False)
    assert _state(archive.placement) == (False, "")
    assert changed_chats() == {archive.chat.pk}
    assert list(ModerationAction.objects.values_list("kind", flat=True)) == [
        Kind.UNHIDE_POST, Kind.HIDE_POST
    ]  # fmt: skip


def test_it_excludes_an_account_hiding_its_past_and_future_posts(
    archive: Archive, community: Community, moderator_user: User
) -> None:
    age_archives()

    done = moderation.account_exclude(
        community=community, account=archive.spammer, actor=moderator_user, reason="spam"
    )
    archive_tweets(
        [tweet(SPAMMER, "Cheap followers again #KMers", 20), tweet(ADA, "A2 me too #KMers", 21)],
        users=USERS,
    )

    assert done is True
    assert _state(archive.spam_placement) == (True, "excluded")
    later = PostPlacement.objects.get(post__text__startswith="Cheap", community=community)
    assert (later.hidden, later.hidden_reason) == (True, "excluded")
    ada_later = PostPlacement.objects.get(post__text__startswith="A2", community=community)
    assert not ada_later.hidden
    assert AccountExclusion.objects.get().created_by == moderator_user
    action = ModerationAction.objects.get()
    assert (action.kind, action.account, action.reason) == (
        Kind.EXCLUDE_ACCOUNT, archive.spammer, "spam"
    )  # fmt: skip
    assert archive.chat.pk in changed_chats()


def test_it_excludes_from_one_community_only(
    archive: Archive, community: Community, moderator_user: User
) -> None:
    moderation.account_exclude(
        community=community, account=archive.ada, actor=moderator_user, reason="abuse"
    )
    archive_tweets([tweet(ADA, "A3 both again #KMers #libchat", 30)], users=USERS)

    assert _state(archive.placement) == (True, "excluded")
    assert _state(archive.other_placement) == (False, "")
    again = PostPlacement.objects.get(post__text__startswith="A3", community__hashtag="libchat")
    assert not again.hidden


def test_it_excludes_once(archive: Archive, community: Community, moderator_user: User) -> None:
    kwargs = {"community": community, "account": archive.spammer, "actor": moderator_user}

    results = [moderation.account_exclude(**kwargs, reason="spam") for _ in range(2)]

    assert results == [True, False]
    assert ModerationAction.objects.count() == 1


def test_it_lifts_an_exclusion_showing_only_what_it_hid(
    archive: Archive, community: Community, moderator_user: User
) -> None:
    archive_tweets([tweet(SPAMMER, "Rude words #KMers", 10)], users=USERS)
    rude = PostPlacement.objects.get(post__text__startswith="Rude")
    moderation.placement_hide(placement=rude, actor=moderator_user, reason="abuse")
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=moderator_user, reason="spam"
    )
    age_archives()

    done = moderation.account_include(
        community=community, account=archive.spammer, actor=moderator_user, note="Reformed."
    )
    again = moderation.account_include(
        community=community, account=archive.spammer, actor=moderator_user
    )

    assert (done, again) == (True, False)
    assert _state(archive.spam_placement) == (False, "")
    assert _state(rude) == (True, "abuse")
    assert not AccountExclusion.objects.exists()
    assert changed_chats() == {archive.chat.pk}
    action = ModerationAction.objects.first()
    assert (action.kind, action.note) == (Kind.INCLUDE_ACCOUNT, "Reformed.")
    assert ModerationAction.objects.count() == 3


def test_it_keeps_an_excluded_accounts_post_hidden_when_unhidden_alone(
    archive: Archive, community: Community, moderator_user: User
) -> None:
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=moderator_user, reason="spam"
    )

    with pytest.raises(ValidationError):
        moderation.placement_unhide(placement=archive.spam_placement, actor=moderator_user)

    assert _state(archive.spam_placement) == (True, "excluded")
    assert ModerationAction.objects.count() == 1


def test_it_lets_the_verified_author_remove_a_post_from_every_archive(
    archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    age_archives()

    done = moderation.post_author_remove(post=archive.shared, member=ada)
    again = moderation.post_author_remove(post=archive.shared, member=ada)

    archive.shared.refresh_from_db()
    assert (done, again) == (True, False)
    assert (archive.shared.removed, archive.shared.removed_reason) == (
        True, Post.REMOVED_BY_AUTHOR
    )  # fmt: skip
    assert changed_chats() == {archive.chat.pk, archive.other_chat.pk}
    action = ModerationAction.objects.get()
    assert (action.kind, action.actor, action.community, action.post, action.account) == (
        Kind.AUTHOR_REMOVAL, ada, None, archive.shared, archive.ada
    )  # fmt: skip


def test_it_keeps_an_author_removal_when_the_post_is_pulled_again(
    archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    moderation.post_author_remove(post=archive.shared, member=ada)

    archive_tweets([tweet(ADA, "A1 graphs connect what we know #KMers #libchat", 5)], users=USERS)

    archive.shared.refresh_from_db()
    assert archive.shared.removed


def test_it_restores_only_the_authors_own_removal(
    archive: Archive, make_user: Callable[..., User]
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    moderation.post_author_remove(post=archive.shared, member=ada)
    age_archives()

    done = moderation.post_author_restore(post=archive.shared, member=ada)
    Post.objects.filter(pk=archive.shared.pk).update(
        removed=True, removed_reason=Post.REMOVED_EDITED
    )
    edited = moderation.post_author_restore(post=archive.shared, member=ada)

    archive.shared.refresh_from_db()
    assert (done, edited) == (True, False)
    assert archive.shared.removed_reason == Post.REMOVED_EDITED
    assert changed_chats() == {archive.chat.pk, archive.other_chat.pk}
    assert ModerationAction.objects.first().kind == Kind.AUTHOR_RESTORE


def test_it_refuses_removal_by_anyone_but_the_verified_author(
    archive: Archive, make_user: Callable[..., User], member_user: User
) -> None:
    ada = verified_author(make_user, ADA, "ada")
    ada_unverified = User.objects.get(pk=ada.pk)
    ada_unverified.x_verified_at = None

    for who in (member_user, ada_unverified):
        with pytest.raises(PermissionDenied):
            moderation.post_author_remove(post=archive.shared, member=who)

    archive.shared.refresh_from_db()
    assert not archive.shared.removed
    assert not ModerationAction.objects.exists()


def _every_action(archive: Archive, community: Community, moderator: User, author: User):
    hide = {"placement": archive.spam_placement, "actor": moderator}
    exclude = {"community": community, "account": archive.spammer, "actor": moderator}
    own = {"post": archive.shared, "member": author}
    return [
        (Kind.HIDE_POST, moderator, lambda: moderation.placement_hide(**hide, reason="spam")),
        (Kind.UNHIDE_POST, moderator, lambda: moderation.placement_unhide(**hide)),
        (
            Kind.EXCLUDE_ACCOUNT,
            moderator,
            lambda: moderation.account_exclude(**exclude, reason="spam"),
        ),
        (Kind.INCLUDE_ACCOUNT, moderator, lambda: moderation.account_include(**exclude)),
        (Kind.AUTHOR_REMOVAL, author, lambda: moderation.post_author_remove(**own)),
        (Kind.AUTHOR_RESTORE, author, lambda: moderation.post_author_restore(**own)),
    ]


def test_it_logs_every_action_with_its_actor_and_time_and_moves_the_archive_version(
    archive: Archive, community: Community, moderator_user: User, make_user: Callable[..., User]
) -> None:
    author = verified_author(make_user, ADA, "ada")
    for minute, (kind, actor, act) in enumerate(
        _every_action(archive, community, moderator_user, author)
    ):
        age_archives()
        at = LATER.replace(minute=minute)
        with time_machine.travel(at, tick=False):
            assert act() is True
        action = ModerationAction.objects.first()
        assert (action.kind, action.actor, action.created_at) == (kind, actor, at)
        assert archive.chat.pk in changed_chats(), kind
    assert ModerationAction.objects.count() == 6
