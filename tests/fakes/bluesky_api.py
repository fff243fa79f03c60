"""A fake Bluesky PDS/AppView on 127.0.0.1, for tests: what BlueskySource asks of bsky.social.

The real atproto SDK talks to it over HTTP (point BlueskySource's base_url at `api.base_url`).
It serves XRPC's shapes: com.atproto.server.createSession / refreshSession (JWTs with real
exp claims, which the SDK reads to refresh ahead of expiry), app.bsky.feed.searchPosts
(q, tag ANDed, sort=latest, since inclusive, until exclusive, by sortAt; limit; an opaque
cursor; {"posts", "cursor", "hitsTotal"}), app.bsky.feed.getPosts (deleted posts left out)
and com.atproto.identity.resolveHandle; ratelimit-* headers on every answer; XRPC errors
as {"error", "message"}. A test queues faults or corrupts posts:

    with FakeBlueskyApi() as api:
        api.add_posts(make_bsky_post(text="A1 yes #kmers", tags=["kmers"]))
        api.fail_next(status=429, reset_in=120)
        api.fail_next(status=500)
        api.expire_access_tokens()       # next search: 400 ExpiredToken
        api.corrupt(uri, record=None)    # served malformed
        api.delete(uri)                  # gone from search and getPosts

Builders (`make_bsky_post`, `facet`, `image_embed`, ...) write real PostView shapes and are
standard library only, for others' tests and the demo.
"""

import base64
import hashlib
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.local_http import LocalHttpServer

HANDLE = "archiver.example.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
ARCHIVER_DID = "did:plc:archiverxxxxxxxxxxxxxxxx"
_DROP = object()
_TAG_RE = re.compile(r"(?<![\w/&])#(\w*[^\W\d_]\w*)")
_rkeys = itertools.count(1)
_TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"


# --- builders ------------------------------------------------------------------------------


def bsky_time(at: datetime) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def did_for(handle: str) -> str:
    digest = base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()
    return "did:plc:" + digest[:24]


def tid(at: datetime) -> str:
    """A record key as Bluesky makes them: a timestamp id (TID), 13 base32-sortable chars."""
    micros = int(at.timestamp() * 1_000_000)
    value = (micros << 10) | (next(_rkeys) % 1024)
    chars = []
    for _ in range(13):
        chars.append(_TID_CHARS[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def author(handle: str, *, name: str = "", avatar: str | None = None) -> dict[str, Any]:
    did = did_for(handle)
    view: dict[str, Any] = {"did": did, "handle": handle, "displayName": name or handle}
    view["avatar"] = avatar or f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkrei@jpeg"
    view |= {"labels": [], "createdAt": "2023-04-01T00:00:00.000Z"}
    return view


def facet(text: str, fragment: str, feature: Mapping[str, Any], occurrence: int = 0) -> dict:
    """A facet over the `occurrence`-th `fragment` of `text`, by UTF-8 byte offsets."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(fragment, start + 1)
    byte_start = len(text[:start].encode())
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": byte_start, "byteEnd": byte_start + len(fragment.encode())},
        "features": [dict(feature)],
    }


def link(uri: str) -> dict[str, str]:
    return {"$type": "app.bsky.richtext.facet#link", "uri": uri}


def mention(did: str) -> dict[str, str]:
    return {"$type": "app.bsky.richtext.facet#mention", "did": did}


def tag(name: str) -> dict[str, str]:
    return {"$type": "app.bsky.richtext.facet#tag", "tag": name}


def auto_facets(text: str) -> list[dict[str, Any]]:
    """Tag facets for every #word, as the Bluesky app writes them."""
    facets = []
    for match in _TAG_RE.finditer(text):
        start = len(text[: match.start()].encode())
        end = start + len(match.group().encode())
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": end},
                "features": [tag(match.group(1))],
            }
        )
    return facets


def image_embed(*alts: str, did: str = "did:plc:someone") -> dict[str, Any]:
    images = []
    for number, alt in enumerate(alts or ("",)):
        cid = f"bafkreiimage{number}"
        images.append(
            {
                "thumb": f"https://cdn.bsky.app/img/feed_thumbnail/plain/{did}/{cid}@jpeg",
                "fullsize": f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/{cid}@jpeg",
                "alt": alt,
                "aspectRatio": {"width": 1200, "height": 800},
            }
        )
    return {"$type": "app.bsky.embed.images#view", "images": images}


def quote_embed(quoted: Mapping[str, Any]) -> dict[str, Any]:
    """The view of a quote of post view `quoted`."""
    record = {
        "$type": "app.bsky.embed.record#viewRecord",
        "uri": quoted["uri"],
        "cid": quoted["cid"],
        "author": quoted["author"],
        "value": quoted["record"],
        "indexedAt": quoted["indexedAt"],
        "embeds": [],
    }
    return {"$type": "app.bsky.embed.record#view", "record": record}


def external_embed(uri: str, title: str, description: str = "") -> dict[str, Any]:
    card = {"uri": uri, "title": title, "description": description}
    return {"$type": "app.bsky.embed.external#view", "external": card}


def make_bsky_post(
    *,
    text: str,
    handle: str = "mona.bsky.social",
    at: datetime | None = None,
    facets: Sequence[Mapping[str, Any]] | None = None,
    tags: Sequence[str] = (),
    langs: Sequence[str] = ("en",),
    reply_to: Mapping[str, Any] | None = None,
    embed: Mapping[str, Any] | None = None,
    likes: int = 0,
    replies: int = 0,
    reposts: int = 0,
    quotes: int = 0,
    indexed_after: timedelta = timedelta(milliseconds=300),
    name: str = "",
) -> dict[str, Any]:
    """A PostView as searchPosts returns it; `facets` default to the text's #tags."""
    at = at or datetime.now(UTC)
    account = author(handle, name=name)
    uri = f"at://{account['did']}/app.bsky.feed.post/{tid(at)}"
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": bsky_time(at),
        "langs": list(langs),
    }
    record["facets"] = list(facets) if facets is not None else auto_facets(text)
    if tags:
        record["tags"] = list(tags)
    if reply_to is not None:
        parent_ref = {"uri": reply_to["uri"], "cid": reply_to["cid"]}
        root = reply_to["record"].get("reply", {}).get("root", parent_ref)
        record["reply"] = {"root": dict(root), "parent": parent_ref}
    view: dict[str, Any] = {
        "uri": uri,
        "cid": "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52],
        "author": account,
        "record": record,
        "replyCount": replies,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": quotes,
        "indexedAt": bsky_time(at + indexed_after),
        "labels": [],
    }
    if embed is not None:
        view["embed"] = dict(embed)
        record["embed"] = _record_embed(embed)
    return view


def _record_embed(view: Mapping[str, Any]) -> dict[str, Any]:
    kind = view.get("$type", "")
    if kind == "app.bsky.embed.record#view":
        ref = {"uri": view["record"]["uri"], "cid": view["record"].get("cid", "")}
        return {"$type": "app.bsky.embed.record", "record": ref}
    if kind == "app.bsky.embed.external#view":
        return {"$type": "app.bsky.embed.external", "external": dict(view["external"])}
    return {"$type": kind.removesuffix("#view"), "images": []}


# --- server --------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    nsid: str
    params: dict[str, list[str]]
    authorization: str | None
    status: int = 0
    served: int = 0


@dataclass
class _Fault:
    status: int
    error: str = ""
    message: str = ""
    reset_in: float | None = None
    nsid: str | None = None
    # Matching requests answered normally before this one fails (a fault mid-pull).
    after: int = 0


class FakeBlueskyApi(LocalHttpServer):
    def __init__(
        self,
        *,
        handle: str = HANDLE,
        app_password: str = APP_PASSWORD,
        rate_limit: int = 3000,
        window_seconds: int = 300,
        access_lifetime: timedelta = timedelta(hours=2),
    ) -> None:
        self.handle = handle
        self.app_password = app_password
        self.rate_limit = rate_limit
        self.window_seconds = window_seconds
        self.access_lifetime = access_lifetime
        self.posts: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self._corruptions: dict[str, dict[str, Any]] = {}
        self._faults: deque[_Fault] = deque()
        self._tokens: dict[str, str] = {}  # token → "access" / "refresh"
        self._expired: set[str] = set()
        self._window_start = time.time()
        self._window_used = 0
        self._lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------

    def make_server(self) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.api = self  # type: ignore[attr-defined]
        return server

    # --- data and faults ---------------------------------------------------------------

    def add_posts(self, *posts: Mapping[str, Any]) -> None:
        with self._lock:
            self.posts.update({p["uri"]: dict(p) for p in posts})

    def delete(self, *uris: str) -> None:
        with self._lock:
            for uri in uris:
                self.posts.pop(uri, None)

    def corrupt(self, uri: str, /, *, drop: Sequence[str] = (), **replace: Any) -> None:
        """Serve this post malformed: without the `drop` keys, with the `replace` values."""
        with self._lock:
            self._corruptions[uri] = {**dict.fromkeys(drop, _DROP), **replace}

    def fail_next(
        self,
        *,
        status: int,
        error: str = "",
        message: str = "",
        reset_in: float | None = None,
        nsid: str | None = None,
        after: int = 0,
    ) -> None:
        """The next request (to `nsid`, when given) answers with this error, or the one
        `after` more requests."""
        default = {429: "RateLimitExceeded", 500: "InternalServerError", 401: "AuthMissing"}
        name = error or default.get(status, "Error")
        fault = _Fault(status, name, message, reset_in, nsid, after)
        with self._lock:
            self._faults.append(fault)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is answered with 400 ExpiredToken."""
        with self._lock:
            self._expired |= {t for t, kind in self._tokens.items() if kind == "access"}

    def expire_all_tokens(self) -> None:
        with self._lock:
            self._expired |= set(self._tokens)

    def served(self, nsid: str = "app.bsky.feed.searchPosts") -> int:
        return sum(r.served for r in self.requests if r.nsid == nsid)

    def calls(self, nsid: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.nsid == nsid]

    # --- answers -----------------------------------------------------------------------

    def answer(
        self, method: str, nsid: str, params: dict[str, list[str]], body: Any, auth: str | None
    ) -> tuple[int, dict[str, Any], RecordedRequest]:
        record = RecordedRequest(method, nsid, params, auth)
        with self._lock:
            self.requests.append(record)
            status, payload = self._answer(nsid, params, body, auth, record)
        record.status = status
        return status, payload, record

    def ratelimit_headers(self) -> dict[str, str]:
        reset = int(self._window_start + self.window_seconds)
        return {
            "ratelimit-limit": str(self.rate_limit),
            "ratelimit-remaining": str(max(self.rate_limit - self._window_used, 0)),
            "ratelimit-reset": str(reset),
            "ratelimit-policy": f"{self.rate_limit};w={self.window_seconds}",
        }

    def _answer(
        self,
        nsid: str,
        params: dict[str, list[str]],
        body: Any,
        auth: str | None,
        record: RecordedRequest,
    ) -> tuple[int, dict[str, Any]]:
        now = time.time()
        if now - self._window_start >= self.window_seconds:
            self._window_start, self._window_used = now, 0
        self._window_used += 1
        fault = next((f for f in self._faults if f.nsid in (None, nsid)), None)
        if fault is not None and fault.after:
            fault.after -= 1
            fault = None
        if fault is not None:
            self._faults.remove(fault)
            if fault.status == 429:
                reset = now + (fault.reset_in if fault.reset_in is not None else 60)
                self._window_start = reset - self.window_seconds
                self._window_used = self.rate_limit
            return fault.status, _error(fault.error, fault.message or fault.error)
        if self._window_used > self.rate_limit:
            return 429, _error("RateLimitExceeded", "Rate Limit Exceeded")
        if nsid == "com.atproto.server.createSession":
            return self._create_session(body)
        if nsid == "com.atproto.server.refreshSession":
            return self._session_for(auth, "refresh", self._issue)
        if nsid == "com.atproto.identity.resolveHandle":
            handle = params.get("handle", [""])[0]
            return 200, {"did": did_for(handle)}
        status, problem = self._check(auth, "access")
        if status:
            return status, problem
        if nsid == "app.bsky.feed.searchPosts":
            return self._search(params, record)
        if nsid == "app.bsky.feed.getPosts":
            uris = params.get("uris", [])
            if len(uris) > 25:
                return 400, _error("InvalidRequest", "uris must not have more than 25 elements")
            posts = [self._view(u) for u in uris if u in self.posts]
            record.served = len(posts)
            return 200, {"posts": posts}
        return 501, _error("MethodNotImplemented", "Method Not Implemented")

    def _create_session(self, body: Any) -> tuple[int, dict[str, Any]]:
        body = body if isinstance(body, dict) else {}
        if (body.get("identifier"), body.get("password")) != (self.handle, self.app_password):
            return 401, _error("AuthenticationRequired", "Invalid identifier or password")
        return 200, self._issue()

    def _issue(self) -> dict[str, Any]:
        access = _jwt(ARCHIVER_DID, "com.atproto.appPass", self.access_lifetime)
        refresh = _jwt(ARCHIVER_DID, "com.atproto.refresh", timedelta(days=60))
        self._tokens[access], self._tokens[refresh] = "access", "refresh"
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.handle,
            "did": ARCHIVER_DID,
            "active": True,
        }

    def _check(self, auth: str | None, kind: str) -> tuple[int, dict[str, Any]]:
        token = (auth or "").removeprefix("Bearer ")
        if self._tokens.get(token) != kind:
            return 401, _error("AuthenticationRequired", "Authentication Required")
        if token in self._expired:
            return 400, _error("ExpiredToken", "Token has expired")
        return 0, {}

    def _session_for(self, auth: str | None, kind: str, issue: Any) -> tuple[int, dict[str, Any]]:
        status, problem = self._check(auth, kind)
        if status:
            return status, problem
        self._expired.add((auth or "").removeprefix("Bearer "))  # a refresh token is single-use
        return 200, issue()

    def _search(
        self, params: dict[str, list[str]], record: RecordedRequest
    ) -> tuple[int, dict[str, Any]]:
        if not params.get("q"):
            return 400, _error("InvalidRequest", 'Error: Params must have the property "q"')
        tags = {t.lower() for t in params.get("tag", [])}
        try:
            since = _parse(params.get("since", [None])[0])
            until = _parse(params.get("until", [None])[0])
            limit = int(params.get("limit", ["25"])[0])
            offset = int(params.get("cursor", ["0"])[0])
        except ValueError:
            return 400, _error("InvalidRequest", "bad parameter")
        if not 1 <= limit <= 100:
            return 400, _error("InvalidRequest", "limit must be between 1 and 100")
        matches = []
        for post in self.posts.values():
            moment = _sort_at(post)
            if since is not None and moment < since:
                continue
            if until is not None and moment >= until:
                continue
            if tags and not tags <= _post_tags(post):
                continue
            matches.append((moment, post["uri"]))
        matches.sort(reverse=True)
        chosen = matches[offset : offset + limit]
        record.served = len(chosen)
        payload: dict[str, Any] = {"posts": [self._view(uri) for _, uri in chosen]}
        if offset + limit < len(matches):
            payload["cursor"] = str(offset + limit)
        payload["hitsTotal"] = len(matches)
        return 200, payload

    def _view(self, uri: str) -> dict[str, Any]:
        view = json.loads(json.dumps(self.posts[uri]))
        for key, value in self._corruptions.get(uri, {}).items():
            if value is _DROP:
                view.pop(key, None)
            else:
                view[key] = value
        return view


def _post_tags(post: Mapping[str, Any]) -> set[str]:
    record = post.get("record") or {}
    found = {str(t).lower() for t in record.get("tags", [])}
    for facet_ in record.get("facets", []):
        for feature in facet_.get("features", []):
            if feature.get("$type") == "app.bsky.richtext.facet#tag":
                found.add(str(feature.get("tag")).lower())
    return found


def _sort_at(post: Mapping[str, Any]) -> datetime:
    indexed = _parse(post["indexedAt"])
    assert indexed is not None
    try:
        created = _parse(post["record"]["createdAt"])
    except (ValueError, KeyError, TypeError):
        created = None
    return min(created, indexed) if created and created.tzinfo else indexed


def _parse(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("naive")
    return parsed


def _error(name: str, message: str) -> dict[str, Any]:
    return {"error": name, "message": message}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(sub: str, scope: str, lifetime: timedelta) -> str:
    now = int(time.time())
    claims = {"scope": scope, "sub": sub, "iat": now, "exp": now + int(lifetime.total_seconds())}
    claims["jti"] = _b64(hashlib.sha256(f"{now}{next(_rkeys)}".encode()).digest()[:12])
    header = _b64(json.dumps({"typ": "at+jwt", "alg": "HS256"}).encode())
    payload = _b64(json.dumps(claims).encode())
    return f"{header}.{payload}.{_b64(b'fake-signature')}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET", None)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._serve("POST", body)

    def _serve(self, method: str, body: Any) -> None:
        api: FakeBlueskyApi = self.server.api  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        if not parts.path.startswith("/xrpc/"):
            self._send(404, {"error": "NotFound", "message": "Not Found"}, {})
            return
        nsid = parts.path.removeprefix("/xrpc/")
        params = parse_qs(parts.query)
        status, payload, _ = api.answer(
            method, nsid, params, body, self.headers.get("authorization")
        )
        self._send(status, payload, api.ratelimit_headers())

    def _send(self, status: int, payload: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def running_fake() -> Iterator[FakeBlueskyApi]:
    """A running fake, and no session kept from another test: a fixture's body.

    @pytest.fixture
    def bluesky_api() -> Iterator[FakeBlueskyApi]:
        yield from running_fake()
    """
    from archive.sources.bluesky import forget_sessions

    forget_sessions()
    with FakeBlueskyApi() as api:
        yield api
    forget_sessions()
