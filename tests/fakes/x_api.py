"""A fake X API v2 recent search on 127.0.0.1, for tests and benchmarks.

The real tweepy client talks to it over HTTP (point XSource's base_url at `api.base_url`).
It serves X's response shapes, honours the search parameters Hashtag Commons uses,
answers only the fields and expansions asked for, keeps a per-window request budget, and
lets a test queue faults (429 with x-rate-limit-reset, missing or garbled; 5xx; slow
answers; pages without `meta`), corrupt items, or withhold accounts X cannot return.
It bills as X does, each post it serves once per UTC day, and reports that count at
GET /2/usage/tweets.

    with FakeXApi() as api:
        api.add_users(user)
        api.add_tweets(tweet)
        api.fail_next(status=429, reset_in=120)
        api.fail_next(status=429, reset_header="soon")
        api.drop_meta_next()
        api.withhold_users(user["id"], reason="suspended")
"""

import base64
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from archive.sources.x_objects import base62
from archive.x_text import extract_urls_with_indices
from tests.fakes.local_http import LocalHttpServer
from tests.fakes.x_data import make_tweet, search_response, snowflake, snowflake_time

SEARCH_PATH = "/2/tweets/search/recent"
TWEETS_PATH = "/2/tweets"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
USAGE_PATH = "/2/usage/tweets"
DEFAULT_TOKEN = "test-bearer-token"
_DROP = object()
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z")
_DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
_DEFAULT_USER_FIELDS = ("id", "name", "username")
_DEFAULT_MEDIA_FIELDS = ("media_key", "type")
USAGE_FIELDS = frozenset(
    {
        "cap_reset_day",
        "daily_client_app_usage",
        "daily_project_usage",
        "project_cap",
        "project_id",
        "project_usage",
    }
)
# What X answers without usage.fields: no daily breakdown.
_DEFAULT_USAGE_FIELDS = ("cap_reset_day", "project_cap", "project_id", "project_usage")
PROJECT_ID = "1369785403853424"
APP_ID = "28469753"
PROJECT_CAP = 2_000_000
_STATUS_TITLES = {
    400: "Invalid Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found Error",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    authorization: str | None
    status: int = 0
    # Posts in the answer: what X bills, whether or not the client went on to store them.
    served: int = 0


@dataclass
class _Fault:
    status: int | None = None
    reset_in: float | None = None
    delay: float = 0.0
    body: Mapping[str, Any] | None = None
    # 429: sent as x-rate-limit-reset verbatim, whatever reset_in says.
    reset_header: str | None = None
    # Answered normally, but without the response's `meta` object.
    without_meta: bool = False


class _BadRequest(Exception):
    pass


@dataclass
class _Search:
    tags: frozenset[str]
    exclude_retweets: bool
    since_id: int | None
    start_time: datetime | None
    end_time: datetime | None
    max_results: int
    until_id: int | None
    signature: str
    fields: dict[str, set[str]] = field(default_factory=dict)


class FakeXApi(LocalHttpServer):
    def __init__(
        self,
        *,
        bearer_token: str = DEFAULT_TOKEN,
        rate_limit: int = 450,
        window_seconds: int = 900,
        enforce_recent_window: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bearer_token = bearer_token
        self.rate_limit = rate_limit
        self.window_seconds = window_seconds
        # X refuses start_time/since_id older than 7 days and end_time under 10 s old;
        # off by default so tests may use fixed dates.
        self.enforce_recent_window = enforce_recent_window
        self.clock = clock
        self.tweets: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        # Post ids served per UTC day, each billed once that day: what /2/usage/tweets counts.
        self.consumed: dict[date, set[str]] = {}
        # Added to a day's count at /2/usage/tweets: X counting what we did not see.
        self.usage_adjustments: dict[date, int] = {}
        # X documents two shapes of daily_project_usage: "daily", a list of days each with
        # tweets_consumed per app (the usage guide); "openapi", an object whose usage lists
        # {date, usage} with numbers as strings (the API reference and its older example).
        self.usage_shape = "daily"
        # Member OAuth 2 user tokens (POST /2/tweets): token -> the X user id it posts as.
        self.user_tokens: dict[str, str] = {}
        # POST /2/tweets per user per window (X: 100 per 15 minutes).
        self.post_limit = 100
        self._posts_in_window: dict[str, list[float]] = {}
        self._corruptions: dict[str, dict[str, Any]] = {}
        self._withheld: dict[str, str] = {}
        self._faults: deque[_Fault] = deque()
        self._window_reset: float = 0.0
        self._window_used = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    # --- lifecycle ---------------------------------------------------------------------

    def make_server(self) -> ThreadingHTTPServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        return server

    def stop(self) -> None:
        self._stopping.set()
        super().stop()

    # --- data --------------------------------------------------------------------------

    def add_users(self, *users: Mapping[str, Any]) -> None:
        with self._lock:
            self.users.update({u["id"]: dict(u) for u in users})

    def add_media(self, *media: Mapping[str, Any]) -> None:
        with self._lock:
            self.media.update({m["media_key"]: dict(m) for m in media})

    def add_tweets(self, *tweets: Mapping[str, Any]) -> None:
        with self._lock:
            self.tweets.update({t["id"]: dict(t) for t in tweets})

    def corrupt(self, tweet_id: str, *, drop: Iterable[str] = (), **replace: Any) -> None:
        """Serve this stored post malformed: without the `drop` keys, with `replace` values."""
        with self._lock:
            self._corruptions[tweet_id] = {**dict.fromkeys(drop, _DROP), **replace}

    def withhold_users(self, *user_ids: str, reason: str = "suspended") -> None:
        """Leave these accounts out of includes.users, with a partial error for each, as X
        does for a suspended ("suspended") or protected ("protected") author."""
        with self._lock:
            self._withheld.update(dict.fromkeys(user_ids, reason))

    def release_users(self, *user_ids: str) -> None:
        with self._lock:
            for user_id in user_ids:
                self._withheld.pop(user_id, None)

    def authorize_user_token(self, token: str, user: Mapping[str, Any]) -> None:
        """Accept `token` as the user's OAuth 2 token (what X's token endpoint issued)."""
        with self._lock:
            self.users.setdefault(user["id"], dict(user))
            self.user_tokens[token] = user["id"]

    def expire_user_token(self, token: str) -> None:
        """The token's two hours are over: X answers 401 to it from now on."""
        with self._lock:
            self.user_tokens.pop(token, None)

    @property
    def create_requests(self) -> list["RecordedRequest"]:
        """Every POST /2/tweets received, answered or refused."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path == TWEETS_PATH]

    @property
    def created(self) -> list["RecordedRequest"]:
        """The POST /2/tweets that created a post."""
        return [r for r in self.create_requests if r.status == 201]

    # --- faults ------------------------------------------------------------------------

    def fail_next(
        self,
        *,
        status: int = 503,
        reset_in: float | None = None,
        body: Mapping[str, Any] | None = None,
        times: int = 1,
        after: int = 0,
        reset_header: str | None = None,
    ) -> None:
        """The next `times` requests fail with `status` (429: reset `reset_in` s from now,
        or `reset_header` sent as it is; neither: no reset header); with `after`, only once
        that many more requests were answered normally (mid-pull)."""
        with self._lock:
            self._faults.extend(_Fault() for _ in range(after))
            self._faults.extend(
                _Fault(status=status, reset_in=reset_in, body=body, reset_header=reset_header)
                for _ in range(times)
            )

    def drop_meta_next(self, *, times: int = 1) -> None:
        """The next `times` requests are answered without `meta` (no counts, no next_token)."""
        with self._lock:
            self._faults.extend(_Fault(without_meta=True) for _ in range(times))

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """The next `times` requests wait `seconds` before answering normally."""
        with self._lock:
            self._faults.extend(_Fault(delay=seconds) for _ in range(times))

    # --- request log -------------------------------------------------------------------

    @property
    def search_requests(self) -> list[dict[str, str]]:
        with self._lock:
            return [r.params for r in self.requests if r.path == SEARCH_PATH]

    @property
    def usage_requests(self) -> list[dict[str, str]]:
        with self._lock:
            return [r.params for r in self.requests if r.path == USAGE_PATH]

    def today(self) -> date:
        """The UTC day by the fake's clock: the day X bills what it serves now."""
        return datetime.fromtimestamp(self.clock(), tz=UTC).date()

    @property
    def posts_served(self) -> int:
        with self._lock:
            return sum(r.served for r in self.requests if r.path == SEARCH_PATH)

    # --- answering ---------------------------------------------------------------------

    def respond(
        self, method: str, target: str, authorization: str | None
    ) -> tuple[int, dict[str, str], Mapping[str, Any]]:
        parts = urlsplit(target)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        record = RecordedRequest(method, parts.path, params, authorization)
        with self._lock:
            self.requests.append(record)
            fault = self._faults.popleft() if self._faults else None
        status, headers, body = self._answer(fault, parts.path, params, authorization)
        record.status = status
        record.served = len(body.get("data") or ()) if status == 200 else 0
        return status, headers, body

    def respond_post(
        self, target: str, authorization: str | None, body: object
    ) -> tuple[int, dict[str, str], Mapping[str, Any]]:
        """POST /2/tweets, with a member's OAuth 2 user token as the Bearer."""
        path = urlsplit(target).path
        params = body if isinstance(body, dict) else {}
        record = RecordedRequest("POST", path, {"json": json.dumps(params)}, authorization)
        with self._lock:
            self.requests.append(record)
            fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.status is not None:
            status, headers, answer = self._fault_answer(fault)
        elif path != TWEETS_PATH:
            status, headers, answer = _problem(404)
        else:
            status, headers, answer = self._create(params, authorization)
        record.status = status
        return status, headers, answer

    def _create(
        self, params: Mapping[str, Any], authorization: str | None
    ) -> tuple[int, dict[str, str], Mapping[str, Any]]:
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            user_id = self.user_tokens.get(token) if scheme == "Bearer" else None
        if user_id is None:
            return _problem(401)
        headers, allowed = self._spend_post_budget(user_id)
        if not allowed:
            return 429, headers, _problem(429)[2]
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return 400, headers, _invalid("text is required")
        reply_id = (params.get("reply") or {}).get("in_reply_to_tweet_id")
        with self._lock:
            if any(
                t["author_id"] == user_id and t.get("_sent") == text for t in self.tweets.values()
            ):
                return 403, headers, {**_problem(403)[2], "detail": DUPLICATE_DETAIL}
            reply_to = self.tweets.get(reply_id) if reply_id else None
            if reply_id and reply_to is None:
                detail = "You attempted to reply to a Tweet that is deleted or not visible to you."
                return 403, headers, {**_problem(403)[2], "detail": detail}
            tweet = self._new_tweet(user_id, text, reply_to)
            self.tweets[tweet["id"]] = tweet
        data = {k: tweet[k] for k in ("id", "text", "edit_history_tweet_ids")}
        return 201, headers, {"data": data}

    def _new_tweet(
        self, user_id: str, text: str, reply_to: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        # X wraps every link in a t.co link of its own.
        links: dict[str, str] = {}
        shortened = text
        for found in reversed(extract_urls_with_indices(text)):
            start, end = found["indices"]
            short = f"https://t.co/{base62(_digest(found['url']))[:10]}"
            expanded = found["url"] if "://" in found["url"] else f"http://{found['url']}"
            links[short] = expanded
            shortened = shortened[:start] + short + shortened[end:]
        now = datetime.fromtimestamp(self.clock(), tz=UTC)
        tweet = make_tweet(
            author=self.users[user_id],
            text=shortened,
            created_at=now,
            tweet_id=snowflake(now),
            reply_to=reply_to,
            links=links,
        )
        tweet["_sent"] = text  # for the duplicate check only; _project never serves it
        return tweet

    def _spend_post_budget(self, user_id: str) -> tuple[dict[str, str], bool]:
        with self._lock:
            now = self.clock()
            window = [t for t in self._posts_in_window.get(user_id, []) if t > now - 900]
            allowed = len(window) < self.post_limit
            if allowed:
                window.append(now)
            self._posts_in_window[user_id] = window
            reset = (window[0] if window else now) + 900
        headers = {
            "x-rate-limit-limit": str(self.post_limit),
            "x-rate-limit-remaining": str(max(self.post_limit - len(window), 0)),
            "x-rate-limit-reset": str(int(reset)),
        }
        return headers, allowed

    def _answer(
        self,
        fault: _Fault | None,
        path: str,
        params: dict[str, str],
        authorization: str | None,
    ) -> tuple[int, dict[str, str], Mapping[str, Any]]:
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.status is not None:
            return self._fault_answer(fault)
        if authorization != f"Bearer {self.bearer_token}":
            return _problem(401)
        if path == USAGE_PATH:
            return self._usage(params)
        if path != SEARCH_PATH:
            return _problem(404)
        headers, allowed = self._spend_budget()
        if not allowed:
            return 429, headers, _problem(429)[2]
        try:
            search = self._parse(params)
        except _BadRequest as exc:
            return 400, headers, _invalid(str(exc))
        body = self._search(search)
        if fault is not None and fault.without_meta:
            body.pop("meta", None)
        return 200, headers, body

    def _fault_answer(self, fault: _Fault) -> tuple[int, dict[str, str], Mapping[str, Any]]:
        assert fault.status is not None
        status, headers, body = _problem(fault.status)
        if fault.status == 429:
            headers = self._rate_headers(remaining=0)
            if fault.reset_header is not None:
                headers["x-rate-limit-reset"] = fault.reset_header
            elif fault.reset_in is not None:
                headers["x-rate-limit-reset"] = str(int(self.clock() + fault.reset_in))
            else:
                del headers["x-rate-limit-reset"]
        return status, headers, fault.body if fault.body is not None else body

    def _spend_budget(self) -> tuple[dict[str, str], bool]:
        with self._lock:
            now = self.clock()
            if now >= self._window_reset:
                self._window_reset, self._window_used = now + self.window_seconds, 0
            allowed = self._window_used < self.rate_limit
            self._window_used += int(allowed)
            remaining = self.rate_limit - self._window_used
        return self._rate_headers(remaining=remaining), allowed

    def _rate_headers(self, *, remaining: int) -> dict[str, str]:
        reset = self._window_reset or self.clock() + self.window_seconds
        return {
            "x-rate-limit-limit": str(self.rate_limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(int(reset)),
        }

    # --- search ------------------------------------------------------------------------

    def _parse(self, params: dict[str, str]) -> _Search:
        tags, exclude_retweets = parse_query(params.get("query", ""))
        since_id = _parse_id(params, "since_id")
        start_time, end_time = _parse_time(params, "start_time"), _parse_time(params, "end_time")
        if start_time and end_time and start_time >= end_time:
            raise _BadRequest("start_time must be before end_time")
        if self.enforce_recent_window:
            end_time = self._check_recent(since_id, start_time, end_time)
        max_results = _parse_max_results(params.get("max_results", "10"))
        signature = _signature(params)
        # A next_token is an until_id of its own: the tighter of the two bounds counts.
        bounds = [_parse_id(params, "until_id")]
        if "next_token" in params:
            bounds.append(_decode_token(params["next_token"], signature))
        until_id = min((b for b in bounds if b is not None), default=None)
        fields = {
            key: set(filter(None, params.get(key, "").split(",")))
            for key in ("tweet.fields", "user.fields", "media.fields", "expansions")
        }
        return _Search(
            tags,
            exclude_retweets,
            since_id,
            start_time,
            end_time,
            max_results,
            until_id,
            signature,
            fields,
        )

    def _check_recent(
        self, since_id: int | None, start_time: datetime | None, end_time: datetime | None
    ) -> datetime:
        now = datetime.fromtimestamp(self.clock(), tz=UTC)
        oldest = now - timedelta(days=7)
        if start_time is not None and start_time < oldest:
            raise _BadRequest("start_time must be within the last 7 days")
        if since_id is not None and snowflake_time(since_id) < oldest:
            raise _BadRequest("since_id must be within the last 7 days")
        if end_time is not None and end_time > now - timedelta(seconds=10):
            raise _BadRequest("end_time must be at least 10 seconds before the request time")
        return end_time or now - timedelta(seconds=30)

    def _search(self, search: _Search) -> dict[str, Any]:
        with self._lock:
            matches = sorted(
                (t for t in self.tweets.values() if _matches(t, search)),
                key=lambda t: int(t["id"]),
                reverse=True,
            )
            page = matches[: search.max_results]
            self.consumed.setdefault(self.today(), set()).update(t["id"] for t in page)
            more = len(matches) > len(page)
            next_token = _encode_token(int(page[-1]["id"]), search.signature) if more else None
            response = self._render(page, search, next_token)
        return response

    def _render(
        self, page: list[dict[str, Any]], search: _Search, next_token: str | None
    ) -> dict[str, Any]:
        tweet_fields = {*_DEFAULT_TWEET_FIELDS, *search.fields["tweet.fields"]}
        expansions = search.fields["expansions"]
        referenced, missing = self._referenced(page, expansions)
        users, unavailable = self._included_users(page, referenced, search)
        body = search_response(
            [self._corrupted(_project(t, tweet_fields)) for t in page],
            users=users,
            media=self._included_media(page, search),
            referenced=[_project(t, tweet_fields) for t in referenced],
            next_token=next_token,
        )
        errors = [_not_found(tweet_id) for tweet_id in missing]
        errors += [_user_error(user_id, reason) for user_id, reason in unavailable.items()]
        if errors and page:
            body["errors"] = errors
        return body

    def _referenced(
        self, page: list[dict[str, Any]], expansions: set[str]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        if "referenced_tweets.id" not in expansions:
            return [], []
        ids = dict.fromkeys(r["id"] for t in page for r in t.get("referenced_tweets", []))
        return [self.tweets[i] for i in ids if i in self.tweets], [
            i for i in ids if i not in self.tweets
        ]

    def _included_users(
        self, page: list[dict[str, Any]], referenced: list[dict[str, Any]], search: _Search
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The users asked for that X returns, and why each of the others is missing."""
        expansions = search.fields["expansions"]
        ids: list[str] = []
        if "author_id" in expansions:
            ids += [t["author_id"] for t in page]
        if "in_reply_to_user_id" in expansions:
            ids += [t["in_reply_to_user_id"] for t in page if "in_reply_to_user_id" in t]
        if "referenced_tweets.id.author_id" in expansions:
            ids += [t["author_id"] for t in referenced]
        user_fields = {*_DEFAULT_USER_FIELDS, *search.fields["user.fields"]}
        users, unavailable = [], {}
        for user_id in dict.fromkeys(ids):
            if user_id in self._withheld:
                unavailable[user_id] = self._withheld[user_id]
            elif user_id in self.users:
                users.append(_project(self.users[user_id], user_fields))
            else:
                unavailable[user_id] = "not found"
        return users, unavailable

    def _included_media(self, page: list[dict[str, Any]], search: _Search) -> list[dict[str, Any]]:
        if "attachments.media_keys" not in search.fields["expansions"]:
            return []
        keys = dict.fromkeys(
            k for t in page for k in t.get("attachments", {}).get("media_keys", [])
        )
        media_fields = {*_DEFAULT_MEDIA_FIELDS, *search.fields["media.fields"]}
        return [_project(self.media[k], media_fields) for k in keys if k in self.media]

    def _corrupted(self, tweet: dict[str, Any]) -> dict[str, Any]:
        changes = self._corruptions.get(tweet["id"], {})
        for key, value in changes.items():
            if value is _DROP:
                tweet.pop(key, None)
            else:
                tweet[key] = value
        return tweet

    # --- usage -------------------------------------------------------------------------

    def _usage(self, params: dict[str, str]) -> tuple[int, dict[str, str], Mapping[str, Any]]:
        """GET /2/usage/tweets: the posts billed per UTC day, the last `days` days."""
        days = params.get("days", "7")
        if not days.isdigit() or not 1 <= int(days) <= 90:
            return 400, {}, _invalid("days must be a number between 1 and 90")
        fields = set(filter(None, params.get("usage.fields", "").split(",")))
        if fields - USAGE_FIELDS:
            return 400, {}, _invalid(f"usage.fields has unknown fields: {fields - USAGE_FIELDS}")
        today = self.today()
        with self._lock:
            counts = {
                day: len(self.consumed.get(day, ())) + self.usage_adjustments.get(day, 0)
                for day in (today - timedelta(days=n) for n in reversed(range(int(days))))
            }
            total = sum(len(ids) for ids in self.consumed.values())
        openapi = self.usage_shape == "openapi"
        number: Callable[[int], int | str] = str if openapi else int
        daily = [
            {"date": f"{day.isoformat()}T00:00:00.000Z", "usage": str(count)}
            for day, count in counts.items()
        ]
        values: dict[str, Any] = {
            "cap_reset_day": (_next_month(today) - today).days,
            "project_cap": number(PROJECT_CAP),
            "project_id": PROJECT_ID,
            "project_usage": number(total),
            "daily_client_app_usage": [
                {"client_app_id": APP_ID, "usage": daily, "usage_result_count": len(daily)}
            ],
            "daily_project_usage": (
                {"project_id": PROJECT_ID, "usage": daily}
                if openapi
                else [
                    {
                        "date": day.isoformat(),
                        "usage": [{"app_id": APP_ID, "tweets_consumed": count}],
                    }
                    for day, count in counts.items()
                ]
            ),
        }
        return 200, {}, {"data": {k: values[k] for k in sorted(fields or _DEFAULT_USAGE_FIELDS)}}


def _digest(value: str) -> int:
    return int(hashlib.sha256(value.encode()).hexdigest()[:15], 16)


def parse_query(query: str) -> tuple[frozenset[str], bool]:
    """The fake understands `#a -is:retweet` and `(#a OR #b …) -is:retweet`, nothing else."""
    if not query or len(query) > 512:
        raise _BadRequest("query must be 1 to 512 characters")
    exclude = query.endswith(" -is:retweet")
    terms = query.removesuffix(" -is:retweet").strip()
    if terms.startswith("(") and terms.endswith(")"):
        terms = terms[1:-1]
    tags = terms.split(" OR ")
    if not all(re.fullmatch(r"#\w+", tag) for tag in tags):
        raise _BadRequest(f"the fake X API does not understand the query {query!r}")
    return frozenset(tag[1:].casefold() for tag in tags), exclude


def _matches(tweet: Mapping[str, Any], search: _Search) -> bool:
    tags = {h["tag"].casefold() for h in tweet.get("entities", {}).get("hashtags", [])}
    tweet_id = int(tweet["id"])
    created = datetime.fromisoformat(tweet["created_at"])
    if not tags & search.tags:
        return False
    if search.exclude_retweets and any(
        r["type"] == "retweeted" for r in tweet.get("referenced_tweets", [])
    ):
        return False
    if search.until_id is not None and tweet_id >= search.until_id:
        return False
    if search.since_id is not None:
        if tweet_id <= search.since_id:
            return False
    elif search.start_time is not None and created < search.start_time:
        return False
    return search.end_time is None or created < search.end_time


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _project(obj: Mapping[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k in fields}


def _parse_id(params: Mapping[str, str], key: str) -> int | None:
    if key not in params:
        return None
    if not params[key].isdigit():
        raise _BadRequest(f"{key} must be a numeric id")
    return int(params[key])


def _parse_time(params: Mapping[str, str], key: str) -> datetime | None:
    if key not in params:
        return None
    if not _TIME_RE.fullmatch(params[key]):
        raise _BadRequest(f"{key} must be YYYY-MM-DDTHH:mm:ssZ")
    return datetime.fromisoformat(params[key])


def _parse_max_results(value: str) -> int:
    if not value.isdigit() or not 10 <= int(value) <= 100:
        raise _BadRequest("max_results must be a number between 10 and 100")
    return int(value)


def _signature(params: Mapping[str, str]) -> str:
    kept = {k: v for k, v in sorted(params.items()) if k != "next_token"}
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


def _encode_token(until_id: int, signature: str) -> str:
    raw = json.dumps({"u": until_id, "s": signature}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str, signature: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        until_id, token_signature = int(data["u"]), data["s"]
    except (ValueError, KeyError, TypeError):
        raise _BadRequest("next_token is not valid") from None
    if token_signature != signature:
        raise _BadRequest("the other parameters must be unchanged when following next_token")
    return until_id


def _problem(status: int) -> tuple[int, dict[str, str], dict[str, Any]]:
    title = _STATUS_TITLES.get(status, "Error")
    return status, {}, {"title": title, "detail": title, "type": "about:blank", "status": status}


def _invalid(message: str) -> dict[str, Any]:
    return {
        "errors": [{"parameters": {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }


def _not_found(tweet_id: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": f"Could not find tweet with referenced_tweets.id: [{tweet_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": "referenced_tweets.id",
        "resource_id": tweet_id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def _user_error(user_id: str, reason: str) -> dict[str, Any]:
    """The partial error X sends for an expanded user it cannot return."""
    shapes = {
        "suspended": ("Forbidden", f"User has been suspended: [{user_id}].", "resource-not-found"),
        "protected": (
            "Authorization Error",
            f"Sorry, you are not authorized to see the user with author_id: [{user_id}].",
            "not-authorized-for-resource",
        ),
        "not found": (
            "Not Found Error",
            f"Could not find user with author_id: [{user_id}].",
            "resource-not-found",
        ),
    }
    title, detail, kind = shapes[reason]
    return {
        "value": user_id,
        "detail": detail,
        "title": title,
        "resource_type": "user",
        "parameter": "author_id",
        "resource_id": user_id,
        "type": f"https://api.twitter.com/2/problems/{kind}",
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeXApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up on a slow answer closes its socket; that is expected here.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        status, headers, body = self.server.api.respond(
            "GET", self.path, self.headers.get("Authorization")
        )
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = None
        status, headers, answer = self.server.api.respond_post(
            self.path, self.headers.get("Authorization"), body
        )
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass
