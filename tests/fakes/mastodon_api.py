"""A fake Mastodon 4.x server on 127.0.0.1, for tests and benchmarks.

The real Mastodon.py client talks to it over HTTP (point MastodonSource's api_base_url
at `server.base_url`). It serves the REST shapes of Mastodon 4.3: the hashtag timeline
(`any[]`, `max_id`, `since_id`, `min_id`, `limit` up to 40, a `Link` header with next and
prev), single statuses (404 once deleted), account lookup, instance v1 and v2, and the
X-RateLimit-* headers (300 requests a 5-minute window). A test queues faults (429 with a
reset, 5xx, 401), serves a status malformed, edits or deletes statuses, adds boosts,
and may switch public timelines off (then a bearer token is required: 422 without one,
401 with a wrong one, as Mastodon answers).

    with FakeMastodon(domain="mastodon.social") as server:
        alice = make_account("alice", domain="mastodon.social")
        server.add_statuses(make_status(alice, "A1 hello #chat", tags=["chat"]))
        server.fail_next(status=429, reset_in=120)
"""

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.local_http import LocalHttpServer

_ids = itertools.count(1)
_DROP = object()
USER_TOKEN = "test-user-token"


def snowflake(moment: datetime, sequence: int | None = None) -> str:
    """A Mastodon id for a status created at `moment`: ms since epoch << 16, plus a
    sequence in the low 16 bits (as Mastodon's timestamp_id)."""
    sequence = next(_ids) if sequence is None else sequence
    return str((int(moment.timestamp() * 1000) << 16) + (sequence & 0xFFFF))


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def make_account(
    username: str,
    *,
    domain: str = "mastodon.social",
    local_to: str | None = None,
    display_name: str | None = None,
    fields: Iterable[Mapping[str, Any]] = (),
    account_id: str | None = None,
) -> dict[str, Any]:
    """An Account as a server `local_to` (default: its own domain) shows it: `acct` is
    bare for a local account, `user@domain` for a remote one."""
    local_to = local_to or domain
    acct = username if local_to == domain else f"{username}@{domain}"
    created = datetime(2022, 11, 5, tzinfo=UTC)
    return {
        "id": account_id or str(100000 + abs(hash((username, domain, local_to))) % 10**9),
        "username": username,
        "acct": acct,
        "display_name": display_name if display_name is not None else username.title(),
        "locked": False,
        "bot": False,
        "discoverable": True,
        "indexable": True,
        "group": False,
        "created_at": _iso(created),
        "note": "<p>Chats every week.</p>",
        "url": f"https://{domain}/@{username}",
        "uri": f"https://{domain}/users/{username}",
        "avatar": f"https://files.{domain}/accounts/avatars/{username}.png",
        "avatar_static": f"https://files.{domain}/accounts/avatars/{username}.png",
        "header": f"https://{domain}/headers/original/missing.png",
        "header_static": f"https://{domain}/headers/original/missing.png",
        "followers_count": 12,
        "following_count": 30,
        "statuses_count": 140,
        "last_status_at": "2026-12-03",
        "hide_collections": False,
        "noindex": False,
        "emojis": [],
        "roles": [],
        "fields": [dict(f) for f in fields],
    }


def make_status(
    account: Mapping[str, Any],
    text: str = "",
    *,
    created_at: datetime | None = None,
    tags: Iterable[str] = (),
    content: str | None = None,
    in_reply_to: Mapping[str, Any] | None = None,
    media: Iterable[Mapping[str, Any]] = (),
    card: Mapping[str, Any] | None = None,
    language: str = "en",
    status_id: str | None = None,
    favourites: int = 0,
    uri: str | None = None,
) -> dict[str, Any]:
    """A Status as its author's server shows it; content is `text` as Mastodon renders it
    (a <p> per paragraph, #tags as hashtag links) unless `content` is given."""
    created_at = created_at or datetime.now(UTC)
    sid = status_id or snowflake(created_at)
    domain = urlsplit(account["url"]).hostname
    tag_list = list(dict.fromkeys(t.lower() for t in tags))
    status_uri = uri or f"{account['uri']}/statuses/{sid}"
    return {
        "id": sid,
        "created_at": _iso(created_at),
        "in_reply_to_id": in_reply_to["id"] if in_reply_to else None,
        "in_reply_to_account_id": in_reply_to["account"]["id"] if in_reply_to else None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": language,
        "uri": status_uri,
        "url": f"https://{domain}/@{account['username']}/{status_uri.rsplit('/', 1)[-1]}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": favourites,
        "quotes_count": 0,
        "edited_at": None,
        "content": content if content is not None else render_content(text, domain or ""),
        "reblog": None,
        "application": {"name": "Web", "website": None},
        "account": dict(account),
        "media_attachments": [dict(m) for m in media],
        "mentions": [],
        "tags": [{"name": t, "url": f"https://{domain}/tags/{t}"} for t in tag_list],
        "emojis": [],
        "card": dict(card) if card else None,
        "poll": None,
        "filtered": [],
    }


def render_content(text: str, domain: str) -> str:
    """Plain text → Mastodon's content HTML: paragraphs, line breaks, hashtag links."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        words = []
        for word in escape(paragraph).replace("\n", " \n ").split(" "):
            if word.startswith("#") and word[1:].isalnum():
                tag = word[1:]
                words.append(
                    f'<a href="https://{domain}/tags/{tag.lower()}" class="mention hashtag" '
                    f'rel="tag">#<span>{tag}</span></a>'
                )
            else:
                words.append(word)
        paragraphs.append("<p>" + " ".join(words).replace(" \n ", "<br />") + "</p>")
    return "".join(paragraphs)


def make_boost(account: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    boost = make_status(account, "", tags=())
    boost.update(
        content="",
        reblog=dict(original),
        tags=[],
        uri=f"{account['uri']}/statuses/{boost['id']}/activity",
    )
    return boost


def federated_copy(status: Mapping[str, Any], *, to_domain: str) -> dict[str, Any]:
    """The status as another server shows it: its own id there, the same uri and url,
    its author a remote account (`acct` with the author's domain)."""
    copy = json.loads(json.dumps(status))
    copy["id"] = snowflake(datetime.fromisoformat(status["created_at"]))
    author = copy["account"]
    if "@" not in author["acct"]:
        author["acct"] = f"{author['acct']}@{urlsplit(author['url']).hostname}"
    author["id"] = str(int(author["id"]) + 1)
    return copy


def make_media(kind: str = "image", *, name: str = "photo") -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "type": kind,
        "url": f"https://files.mastodon.social/media_attachments/{name}.png",
        "preview_url": f"https://files.mastodon.social/media_attachments/small/{name}.png",
        "remote_url": None,
        "description": "A photo",
        "blurhash": "UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$",
        "meta": {},
    }


def make_verified_field(profile_url: str, *, verified: bool = True) -> dict[str, Any]:
    """A profile field linking to `profile_url`, as Mastodon renders it."""
    return {
        "name": "Hashtag Commons",
        "value": (
            f'<a href="{escape(profile_url)}" target="_blank" rel="nofollow noopener me" '
            f'translate="no">{escape(profile_url)}</a>'
        ),
        "verified_at": _iso(datetime(2026, 12, 1, tzinfo=UTC)) if verified else None,
    }


PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def outbox_activity(status: Mapping[str, Any], *, visibility: str = "public") -> dict[str, Any]:
    """The `Create` activity an account archive's outbox.json holds for `status`."""
    account = status["account"]
    followers = f"{account['uri']}/followers"
    to, cc = {
        "public": ([PUBLIC], [followers]),
        "unlisted": ([followers], [PUBLIC]),
        "private": ([followers], []),
        "direct": ([], []),
    }[visibility]
    note = {
        "id": status["uri"],
        "type": "Note",
        "summary": status["spoiler_text"] or None,
        "inReplyTo": status.get("_in_reply_to_uri"),
        "published": status["created_at"].replace(".000Z", "Z"),
        "url": status["url"],
        "attributedTo": account["uri"],
        "to": to,
        "cc": cc,
        "sensitive": False,
        "atomUri": status["uri"],
        "inReplyToAtomUri": status.get("_in_reply_to_uri"),
        "conversation": (
            f"tag:{urlsplit(account['uri']).hostname},2026-12-01:"
            f"objectId={status['id']}:objectType=Conversation"
        ),
        "content": status["content"],
        "contentMap": {status["language"]: status["content"]},
        "attachment": [
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": f"/media_attachments/files/{m['id']}.png",
                "name": m.get("description"),
            }
            for m in status["media_attachments"]
        ],
        "tag": [
            {"type": "Hashtag", "href": t["url"], "name": f"#{t['name']}"} for t in status["tags"]
        ],
        "replies": {"id": f"{status['uri']}/replies", "type": "Collection"},
    }
    return {
        "id": f"{status['uri']}/activity",
        "type": "Create",
        "actor": account["uri"],
        "published": note["published"],
        "to": to,
        "cc": cc,
        "object": note,
    }


def announce_activity(account: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{account['uri']}/statuses/{snowflake(datetime.now(UTC))}/activity",
        "type": "Announce",
        "actor": account["uri"],
        "published": original["created_at"],
        "to": [PUBLIC],
        "cc": [account["uri"], f"{account['uri']}/followers"],
        "object": original["uri"],
    }


def make_outbox(activities: Iterable[object]) -> bytes:
    """outbox.json as Mastodon's archive export writes it (items as given, broken or not)."""
    items = list(activities)
    return json.dumps(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "outbox.json",
            "type": "OrderedCollection",
            "totalItems": len(items),
            "orderedItems": items,
        },
        indent=2,
    ).encode()


@dataclass
class RecordedRequest:
    path: str
    params: dict[str, list[str]]
    authorization: str | None
    status: int = 0
    served: int = 0  # statuses in the answer


@dataclass
class _Fault:
    status: int
    reset_in: float | None = None
    after: int = 0  # requests answered normally before this fault


class FakeMastodon(LocalHttpServer):
    RATE_LIMIT = 300
    WINDOW_SECONDS = 300

    def __init__(
        self,
        *,
        domain: str = "mastodon.social",
        public_timelines: bool = True,
        access_token: str = USER_TOKEN,
        rate_limit: int = RATE_LIMIT,
    ) -> None:
        self.domain = domain
        self.public_timelines = public_timelines
        self.access_token = access_token
        self.rate_limit = rate_limit
        self.statuses: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}  # by acct as this server knows it
        self.requests: list[RecordedRequest] = []
        self.down = False  # every request answers 503
        self._corruptions: dict[str, dict[str, Any]] = {}
        self._faults: deque[_Fault] = deque()
        self._window_reset = 0.0
        self._window_used = 0
        self._lock = threading.Lock()

    # --- lifecycle -----------------------------------------------------------------

    def make_server(self) -> ThreadingHTTPServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.api = self
        return server

    # --- data ----------------------------------------------------------------------

    def add_statuses(self, *statuses: Mapping[str, Any]) -> None:
        with self._lock:
            for status in statuses:
                self.statuses[status["id"]] = dict(status)
                account = status["account"]
                self.accounts.setdefault(account["acct"], dict(account))

    def add_accounts(self, *accounts: Mapping[str, Any]) -> None:
        with self._lock:
            self.accounts.update({a["acct"]: dict(a) for a in accounts})

    def edit(self, status_id: str, text: str, *, at: datetime | None = None) -> None:
        """Mastodon keeps the id and uri of an edited status and sets edited_at."""
        with self._lock:
            status = self.statuses[status_id]
            domain = urlsplit(status["account"]["url"]).hostname or ""
            status["content"] = render_content(text, domain)
            status["edited_at"] = _iso(at or datetime.now(UTC))

    def delete(self, *status_ids: str) -> None:
        with self._lock:
            for status_id in status_ids:
                self.statuses.pop(status_id, None)

    def corrupt(self, status_id: str, *, drop: Iterable[str] = (), **replace: Any) -> None:
        with self._lock:
            self._corruptions[status_id] = {**dict.fromkeys(drop, _DROP), **replace}

    def fail_next(
        self, *, status: int, reset_in: float | None = None, times: int = 1, after: int = 0
    ) -> None:
        """Answer the next request (after `after` good ones) with `status`, `times` times."""
        with self._lock:
            faults = [_Fault(status, reset_in) for _ in range(times)]
            faults[0].after = after
            self._faults.extend(faults)

    def timeline_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/api/v1/timelines/tag/")]

    def statuses_served(self) -> int:
        return sum(r.served for r in self.timeline_requests())

    # --- answering -----------------------------------------------------------------

    def respond(
        self, path: str, params: dict[str, list[str]], authorization: str | None
    ) -> tuple[int, dict[str, str], Any]:
        record = RecordedRequest(path, params, authorization)
        with self._lock:
            self.requests.append(record)
            status, headers, body = self._answer(path, params, authorization)
            record.status = status
            if status == 200 and isinstance(body, list):
                record.served = len(body)
        return status, headers, body

    def _answer(
        self, path: str, params: dict[str, list[str]], authorization: str | None
    ) -> tuple[int, dict[str, str], Any]:
        headers = self._rate_headers()
        path = path.rstrip("/")  # Mastodon.py asks for /api/v2/instance/
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return 200, headers, self._instance(v2=path.endswith("v2/instance"))
        if self.down:
            return 503, headers, {"error": "Service Unavailable"}
        if self._faults and self._faults[0].after:
            self._faults[0].after -= 1
        elif self._faults:
            fault = self._faults.popleft()
            if fault.status == 429:
                reset = time.time() + (fault.reset_in if fault.reset_in is not None else 60)
                headers.update(self._rate_headers(remaining=0, reset=reset))
                return 429, headers, {"error": "Too many requests"}
            return fault.status, headers, {"error": _REASONS.get(fault.status, "Error")}
        if self._window_used > self.rate_limit:
            return 429, headers, {"error": "Too many requests"}
        if authorization is not None and authorization != f"Bearer {self.access_token}":
            return 401, headers, {"error": "The access token is invalid"}
        if path.startswith("/api/v1/timelines/tag/"):
            if not self.public_timelines and authorization is None:
                return 422, headers, {"error": "This API requires an authenticated user"}
            return self._timeline(path.removeprefix("/api/v1/timelines/tag/"), params, headers)
        if path.startswith("/api/v1/statuses/"):
            status = self.statuses.get(path.removeprefix("/api/v1/statuses/"))
            if status is None:
                return 404, headers, {"error": "Record not found"}
            return 200, headers, self._served(status)
        if path == "/api/v1/accounts/lookup":
            acct = (params.get("acct") or [""])[0].lstrip("@")
            if acct.endswith("@" + self.domain):
                acct = acct.removesuffix("@" + self.domain)
            account = self.accounts.get(acct)
            if account is None:
                return 404, headers, {"error": "Record not found"}
            return 200, headers, account
        return 404, headers, {"error": "Not found"}

    def _rate_headers(
        self, *, remaining: int | None = None, reset: float | None = None
    ) -> dict[str, str]:
        now = time.time()
        if now >= self._window_reset:
            self._window_reset, self._window_used = now + self.WINDOW_SECONDS, 0
        self._window_used += 1
        left = max(self.rate_limit - self._window_used, 0) if remaining is None else remaining
        reset_at = datetime.fromtimestamp(reset or self._window_reset, tz=UTC)
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(left),
            # Mastodon sends the reset as an ISO 8601 time, with the Date header beside it.
            "X-RateLimit-Reset": reset_at.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{reset_at.microsecond // 1000:03d}Z",
            "Date": formatdate(now, usegmt=True),
        }

    def _served(self, status: Mapping[str, Any]) -> dict[str, Any]:
        served = json.loads(json.dumps(status))
        for key, value in self._corruptions.get(status["id"], {}).items():
            if value is _DROP:
                served.pop(key, None)
            else:
                served[key] = value
        return served

    def _timeline(
        self, tag: str, params: dict[str, list[str]], headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        wanted = {tag.lower(), *(t.lower() for t in params.get("any[]", []))}
        limit = min(int((params.get("limit") or ["20"])[0]), 40)
        max_id = _int(params, "max_id")
        since_id = _int(params, "since_id")
        min_id = _int(params, "min_id")
        matching = [
            s for s in self.statuses.values()
            if wanted & {t["name"].lower() for t in _tags_of(s)}
            and (max_id is None or int(s["id"]) < max_id)
            and (since_id is None or int(s["id"]) > since_id)
            and (min_id is None or int(s["id"]) > min_id)
        ]  # fmt: skip
        matching.sort(key=lambda s: int(s["id"]), reverse=True)
        # min_id pages upwards from just above it (the oldest first), answered newest first.
        chosen = (
            sorted(matching, key=lambda s: int(s["id"]))[:limit][::-1]
            if min_id
            else matching[:limit]
        )
        page = [self._served(s) for s in chosen]
        if chosen:
            base = f"https://{self.domain}/api/v1/timelines/tag/{tag}"
            extra = [("any[]", t) for t in params.get("any[]", [])]
            links = []
            # As Mastodon does: a next link under every page that holds statuses, the last
            # one included (the page after it comes back empty, without links).
            query = urlencode([*extra, ("limit", limit), ("max_id", chosen[-1]["id"])])
            links.append(f'<{base}?{query}>; rel="next"')
            query = urlencode([*extra, ("limit", limit), ("min_id", chosen[0]["id"])])
            links.append(f'<{base}?{query}>; rel="prev"')
            headers["Link"] = ", ".join(links)
        return 200, headers, page

    def _instance(self, *, v2: bool) -> dict[str, Any]:
        access = "public" if self.public_timelines else "authenticated"
        feeds = {"local": access, "remote": access}
        if not v2:
            return {
                "uri": self.domain,
                "title": self.domain,
                "version": "4.3.2",
                "urls": {"streaming_api": f"wss://{self.domain}"},
                "configuration": {"statuses": {"max_characters": 500}},
            }
        return {
            "domain": self.domain,
            "title": self.domain,
            "version": "4.3.2",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "A fake Mastodon server for tests.",
            "usage": {"users": {"active_month": 100}},
            "thumbnail": {"url": f"https://files.{self.domain}/site_uploads/thumbnail.png"},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": f"wss://{self.domain}"},
                "accounts": {"max_featured_tags": 10},
                "statuses": {"max_characters": 500, "max_media_attachments": 4},
                "timelines_access": {
                    "live_feeds": feeds,
                    "hashtag_feeds": feeds,
                    "trending_link_feeds": feeds,
                },
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": f"admin@{self.domain}", "account": None},
            "rules": [],
        }


_REASONS = {
    401: "The access token is invalid",
    403: "Forbidden",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _tags_of(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    # A boost carries no tags of its own; it is served where its original would be.
    tags = (status.get("reblog") or status).get("tags")
    return (
        [t for t in tags if isinstance(t, Mapping) and isinstance(t.get("name"), str)]
        if isinstance(tags, list)
        else []
    )


def _int(params: Mapping[str, list[str]], key: str) -> int | None:
    value = (params.get(key) or [""])[0]
    return int(value) if value.isdigit() else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: FakeMastodon


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = parse_qs(parts.query)
        status, headers, body = self.server.api.respond(
            parts.path, params, self.headers.get("Authorization")
        )
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            if name != "Date":
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass
