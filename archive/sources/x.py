"""X: recent search (API v2) through tweepy, and the normaliser its pages and archives share."""

import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
import tweepy

from archive.networks import Network
from archive.post_html import render_post_html, shared_links, unescape_x_text
from archive.sources.base import (
    NormalisedAccount,
    NormalisedPost,
    Page,
    PullQuery,
    RateLimited,
    SkippedItem,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
    query_hashtags,
)
from archive.sources.x_objects import snowflake_time

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.x.com"
MAX_QUERY_LENGTH = 512
# tweepy 4.17 hard-codes this host in BaseClient.request; our session rebases it.
TWEEPY_HOST = "https://api.twitter.com"
# The wait after a 429 whose x-rate-limit-reset is missing or unusable: short, as the limit
# may well have reset already; another 429 costs a request, and no reads.
RATE_LIMIT_FALLBACK = timedelta(seconds=60)
# A reset further ahead than X's longest window (24 hours) is garbage, not a reason to stop
# archiving for longer; one more than a minute past is as unusable.
RATE_LIMIT_LONGEST = timedelta(hours=24)
RATE_LIMIT_SKEW = timedelta(seconds=60)

TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "public_metrics",
    "attachments",
    "lang",
    # Posts over 280 characters carry their full text and entities only here.
    "note_tweet",
]
EXPANSIONS = [
    "author_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "in_reply_to_user_id",
    "attachments.media_keys",
]
USER_FIELDS = ["username", "name", "profile_image_url", "verified"]
MEDIA_FIELDS = ["url", "preview_image_url", "type", "width", "height"]

_ID_RE = re.compile(r"\d{1,20}")
# No whitespace or control character anywhere: a browser would strip them and read on.
_HTTP_URL_RE = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f][^\s\x00-\x1f\x7f]*", re.IGNORECASE)


class _Malformed(ValueError):
    pass


# --- query -------------------------------------------------------------------------------


def build_x_query(hashtags: Iterable[str]) -> str:
    """`#a -is:retweet`, or `(#a OR #b) -is:retweet`; ValueError past X's 512 characters."""
    tags = query_hashtags(hashtags)
    terms = " OR ".join(f"#{tag}" for tag in tags)
    query = f"({terms}) -is:retweet" if len(tags) > 1 else f"{terms} -is:retweet"
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"query is {len(query)} characters; X allows {MAX_QUERY_LENGTH}")
    return query


# --- normalising -------------------------------------------------------------------------


def normalise_x_page(payload: Mapping[str, Any]) -> Page:
    """Turn one recent-search response into a Page; a bad item is skipped, never raised."""
    if not isinstance(payload, Mapping):
        return Page(posts=(), skipped=(SkippedItem(None, "page is not a JSON object"),))
    payload = _storable(payload)
    includes = _mapping(payload.get("includes"))
    users = _index(includes.get("users"), "id")
    media = _index(includes.get("media"), "media_key")
    data = payload.get("data", [])
    if not isinstance(data, list):
        data = [data]
    posts: list[NormalisedPost] = []
    skipped: list[SkippedItem] = []
    for item in data:
        try:
            posts.append(_post(item, users, media))
        except _Malformed as exc:
            skipped.append(_skip(item, str(exc)))
    if payload.get("errors"):
        # Partial errors (a referenced post or user X can no longer return) are normal.
        logger.debug("X page carried %d partial errors", len(payload["errors"]))
    return _page(posts, skipped, payload.get("meta"), data)


def x_archive_pages(lines: Iterable[str]) -> Iterator[Page]:
    """Pages from a JSON-lines archive of v2 responses (what `twarc2 search` writes)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            payload = json.loads(line)
        except ValueError:
            logger.warning("X archive line %d is not JSON; skipped", number)
            reason = f"line {number} is not JSON"
            yield Page(posts=(), skipped=(SkippedItem(None, reason),))
            continue
        yield normalise_x_page(payload)


def _page(
    posts: list[NormalisedPost], skipped: list[SkippedItem], raw_meta: object, data: list
) -> Page:
    meta = _mapping(raw_meta)
    count = meta.get("result_count")
    newest_id, oldest_id = _id_or_none(meta.get("newest_id")), _id_or_none(meta.get("oldest_id"))
    if not (newest_id and oldest_id):
        # How far the pull reached is what a gap left by a cut-short pull starts from.
        ids = [int(i) for item in data if (i := _id_or_none(_mapping(item).get("id")))]
        newest_id = newest_id or (str(max(ids)) if ids else None)
        oldest_id = oldest_id or (str(min(ids)) if ids else None)
    return Page(
        posts=tuple(posts),
        skipped=tuple(skipped),
        newest_id=newest_id,
        oldest_id=oldest_id,
        next_token=meta.get("next_token") if isinstance(meta.get("next_token"), str) else None,
        result_count=count if isinstance(count, int) else len(data),
        last=isinstance(raw_meta, Mapping) and "next_token" not in meta,
    )


# JSON may carry what PostgreSQL cannot store: NUL, and (from "\ud83d" escapes) lone
# surrogates, which UTF-8 cannot encode. Left in, one such post would fail its whole page.
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """The payload with every unstorable character replaced by U+FFFD (offsets unchanged)."""
    if isinstance(value, str):
        return _UNSTORABLE_RE.sub("\ufffd", value) if _UNSTORABLE_RE.search(value) else value
    if isinstance(value, Mapping):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


def _skip(item: object, reason: str) -> SkippedItem:
    raw_id = item.get("id") if isinstance(item, Mapping) else None
    item_id = str(raw_id) if isinstance(raw_id, str | int) else None
    logger.warning("Skipped X post %s: %s", item_id or "(no id)", reason)
    return SkippedItem(item_id, reason)


def _post(
    item: object,
    users: Mapping[str, Mapping[str, Any]],
    media: Mapping[str, Mapping[str, Any]],
) -> NormalisedPost:
    if not isinstance(item, Mapping):
        raise _Malformed("item is not an object")
    tweet_id = _required_id(item, "id")
    author_id = _required_id(item, "author_id")
    created_at = _parse_time(_required_str(item, "created_at"))
    raw_text, entities = _text_and_entities(item)
    references = _references(item)
    if "retweeted" in references:
        raise _Malformed("is a repost")
    return NormalisedPost(
        network=Network.X,
        external_id=tweet_id,
        author=_author(author_id, users.get(author_id)),
        text=unescape_x_text(raw_text),
        html=render_post_html(
            raw_text,
            urls=entities["urls"],
            mentions=entities["mentions"],
            hashtags=entities["hashtags"],
        ),
        created_at=created_at,
        conversation_id=_optional_id(item, "conversation_id"),
        reply_to_id=references.get("replied_to"),
        quoted_id=references.get("quoted"),
        language=_optional_str(item, "lang"),
        metrics=_metrics(item.get("public_metrics")),
        media=_media(item.get("attachments"), media),
        links=shared_links(entities["urls"]),
        hashtags=_hashtags(entities["hashtags"]),
        replaces=_earlier_versions(item, tweet_id),
        raw=dict(item),
    )


def _earlier_versions(item: Mapping[str, Any], tweet_id: str) -> tuple[str, ...]:
    # An edit is a new post whose edit_history_tweet_ids lists every version, oldest first.
    history = item.get("edit_history_tweet_ids")
    if not isinstance(history, list):
        return ()
    return tuple(str(v) for v in history if _id_or_none(v) and str(v) != tweet_id)


def _text_and_entities(item: Mapping[str, Any]) -> tuple[str, dict[str, list[Mapping]]]:
    note = item.get("note_tweet")
    source = note if isinstance(note, Mapping) and isinstance(note.get("text"), str) else item
    text = _required_str(source, "text")
    entities = source.get("entities", {})
    if not isinstance(entities, Mapping):
        raise _Malformed("entities is not an object")
    result: dict[str, list[Mapping]] = {}
    for kind in ("urls", "mentions", "hashtags"):
        values = entities.get(kind, [])
        if not isinstance(values, list) or not all(isinstance(v, Mapping) for v in values):
            raise _Malformed(f"entities.{kind} is not a list of objects")
        result[kind] = values
    return text, result


def _references(item: Mapping[str, Any]) -> dict[str, str]:
    refs = item.get("referenced_tweets", [])
    if not isinstance(refs, list):
        raise _Malformed("referenced_tweets is not a list")
    found: dict[str, str] = {}
    for ref in refs:
        if not isinstance(ref, Mapping) or not isinstance(ref.get("type"), str):
            raise _Malformed("bad referenced_tweets entry")
        found.setdefault(ref["type"], _required_id(ref, "id"))
    return found


def _author(author_id: str, user: Mapping[str, Any] | None) -> NormalisedAccount:
    """The author as includes.users describes it. X leaves out an author it cannot return
    (suspended, protected, deactivated; the page's `errors` says which): the post is kept,
    its author known by id alone (empty handle) until a later page describes it."""
    user = user or {}
    handle = _optional_str(user, "username")
    name = _optional_str(user, "name")
    return NormalisedAccount(
        network=Network.X,
        external_id=author_id,
        handle=handle,
        display_name=name or handle,
        avatar_url=_http_url(user.get("profile_image_url")),
    )


def _metrics(public: object) -> dict[str, int]:
    public = public if isinstance(public, Mapping) else {}
    names = {"likes": "like_count", "replies": "reply_count", "reposts": "retweet_count"}
    names["quotes"] = "quote_count"
    metrics = {}
    for ours, theirs in names.items():
        value = public.get(theirs, 0)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Malformed(f"public_metrics.{theirs} is not a number")
        metrics[ours] = value
    return metrics


def _media(
    attachments: object, media: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, str], ...]:
    keys = attachments.get("media_keys", []) if isinstance(attachments, Mapping) else []
    found = []
    for key in keys if isinstance(keys, list) else []:
        item = media.get(key) if isinstance(key, str) else None
        if item is None:
            continue  # X may withhold a media object; the post itself is still good.
        preview = _http_url(item.get("preview_image_url"))
        url = _http_url(item.get("url")) or preview
        preview = preview or url
        if url:
            found.append({"type": _optional_str(item, "type"), "url": url, "preview_url": preview})
    return tuple(found)


def _hashtags(entities: list[Mapping]) -> tuple[str, ...]:
    tags = (e.get("tag") for e in entities)
    return tuple(dict.fromkeys(t.lower() for t in tags if isinstance(t, str) and t))


def _index(values: object, key: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(values, list):
        return {}
    return {
        str(v[key]): v
        for v in values
        if isinstance(v, Mapping) and isinstance(v.get(key), str | int)
    }


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _required_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str):
        raise _Malformed(f"{key} is missing or not a string")
    return value


def _required_id(item: Mapping[str, Any], key: str) -> str:
    value = _required_str(item, key)
    if not _ID_RE.fullmatch(value):
        raise _Malformed(f"{key} is not a numeric id")
    return value


def _optional_id(item: Mapping[str, Any], key: str) -> str | None:
    return _required_id(item, key) if key in item else None


def _optional_str(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return value if isinstance(value, str) else ""


def _http_url(value: object) -> str:
    """The URL if it is an absolute http(s) one, else "": pages put it in an img src."""
    return value if isinstance(value, str) and _HTTP_URL_RE.fullmatch(value) else ""


def _id_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and _ID_RE.fullmatch(value) else None


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Malformed(f"created_at {value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        raise _Malformed("created_at has no time zone")
    return parsed.astimezone(UTC)


# --- live source -------------------------------------------------------------------------


class _RebasingSession(requests.Session):
    """Sends tweepy's hard-coded host to `base_url`, gives every request a timeout, and
    answers a 429 itself (see `_rate_limited`)."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str) and url.startswith(TWEEPY_HOST + "/"):
            url = self.base_url + url.removeprefix(TWEEPY_HOST)
        kwargs.setdefault("timeout", self.timeout)
        response = super().request(method, url, *args, **kwargs)
        if response.status_code == 429:
            response.close()
            raise _rate_limited(response.headers.get("x-rate-limit-reset"))
        return response


def _rate_limited(reset_header: str | None, *, now: datetime | None = None) -> RateLimited:
    """A 429, until X's reset or, when that is missing or unusable, RATE_LIMIT_FALLBACK.

    The one home of our 429 handling, before tweepy's: tweepy 4.17 int()s the header
    itself and fails with a ValueError on anything but an integer ("soon")."""
    now = now or datetime.now(UTC)
    try:
        reset_at = datetime.fromtimestamp(int(reset_header or ""), tz=UTC)
    except (ValueError, OverflowError, OSError):
        reset_at = None
    if reset_at is None or not now - RATE_LIMIT_SKEW <= reset_at <= now + RATE_LIMIT_LONGEST:
        logger.warning(
            "X rate limited us with an unusable x-rate-limit-reset (%r); waiting %s",
            reset_header,
            RATE_LIMIT_FALLBACK,
        )
        reset_at = now + RATE_LIMIT_FALLBACK
    return RateLimited(reset_at)


class XSource:
    """Recent search, page by page; the one home of X's time limits and our margins."""

    network = Network.X

    # What recent search (GET /2/tweets/search/recent) accepts, checked by X at every
    # request, each page of a pull included:
    # start_time and since_id at most seven days old,
    SEARCH_LIMIT = timedelta(days=7)
    # end_time at least ten seconds old (omitted, X searches up to now minus 30 s).
    END_TIME_LIMIT = timedelta(seconds=10)

    # What we ask for, inside those limits. Every page of a pull sends the same start_time
    # or since_id again, so a bound chosen when the pull starts must still be younger than
    # seven days when its last page goes out: the margin is a pull task's time limit
    # (ARCHIVE_PULL_TIME_LIMIT, 300 s; the task stops paging at its soft limit, 30 s
    # earlier, which leaves those 30 s for a clock running behind X's). The pull services
    # start their queries, trust their cursors and claim final sweeps within this window.
    SEARCH_WINDOW = SEARCH_LIMIT - timedelta(minutes=5)
    # end_time is judged young or old once, for the first request (later pages only find
    # it older): 5 s over X's limit for clock skew and the time until that request leaves.
    END_TIME_MIN_AGE = END_TIME_LIMIT + timedelta(seconds=5)
    # The same, under the names every source may carry (archive.sources.registry): the
    # pull services read them from the source, so they bind X's pulls only.
    search_window: timedelta | None = SEARCH_WINDOW
    end_time_min_age: timedelta = END_TIME_MIN_AGE

    def __init__(
        self, bearer_token: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 30
    ) -> None:
        self.bearer_token = bearer_token
        self.base_url = base_url
        self.timeout = timeout

    def fetch_pages(self, query: PullQuery) -> Iterator[Page]:
        params = search_params(query, now=datetime.now(UTC))
        if params is None:
            return
        client = tweepy.Client(
            bearer_token=self.bearer_token, wait_on_rate_limit=False, return_type=dict
        )
        client.session = _RebasingSession(self.base_url, self.timeout)
        try:
            # The bound method itself: Paginator picks `next_token` by its __name__.
            pages = iter(tweepy.Paginator(client.search_recent_tweets, **params))
            while (payload := _next_payload(pages)) is not None:
                page = normalise_x_page(payload)
                yield page
                if not (page.last or page.next_token):
                    # tweepy's Paginator stops after a page without meta (or not a JSON
                    # object) as if it were the last. It is not: X said nothing of what
                    # follows. The pull is cut short here and resumes below this page.
                    raise SourceUnavailable(
                        "X sent a page without meta (no next_token, no counts): the pull "
                        "stopped there; the next one reads what lies below it."
                    )
        finally:
            client.session.close()

    def fetch_usage(self, *, days: int) -> dict[date, int]:
        """The posts X counts as consumed (billed) per UTC day over the last `days` days:
        GET /2/usage/tweets, with the app's Bearer token. tweepy 4.17 has no method for it;
        its client's request() gives the same host rebasing and errors as a search."""
        client = tweepy.Client(bearer_token=self.bearer_token, wait_on_rate_limit=False)
        client.session = _RebasingSession(self.base_url, self.timeout)
        params = {"days": days, "usage.fields": "daily_project_usage"}
        try:
            payload = _next_payload(_usage_response(client, params))
        finally:
            client.session.close()
        return normalise_x_usage(payload or {})


def search_params(query: PullQuery, *, now: datetime) -> dict[str, Any] | None:
    """Paginator keyword arguments for a pull, or None when the window holds nothing."""
    oldest_allowed = now - XSource.SEARCH_WINDOW
    since_id, start_time = query.since_id, query.start_time
    for moment in (start_time, query.end_time):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("PullQuery times must be timezone-aware")
    if since_id is not None and snowflake_time(since_id) < oldest_allowed:
        # X refuses an old since_id; everything after it that X still has is the window.
        since_id, start_time = None, max(start_time or oldest_allowed, oldest_allowed)
    if since_id is None and start_time is not None:
        start_time = max(start_time, oldest_allowed)
    end_time = query.end_time
    if end_time is not None and end_time >= now - XSource.END_TIME_MIN_AGE:
        end_time = None  # too recent for X: omitted, X stops 30 s before the request
    if since_id is None and start_time and end_time and start_time >= end_time:
        return None
    if query.until_id is not None and snowflake_time(query.until_id) <= oldest_allowed:
        return None  # everything older than until_id is beyond what X still serves
    return {
        "query": build_x_query(query.hashtags),
        "max_results": 100,
        # since_id takes precedence over start_time at X; send only the one that counts.
        "since_id": since_id,
        "start_time": None if since_id else start_time,
        "end_time": end_time,
        "until_id": query.until_id,
        "tweet_fields": TWEET_FIELDS,
        "expansions": EXPANSIONS,
        "user_fields": USER_FIELDS,
        "media_fields": MEDIA_FIELDS,
    }


def _next_payload(pages: Iterator[Any]) -> dict[str, Any] | None:
    try:
        return next(pages)
    except StopIteration:
        return None
    except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
        raise SourceAuthError(str(exc)) from exc
    except tweepy.TwitterServerError as exc:
        raise SourceUnavailable(str(exc)) from exc
    except (
        requests.Timeout,
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        requests.JSONDecodeError,
    ) as exc:
        raise SourceUnavailable(f"{type(exc).__name__}: {exc}") from exc
    except tweepy.HTTPException as exc:
        raise SourceError(str(exc)) from exc


# --- usage -------------------------------------------------------------------------------

USAGE_PATH = "/2/usage/tweets"


def _usage_response(client: tweepy.Client, params: dict[str, Any]) -> Iterator[Any]:
    # A generator, so that _next_payload maps this request's errors as it maps a page's.
    yield client.request("GET", USAGE_PATH, params=params).json()


def normalise_x_usage(payload: Mapping[str, Any]) -> dict[date, int]:
    """Posts consumed per UTC day from a /2/usage/tweets response; bad entries are left out.

    X documents two shapes of daily_project_usage: a list of days, each with
    tweets_consumed per app (the usage guide), and an object whose `usage` lists
    {date, usage} (the API reference), its numbers sometimes strings. Both are read;
    a day's apps are added up, as X counts the whole project.
    """
    data = _mapping(_mapping(payload).get("data"))
    daily = data.get("daily_project_usage")
    entries = daily.get("usage") if isinstance(daily, Mapping) else daily
    counts: dict[date, int] = {}
    for entry in entries if isinstance(entries, list) else []:
        entry = _mapping(entry)
        day, posts = _usage_day(entry.get("date")), _consumed(entry.get("usage"))
        if day is not None and posts is not None:
            counts[day] = counts.get(day, 0) + posts
    return counts


def _usage_day(value: object) -> date | None:
    # "2024-01-15" or "2024-01-15T00:00:00.000Z": the UTC day either way.
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None
    except ValueError:
        return None


def _consumed(value: object) -> int | None:
    if isinstance(value, list):
        per_app = [_consumed(_mapping(app).get("tweets_consumed")) for app in value]
        return None if None in per_app else sum(n for n in per_app if n is not None)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
