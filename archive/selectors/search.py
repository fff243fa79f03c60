"""Archive search: full text on PostgreSQL, a word-by-word LIKE on SQLite (`make run`).

One result per post, newest first, keyset-paginated; two queries per page whatever the
number of matches (three with a participant on PostgreSQL: the handle's accounts first):
the ids of one page, then that page's placements with their snippets. Nothing counts all
matches: on a common word over millions of posts that alone would cost more than the page.

One result per post, not per placement: a post carrying two communities' hashtags is one
thing said once; the result lands on its chat transcript (before a between-chat stream)
and names the other communities it is in. With a community filter, only that community's
placement counts.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery
from django.db import OperationalError, connection, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KeyTransform
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from psycopg2.errors import QueryCanceled

from archive.models import Account, Post, PostPlacement
from archive.paging import Cursor
from archive.post_html import link_display_names
from community.models import Community

PAGE_SIZE = 20
LIMIT = PAGE_SIZE + 1  # one more tells whether there is a next page
# PostgreSQL: how many of the newest posts the first plan walks (see _PAGE_SQL), and how
# long a search may run before it is cancelled.
RECENT_WINDOW = 5000
SEARCH_TIMEOUT_MS = 3000
# Snippet markers: control characters stripped from the text before ts_headline runs, so
# the only ones in its output are the ones it put around matches.
START, STOP = "\x02", "\x03"
# ts_headline drops anything its parser reads as an HTML tag ("<still>" in a post would
# vanish): angle brackets travel as two more control characters and come back in Python.
LT, GT = "\x04", "\x05"
PLAIN_SNIPPET_CHARS = 280
SQLITE_CONTEXT_CHARS = 60

# "#tag" or "-#tag": not inside a word ("C#") and not an HTML entity ("&#39;").
_HASHTAG_RE = re.compile(r"(?<![\w&#])(-?)#(\w+)")
_SEARCHABLE_RE = re.compile(r"[^\W_]")
_TERM_RE = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')
_MARKED_RE = re.compile(f"{START}(.*?){STOP}", re.DOTALL)

# The named parameters of the PostgreSQL page query.
type SqlValues = dict[str, int | str | datetime | list[int]]


@dataclass(frozen=True)
class SearchParams:
    """A valid search (archive.forms.search.SearchForm builds one from the URL)."""

    text: str = ""
    community: Community | None = None
    participant: str = ""
    since: datetime | None = None
    until: datetime | None = None
    before: Cursor | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.community or self.participant or self.since or self.until)


@dataclass(frozen=True)
class ParsedQuery:
    """The q parameter split into what full text handles and what hashtags handle."""

    words: str
    tags: tuple[str, ...] = ()
    excluded_tags: tuple[str, ...] = ()

    @property
    def has_words(self) -> bool:
        return bool(_SEARCHABLE_RE.search(self.words))

    @property
    def is_blank(self) -> bool:
        return not (self.has_words or self.tags or self.excluded_tags)


@dataclass
class SearchResult:
    post: Post
    # The first visible placement gives the result its community and transcript link.
    placement: PostPlacement
    also_in: list[PostPlacement] = field(default_factory=list)
    snippet: SafeString = field(default_factory=lambda: SafeString(""))


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchResult]
    next_cursor: Cursor | None = None
    # A q with nothing a search can match (punctuation only): no query was run.
    no_words: bool = False
    # The search ran past SEARCH_TIMEOUT_MS and was cancelled.
    too_slow: bool = False


class SearchTooSlow(Exception):
    """PostgreSQL cancelled the search at its statement timeout."""


def parse_query(text: str) -> ParsedQuery:
    """Hashtags (matched exactly against the post's hashtags) apart from the words."""
    tags: list[str] = []
    excluded: list[str] = []

    def take(match: re.Match[str]) -> str:
        (excluded if match.group(1) else tags).append(match.group(2).lower())
        return " "

    words = _HASHTAG_RE.sub(take, text).strip()
    return ParsedQuery(words=words, tags=tuple(tags), excluded_tags=tuple(excluded))


def search_posts(
    *,
    params: SearchParams,
    recent_window: int = RECENT_WINDOW,
    timeout_ms: int = SEARCH_TIMEOUT_MS,
) -> SearchPage:
    """One page of posts matching the search, newest first.

    PostgreSQL only: `recent_window` is how many of the newest posts the first plan walks
    (see RECENT_WINDOW); past `timeout_ms` the search gives up and says so.
    """
    parsed = parse_query(params.text)
    if params.text and parsed.is_blank:
        return SearchPage(results=[], no_words=True)
    postgres = connection.vendor == "postgresql"
    if postgres:
        try:
            rows = _postgres_page(
                params=params, parsed=parsed, window=recent_window, timeout_ms=timeout_ms
            )
        except SearchTooSlow:
            return SearchPage(results=[], too_slow=True)
    else:
        posts = _matching_posts(params=params, parsed=parsed)
        rows = list(posts.order_by("-created_at", "-pk").values_list("pk", "created_at")[:LIMIT])
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        next_cursor = Cursor(created_at=rows[-1][1], post_id=rows[-1][0])
    ids = [pk for pk, _ in rows]
    placements = _placements(ids=ids, params=params, parsed=parsed, postgres=postgres)
    results = _results(ids=ids, placements=placements, parsed=parsed, postgres=postgres)
    return SearchPage(results=results, next_cursor=next_cursor)


# --- PostgreSQL: full text, planned for rare and common words alike ---------------------
#
# "Newest first, LIMIT 21" over a full-text match has two good plans: walk the created_at
# index backwards until 21 posts match (fast for common words, a whole-table walk for rare
# ones) or collect every match from the GIN index and sort (fast for rare words, slow for
# common ones). The planner picks by its estimate of the word's frequency, and for any word
# outside the few hundred it keeps statistics on, that estimate is a guess: a rare word then
# walked 440,000 rows (benchmarks/search.py). So the query runs both plans, each bounded:
#
# 1. the newest RECENT_WINDOW posts that pass the cheap filters, walked in order, tested for
#    the match: at most RECENT_WINDOW rows read, and a common word stops after a few dozen;
# 2. only if that found fewer than 21 (UNION ALL under LIMIT stops pulling otherwise): the
#    GIN indexes' matches, in a MATERIALIZED CTE so that no LIMIT or ORDER BY tempts the
#    planner back to the index walk, then those older than the window, sorted.
# The window's end is applied outside the CTE: inside, its unknown value made the planner
# AND the GIN bitmap with a bitmap of the whole created_at index. Visibility (a placement
# not hidden) is a LATERAL look-up per candidate, in order, so only the posts a page needs
# are checked: as a semi join the planner hashed all million placements.
_PAGE_SQL = """
WITH older AS MATERIALIZED (
    SELECT p.id, p.created_at FROM chats_post p WHERE {base} AND {match}
)
SELECT id, created_at FROM (
    (SELECT p.id, p.created_at FROM (
        SELECT p.id, p.created_at, p.search_vector, p.hashtags FROM chats_post p
        WHERE {base} ORDER BY p.created_at DESC, p.id DESC LIMIT {window}
    ) p
    CROSS JOIN LATERAL ({visible}) v
    WHERE {match}
    LIMIT {limit})
    UNION ALL
    (SELECT p.id, p.created_at FROM (
        SELECT o.id, o.created_at FROM older o
        WHERE (o.created_at, o.id) < (
            SELECT w.created_at, w.id FROM chats_post w WHERE {base_w}
            ORDER BY w.created_at DESC, w.id DESC OFFSET {last_of_window} LIMIT 1
        )
        ORDER BY o.created_at DESC, o.id DESC
    ) p
    CROSS JOIN LATERAL ({visible}) v
    LIMIT {limit})
) page
LIMIT {limit}
"""
_VISIBLE_SQL = (
    "SELECT 1 FROM chats_postplacement pl WHERE pl.post_id = p.id AND NOT pl.hidden"
    " {community} LIMIT 1"
)


def _postgres_page(
    *, params: SearchParams, parsed: ParsedQuery, window: int, timeout_ms: int
) -> list[tuple[int, datetime]]:
    # Account ids, not a join on the handle: the planner then knows how few posts an author
    # has (a join left it guessing, and it walked the whole created_at index).
    values: SqlValues = {}
    if params.participant:
        values["authors"] = list(
            Account.objects.filter(handle__iexact=params.participant).values_list("pk", flat=True)
        )
        if not values["authors"]:
            return []
    base = _base_sql(params, values)
    sql = _PAGE_SQL.format(
        base=base.format(t="p"),
        base_w=base.format(t="w"),
        match=_match_sql(parsed, values),
        visible=_visible_sql(params, values),
        window=int(window),
        last_of_window=int(window) - 1,
        limit=LIMIT,
    )
    # jit: the never-run branch's cost estimate crosses jit_above_cost, and compiling the
    # plan cost ~17 ms on a query that runs in under 1. The timeout keeps one slow search
    # (a word common only in old posts, on a far bigger archive) from holding a worker.
    # SET LOCAL ends with the transaction; the savepoint lets a cancelled search roll back
    # inside a request's transaction.
    settings = f"SET LOCAL jit = off; SET LOCAL statement_timeout = {int(timeout_ms)}"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"{settings}; {sql}", values)
            return cursor.fetchall()
    except OperationalError as error:
        if isinstance(error.__cause__, QueryCanceled):
            raise SearchTooSlow from error
        raise


def _base_sql(params: SearchParams, values: SqlValues) -> str:
    """The filters a b-tree serves (created_at, author), as a template over table alias {t}."""
    conditions = ["NOT {t}.removed"]
    if "authors" in values:
        conditions.append("{t}.author_id = ANY(%(authors)s)")
    if params.since is not None:
        conditions.append("{t}.created_at >= %(since)s")
        values["since"] = params.since
    if params.until is not None:
        conditions.append("{t}.created_at < %(until)s")
        values["until"] = params.until
    if params.before is not None:
        conditions.append("({t}.created_at, {t}.id) < (%(before_at)s, %(before_id)s)")
        values.update(before_at=params.before.created_at, before_id=params.before.post_id)
    return " AND ".join(conditions)


def _match_sql(parsed: ParsedQuery, values: SqlValues) -> str:
    """What the GIN indexes serve: the words, and hashtags by containment."""
    conditions = ["TRUE"]
    if parsed.has_words:
        # websearch syntax: quotes, OR and -word are understood; every other character is
        # text, and the value travels as a parameter.
        conditions.append(
            "p.search_vector @@ (websearch_to_tsquery('english', %(words)s) "
            "|| websearch_to_tsquery('simple', %(words)s))"
        )
        values["words"] = parsed.words
    for n, tag in enumerate(parsed.tags):
        conditions.append(f"p.hashtags @> %(tag{n})s::jsonb")
        values[f"tag{n}"] = json.dumps([tag])
    for n, tag in enumerate(parsed.excluded_tags):
        conditions.append(f"NOT p.hashtags @> %(not_tag{n})s::jsonb")
        values[f"not_tag{n}"] = json.dumps([tag])
    return " AND ".join(conditions)


def _visible_sql(params: SearchParams, values: SqlValues) -> str:
    if params.community is None:
        return _VISIBLE_SQL.format(community="")
    values["community"] = params.community.pk
    return _VISIBLE_SQL.format(community="AND pl.community_id = %(community)s")


# --- The page's placements and snippets (both databases) -------------------------------


def _placements(
    *, ids: list[int], params: SearchParams, parsed: ParsedQuery, postgres: bool
) -> list[PostPlacement]:
    if not ids:
        return []
    shown = PostPlacement.objects.filter(hidden=False)
    if params.community is not None:
        shown = shown.filter(community=params.community)
    # A chat's transcript is a better landing place than the between-chat stream.
    landing_order = (F("chat_id").asc(nulls_last=True), "pk")
    placements = (
        shown.filter(post_id__in=ids)
        .select_related("post__author", "community", "chat__community")
        .defer("post__raw", "post__search_vector", "post__html")
        # Only the link entities of the raw post: the snippet shows links as transcripts do.
        .annotate(link_entities=KeyTransform("urls", KeyTransform("entities", "post__raw")))
        .order_by(*landing_order)
    )
    headline_text = " ".join([parsed.words, *parsed.tags]).strip()
    if postgres and _SEARCHABLE_RE.search(headline_text):
        # ts_headline re-parses the whole text: run it on the placement that becomes the
        # result (the post's first, as _results reads them), not on every community's copy.
        first = shown.filter(post_id=OuterRef("post_id")).order_by(*landing_order)
        placements = placements.annotate(
            marked=Case(
                When(pk=Subquery(first.values("pk")[:1]), then=_headline(headline_text)),
                output_field=TextField(),
            )
        )
    return list(placements)


def _headline(text: str) -> SearchHeadline:
    # Highlight with the post's own stemmer too, so a French post's stems light up.
    own_config = Func(F("post__language"), function="chats_search_config", output_field=TextField())
    query = (
        SearchQuery(text, search_type="websearch", config=own_config)
        | SearchQuery(text, search_type="websearch", config="english")
        | SearchQuery(text, search_type="websearch", config="simple")
    )
    body = Func(
        F("post__text"),
        Value(f"<>{START}{STOP}{LT}{GT}"),
        Value(f"{LT}{GT}"),
        function="translate",
        output_field=TextField(),
    )
    return SearchHeadline(
        body,
        query,
        config=own_config,
        start_sel=START,
        stop_sel=STOP,
        max_words=30,
        min_words=12,
        max_fragments=2,
        fragment_delimiter=" … ",
    )


def _results(
    *, ids: list[int], placements: Iterable[PostPlacement], parsed: ParsedQuery, postgres: bool
) -> list[SearchResult]:
    by_post: dict[int, SearchResult] = {}
    for placement in placements:
        result = by_post.get(placement.post_id)
        if result is None:
            by_post[placement.post_id] = SearchResult(
                post=placement.post,
                placement=placement,
                snippet=_snippet(placement, parsed, postgres=postgres),
            )
        else:
            result.also_in.append(placement)
    # A placement hidden between the two queries leaves its post out, nothing more.
    return [by_post[pk] for pk in ids if pk in by_post]


def _snippet(placement: PostPlacement, parsed: ParsedQuery, *, postgres: bool) -> SafeString:
    names = link_display_names(getattr(placement, "link_entities", None))
    marked = getattr(placement, "marked", None)
    if marked is not None:
        return _with_display_links(marked_snippet(marked.replace(LT, "<").replace(GT, ">")), names)
    text = placement.post.text.replace(START, "").replace(STOP, "")
    if not postgres:
        return _with_display_links(marked_snippet(_mark_words(text, parsed)), names)
    return _with_display_links(marked_snippet(_shorten(text, 0)), names)


def _with_display_links(snippet: SafeString, names: dict[str, str]) -> SafeString:
    """t.co links as their display URL (escaped), as the transcripts show them."""
    if not names:
        return snippet
    shown = _TCO_RE.sub(lambda m: str(escape(names.get(m.group(0), m.group(0)))), snippet)
    return mark_safe(shown)  # noqa: S308 - the snippet was escaped, each name is escaped here


_TCO_RE = re.compile(r"https://t\.co/[A-Za-z0-9]+")


def marked_snippet(marked: str) -> SafeString:
    """Escape text whose matches sit between START and STOP, then mark them."""
    pieces: list[str] = []
    position = 0
    for match in _MARKED_RE.finditer(marked):
        pieces.append(_clean(marked[position : match.start()]))
        pieces.append(f"<mark>{_clean(match.group(1))}</mark>")
        position = match.end()
    pieces.append(_clean(marked[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def _clean(text: str) -> str:
    return str(escape(text.replace(START, "").replace(STOP, "")))


def _shorten(text: str, start: int) -> str:
    begin = max(start - SQLITE_CONTEXT_CHARS, 0) if start else 0
    piece = text[begin : begin + PLAIN_SNIPPET_CHARS]
    prefix = "… " if begin else ""
    suffix = " …" if begin + PLAIN_SNIPPET_CHARS < len(text) else ""
    return f"{prefix}{piece}{suffix}"


# --- SQLite (`make run`): the same filters through the ORM, words by LIKE -------------


def _matching_posts(*, params: SearchParams, parsed: ParsedQuery) -> QuerySet:
    visible = PostPlacement.objects.filter(post=OuterRef("pk"), hidden=False)
    if params.community is not None:
        visible = visible.filter(community=params.community)
    posts = Post.objects.filter(Exists(visible), removed=False)
    if parsed.has_words:
        posts = posts.filter(_like(parsed.words))
    for tag in parsed.tags:
        posts = posts.filter(text__icontains=f"#{tag}")
    for tag in parsed.excluded_tags:
        posts = posts.exclude(text__icontains=f"#{tag}")
    if params.participant:
        posts = posts.filter(author__handle__iexact=params.participant)
    if params.since is not None:
        posts = posts.filter(created_at__gte=params.since)
    if params.until is not None:
        posts = posts.filter(created_at__lt=params.until)
    if params.before is not None:
        cursor = params.before
        posts = posts.filter(
            Q(created_at__lt=cursor.created_at)
            | Q(created_at=cursor.created_at, pk__lt=cursor.post_id)
        )
    return posts


def _like_terms(parsed: ParsedQuery) -> tuple[list[str], list[str]]:
    """Words and quoted phrases to find, and those to leave out ("-word")."""
    wanted: list[str] = []
    unwanted: list[str] = []
    for match in _TERM_RE.finditer(parsed.words):
        minus = match.group(1) or match.group(3)
        term = (match.group(2) if match.group(2) is not None else match.group(4)).strip()
        term = term.strip(".,;:!?()[]{}'\"") if match.group(4) else term
        if not _SEARCHABLE_RE.search(term) or term.lower() == "or":
            continue
        (unwanted if minus else wanted).append(term)
    return wanted, unwanted


def _like(words: str) -> Q:
    wanted, unwanted = _like_terms(ParsedQuery(words=words))
    condition = Q()
    for term in wanted:
        condition &= Q(text__icontains=term)
    for term in unwanted:
        condition &= ~Q(text__icontains=term)
    return condition


def _mark_words(text: str, parsed: ParsedQuery) -> str:
    wanted = [*_like_terms(parsed)[0], *(f"#{tag}" for tag in parsed.tags)]
    if not wanted:
        return _shorten(text, 0)
    pattern = re.compile("|".join(re.escape(term) for term in wanted), re.IGNORECASE)
    first = pattern.search(text)
    shown = _shorten(text, first.start() if first else 0)
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", shown)
