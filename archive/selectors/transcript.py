"""Reads for a chat's transcript: a fixed number of queries, whatever the number of posts."""

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, Model, OuterRef, Prefetch, prefetch_related_objects
from django.db.models.base import ModelState

from archive.models import Account, Post, PostPlacement
from archive.transcript import Hosts, Transcript, build_transcript
from chats.models import Chat, ChatHost, Question
from members.models import User


def transcript_for_chat(*, chat: Chat) -> Transcript:
    """Four queries: placements with posts and authors, hosts, questions, earlier authors.

    The hosts and questions land in the chat's prefetch cache, so templates reading
    `chat.hosts.all` cost nothing more.
    """
    placements = chat_placements(chat=chat)
    prefetch_related_objects(
        [chat],
        Prefetch("hosts", queryset=ChatHost.objects.select_related("member")),
        Prefetch("questions", queryset=Question.objects.order_by("position")),
    )
    return build_transcript(
        chat=chat,
        placements=placements,
        hosts=Hosts.of(chat.hosts.all()),
        questions=list(chat.questions.all()),
        seen_before=authors_seen_before(chat=chat),
    )


# Every column but the two big ones no page reads (as `.defer("post__raw",
# "post__search_vector")` would): a deferred column read later costs a query per post.
_PLACEMENT_FIELDS = [f.attname for f in PostPlacement._meta.concrete_fields]
_POST_FIELDS = [
    f.attname for f in Post._meta.concrete_fields if f.attname not in ("raw", "search_vector")
]
_ACCOUNT_FIELDS = [f.attname for f in Account._meta.concrete_fields]
# A member shows only as the link on their posts (get_absolute_url). The other columns,
# the password hash among them, stay in the database: deferred, as `.only()` leaves them.
_MEMBER_FIELDS = ["id", "username"]


def chat_placements(*, chat: Chat) -> list[PostPlacement]:
    """The chat's placements in time order, hidden ones too, each with post, author, member.

    The instances `.select_related("post__author__member")` with the columns above would
    give, built from one `values_list` query by instance_from_db. Authors and members are
    shared instances.
    """
    columns = [
        *_PLACEMENT_FIELDS,
        *(f"post__{name}" for name in _POST_FIELDS),
        *(f"post__author__{name}" for name in _ACCOUNT_FIELDS),
        *(f"post__author__member__{name}" for name in _MEMBER_FIELDS),
    ]
    rows = (
        PostPlacement.objects.filter(chat=chat, community_id=chat.community_id)
        .order_by("created_at", "post_id")
        .values_list(*columns)
    )
    db = rows.db
    cuts = _cuts(_PLACEMENT_FIELDS, _POST_FIELDS, _ACCOUNT_FIELDS, _MEMBER_FIELDS)
    accounts: dict[int, Account] = {}
    members: dict[int, User] = {}
    placements = []
    for row in rows:
        placement_values, post_values, account_values, member_values = (
            row[start:end] for start, end in cuts
        )
        account = accounts.get(account_values[0])
        if account is None:
            member = None
            if member_values[0] is not None:
                member = members.get(member_values[0]) or instance_from_db(
                    User, _MEMBER_FIELDS, member_values, db
                )
                members[member.pk] = member
            account = instance_from_db(Account, _ACCOUNT_FIELDS, account_values, db, member=member)
            accounts[account.pk] = account
        post = instance_from_db(Post, _POST_FIELDS, post_values, db, author=account)
        placements.append(
            instance_from_db(PostPlacement, _PLACEMENT_FIELDS, placement_values, db, post=post)
        )
    return placements


def _cuts(*groups: list[str]) -> list[tuple[int, int]]:
    cuts, start = [], 0
    for group in groups:
        cuts.append((start, start + len(group)))
        start += len(group)
    return cuts


def instance_from_db[M: Model](
    model: type[M], attnames: Sequence[str], values: Sequence[Any], db: str, **related: Model | None
) -> M:
    """What `model.from_db(db, attnames, values)` returns, with `related` (by relation
    name) cached as select_related caches it; built without calling __init__.

    Model.__init__ and its pre_init/post_init signals cost three times as much: for the
    placement and post of each row, tens of milliseconds of every uncached 3,000-post
    transcript. This relies on Django internals, pinned by the test
    test_it_builds_instances_as_model_from_db_does (tests/archive/transcript/
    test_query_count.py), so that an upgrade that changes them fails there:
    - a concrete field's value is the instance __dict__ entry named by its Field.attname;
      a field with no entry is deferred (Model.get_deferred_fields; loaded on access by
      refresh_from_db);
    - `_state` is a django.db.models.base.ModelState on which from_db sets only `adding`
      (False) and `db`; its other attributes (fetch_mode, peers) keep their defaults;
    - select_related puts a related object, or None, in `_state.fields_cache` under the
      relation's name, where the forward descriptor looks before it queries;
    - nothing listens to pre_init or post_init for the models built here.
    """
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = db
    instance._state.fields_cache.update(related)
    return instance


def chat_has_participant(*, chat: Chat, handle: str) -> bool:
    """Whether `handle` has a visible post in the chat: checked before building anything."""
    return PostPlacement.objects.filter(
        chat=chat,
        community_id=chat.community_id,
        hidden=False,
        post__removed=False,
        post__author__handle__iexact=handle,
    ).exists()


def authors_seen_before(*, chat: Chat) -> set[int]:
    """Ids of this chat's authors with a post in the community before the chat's window."""
    earlier = PostPlacement.objects.filter(
        community_id=chat.community_id,
        created_at__lt=chat.window_start,
        post__author_id=OuterRef("pk"),
    )
    in_chat = PostPlacement.objects.filter(chat=chat).values("post__author_id")
    return set(
        Account.objects.filter(pk__in=in_chat).filter(Exists(earlier)).values_list("pk", flat=True)
    )
