"""The demo's connections between communities: posts carrying two communities' hashtags
and a chat held jointly by #KMers and #PKMchat (a #chatmixer), one that ended with its
transcript and one to come on both schedules. Stored through the same normalise-and-store
path as live pulls; works on SQLite."""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from archive.services.connections import connections_refresh
from archive.services.ingest import posts_store
from archive.sources.x import normalise_x_page
from archive.sources.x_objects import (
    entities,
    escape_x_text,
    search_page,
    snowflake,
    user_id,
    x_time,
)
from chats.models import Chat, ChatCohost
from chats.services import joint
from chats.services.schedule import chat_create
from community.models import Community, Membership
from demo.chat import PARTICIPANTS
from members.models import User

MIXER = "Chatmixer: knowledge for personal and team use"
NEXT_MIXER = "Chatmixer: learning in the flow of work"
SAYINGS = (
    "Sharing this with both crowds: notes beat memory every time",
    "Sensemaking is the bridge between personal and team knowledge",
    "We tried a weekly learning log; the team actually reads it",
    "What is the smallest useful habit for capturing what you learn?",
    "Seek, sense, share: the three words I keep coming back to",
    "Our wiki got better once we let it be messy first",
)


def _user(handle: str, name: str) -> dict[str, Any]:
    return {"id": user_id(handle), "name": name, "username": handle, "verified": False}


def _store(posts: Sequence[tuple[dict[str, Any], datetime, str]]) -> None:
    tweets, users = [], {}
    for author, at, text in posts:
        tweet_id = snowflake(at)
        raw = escape_x_text(text)
        tweets.append({
            "id": tweet_id, "text": raw, "edit_history_tweet_ids": [tweet_id],
            "created_at": x_time(at), "author_id": author["id"], "conversation_id": tweet_id,
            "lang": "en", "entities": entities(raw),
            "public_metrics": {"like_count": 2, "reply_count": 0, "retweet_count": 0,
                               "quote_count": 0, "impression_count": 40},
        })  # fmt: skip
        users[author["id"]] = author
    tweets.sort(key=lambda t: int(t["id"]), reverse=True)
    with transaction.atomic():
        posts_store(posts=normalise_x_page(search_page(tweets, users=users.values())).posts)


def _organiser(community: Community) -> User:
    organisers = Membership.objects.filter(community=community, role=Membership.Role.ORGANISER)
    return organisers.select_related("member").order_by("pk")[0].member


def _joint_chat(
    *, host: Community, guest: Community, title: str, start: datetime, now: datetime
) -> Chat:
    chat = Chat.objects.filter(community=host, title=title).first()
    if chat is None:
        chat = chat_create(
            community=host, title=title, start_at=start, end_at=start + timedelta(hours=1),
            description="One chat, two communities: answer with both hashtags.",
            now=min(now, start) - timedelta(days=1),
        )  # fmt: skip
    if not ChatCohost.objects.filter(chat=chat, community=guest).exists():
        asked = min(now, start) - timedelta(days=1)
        cohost = joint.joint_invite(
            chat=chat, community=guest, invited_by=_organiser(host), now=asked
        )
        joint.joint_accept(cohost=cohost, by=_organiser(guest), now=asked)
    return Chat.objects.get(pk=chat.pk)


def seed_demo_connections(*, communities: Sequence[Community], now: datetime | None = None) -> str:
    """#KMers and #PKMchat visibly connected, #EdChatLite a little; a joint chat of both."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    kmers, pkm = communities[0], communities[2]
    rng = random.Random(1402)  # noqa: S311  (demo content)
    people = [_user(handle, name) for handle, name in PARTICIPANTS[:10]]
    if Chat.objects.filter(community=kmers, title=MIXER).exists():
        connections_refresh(now=now)
        return "Demo connections already there; recounted."

    ended = _joint_chat(
        host=kmers, guest=pkm, title=MIXER, start=now - timedelta(days=2, hours=3), now=now
    )
    posts = []
    for minute in range(2, 58, 3):
        tags = rng.choice(("#KMers #PKMchat", "#KMers", "#PKMchat"))
        posts.append((rng.choice(people), ended.start_at + timedelta(minutes=minute),
                      f"A{minute // 10 + 1} {rng.choice(SAYINGS)} {tags}"))  # fmt: skip
    # Between chats, over the weeks: cross-posted, and the same people in both.
    for day in range(3, 80, 4):
        at = now - timedelta(days=day, hours=rng.randrange(1, 20))
        tags = rng.choice(("#KMers #PKMchat", "#KMers #PKMchat", "#PKMchat", "#KMers #EdChatLite"))
        posts.append((rng.choice(people), at, f"{rng.choice(SAYINGS)} {tags}"))
    _store(posts)
    upcoming = _joint_chat(
        host=kmers, guest=pkm, title=NEXT_MIXER, start=now + timedelta(days=5, hours=2), now=now
    )
    connections_refresh(now=now)  # beat recounts hourly; the demo shows them at once
    return (
        f"Demo connections: “{ended.title}” and “{upcoming.title}” held jointly by "
        f"#{kmers.hashtag} and #{pkm.hashtag}; {len(posts)} posts, many carrying both hashtags."
    )
