"""Reads for a chat's transcript: a fixed number of queries, whatever the number of posts."""

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
_MEMBER_FIELDS = [f.attname for f in User._meta.concrete_fields]


def chat_placements(*, chat: Chat) -> list[PostPlacement]:
    """The chat's placements in time order, hidden ones too, each with post, author, member.

    The same instances `.select_related("post__author__member")` would give, built from
    one `values_list` query: Django's per-instance __init__ and signals cost ~30 µs a row,
    a third of a 3,000-post transcript's budget. Authors and members are shared instances.
    """
    columns = [
        *_PLACEMENT_FIELDS,
        *(f"post__{name}" for name in _POST_FIELDS),
        *(f"post__author__{name}" for name in _ACCOUNT_FIELDS),
        *(f"post__author__member__{name}" for name in _MEMBER_FIELDS),
    ]
    rows = (
        PostPlacement.objects.filter(chat=chat)
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
                member = members.get(member_values[0]) or _loaded(
                    User, _MEMBER_FIELDS, member_values, db
                )
                members[member.pk] = member
            account = _loaded(Account, _ACCOUNT_FIELDS, account_values, db, member=member)
            accounts[account.pk] = account
        post = _loaded(Post, _POST_FIELDS, post_values, db, author=account)
        placements.append(
            _loaded(PostPlacement, _PLACEMENT_FIELDS, placement_values, db, post=post)
        )
    return placements


def _cuts(*groups: list[str]) -> list[tuple[int, int]]:
    cuts, start = [], 0
    for group in groups:
        cuts.append((start, start + len(group)))
        start += len(group)
    return cuts


def _loaded[M: Model](
    model: type[M], names: list[str], values: tuple, db: str, **related: Model | None
) -> M:
    # What Model.from_db leaves behind, without __init__: attribute values, a saved state,
    # and the related objects where select_related would have cached them.
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = db
    instance._state.fields_cache.update(related)
    return instance


def chat_has_participant(*, chat: Chat, handle: str) -> bool:
    """Whether `handle` has a visible post in the chat: checked before building anything."""
    return PostPlacement.objects.filter(
        chat=chat, hidden=False, post__removed=False, post__author__handle__iexact=handle
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
