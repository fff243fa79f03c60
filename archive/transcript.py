"""A chat's transcript built from its already-loaded placements: pure Python, no queries.

The selector (archive/selectors/transcript.py) loads the rows in a fixed number of queries;
everything here is one pass or two over them, so a 3,000-post chat costs milliseconds.
Questions come from the hosts' "Qn" posts (archive.markers), answers from "An" posts, and
replies follow their parent; what matches no question is the "Conversation".
"""

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from archive.markers import parse_marker, question_text
from archive.models import Account, HiddenReason, Post, PostPlacement
from chats.models import Chat, ChatHost, Question

TOP_CONTRIBUTORS = 5
# The chart's geometry, in SVG user units (the stylesheet scales the whole drawing).
CHART_HEIGHT = 80
CHART_BAR_WIDTH = 6
CHART_TOP_MARGIN = 14


@dataclass(eq=False)
class Entry:
    placement: PostPlacement
    post: Post
    is_host: bool
    question: int | None = None
    kind: str = "post"  # "question", "answer", "reply" or "post"
    visible: bool = True
    removed_label: str = ""
    replies: list["Entry"] = field(default_factory=list)


@dataclass(eq=False)
class Group:
    number: int
    question_entry: Entry | None
    prepared: Question | None
    # When the question was asked: its post, else the prepared question's planned time.
    at: datetime | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Q{self.number}"

    @property
    def heading(self) -> str:
        """The question's words: as prepared by the organisers, else as the host posted it."""
        if self.prepared is not None:
            return self.prepared.text
        if self.question_entry is not None and self.question_entry.visible:
            return question_text(self.question_entry.post.text)
        return ""


@dataclass(frozen=True)
class Contributor:
    """One participant: a member with every account of theirs that posted (their X login,
    the Mastodon and Bluesky handles on their profile), or an account no member claims.
    `account` is the one they posted from most."""

    account: Account
    posts: int
    accounts: tuple[Account, ...] = ()

    @property
    def other_accounts(self) -> list[Account]:
        return [a for a in self.accounts if a.pk != self.account.pk]


@dataclass(frozen=True)
class Bar:
    minute: int
    count: int
    x: int
    y: int
    height: int
    at: datetime


@dataclass(frozen=True)
class ChartMark:
    label: str
    x: int
    at: datetime


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    peak: int
    bars: list[Bar]
    marks: list[ChartMark]


@dataclass(frozen=True)
class Stats:
    posts: int
    participants: int
    first_timers: list[Account]
    top_contributors: list[Contributor]
    chart: Chart


@dataclass(frozen=True)
class SharedLink:
    url: str
    title: str
    shared_by: Account
    entry: Entry


@dataclass(frozen=True)
class LinkDomain:
    domain: str
    links: list[SharedLink]


@dataclass(frozen=True)
class Recap:
    # (group, its most-liked visible answer), for the groups that have an answer.
    top_answers: list[tuple[Group, Entry]]
    link_domains: list[LinkDomain]
    new_participants: list[Account]


@dataclass(eq=False)
class Transcript:
    chat: Chat
    entries: list[Entry]
    groups: list[Group]
    conversation: list[Entry]
    threads: list[Entry]
    participants: list[Contributor]
    stats: Stats
    recap: Recap

    def participant(self, handle: str) -> Contributor | None:
        """The participant posting as `handle` from any of their accounts."""
        wanted = handle.lower().lstrip("@")
        return next(
            (p for p in self.participants if any(a.handle.lower() == wanted for a in p.accounts)),
            None,
        )

    def entries_of(self, account: Account) -> list[Entry]:
        """The visible posts of the participant behind `account`: all of its member's."""
        key = _participant_key(account)
        return [e for e in self.entries if e.visible and _participant_key(e.post.author) == key]


@dataclass(frozen=True)
class Hosts:
    """Who hosts a chat: an author is a host by X handle (the host's own, or their member's),
    case-insensitively, or as the member behind the account.

    The live page asks the same in SQL (archive.selectors.live._host_flags) within its one
    query per poll. Built from this class, that SQL would need the hosts loaded first (a
    query more per poll); the transcript asking the SQL instead would pay a subquery per
    post (~8 ms more for 3,000). So the rule is written twice, and
    tests/archive/live/test_host_rule.py holds both to the same answers: change both.
    """

    handles: frozenset[str] = frozenset()
    member_ids: frozenset[int] = frozenset()
    # Whether the chat has any host at all, even one that no post can be matched to yet.
    known: bool = False

    @classmethod
    def of(cls, hosts: Iterable[ChatHost]) -> "Hosts":
        hosts = list(hosts)
        handles = {host.handle for host in hosts if host.handle}
        handles |= {host.member.x_handle for host in hosts if host.member and host.member.x_handle}
        return cls(
            handles=frozenset(handle.lower() for handle in handles),
            member_ids=frozenset(host.member_id for host in hosts if host.member_id),
            known=bool(hosts),
        )

    def include(self, account: Account) -> bool:
        return account.handle.lower() in self.handles or (
            account.member_id is not None and account.member_id in self.member_ids
        )


def asked_question(post: Post, *, is_host: bool, hosts_known: bool) -> int | None:
    """The number of the question a post asks, if it starts with "Qn" and may ask one.

    With hosts, only theirs count. Without, anyone's Qn counts (a chat set up without hosts
    still has questions), but a reply quoting "Q1" is not the question.
    """
    may_ask = is_host if hosts_known else not post.reply_to_id
    if not may_ask:
        return None
    marker = parse_marker(post.text)
    return marker.number if marker is not None and marker.kind == "Q" else None


def removed_label(placement: PostPlacement, post: Post) -> str:
    """Why a post shows as a placeholder; empty when it is shown."""
    if post.removed:
        if post.removed_reason == Post.REMOVED_BY_AUTHOR:
            return "Removed by its author"
        return "Removed"
    if placement.hidden:
        if placement.hidden_reason in HiddenReason.values:
            return f"Hidden by the moderators: {HiddenReason(placement.hidden_reason).label}"
        return "Hidden by the moderators"
    return ""


def build_transcript(
    *,
    chat: Chat,
    placements: Sequence[PostPlacement],
    hosts: Hosts,
    questions: Sequence[Question],
    seen_before: Collection[int] = frozenset(),
) -> Transcript:
    """The transcript of `chat`; `seen_before` holds the ids of authors known earlier."""
    entries = _entries(placements, hosts)
    groups = _group(chat, entries, hosts_known=hosts.known, questions=questions)
    participants = _participants(entries)
    # The chat's hosts (often the community's own account) are not newcomers to it.
    hosting = {e.post.author_id for e in entries if e.is_host}
    first_timers = [
        p.account
        for p in participants
        if not any(a.pk in seen_before or a.pk in hosting for a in p.accounts)
    ]
    first_timers.sort(key=lambda a: a.handle.lower())
    stats = Stats(
        posts=sum(1 for e in entries if e.visible),
        participants=len(participants),
        first_timers=first_timers,
        top_contributors=participants[:TOP_CONTRIBUTORS],
        chart=_chart(chat, entries, groups),
    )
    return Transcript(
        chat=chat,
        entries=entries,
        groups=groups,
        conversation=[e for e in entries if e.question is None],
        threads=_threads(entries),
        participants=participants,
        stats=stats,
        recap=Recap(_top_answers(groups), _link_domains(entries), first_timers),
    )


def _entries(placements: Sequence[PostPlacement], hosts: Hosts) -> list[Entry]:
    rows = sorted(placements, key=lambda p: (p.created_at, p.post_id))
    entries = []
    for placement in rows:
        post = placement.post
        if post.removed and post.removed_reason == Post.REMOVED_EDITED:
            continue  # its edited version is in the archive
        label = removed_label(placement, post)
        entries.append(
            Entry(
                placement=placement,
                post=post,
                is_host=hosts.include(post.author),
                visible=not label,
                removed_label=label,
            )
        )
    return entries


def _group(
    chat: Chat, entries: list[Entry], *, hosts_known: bool, questions: Sequence[Question]
) -> list[Group]:
    prepared = {q.position: q for q in questions}
    groups: dict[int, Group] = {}

    def group(number: int) -> Group:
        if number not in groups:
            groups[number] = Group(
                number, None, prepared.get(number), _planned_at(chat, number, prepared)
            )
        return groups[number]

    by_id: dict[str, Entry] = {}
    for entry in entries:
        marker = parse_marker(entry.post.text)
        parent = by_id.get(entry.post.reply_to_id) if entry.post.reply_to_id else None
        asked = None
        if marker and marker.kind == "Q":
            asked = asked_question(entry.post, is_host=entry.is_host, hosts_known=hosts_known)
        if asked is not None:
            target = group(asked)
            if target.question_entry is None:
                target.question_entry, target.at = entry, entry.post.created_at
                entry.kind = "question"
            entry.question = asked  # a repeat of the question stays with it
        if entry.question is None and marker and marker.kind == "A":
            entry.kind, entry.question = "answer", marker.number
            group(marker.number)
        if entry.question is None and entry.kind == "post" and parent is not None:
            entry.kind, entry.question = "reply", parent.question
        if entry.question is not None:
            groups[entry.question].entries.append(entry)
        by_id[entry.post.external_id] = entry
    for number in prepared:
        group(number)
    for item in groups.values():
        item.entries = _in_thread_order(item.entries)
        if item.question_entry is not None:
            item.entries.remove(item.question_entry)
            item.entries.insert(0, item.question_entry)
    return [groups[n] for n in sorted(groups)]


def _in_thread_order(entries: list[Entry]) -> list[Entry]:
    """Time order, except that a reply follows the post it answers (and its earlier replies).

    A question's group reads as conversations: an answer, then what people said to it.
    Only parents seen earlier count, so malformed reply ids cannot form a cycle.
    """
    roots: list[Entry] = []
    children: dict[str, list[Entry]] = {}
    for entry in entries:
        parent_id = entry.post.reply_to_id
        children.get(parent_id, roots).append(entry)
        children[entry.post.external_id] = []
    ordered: list[Entry] = []
    stack = roots[::-1]
    while stack:  # depth first without recursion: reply chains can be thousands deep
        entry = stack.pop()
        ordered.append(entry)
        stack += children[entry.post.external_id][::-1]
    return ordered


def _planned_at(chat: Chat, number: int, prepared: dict[int, Question]) -> datetime | None:
    question = prepared.get(number)
    if question is None or question.planned_minute is None:
        return None
    return chat.start_at + timedelta(minutes=question.planned_minute)


def _threads(entries: list[Entry]) -> list[Entry]:
    top: list[Entry] = []
    seen: dict[str, Entry] = {}
    for entry in entries:
        entry.replies = []
        parent = seen.get(entry.post.reply_to_id) if entry.post.reply_to_id else None
        (parent.replies if parent is not None else top).append(entry)
        seen[entry.post.external_id] = entry
    return top


def _participant_key(account: Account) -> tuple[str, int]:
    """A member's accounts on every network are one participant; an account no member
    claims is one by itself."""
    if account.person_id is not None:
        return ("member", account.person_id)
    return ("account", account.pk)


def _participants(entries: list[Entry]) -> list[Contributor]:
    counts: Counter[tuple[str, int]] = Counter()
    per_account: dict[tuple[str, int], Counter[int]] = {}
    accounts: dict[int, Account] = {}
    for entry in entries:
        if entry.visible:
            author = entry.post.author
            key = _participant_key(author)
            counts[key] += 1
            per_account.setdefault(key, Counter())[author.pk] += 1
            accounts.setdefault(author.pk, author)
    # Counter keeps first-seen order among equal counts: earlier participants first.
    participants = []
    for key, n in counts.most_common():
        own = [accounts[pk] for pk, _ in per_account[key].most_common()]
        participants.append(Contributor(own[0], n, tuple(own)))
    return participants


def _chart(chat: Chat, entries: list[Entry], groups: list[Group]) -> Chart:
    start = chat.window_start
    minutes = max(int((chat.window_end - start).total_seconds() // 60), 1)
    counts = [0] * minutes
    for entry in entries:
        minute = int((entry.post.created_at - start).total_seconds() // 60)
        if entry.visible and 0 <= minute < minutes:
            counts[minute] += 1
    peak = max(counts) or 1
    usable = CHART_HEIGHT - CHART_TOP_MARGIN
    bars = []
    for minute, count in enumerate(counts):
        height = round(count * usable / peak) if count else 0
        bars.append(
            Bar(
                minute=minute,
                count=count,
                x=minute * CHART_BAR_WIDTH,
                y=CHART_HEIGHT - height,
                height=height,
                at=start + timedelta(minutes=minute),
            )
        )
    marks = [
        ChartMark(g.label, _x(g.at, start), g.at)
        for g in groups
        if g.at is not None and 0 <= _x(g.at, start) <= minutes * CHART_BAR_WIDTH
    ]
    return Chart(minutes * CHART_BAR_WIDTH, CHART_HEIGHT, max(counts), bars, marks)


def _x(at: datetime, start: datetime) -> int:
    return round((at - start).total_seconds() / 60 * CHART_BAR_WIDTH)


def _top_answers(groups: list[Group]) -> list[tuple[Group, Entry]]:
    top = []
    for item in groups:
        answers = [e for e in item.entries if e.kind == "answer" and e.visible]
        if answers:
            # max() keeps the first of equals: the earliest answer wins a tie.
            top.append((item, max(answers, key=lambda e: e.post.like_count)))
    return top


def _link_domains(entries: list[Entry]) -> list[LinkDomain]:
    domains: dict[str, list[SharedLink]] = {}
    seen: set[str] = set()
    for entry in entries:
        if not entry.visible:
            continue
        for link in entry.post.links or ():
            url = str(link.get("url", ""))
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname or url in seen:
                continue
            seen.add(url)
            domain = parts.hostname.lower().removeprefix("www.")
            title = str(link.get("title") or "")
            domains.setdefault(domain, []).append(SharedLink(url, title, entry.post.author, entry))
    ordered = sorted(domains.items(), key=lambda item: (-len(item[1]), item[0]))
    return [LinkDomain(domain, links) for domain, links in ordered]


@dataclass(frozen=True)
class ThreadRow:
    entry: Entry
    depth: int


def thread_rows(threads: list[Entry], *, max_depth: int = 4) -> list[ThreadRow]:
    """The threads in reading order, each entry with its indentation (capped for display).

    Iterative, so a reply chain thousands deep cannot exhaust the stack.
    """
    rows: list[ThreadRow] = []
    stack = [(entry, 0) for entry in reversed(threads)]
    while stack:
        entry, depth = stack.pop()
        rows.append(ThreadRow(entry, min(depth, max_depth)))
        stack.extend((reply, depth + 1) for reply in reversed(entry.replies))
    return rows
