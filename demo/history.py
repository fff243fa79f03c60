"""A year of #KMers chats for the demo's vitality page: a core that grows, newcomers of
whom some stay, quieter summers and Decembers, and posts between chats.

Weekly chats on the series' slot (Tuesday noon in the community's zone) over the past
year, where no chat holds the slot already; every ended chat of that year still without
posts (the schedule's past chats) gets a conversation too. Posts go through the same
normalise-and-store path as pulls, built from a fixed seed: running the seed again finds
the chats and posts it made and adds nothing. The rollups are rebuilt at the end.
"""

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from archive.models import Account, Network, PostPlacement
from archive.services.ingest import posts_store
from archive.services.vitality import vitality_refresh
from archive.sources.x import normalise_x_page
from archive.sources.x_objects import entities, escape_x_text, search_page, snowflake, x_time
from chats.models import Chat
from chats.selectors.schedule import overlapping_chat
from common.markdown import render_markdown
from community.models import Community, Membership
from demo.chat import HOST, PARTICIPANTS, STREAM_POSTS, _user

WEEKS = 52
SLOT = time(12, 0)  # Tuesday noon, the #KMers series' slot
TUESDAY = 1
_WORKER = 418  # not the recorded chats' (417): ids never collide
TOPICS = (
    "Onboarding into a community of practice",
    "Knowledge maps that people actually use",
    "After-action reviews without blame",
    "Working out loud in a regulated industry",
    "What we lose when experts retire",
    "Wikis: gardens or graveyards?",
    "Storytelling as knowledge transfer",
    "Search that finds the person, not the page",
    "Lessons learned that were never learned",
    "Communities of practice and line management",
    "Measuring the value of knowledge sharing",
    "Tacit knowledge and remote work",
    "Taxonomies: who owns the words?",
    "Peer assists before big projects",
)
ANSWERS = (
    "A{q} For us it started with one team willing to try, then it spread.",
    "A{q} Honestly? We tried and it fizzled. Timing matters more than tools.",
    "A{q} Make it someone's job, even a small part of it.",
    "A{q} Ask people what they already do, then make that visible.",
    "A{q} Start with the questions people keep asking you.",
    "A{q} We keep a shared log and read it together once a month.",
    "A{q} Leaders going first changed everything in our place.",
    "A{q} Small, regular, boring: that is what lasts.",
)
NEWCOMER_NAMES = (
    "Amina", "Bea", "Caio", "Dana", "Eli", "Fern", "Gus", "Hana", "Ivo", "Jude", "Kofi", "Lena",
    "Milo", "Nora", "Omar", "Pia", "Rui", "Sana", "Teo", "Uma", "Vera", "Will", "Yusuf", "Zoe",
)  # fmt: skip


def _season(day: datetime) -> float:
    """How many of the usual people turn up: fewer in the northern summer and at the
    year's end."""
    if day.month in (7, 8):
        return 0.55
    if (day.month == 12 and day.day >= 15) or (day.month == 1 and day.day < 5):
        return 0.35
    return 1.0


class _Crowd:
    """Who comes: the recorded chat's people join the core one by one over the year;
    newcomers arrive every week and some of them stay."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.core = [_user(*p) for p in PARTICIPANTS]
        self.regulars: list[dict[str, Any]] = []
        self.newcomers = 0

    def attending(self, week: int, season: float) -> list[dict[str, Any]]:
        core = self.core[: 6 + (len(self.core) - 6) * week // WEEKS]
        people = [p for p in core if self.rng.random() < 0.8 * season]
        people += [p for p in self.regulars if self.rng.random() < 0.35 * season]
        for _ in range(round(self.rng.uniform(2, 6) * season)):
            newcomer = self._newcomer()
            people.append(newcomer)
            if self.rng.random() < 0.3:
                self.regulars.append(newcomer)
        return people

    def _newcomer(self) -> dict[str, Any]:
        self.newcomers += 1
        name = NEWCOMER_NAMES[self.newcomers % len(NEWCOMER_NAMES)]
        number = self.newcomers // len(NEWCOMER_NAMES)
        return _user(f"{name.lower()}_{number}_km", f"{name} {number}")


class _Posts:
    def __init__(self, hashtag: str) -> None:
        self.tag = f"#{hashtag}"
        self.tweets: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.sequence = 0

    def post(self, at: datetime, author: dict[str, Any], text: str) -> None:
        self.sequence += 1
        tweet_id = snowflake(at, worker=_WORKER, sequence=self.sequence % 4096)
        raw = escape_x_text(f"{text} {self.tag}")
        self.users[author["id"]] = author
        self.tweets.append(
            {
                "id": tweet_id,
                "text": raw,
                "edit_history_tweet_ids": [tweet_id],
                "created_at": x_time(at),
                "author_id": author["id"],
                "conversation_id": tweet_id,
                "lang": "en",
                "public_metrics": {"like_count": self.sequence % 7},
                "entities": entities(raw),
            }
        )

    def store(self) -> int:
        stored = 0
        for first in range(0, len(self.tweets), 100):
            page = self.tweets[first : first + 100]
            users = {t["author_id"]: self.users[t["author_id"]] for t in page}.values()
            with transaction.atomic():
                stored += posts_store(
                    posts=normalise_x_page(search_page(page, users=list(users))).posts
                ).new
        return stored


def _chat_posts(
    posts: _Posts, chat: Chat, people: list[dict[str, Any]], rng: random.Random
) -> None:
    start = chat.start_at
    host = _user(*HOST)
    for q in range(1, 7):
        posts.post(start + timedelta(minutes=2 + 9 * (q - 1)), host, f"Q{q} of today's chat")
    for person in people:
        for q in sorted(rng.sample(range(1, 7), rng.randint(1, 3))):
            at = start + timedelta(minutes=3 + 9 * (q - 1) + rng.uniform(0, 8))
            posts.post(at, person, rng.choice(ANSWERS).format(q=q))


def _weekly_slots(community: Community, now: datetime) -> list[datetime]:
    """Every Tuesday noon (the community's zone) of the year up to yesterday."""
    zone = ZoneInfo(community.time_zone)
    last = (now - timedelta(days=1)).astimezone(zone).date()
    last -= timedelta(days=(last.weekday() - TUESDAY) % 7)
    slots = [
        datetime.combine(last - timedelta(weeks=w), SLOT, tzinfo=zone).astimezone(UTC)
        for w in range(WEEKS - 1, -1, -1)
    ]
    return [start for start in slots if start + timedelta(hours=1) <= now]


def _chats(community: Community, now: datetime) -> list[Chat]:
    """The year's weekly chats, made where no chat holds the slot; with the community's
    other ended chats of the year, in time order."""
    slots = _weekly_slots(community, now)
    for n, start in enumerate(slots):
        end = start + timedelta(hours=1)
        if overlapping_chat(
            community=community, hashtags=[community.hashtag], start=start, end=end
        ):
            continue
        title = TOPICS[n % len(TOPICS)]
        Chat.objects.create(
            community=community,
            title=title,
            description=f"Our weekly chat: {title.lower()}.",
            description_html=render_markdown(f"Our weekly chat: {title.lower()}."),
            hashtag=community.hashtag,
            start_at=start,
            end_at=end,
            final_sweep_at=end,
        )
    return list(
        Chat.objects.not_cancelled()
        .filter(community=community, start_at__gte=slots[0] - timedelta(days=1), end_at__lte=now)
        .order_by("start_at")
    )


def seed_demo_history(*, community: Community, now: datetime | None = None) -> int:
    """A year of chats and posts for `community`, then its vitality rollups; returns the
    number of posts stored (none on a second run)."""
    now = now or timezone.now()
    rng = random.Random(20261204)  # noqa: S311  (demo content, not secrets)
    crowd = _Crowd(rng)
    posts = _Posts(community.hashtag)
    chats = _chats(community, now)
    filled = set(
        PostPlacement.objects.filter(chat__in=chats).values_list("chat_id", flat=True).distinct()
    )
    busy = [
        (start - timedelta(hours=2), end + timedelta(hours=2))
        for start, end in Chat.objects.filter(community=community).values_list("start_at", "end_at")
    ]
    for week, chat in enumerate(chats):
        people = crowd.attending(week, _season(chat.start_at))
        if chat.pk not in filled:
            _chat_posts(posts, chat, people, rng)
        # Between this chat and the next: a few posts, more when the chat was busy; none
        # near any chat (the recorded ones included), which would take them in.
        for _ in range(rng.randint(1, 3) + len(people) // 8):
            at = chat.end_at + timedelta(days=rng.uniform(1, 5.5))
            if at < now and chat.pk not in filled and not any(a <= at <= b for a, b in busy):
                posts.post(
                    at, rng.choice(people or crowd.core), rng.choice(STREAM_POSTS).format(tag="")
                )
    stored = posts.store()
    _link_members(community)
    vitality_refresh(community=community, now=now)
    return stored


def _link_members(community: Community) -> None:
    """Three of the recorded people are the demo's members (as if they had logged in with
    X): the vitality page counts each of them once, whatever account they post from."""
    members = [
        m.member
        for m in Membership.objects.filter(community=community)
        .select_related("member")
        .order_by("pk")[:3]
    ]
    for (handle, _), member in zip(PARTICIPANTS, members, strict=False):
        Account.objects.filter(network=Network.X, handle=handle, member__isnull=True).update(
            member=member
        )
