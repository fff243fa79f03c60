"""The ingest service: normalised posts in, archive rows out, one transaction per page.

Knows the models and nothing of any network: sources hand it NormalisedPost
values. Everything is an upsert keyed by (network, external_id), so a page
stored twice (a retried task, two workers, a replayed archive file) changes
nothing but refreshed metrics.
"""

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.db.models import F, Field, Model, Sum
from django.db.models.functions import Lower
from django.utils import timezone
from psycopg2.extras import execute_values

from archive.models import (
    Account,
    AccountExclusion,
    HiddenReason,
    Network,
    Post,
    PostPlacement,
    ReadUsage,
    SyncCursor,
)
from archive.services.accounts import accounts_claim
from archive.services.usage import reads_bill
from archive.sources.base import (
    NormalisedAccount,
    NormalisedPost,
    Page,
    PullQuery,
    SkippedItem,
    Source,
    SourceError,
)
from chats.models import Chat
from community.models import Community
from members.models import User

logger = logging.getLogger(__name__)

POST_REFRESH_FIELDS = [
    "author",
    "text",
    "html",
    "conversation_id",
    "reply_to_id",
    "quoted_id",
    "language",
    "like_count",
    "reply_count",
    "repost_count",
    "quote_count",
    "media",
    "links",
    "hashtags",
    "raw",
    "url",
]
# A cursor with no gap left by a stopped pull (see SyncCursor.resume_until_id).
NO_GAP = {
    "resume_since_id": "",
    "resume_start_time": None,
    "resume_until_id": "",
    "resume_newest_id": "",
}


@dataclass
class StoreResult:
    new: int = 0
    refreshed: int = 0
    placements: int = 0
    # Posts the database could not take, each with why (see posts_store).
    skipped: list[SkippedItem] = field(default_factory=list)


@dataclass
class PullResult:
    pages: int = 0
    posts_read: int = 0
    new: int = 0
    refreshed: int = 0
    skipped: int = 0
    complete: bool = False
    stopped_reason: str = ""
    skipped_reasons: list[str] = field(default_factory=list)


# --- What the database accepts -------------------------------------------------


def _max_length(model: type[Model], name: str) -> int:
    column = model._meta.get_field(name)
    assert isinstance(column, Field)
    assert column.max_length is not None, f"{model.__name__}.{name} has no max_length"
    return column.max_length


# The columns' limits, read from the models: each lives in one place. Sources know nothing
# of them (nor of Django); posts_store fits every post to them on its way in, so that a
# new source, an archive file or a demo recording is held to them alike.
_NETWORK_MAX = min(_max_length(Post, "network"), _max_length(Account, "network"))
_POST_ID_MAX = _max_length(Post, "external_id")
_ACCOUNT_ID_MAX = _max_length(Account, "external_id")
_REFERENCE_FIELDS = ("conversation_id", "reply_to_id", "quoted_id")
_REFERENCE_MAX = min(_max_length(Post, name) for name in _REFERENCE_FIELDS)
_LANGUAGE_MAX = _max_length(Post, "language")
_HANDLE_MAX = _max_length(Account, "handle")
_NAME_MAX = _max_length(Account, "display_name")
_AVATAR_MAX = _max_length(Account, "avatar_url")
_COUNT_MIN, _COUNT_MAX = connection.ops.integer_field_range(
    Post._meta.get_field("like_count").get_internal_type()
)


def _fit(post: NormalisedPost) -> NormalisedPost | SkippedItem:
    """The post as its columns will take it, or why it cannot be stored.

    What only shows (a language, a count, a name, an avatar) is blanked or clipped; a post
    whose own or author's id does not fit is skipped: its identity would be wrong."""
    refusal = _refusal(post)
    if refusal:
        logger.warning("Skipped %s post %s: %s", post.network, post.external_id, refusal)
        return SkippedItem(post.external_id or None, refusal)
    changes: dict[str, Any] = {}
    notes: list[str] = []
    if len(post.language) > _LANGUAGE_MAX:
        changes["language"] = ""
        notes.append(f"language {post.language[:40]!r} is over {_LANGUAGE_MAX} characters")
    for name in _REFERENCE_FIELDS:
        value = getattr(post, name)
        if value is not None and len(value) > _REFERENCE_MAX:
            changes[name] = None
            notes.append(f"{name} is over {_REFERENCE_MAX} characters")
    if not all(
        type(count) is int and _COUNT_MIN <= count <= _COUNT_MAX for count in post.metrics.values()
    ):
        changes["metrics"] = {name: _fitted_count(value) for name, value in post.metrics.items()}
        notes.append(f"metrics {post.metrics} out of range")
    for name in ("text", "html"):
        if "\x00" in getattr(post, name):
            changes[name] = getattr(post, name).replace("\x00", "\ufffd")
    author = _fit_account(post.author, notes)
    if author is not post.author:
        changes["author"] = author
    if not changes:
        return post
    if notes:
        logger.info(
            "Stored %s post %s adjusted: %s", post.network, post.external_id, "; ".join(notes)
        )
    return replace(post, **changes)


def _refusal(post: NormalisedPost) -> str:
    if not post.network or len(post.network) > _NETWORK_MAX:
        return f"network {post.network[:40]!r} is not one the archive stores"
    if not post.external_id or len(post.external_id) > _POST_ID_MAX:
        return f"its id is empty or over {_POST_ID_MAX} characters"
    author = post.author
    if author.network != post.network:
        return f"its author is on {author.network[:40]!r}, not {post.network!r}"
    if not author.external_id or len(author.external_id) > _ACCOUNT_ID_MAX:
        return f"its author's id is empty or over {_ACCOUNT_ID_MAX} characters"
    if post.created_at.tzinfo is None:
        return "created_at has no time zone"
    return ""


def _fitted_count(value: object) -> int:
    if type(value) is not int:
        return 0
    return min(max(value, _COUNT_MIN), _COUNT_MAX)


def _fit_account(account: NormalisedAccount, notes: list[str]) -> NormalisedAccount:
    changes: dict[str, str] = {}
    if len(account.handle) > _HANDLE_MAX or "\x00" in account.handle:
        # A handle cut short would link to someone else: known by its id instead.
        changes["handle"] = ""
        notes.append(f"author handle {account.handle[:40]!r}… is over {_HANDLE_MAX} characters")
    if len(account.display_name) > _NAME_MAX or "\x00" in account.display_name:
        name = account.display_name.replace("\x00", "\ufffd")
        changes["display_name"] = name if len(name) <= _NAME_MAX else name[: _NAME_MAX - 1] + "…"
        notes.append(f"author name clipped to {_NAME_MAX} characters")
    if len(account.avatar_url) > _AVATAR_MAX:
        changes["avatar_url"] = ""
        notes.append(f"author avatar URL is over {_AVATAR_MAX} characters")
    return replace(account, **changes) if changes else account


# --- Storing ------------------------------------------------------------------


def _upsert_accounts(accounts: Iterable[NormalisedAccount]) -> dict[tuple[str, str], int]:
    unique: dict[tuple[str, str], NormalisedAccount] = {}
    for account in accounts:
        key = (account.network, account.external_id)
        # What one page said of an account beats another page's silence about it.
        if account.known or key not in unique:
            unique[key] = account
    unique = dict(sorted(unique.items()))
    # An X account belongs to the member who logged in with it.
    x_ids = [external_id for network, external_id in unique if network == Network.X]
    linked = dict(User.objects.filter(x_user_id__in=x_ids).values_list("x_user_id", "pk"))
    wanted = {
        (network, external_id): (
            a.handle,
            a.display_name,
            a.avatar_url,
            linked.get(external_id) if network == Network.X else None,
        )
        for (network, external_id), a in unique.items()
    }
    unknown = {key for key, account in unique.items() if not account.known}
    # Chat regulars post again and again: rewriting their unchanged rows was a fifth of
    # the store's time in benchmarks/ingest.py. Only new or changed accounts are written.
    ids, filled_in = _stored_accounts(wanted, unknown=unknown)
    rows = [
        Account(
            network=network,
            external_id=external_id,
            handle=handle,
            display_name=display_name,
            avatar_url=avatar_url,
            member_id=member_id,
        )
        for (network, external_id), (handle, display_name, avatar_url, member_id) in wanted.items()
        if (network, external_id) not in ids
    ]
    described = [row for row in rows if row.handle]
    if described:
        Account.objects.bulk_create(
            described,
            update_conflicts=True,
            unique_fields=["network", "external_id"],
            update_fields=["handle", "display_name", "avatar_url", "member", "updated_at"],
        )
    undescribed = [row for row in rows if not row.handle]
    if undescribed:
        # New here, but perhaps described by a concurrent pull meanwhile: a conflict
        # touches nothing that pull wrote.
        Account.objects.bulk_create(
            undescribed,
            update_conflicts=True,
            unique_fields=["network", "external_id"],
            update_fields=["updated_at"],
        )
    if filled_in:
        # Transcripts cached with "unknown account" show the handle from now on.
        Chat.objects.filter(
            pk__in=PostPlacement.objects.filter(
                post__author_id__in=filled_in, chat__isnull=False
            ).values("chat_id")
        ).mark_archive_changed()
    # Both backends (PostgreSQL; SQLite, 3.37+ under Django 6) return an upsert's ids.
    return ids | {(row.network, row.external_id): row.pk for row in rows}


def _stored_accounts(
    wanted: dict[tuple[str, str], tuple[str, str, str, int | None]],
    *,
    unknown: set[tuple[str, str]],
) -> tuple[dict[tuple[str, str], int], list[int]]:
    """Ids of the accounts that need no write: stored exactly as `wanted` (handle, display
    name, avatar URL, member id by network and external id) would write them, or stored
    at all where the page did not describe them (`unknown`); and the ids of the accounts
    stored as unknown that this page describes."""
    stored = Account.objects.filter(
        network__in={key[0] for key in wanted}, external_id__in=[key[1] for key in wanted]
    ).values_list(
        "pk", "network", "external_id", "handle", "display_name", "avatar_url", "member_id"
    )
    ids: dict[tuple[str, str], int] = {}
    filled_in: list[int] = []
    for pk, network, external_id, *state in stored:
        key = (network, external_id)
        if key in unknown or wanted.get(key) == tuple(state):
            ids[key] = pk
        elif key in wanted and not state[0]:
            filled_in.append(pk)
    return ids, filled_in


def _post_row(post: NormalisedPost, author_id: int) -> Post:
    metrics = post.metrics
    return Post(
        network=post.network,
        external_id=post.external_id,
        author_id=author_id,
        text=post.text,
        html=post.html,
        created_at=post.created_at,
        conversation_id=post.conversation_id or "",
        reply_to_id=post.reply_to_id or "",
        quoted_id=post.quoted_id or "",
        language=post.language or "",
        like_count=metrics.get("likes", 0),
        reply_count=metrics.get("replies", 0),
        repost_count=metrics.get("reposts", 0),
        quote_count=metrics.get("quotes", 0),
        media=list(post.media),
        links=list(post.links),
        hashtags=list(post.hashtags),
        raw=post.raw,
        url=post.url,
    )


def _placements(posts: Sequence[Post]) -> list[PostPlacement]:
    """Each post to the chats whose window and hashtags it meets, else to the stream."""
    tags = {tag for post in posts for tag in post.hashtags}
    if not tags:
        return []
    earliest = min(post.created_at for post in posts)
    latest = max(post.created_at for post in posts)
    margin = settings.CHAT_MAX_WINDOW
    chats = list(
        Chat.objects.not_cancelled()
        .filter(start_at__lte=latest + margin, end_at__gte=earliest - margin)
        .only(
            "pk",
            "community_id",
            "hashtag",
            "extra_hashtags",
            "cohost_hashtags",
            "start_at",
            "end_at",
            "pre_window",
            "post_window",
        )
    )
    communities = dict(
        Community.objects.annotate(tag=Lower("hashtag"))
        .filter(tag__in=tags)
        .values_list("tag", "pk")
    )
    chat_tags = [(chat, {tag.lower() for tag in chat.hashtags}) for chat in chats]
    rows = []
    for post in posts:
        post_tags = set(post.hashtags)
        placed: dict[int, int | None] = {}
        for chat, tags_of_chat in chat_tags:
            in_window = chat.window_start <= post.created_at < chat.window_end
            if in_window and post_tags & tags_of_chat:
                placed.setdefault(chat.community_id, chat.pk)
                # A joint chat's co-host keeps the posts carrying its hashtag in its own
                # archive, placed in the chat: not between-chat posts of its stream.
                for tag in chat.cohost_hashtags:
                    if tag.lower() in post_tags and tag.lower() in communities:
                        placed.setdefault(communities[tag.lower()], chat.pk)
        for tag in post_tags:
            if tag in communities:
                placed.setdefault(communities[tag], None)
        rows += [
            PostPlacement(
                post_id=post.pk,
                community_id=community_id,
                chat_id=chat_id,
                created_at=post.created_at,
            )
            for community_id, chat_id in placed.items()
        ]
    _hide_excluded(rows, authors={post.pk: post.author_id for post in posts})
    return rows


def _hide_excluded(rows: Sequence[PostPlacement], *, authors: dict[int, int]) -> None:
    """Place posts of accounts a community excluded hidden there: exclusion covers the future."""
    if not rows:
        return
    excluded = set(
        AccountExclusion.objects.filter(
            community_id__in={row.community_id for row in rows},
            account_id__in=set(authors.values()),
        ).values_list("community_id", "account_id")
    )
    for row in rows:
        if (row.community_id, authors[row.post_id]) in excluded:
            row.hidden, row.hidden_reason = True, HiddenReason.EXCLUDED


def posts_store(*, posts: Sequence[NormalisedPost]) -> StoreResult:
    """Upsert accounts and posts and place them; call inside the page's transaction.

    Each post is first fitted to what the columns accept (`_fit`). Should the database
    still refuse the page, its posts are stored one by one and only those it refuses are
    skipped: one bad value never costs the rest of its page.
    """
    fitted: list[NormalisedPost] = []
    skipped: list[SkippedItem] = []
    for post in posts:
        item = _fit(post)
        if isinstance(item, SkippedItem):
            skipped.append(item)
        else:
            fitted.append(item)
    try:
        with transaction.atomic():
            result = _store_fitted(fitted)
    except (DataError, IntegrityError) as error:
        logger.warning("The database refused a page (%s); storing its posts one by one", error)
        result = StoreResult()
        for post in fitted:
            try:
                with transaction.atomic():
                    one = _store_fitted([post])
            except (DataError, IntegrityError) as refusal:
                reason = f"the database refused it: {str(refusal).strip().splitlines()[0]}"
                logger.warning("Skipped %s post %s: %s", post.network, post.external_id, reason)
                skipped.append(SkippedItem(post.external_id, reason))
            else:
                result.new += one.new
                result.refreshed += one.refreshed
                result.placements += one.placements
    result.skipped = skipped
    return result


def _store_fitted(posts: Sequence[NormalisedPost]) -> StoreResult:
    if not posts:
        return StoreResult()
    # Rows are locked in key order, so overlapping pulls of two queries (a chat with extra
    # hashtags and its community's sweep) wait for each other instead of deadlocking.
    posts = [p for _, p in sorted({(p.network, p.external_id): p for p in posts}.items())]
    authors = _upsert_accounts(post.author for post in posts)
    accounts_claim(accounts=[post.author for post in posts])
    rows = [_post_row(p, authors[(p.author.network, p.author.external_id)]) for p in posts]
    if connection.vendor == "postgresql":
        new = _upsert_posts_postgresql(rows)
    else:
        new = _upsert_posts_orm(rows)
    placements = _placements(rows)
    PostPlacement.objects.bulk_create(placements, ignore_conflicts=True)
    _retire_edited(posts)
    _mark_archives_changed(placements)
    return StoreResult(new=new, refreshed=len(posts) - new, placements=len(placements))


def _mark_archives_changed(placements: Sequence[PostPlacement]) -> None:
    # New posts and refreshed metrics both change what a transcript shows.
    chat_ids = {p.chat_id for p in placements if p.chat_id is not None}
    if chat_ids:
        Chat.objects.filter(pk__in=chat_ids).mark_archive_changed()


def _upsert_posts_orm(rows: Sequence[Post]) -> int:
    """Upsert the rows, set their pks (RETURNING, through bulk_create), return how many were new."""
    # The network too: without it the unique index (network, external_id) cannot serve
    # the look-up and every page scans the whole table (benchmarks/ingest.py found it).
    networks = {r.network for r in rows}
    known = set(
        Post.objects.filter(
            network__in=networks, external_id__in=[r.external_id for r in rows]
        ).values_list("network", "external_id")
    )
    Post.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["network", "external_id"],
        update_fields=[*POST_REFRESH_FIELDS, "updated_at"],
    )
    return sum(1 for r in rows if (r.network, r.external_id) not in known)


# Refreshes POST_REFRESH_FIELDS and updated_at, as the ORM path does; first_seen_at and
# `removed` keep what the first insert (or a moderator) wrote.
_POST_UPSERT_SQL = """
    INSERT INTO chats_post (
        network, external_id, author_id, text, html, created_at, conversation_id,
        reply_to_id, quoted_id, language, like_count, reply_count, repost_count, quote_count,
        media, links, hashtags, raw, url, removed, removed_reason, first_seen_at, updated_at
    ) VALUES %s
    ON CONFLICT (network, external_id) DO UPDATE SET
        author_id = EXCLUDED.author_id, text = EXCLUDED.text, html = EXCLUDED.html,
        conversation_id = EXCLUDED.conversation_id, reply_to_id = EXCLUDED.reply_to_id,
        quoted_id = EXCLUDED.quoted_id, language = EXCLUDED.language,
        like_count = EXCLUDED.like_count, reply_count = EXCLUDED.reply_count,
        repost_count = EXCLUDED.repost_count, quote_count = EXCLUDED.quote_count,
        media = EXCLUDED.media, links = EXCLUDED.links, hashtags = EXCLUDED.hashtags,
        raw = EXCLUDED.raw, url = EXCLUDED.url,
        updated_at = EXCLUDED.updated_at
    RETURNING id, network, external_id, (xmax = 0) AS inserted
"""
_POST_UPSERT_ROW = "(" + ", ".join(["%s"] * 14 + ["%s::jsonb"] * 4 + ["%s"] * 5) + ")"


def _upsert_posts_postgresql(rows: Sequence[Post]) -> int:
    """The ORM path's effect in one statement: upsert, set the pks, return how many were new.

    Raw SQL because the ORM path was over half of the store's time in benchmarks/ingest.py:
    a separate "already stored?" query (here xmax = 0 tells a fresh insert from an update)
    and Django preparing 21 values per row through the fields.
    """
    now = timezone.now()
    values = [_post_values(r, now) for r in rows]
    # The raw psycopg2 cursor raises psycopg2's errors: posts_store needs Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        returned = execute_values(
            cursor.cursor,
            _POST_UPSERT_SQL,
            values,
            template=_POST_UPSERT_ROW,
            page_size=len(values),
            fetch=True,
        )
    ids = {(network, external_id): pk for pk, network, external_id, _ in returned}
    for r in rows:
        r.pk = ids[(r.network, r.external_id)]
    return sum(1 for *_, inserted in returned if inserted)


def _post_values(r: Post, now: datetime) -> tuple:
    return (
        r.network,
        r.external_id,
        r.author_id,
        r.text,
        r.html,
        r.created_at,
        r.conversation_id,
        r.reply_to_id,
        r.quoted_id,
        r.language,
        r.like_count,
        r.reply_count,
        r.repost_count,
        r.quote_count,
        json.dumps(r.media),
        json.dumps(r.links),
        json.dumps(r.hashtags),
        json.dumps(r.raw),
        r.url,
        r.removed,
        r.removed_reason,
        now,
        now,
    )


def _retire_edited(posts: Sequence[NormalisedPost]) -> None:
    """Hide versions that an edit replaced: the transcript shows the final text once."""
    for network in {p.network for p in posts if p.replaces}:
        replaced = {old for p in posts if p.network == network for old in p.replaces}
        Post.objects.filter(network=network, external_id__in=replaced, removed=False).update(
            removed=True, removed_reason=Post.REMOVED_EDITED
        )


# --- Cursors, usage and budget --------------------------------------------------


def query_key(hashtags: Iterable[str]) -> str:
    """One canonical form per set of hashtags, so equal queries share one cursor."""
    return " OR ".join(sorted({f"#{tag.lower().lstrip('#')}" for tag in hashtags}))


def cursor_for(
    *, network: str, community: Community, hashtags: Iterable[str], server: str = ""
) -> SyncCursor:
    # get_or_create reads the row another worker created first (IntegrityError) itself.
    return SyncCursor.objects.get_or_create(
        network=network,
        server=server,
        query=query_key(hashtags),
        defaults={"community": community},
    )[0]


def daily_cap(community: Community) -> int:
    return community.daily_read_cap or settings.ARCHIVE_DAILY_READ_CAP


def reads_today(*, community: Community, now: datetime) -> int:
    """Posts read from X today: the daily budget is X's (it bills reads); Mastodon's
    and Bluesky's reads are free, counted on their cursors and usage rows only."""
    today = ReadUsage.objects.filter(community=community, day=now.date(), cursor__network=Network.X)
    total = today.aggregate(total=Sum("posts_read"))["total"]
    return total or 0


def _next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def _record_usage(
    *, cursor: SyncCursor, chat: Chat | None, now: datetime, reads: int, billed: int
) -> None:
    lookup = {"cursor": cursor, "day": now.date(), "chat": chat}
    added = {
        "posts_read": F("posts_read") + reads,
        "posts_billed": F("posts_billed") + billed,
        "requests": F("requests") + 1,
    }
    updated = ReadUsage.objects.filter(**lookup).update(**added)
    if not updated:
        try:
            with transaction.atomic():
                ReadUsage.objects.create(
                    **lookup,
                    community_id=cursor.community_id,
                    posts_read=reads,
                    posts_billed=billed,
                    requests=1,
                )
        except IntegrityError:  # created meanwhile by a concurrent pull
            ReadUsage.objects.filter(**lookup).update(**added)


# --- One pull -------------------------------------------------------------------


def _advance(
    *,
    cursor: SyncCursor,
    newest_id: str | None,
    now: datetime,
    since_id: str | None,
    followers: Sequence[SyncCursor],
) -> None:
    """Mark the pull complete; call in the transaction of its last page."""
    changes = {"last_success_at": now, "last_error": "", "consecutive_errors": 0, **NO_GAP}
    if newest_id:
        changes["newest_id"] = newest_id
    SyncCursor.objects.filter(pk=cursor.pk).update(**changes)
    if newest_id and since_id:
        # A follower is a query whose hashtags this one includes. Where it stood exactly
        # where this pull began, this pull read everything it would have (a gap a stopped
        # pull of its own left included): it moves too, so its next sweep does not read
        # those posts again.
        SyncCursor.objects.filter(pk__in=[f.pk for f in followers], newest_id=since_id).update(
            newest_id=newest_id, last_success_at=now, **NO_GAP
        )


def _keep_gap(
    *, cursor: SyncCursor, query: PullQuery, newest_id: str | None, oldest_id: str | None
) -> None:
    """Remember what the pull has still to read, should it stop after this page; call in
    the page's transaction.

    Its pages are stored down to `oldest_id`: the next pull asks only for what is older
    (and newer than this pull's since_id or start time), so no post is read twice.
    """
    if not (newest_id and oldest_id):
        return  # nothing stored yet: the next pull simply starts over
    SyncCursor.objects.filter(pk=cursor.pk).update(
        resume_since_id=query.since_id or "",
        resume_start_time=query.start_time,
        resume_until_id=oldest_id,
        resume_newest_id=newest_id,
    )


def _store_page(*, cursor: SyncCursor, chat: Chat | None, page: Page, now: datetime) -> StoreResult:
    """One page: posts, usage and cursor counters, in the caller's transaction."""
    reads = page.reads
    stored = posts_store(posts=page.posts)
    billed = reads_bill(network=cursor.network, day=now.date(), page=page) if _billed(cursor) else 0
    _record_usage(cursor=cursor, chat=chat, now=now, reads=reads, billed=billed)
    SyncCursor.objects.filter(pk=cursor.pk).update(
        requests_total=F("requests_total") + 1,
        reads_total=F("reads_total") + reads,
        malformed_count=F("malformed_count") + len(page.skipped) + len(stored.skipped),
        last_attempt_at=now,
    )
    return stored


def _record_failure(*, cursor: SyncCursor, error: str, now: datetime) -> None:
    """Put a failed pull on its cursor, where the archive-health page shows it."""
    try:
        SyncCursor.objects.filter(pk=cursor.pk).update(
            last_error=error[:2000],
            last_error_at=now,
            last_attempt_at=now,
            consecutive_errors=F("consecutive_errors") + 1,
        )
    except DatabaseError:
        # The database may be what failed (a restart): then the log is all there is.
        logger.exception("Could not record on %s that its pull failed: %s", cursor, error)


def pull_run(
    *,
    cursor: SyncCursor,
    source: Source,
    query: PullQuery,
    chat: Chat | None = None,
    followers: Sequence[SyncCursor] = (),
    now: datetime | None = None,
) -> PullResult:
    """Fetch every page of the query and store it page by page within the read budget.

    Each page commits with its usage. The cursor moves only in the transaction of the
    page the source says is the last, once every page down to the old since_id is
    stored. Every other page records the gap below it in its own transaction: whatever
    cuts the pull short (the budget, a 429, a 503, a page without meta, a killed worker,
    a database restart), the next pull reads only that gap (query.until_id), and
    completing it moves the cursor to the newest id the cut-short pull saw.

    A failure the source did not classify (a SourceError is its caller's to record) is
    recorded on the cursor, then raised.
    """
    now = now or timezone.now()
    pull = partial(_pull_pages, cursor=cursor, source=source, query=query, now=now)
    try:
        return pull(chat=chat, followers=followers)
    except SourceError:
        raise
    except Exception as error:
        message = f"The pull failed unexpectedly: {type(error).__name__}: {error}"
        _record_failure(cursor=cursor, error=message, now=now)
        raise


def _pull_pages(
    *,
    cursor: SyncCursor,
    source: Source,
    query: PullQuery,
    chat: Chat | None,
    followers: Sequence[SyncCursor],
    now: datetime,
) -> PullResult:
    result = PullResult()
    community = cursor.community
    cap, budgeted = daily_cap(community), _billed(cursor)
    if budgeted and reads_today(community=community, now=now) >= cap:
        return _pause_for_budget(cursor, cap, now, result)
    # Filling a gap: the posts above it were stored by the pull that left it.
    newest_id = cursor.resume_newest_id if query.until_id else None
    oldest_id = query.until_id
    advance = partial(
        _advance, cursor=cursor, now=now, since_id=query.since_id, followers=followers
    )
    # Each step of the generator is one request: the budget is checked between them.
    for page in source.fetch_pages(query):
        newest_id = newest_id or page.newest_id
        oldest_id = page.oldest_id or oldest_id
        with transaction.atomic():
            _count(result, page, _store_page(cursor=cursor, chat=chat, page=page, now=now))
            if page.last:
                advance(newest_id=newest_id)
                result.complete = True
                return result
            # With every page, not in an exception handler: a worker killed between two
            # pages runs no handler, and still leaves no stored page uncovered.
            _keep_gap(cursor=cursor, query=query, newest_id=newest_id, oldest_id=oldest_id)
            if budgeted and reads_today(community=community, now=now) >= cap:
                return _pause_for_budget(cursor, cap, now, result)
    if result.pages == 0:
        # Nothing to ask for: the window holds nothing the network still serves.
        with transaction.atomic():
            advance(newest_id=newest_id)
        result.complete = True
        return result
    reason = (
        "The pull stopped before the network's last page; the next one reads what lies "
        "below the posts it stored."
    )
    _record_failure(cursor=cursor, error=reason, now=now)
    result.stopped_reason = reason
    return result


def _billed(cursor: SyncCursor) -> bool:
    """Whether the network bills reads (X only): then the daily budget and cost meter apply."""
    return cursor.network == Network.X


def _count(result: PullResult, page: Page, stored: StoreResult) -> None:
    result.pages += 1
    result.posts_read += page.reads
    result.new += stored.new
    result.refreshed += stored.refreshed
    skipped = [*page.skipped, *stored.skipped]
    result.skipped += len(skipped)
    result.skipped_reasons += [f"{s.external_id}: {s.reason}" for s in skipped]


def _pause_for_budget(
    cursor: SyncCursor, cap: int, now: datetime, result: PullResult
) -> PullResult:
    resume = _next_utc_midnight(now)
    reason = f"Daily read budget of {cap} posts reached; pulls resume at 00:00 UTC."
    SyncCursor.objects.filter(pk=cursor.pk).update(
        next_allowed_at=resume, last_error=reason, last_error_at=now, last_attempt_at=now
    )
    result.stopped_reason = reason
    return result
