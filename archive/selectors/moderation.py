"""Reads of the moderation pages: every query set is fixed in number, whatever the size."""

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Lower

from archive.models import Account, AccountExclusion, ModerationAction, Post, PostPlacement
from chats.models import Chat
from community.models import Community
from members.models import User

CHAT_PAGE_SIZE = 200
LOG_PAGE_SIZE = 50
MY_POSTS_PAGE_SIZE = 50
RECENT_CHATS = 20


def _excluded_author(community_id: int) -> Exists:
    return Exists(
        AccountExclusion.objects.filter(
            community_id=community_id, account_id=OuterRef("post__author_id")
        )
    )


def chat_placements(
    *, chat: Chat, page: int | str | None = 1, author: str = "", text: str = ""
) -> Page:
    """A chat's posts for its moderators, hidden and removed ones included, in time order;
    only `author`'s (a handle) and those containing `text` when given.

    Each placement carries `author_excluded`. Two queries: the count and the page.
    """
    placements = PostPlacement.objects.filter(chat=chat, community_id=chat.community_id)
    if author:
        placements = placements.filter(post__author__handle__iexact=author.lstrip("@"))
    if text:
        placements = placements.filter(post__text__icontains=text)
    placements = (
        placements.select_related("post__author")
        .defer("post__raw", "post__search_vector")
        .annotate(author_excluded=_excluded_author(chat.community_id))
        .order_by("created_at", "post_id")
    )
    return Paginator(placements, CHAT_PAGE_SIZE).get_page(page)


def moderation_log(*, community: Community, page: int | str | None = 1) -> Page:
    """The community's moderation actions, newest first, with authors' own removals of
    posts in its archive (those apply to every community and are logged without one)."""
    in_community = PostPlacement.objects.filter(post=OuterRef("post_id"), community=community)
    actions = (
        ModerationAction.objects.filter(
            Q(community=community) | Q(Exists(in_community), community__isnull=True)
        )
        .select_related("actor", "post__author", "account")
        .defer("post__raw", "post__search_vector")
        .annotate(chat_id=Subquery(in_community.values("chat_id")[:1]))
        .order_by("-created_at", "-pk")
    )
    return Paginator(actions, LOG_PAGE_SIZE).get_page(page)


def exclusions(*, community: Community) -> list[AccountExclusion]:
    return list(
        AccountExclusion.objects.filter(community=community)
        .select_related("account", "created_by")
        .order_by("-created_at", "-pk")
    )


def recent_chats(*, community: Community, now: datetime) -> list[Chat]:
    """The chats that have begun, newest first, with their post and hidden-post counts."""
    return list(
        Chat.objects.filter(community=community, start_at__lte=now)
        .annotate(
            posts=Count("placements"),
            hidden=Count("placements", filter=Q(placements__hidden=True)),
        )
        .order_by("-start_at")[:RECENT_CHATS]
    )


def member_posts(*, member: User, page: int | str | None = 1) -> Page:
    """The member's archived posts (through their linked accounts), newest first, with
    where each is placed. Versions an edit replaced are left out: the edit is there."""
    placements = PostPlacement.objects.select_related("community", "chat__community").order_by(
        "created_at"
    )
    posts: QuerySet[Post] = (
        Post.objects.filter(author__member=member)
        .exclude(removed_reason=Post.REMOVED_EDITED)
        .select_related("author")
        .defer("raw", "search_vector")
        .prefetch_related(Prefetch("placements", queryset=placements))
        .order_by("-created_at", "-pk")
    )
    return Paginator(posts, MY_POSTS_PAGE_SIZE).get_page(page)


def chat_authors(*, chat: Chat) -> list[Account]:
    """The accounts that posted in the chat, with their post count and `excluded` flag."""
    excluded = AccountExclusion.objects.filter(
        community_id=chat.community_id, account_id=OuterRef("pk")
    )
    return list(
        Account.objects.filter(
            posts__placements__chat=chat,
            posts__placements__community_id=chat.community_id,
        )
        .annotate(chat_posts=Count("posts"), excluded=Exists(excluded))
        .order_by(Lower("handle"), "pk")
    )


def stream_placements(*, community: Community, page: int | str | None = 1) -> Page:
    """The community's between-chat posts for its moderators, hidden ones included,
    newest first (its (community, created_at) index serves the order)."""
    placements = (
        PostPlacement.objects.filter(community=community, chat__isnull=True)
        .select_related("post__author")
        .defer("post__raw", "post__search_vector")
        .annotate(author_excluded=_excluded_author(community.pk))
        .order_by("-created_at", "-post_id")
    )
    return Paginator(placements, CHAT_PAGE_SIZE).get_page(page)
