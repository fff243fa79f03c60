"""The demo's recorded chats: an hour of a hashtag chat in X API v2 page format, generated,
and replayed through the same normalise-and-store path as live pulls; beside it a few
answers from Mastodon, as that source hands posts over, so the chat is held on two networks.

`make run` has no X credentials. seed_demo anchors one chat so that it started a few
minutes ago and archives a finished one of the week before; the beat task
`replay_demo_chat` then stores every recorded post whose time has come, so the live chat
fills up while the visitor watches. Everything derives from the chat's start and a fixed
seed, so a chat always yields the same ids and replaying it twice stores nothing new.
"""

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape as escape_html
from typing import Any

from django.conf import settings
from django.db import transaction
from django.templatetags.static import static
from django.utils import timezone

from archive.models import Network, Post
from archive.services.ingest import posts_store
from archive.sources.base import NormalisedAccount, NormalisedPost
from archive.sources.x import normalise_x_page
from archive.sources.x_objects import (
    BASE62_DIGITS,
    base62,
    display_url,
    entities,
    escape_x_text,
    search_page,
    snowflake,
    user_id,
    x_time,
)
from chats.models import Chat
from chats.services.schedule import chat_set_hosts, question_add
from common.markdown import render_markdown
from community.models import Community

CHAT_LENGTH = timedelta(hours=1)
LIVE_STARTED_AGO = timedelta(minutes=10)
ARCHIVE_AGE = timedelta(days=7)
# Posts from the same chat are 10 ms to minutes apart: one worker number is enough.
_WORKER = 417
STICKY_NOTE_PHOTOS = 4


@dataclass(frozen=True)
class Topic:
    title: str
    description: str
    questions: tuple[str, ...]
    # One pool of answer phrases per question.
    answers: tuple[tuple[str, ...], ...]
    seed: int


LIVE = Topic(
    title="Working out loud (live demo)",
    description="A recorded hour of **#KMers**, replayed as if it were happening now.",
    questions=(
        "What does working out loud look like in your team?",
        "What stops people from sharing unfinished work?",
        "Which tools help you narrate your work?",
        "How can leaders model working out loud?",
        "What one small step will you take this week?",
    ),
    answers=(
        (
            "a weekly 'what I learned' post in our team channel",
            "demos of half-built things every Friday",
            "open notes from every meeting",
            "sharing drafts at 30% instead of 90%",
            "a public learning log on the wiki",
            "narrating decisions, not just results",
            "asking questions in open channels",
        ),
        (
            "fear of looking incompetent",
            "no time set aside for it",
            "a culture that rewards polish over progress",
            "not knowing who would care",
            "tools that make sharing feel like publishing",
            "bad experiences with blame",
            "the sense that it's self-promotion",
        ),
        (
            "a simple team blog & a shared inbox",
            "short screen recordings",
            "threads in chat with a clear title",
            "a shared journal in our notes app",
            "kanban boards everyone can see",
            "plain text files in a repo",
            "voice notes, surprisingly",
        ),
        (
            "share their own mistakes first",
            "ask for help in public",
            "publish their calendar and priorities",
            "praise the draft, not the polish",
            "reply to every early post for a month",
            "set aside time for reflection",
            "show their thinking before decisions",
        ),
        (
            "post one draft before Friday",
            "start a learning log",
            "invite a colleague to a WOL circle",
            "ask one question in an open channel",
            "narrate one decision end to end",
            "thank someone publicly for sharing",
            "block 20 minutes for reflection",
        ),
    ),
    seed=20261126,
)
ARCHIVED = Topic(
    title="Communities that last (demo archive)",
    description="Last week's **#KMers**: what keeps a community of practice alive.",
    questions=(
        "What first drew you into a community of practice?",
        "What keeps a community alive after the launch buzz fades?",
        "How do you welcome newcomers?",
        "Which rituals matter most in your community?",
        "What would you tell someone starting a community tomorrow?",
    ),
    answers=(
        (
            "a colleague who kept inviting me",
            "a problem I couldn't solve alone",
            "a meetup with great coffee",
            "a mailing list that answered my first question",
            "curiosity about how others work",
            "a mentor's recommendation",
        ),
        (
            "a rhythm people can count on",
            "a core group that shows up",
            "real problems from members",
            "rotating hosts",
            "small wins, celebrated loudly",
            "leaders who step back",
        ),
        (
            "a personal hello within a day",
            "a buddy for the first month",
            "a 'start here' page",
            "asking them a question they can answer",
            "introductions at the top of every call",
            "a newcomers' thread",
        ),
        (
            "the weekly chat itself",
            "show & tell sessions",
            "an annual retrospective",
            "shared notes after every call",
            "the welcome thread",
            "celebrating anniversaries",
        ),
        (
            "start smaller than you think",
            "find three people who care",
            "pick a rhythm and keep it",
            "write down why it exists",
            "make it easy to lurk first",
            "share the hosting from day one",
        ),
    ),
    seed=20261119,
)
TOPICS = (LIVE, ARCHIVED)
HOST = ("kmers_chat", "KMers Chat")
PARTICIPANTS = (
    ("ada_quill", "Ada Quill"),
    ("bram_notes", "Bram Visser"),
    ("cleo_km", "Cleo Okafor"),
    ("dario_learns", "Dario Conti"),
    ("esme_maps", "Esme Hartley"),
    ("farid_wol", "Farid Haddad"),
    ("greta_lib", "Greta Lind"),
    ("hugo_cop", "Hugo Almeida"),
    ("ines_tacit", "Inês Rocha"),
    ("jonas_wiki", "Jonas Berg"),
    ("kaia_sense", "Kaia Moana"),
    ("lior_share", "Lior Ben-Ami"),
    ("maren_org", "Maren Holt"),
    ("nils_kb", "Nils Ek"),
    ("odile_fac", "Odile Marchand"),
    ("pavel_pkm", "Pavel Novák"),
    ("quinn_asks", "Quinn Byrne"),
    ("rosa_story", "Rosa Jiménez"),
    ("sami_net", "Sami Koskinen"),
    ("tove_teach", "Tove Dahl"),
    ("ulla_data", "Ulla Weber"),
    ("viggo_io", "Viggo Strand"),
    ("wren_ux", "Wren Adeyemi"),
    ("xenia_lab", "Xenia Pappas"),
)
# The third demo community: some posts carry both tags, so both communities hold them.
CROSS_HASHTAG = "PKMchat"
PLACES = ("Oslo", "Lagos", "Melbourne", "Toronto", "Lisbon", "Pune", "Nairobi", "Leeds")
REACTIONS = (
    "So true, we saw exactly the same.",
    "Love this!",
    "Could you say more about that?",
    "+1, and it builds trust too.",
    "Stealing this idea for Monday.",
    "This is the bit people underestimate.",
    "Yes! And it compounds over time.",
    "Interesting, how did your team react?",
)
QUOTE_COMMENTS = (
    "This, exactly ↓",
    "Worth a read if you missed it:",
    "Best answer so far:",
    "Bookmarking this one.",
    "The whole chat in one post:",
)
LINKS = (
    "https://example.org/guides/working-out-loud-circles",
    "https://example.com/blog/2026/narrate-your-work",
    "https://example.net/research/knowledge-sharing-barriers.pdf",
    "https://example.org/podcast/42-communities-of-practice",
    "https://example.com/templates/weekly-learning-log",
    "https://example.net/wiki/Tacit_knowledge",
)


# --- The recording ------------------------------------------------------------


@dataclass(frozen=True)
class RecordedPost:
    at: datetime
    tweet: dict[str, Any]


@dataclass(frozen=True)
class Recording:
    posts: tuple[RecordedPost, ...]  # oldest first
    users: dict[str, dict[str, Any]]
    media: dict[str, dict[str, Any]]
    # The same chat on Mastodon: its posts as the source hands them over (the demo
    # reaches no server; the names are only shown).
    toots: tuple[NormalisedPost, ...] = ()

    def until(self, moment: datetime | None) -> list[RecordedPost]:
        return [p for p in self.posts if moment is None or p.at <= moment]

    def toots_until(self, moment: datetime | None) -> list[NormalisedPost]:
        return [p for p in self.toots if moment is None or p.created_at <= moment]

    def ids_until(self, moment: datetime | None) -> set[str]:
        """Every recorded post's id up to `moment`, on both networks."""
        x_ids = {p.tweet["id"] for p in self.until(moment)}
        return x_ids | {p.external_id for p in self.toots_until(moment)}

    def pages(
        self, posts: Sequence[RecordedPost] | None = None, *, page_size: int = 100
    ) -> list[dict[str, Any]]:
        """Recent-search response pages of `posts` (default: all), newest first."""
        chosen = sorted(
            self.posts if posts is None else posts, key=lambda p: int(p.tweet["id"]), reverse=True
        )
        chunks = [chosen[i : i + page_size] for i in range(0, len(chosen), page_size)]
        return [
            self._page([p.tweet for p in chunk], last=index == len(chunks) - 1)
            for index, chunk in enumerate(chunks)
        ]

    def _page(self, tweets: list[dict[str, Any]], *, last: bool) -> dict[str, Any]:
        by_id = {p.tweet["id"]: p.tweet for p in self.posts}
        ref_ids = dict.fromkeys(r["id"] for t in tweets for r in t.get("referenced_tweets", []))
        referenced = [by_id[i] for i in ref_ids if i in by_id]
        user_ids = [t["author_id"] for t in (*tweets, *referenced)]
        user_ids += [t["in_reply_to_user_id"] for t in tweets if "in_reply_to_user_id" in t]
        keys = [k for t in tweets for k in t.get("attachments", {}).get("media_keys", [])]
        return search_page(
            tweets,
            users=[self.users[i] for i in dict.fromkeys(user_ids)],
            media=[self.media[k] for k in dict.fromkeys(keys)],
            referenced=referenced,
            next_token=None if last else base62(min(int(t["id"]) for t in tweets)),
        )


def recorded_chat(*, start: datetime, hashtag: str, topic: Topic = LIVE) -> Recording:
    """About 300 posts of one chat from `start`: the same arguments, the same posts."""
    return _Recorder(start=start, hashtag=hashtag, topic=topic).record()


def recording_for(chat: Chat) -> Recording:
    topic = next((t for t in TOPICS if t.title == chat.title), LIVE)
    return recorded_chat(start=chat.start_at, hashtag=chat.hashtag, topic=topic)


class _Recorder:
    def __init__(self, *, start: datetime, hashtag: str, topic: Topic) -> None:
        self.rng = random.Random(topic.seed)  # noqa: S311  (demo content, not secrets)
        self.start = start.astimezone(UTC)
        self.tag = f"#{hashtag}"
        self.topic = topic
        self.host = _user(*HOST)
        self.people = [_user(handle, name) for handle, name in PARTICIPANTS]
        self.posts: list[RecordedPost] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.wrap: dict[str, Any] | None = None
        self.sequence = 0

    def record(self) -> Recording:
        events = self._timeline()
        questions: dict[int, dict[str, Any]] = {}
        answers: dict[int, list[dict[str, Any]]] = {q: [] for q in range(6)}
        for offset, kind, q in sorted(events, key=lambda e: e[0]):
            at = self.start + timedelta(milliseconds=offset)
            if kind == "question":
                questions[q] = self._question(at, q)
            elif kind == "answer":
                answers[q].append(self._answer(at, q, questions.get(q)))
            elif kind == "reply":
                self._reply(at, answers[q] or list(questions.values())[-1:])
            elif kind == "quote":
                self._quote(at, answers[q] or [p.tweet for p in self.posts[-5:]])
            else:
                self._host_or_chatter(at, kind, q)
        self._count_responses()
        users = {u["id"]: u for u in (self.host, *self.people)}
        toots = tuple(_mastodon_answers(self.start, self.tag, self.topic))
        return Recording(posts=tuple(self.posts), users=users, media=self.media, toots=toots)

    def _timeline(self) -> list[tuple[int, str, int]]:
        """(milliseconds from start, kind, question number) for every post of the hour."""
        r = self.rng.randint
        events = [(r(-360_000, -30_000), "hello", 0) for _ in range(10)]
        events += [(-90_000, "welcome", 0)]
        for q in range(1, 6):
            asked = 120_000 + (q - 1) * 600_000
            events.append((asked, "question", q))
            events += [(asked + r(20_000, 560_000), "answer", q) for _ in range(26)]
            events += [(asked + r(60_000, 590_000), "reply", q) for _ in range(18)]
            events += [(asked + r(120_000, 590_000), "quote", q) for _ in range(4)]
            events.append((asked + 300_000, "nudge", q))
        events.append((3_180_000, "wrap", 0))
        events += [(r(3_190_000, 3_560_000), "thanks", 0) for _ in range(20)]
        events += [(r(3_600_000, 4_500_000), "after", 0) for _ in range(10)]
        return events

    # --- kinds of post

    def _question(self, at: datetime, q: int) -> dict[str, Any]:
        text = f"Q{q} {self.topic.questions[q - 1]} {self.tag}"
        return self._post(at, self.host, text, likes=(15, 60))

    def _answer(self, at: datetime, q: int, question: dict[str, Any] | None) -> dict[str, Any]:
        rng = self.rng
        author = rng.choice(self.people)
        opener = rng.choice(("", "For us, ", "Honestly, ", "In my team: ", "Lately "))
        closer = rng.choice(("", "", " Still learning here.", " Curious what others think."))
        text = f"A{q} {opener}{rng.choice(self.topic.answers[q - 1])}.{closer} {self.tag}"
        if rng.random() < 0.1:
            text += f" #{CROSS_HASHTAG}"
        if rng.random() < 0.1:
            text += f" h/t @{rng.choice(self.people)['username']}"
        reply_to = question if question is not None and rng.random() < 0.5 else None
        link = rng.choice(LINKS) if rng.random() < 0.2 else None
        photo = rng.random() < 0.06
        return self._post(at, author, text, reply_to=reply_to, link=link, photo=photo)

    def _reply(self, at: datetime, targets: list[dict[str, Any]]) -> None:
        target = self.rng.choice(targets)
        author = self._someone_but(target["author_id"])
        handle = self._handle(target["author_id"])
        self._post(
            at, author, f"@{handle} {self.rng.choice(REACTIONS)} {self.tag}", reply_to=target
        )

    def _quote(self, at: datetime, targets: list[dict[str, Any]]) -> None:
        target = self.rng.choice(targets)
        author = self._someone_but(target["author_id"])
        self._post(at, author, f"{self.rng.choice(QUOTE_COMMENTS)} {self.tag}", quote=target)

    def _host_or_chatter(self, at: datetime, kind: str, q: int) -> None:
        rng, tag = self.rng, self.tag
        if kind == "hello":
            text = f"Hello from {rng.choice(PLACES)}, ready for {tag} in a few minutes!"
            self._post(at, rng.choice(self.people), text)
        elif kind == "welcome":
            text = (
                f"Welcome to {tag}! Today: {self.topic.title.split(' (')[0].lower()}. "
                f"Questions come as Q1…Q5; answer with A1…A5 & the hashtag. Say hi!"
            )
            self._post(at, self.host, text, likes=(10, 30))
        elif kind == "nudge":
            text = f"Reminder: answer Q{q} with A{q} and {tag} so everyone can follow along."
            self._post(at, self.host, text)
        elif kind == "wrap":
            text = (
                f"That's a wrap! Thank you all for a generous hour of {tag}. Same time next week."
            )
            self.wrap = self._post(at, self.host, text, likes=(20, 50))
        elif kind == "thanks":
            text = f"@{HOST[0]} Thanks for hosting, great chat! {tag}"
            self._post(at, rng.choice(self.people), text, reply_to=self.wrap)
        else:
            text = f"Still thinking about today's {tag} chat. Notes for later:"
            self._post(at, rng.choice(self.people), text, link=rng.choice(LINKS))

    # --- building one post in X's shape

    def _post(
        self,
        at: datetime,
        author: dict[str, Any],
        text: str,
        *,
        reply_to: dict[str, Any] | None = None,
        quote: dict[str, Any] | None = None,
        link: str | None = None,
        photo: bool = False,
        likes: tuple[int, int] = (0, 12),
    ) -> dict[str, Any]:
        self.sequence += 1
        tweet_id = snowflake(at, worker=_WORKER, sequence=self.sequence)
        urls: list[tuple[str, dict[str, Any]]] = []
        if link:
            urls.append(self._link(link, display_url(link)))
        if quote is not None:
            status = f"https://x.com/{self._handle(quote['author_id'])}/status/{quote['id']}"
            urls.append(self._link(status, display_url(status)))
        if photo:
            urls.append(self._photo(tweet_id, author))
        raw = " ".join([escape_x_text(text), *(short for short, _ in urls)])
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": raw,
            "edit_history_tweet_ids": [tweet_id],
            "created_at": x_time(at),
            "author_id": author["id"],
            "conversation_id": reply_to["conversation_id"] if reply_to else tweet_id,
            "lang": "en",
            "public_metrics": self._metrics(likes),
            "entities": entities(raw, [entity for _, entity in urls]),
        }
        references = [("replied_to", reply_to), ("quoted", quote)]
        if refs := [{"type": kind, "id": ref["id"]} for kind, ref in references if ref]:
            tweet["referenced_tweets"] = refs
        if reply_to is not None:
            tweet["in_reply_to_user_id"] = reply_to["author_id"]
        if photo:
            tweet["attachments"] = {"media_keys": [f"3_{tweet_id}"]}
        self.posts.append(RecordedPost(at=at, tweet=tweet))
        return tweet

    def _link(self, expanded: str, display: str) -> tuple[str, dict[str, Any]]:
        short = "https://t.co/" + "".join(self.rng.choice(BASE62_DIGITS) for _ in range(10))
        return short, {"url": short, "expanded_url": expanded, "display_url": display}

    def _photo(self, tweet_id: str, author: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        key = f"3_{tweet_id}"
        self.media[key] = {
            "media_key": key,
            "type": "photo",
            "url": _sticky_notes(self.rng),
            "width": 600,
            "height": 400,
        }
        expanded = f"https://x.com/{author['username']}/status/{tweet_id}/photo/1"
        short, entity = self._link(expanded, "")
        entity["display_url"] = "pic.x.com/" + short.rsplit("/", 1)[-1]
        return short, {**entity, "media_key": key}

    def _metrics(self, likes: tuple[int, int]) -> dict[str, int]:
        r = self.rng.randint
        return {
            "retweet_count": r(0, likes[1] // 4),
            "reply_count": 0,
            "like_count": r(*likes),
            "quote_count": 0,
            "bookmark_count": r(0, 3),
            "impression_count": r(40, 900),
        }

    def _count_responses(self) -> None:
        """Replies and quotes counted from the recording itself, as X would show them."""
        counts = Counter(
            (ref["type"], ref["id"])
            for post in self.posts
            for ref in post.tweet.get("referenced_tweets", [])
        )
        for post in self.posts:
            metrics = post.tweet["public_metrics"]
            metrics["reply_count"] = counts[("replied_to", post.tweet["id"])]
            metrics["quote_count"] = counts[("quoted", post.tweet["id"])]

    def _someone_but(self, user_id: str) -> dict[str, Any]:
        return self.rng.choice([p for p in self.people if p["id"] != user_id])

    def _handle(self, user_id: str) -> str:
        return next(u["username"] for u in (self.host, *self.people) if u["id"] == user_id)


MASTODON_SERVER = "scholar.social"
MASTODON_PEOPLE = (
    ("ines_moreau", "Inès Moreau"),
    ("kofi_m", "Kofi Mensah"),
    ("lena_berg", "Lena Berg"),
    ("tomas_reads", "Tomás Ruiz"),
)
MASTODON_ANSWERS_PER_QUESTION = 5


def _mastodon_answers(start: datetime, tag: str, topic: Topic) -> Iterable[NormalisedPost]:
    """A few members answer each question from Mastodon: the chat is held on two networks."""
    rng = random.Random(f"{topic.seed}:mastodon")  # noqa: S311  (demo content)
    for q in range(1, len(topic.questions) + 1):
        asked = start + timedelta(minutes=2 + 10 * (q - 1))
        for n in range(MASTODON_ANSWERS_PER_QUESTION):
            handle, name = rng.choice(MASTODON_PEOPLE)
            at = asked + timedelta(seconds=rng.randint(40, 560))
            body = f"A{q} {rng.choice(topic.answers[q - 1])}."
            yield _toot(at, handle, name, body, tag, number=q * 100 + n)


def _toot(
    at: datetime, handle: str, name: str, body: str, tag: str, *, number: int
) -> NormalisedPost:
    server = MASTODON_SERVER
    status_id = f"{int(at.timestamp())}{number:04d}"
    profile = f"https://{server}/@{handle}"
    tag_url = f"https://{server}/tags/{tag.lstrip('#')}"
    html = f'{escape_html(body)} <a href="{escape_html(tag_url)}">{escape_html(tag)}</a>'
    author = NormalisedAccount(
        network=Network.MASTODON,
        external_id=f"https://{server}/users/{handle}",
        handle=f"{handle}@{server}",
        display_name=name,
    )
    return NormalisedPost(
        network=Network.MASTODON,
        external_id=f"https://{server}/users/{handle}/statuses/{status_id}",
        author=author,
        text=f"{body} {tag}",
        html=html,
        created_at=at,
        language="en",
        hashtags=(tag.lstrip("#").lower(),),
        url=f"{profile}/{status_id}",
    )


def _user(handle: str, name: str) -> dict[str, Any]:
    # No avatar URL: the demo must not send visitors' browsers to invented addresses.
    return {"id": user_id(handle), "name": name, "username": handle, "verified": False}


def _sticky_notes(rng: random.Random) -> str:
    """A photo of a sticky-note wall, served by the site itself: the demo stays offline, and
    the archive takes only http(s) image URLs (static/img/demo/)."""
    path = static(f"img/demo/sticky-notes-{rng.randrange(STICKY_NOTE_PHOTOS)}.svg")
    return settings.SITE_URL.rstrip("/") + path


# --- Storing and replaying --------------------------------------------------------


def recording_store(*, recording: Recording, until: datetime | None = None) -> int:
    """Store the recorded posts up to `until` that are not stored yet; returns how many."""
    due = recording.until(until)
    stored = set(
        Post.objects.filter(
            network=Network.X, external_id__in=[p.tweet["id"] for p in due]
        ).values_list("external_id", flat=True)
    )
    new = 0
    for page in recording.pages([p for p in due if p.tweet["id"] not in stored]):
        with transaction.atomic():
            new += posts_store(posts=normalise_x_page(page).posts).new
    toots = recording.toots_until(until)
    stored_toots = set(
        Post.objects.filter(
            network=Network.MASTODON, external_id__in=[p.external_id for p in toots]
        ).values_list("external_id", flat=True)
    )
    if fresh := [p for p in toots if p.external_id not in stored_toots]:
        with transaction.atomic():
            new += posts_store(posts=fresh).new
    return new


def demo_live_chats(*, now: datetime) -> Iterable[Chat]:
    """The demo chats whose window has opened; none outside the demo."""
    earliest = now - CHAT_LENGTH - settings.CHAT_MAX_WINDOW - timedelta(days=1)
    return Chat.objects.not_cancelled().filter(
        title=LIVE.title, start_at__lte=now + settings.CHAT_MAX_WINDOW, start_at__gte=earliest
    )


def demo_replay(*, now: datetime | None = None) -> int:
    """Store each live demo chat's recorded posts whose time has come (a no-op elsewhere)."""
    now = now or timezone.now()
    return sum(
        recording_store(recording=recording_for(chat), until=now)
        for chat in demo_live_chats(now=now)
        if chat.window_start <= now
    )


def demo_keep_live(*, now: datetime | None = None) -> int:
    """Replay, first moving an ended demo chat to now: the demo always has a live chat."""
    now = now or timezone.now()
    stale = Chat.objects.filter(title=LIVE.title).exclude(
        start_at__lte=now, end_at__gt=now, cancelled_at=None
    )
    for chat in stale.select_related("community"):
        demo_live_chat_anchor(community=chat.community, now=now)
    return demo_replay(now=now)


STREAM_POSTS = (
    "Found this while preparing next week's {tag}: worth a read",
    "Does anyone have a good template for a team learning log? {tag}",
    "Our community call went well today: we tried a 'working out loud' round {tag}",
    "Question for the {tag} crowd: how do you keep a wiki alive after the launch?",
    "Bookmarking for the next {tag} chat",
    "Three months of narrating our work: fewer status meetings, more questions {tag}",
)


def recorded_stream(*, hashtag: str, start: datetime, end: datetime) -> Recording:
    """A couple of posts a day on the hashtag between chats, from `start` to `end`."""
    recorder = _Recorder(start=start, hashtag=hashtag, topic=ARCHIVED)
    rng, day = random.Random(f"{hashtag}:{start:%Y-%m-%d}"), start  # noqa: S311
    while day + timedelta(hours=20) < end:
        for hour in (9, 15):
            at = day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))
            if start < at < end:
                text = rng.choice(STREAM_POSTS).format(tag=recorder.tag)
                link = rng.choice(LINKS) if rng.random() < 0.6 else None
                recorder._post(at, rng.choice(recorder.people), text, link=link)
        day += timedelta(days=1)
    users = {u["id"]: u for u in (recorder.host, *recorder.people)}
    return Recording(posts=tuple(recorder.posts), users=users, media=recorder.media)


# --- Seeding ------------------------------------------------------------------------


def demo_live_chat_anchor(*, community: Community, now: datetime | None = None) -> Chat:
    """The live demo chat: reused while it runs, moved to have started just now once ended."""
    now = now or timezone.now()
    chat = Chat.objects.filter(community=community, title=LIVE.title).first()
    if chat is None or not chat.start_at <= now < chat.end_at or chat.is_cancelled:
        start = (now - LIVE_STARTED_AGO).replace(second=0, microsecond=0)
        chat = _anchor(chat, community=community, topic=LIVE, start=start)
    demo_replay(now=now)
    return chat


def demo_archived_chat_anchor(*, community: Community, now: datetime | None = None) -> Chat:
    """A chat of the week before, ended and fully archived; moved when it grows older."""
    now = now or timezone.now()
    chat = Chat.objects.filter(community=community, title=ARCHIVED.title).first()
    oldest = now - ARCHIVE_AGE - timedelta(days=1)
    if chat is None or not oldest <= chat.start_at <= now - ARCHIVE_AGE + CHAT_LENGTH:
        start = (now - ARCHIVE_AGE).replace(minute=0, second=0, microsecond=0)
        chat = _anchor(chat, community=community, topic=ARCHIVED, start=start)
        # Archived already: the dispatcher must not claim a final sweep for it.
        final = chat.end_at + settings.ARCHIVE_FINAL_SWEEP_DELAY
        Chat.objects.filter(pk=chat.pk).update(final_sweep_at=final)
    recording_store(recording=recording_for(chat))
    # Between that chat and today, the hashtag's between-chat stream.
    stream_start = chat.end_at + timedelta(days=1)
    stream_end = (now - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    recording_store(
        recording=recorded_stream(hashtag=community.hashtag, start=stream_start, end=stream_end)
    )
    return chat


@transaction.atomic
def _anchor(chat: Chat | None, *, community: Community, topic: Topic, start: datetime) -> Chat:
    if chat is None:
        chat = Chat(community=community, title=topic.title, hashtag=community.hashtag)
    else:
        # Moved posts would get new ids: the old ones would stay as duplicates.
        Post.objects.filter(placements__chat=chat).delete()
    chat.start_at, chat.end_at = start, start + CHAT_LENGTH
    chat.description = topic.description
    chat.description_html = render_markdown(topic.description)
    chat.cancelled_at = chat.final_sweep_at = None
    chat.save()
    if not chat.questions.exists():
        for number, text in enumerate(topic.questions, start=1):
            question_add(chat=chat, text=text, planned_minute=2 + 10 * (number - 1))
    chat_set_hosts(chat=chat, members=[], handles=[HOST[0]])
    return chat
