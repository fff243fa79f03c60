"""A fake Mastodon server for connecting accounts and posting, over real HTTP on 127.0.0.1.

What the connect flow and the publisher use, with Mastodon 4.x's shapes and checks: app
registration (`POST /api/v1/apps`), the OAuth authorisation page and code exchange (exact
redirect URI, the app's own credentials, single-use codes, the granted scopes), token
revocation, `verify_credentials`, `POST /api/v1/statuses` honouring `Idempotency-Key` as
Mastodon does (the same key from the same account returns the status it already made), and
`GET /api/v2/search` resolving a status's canonical URI to this server's own id. Errors
have Mastodon's shapes: `{"error": ...}` with 401, 403, 404, 422, 429 (with the
`X-RateLimit-*` headers) and 5xx. Every request is recorded.

The authorisation page is an HTML form (a browser presses Authorise or Deny); a test that
has no browser calls `authorize(url)`, which answers as a consenting (or, with
`consent = False`, a declining) member would.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

from tests.fakes.local_http import LocalHttpServer

MAX_CHARACTERS = 500


@dataclass
class FakeAccount:
    """The account signed in at the fake server when a member authorises the app."""

    id: str = "109876543210987654"
    username: str = "ada"
    display_name: str = "Ada Quillfeather"
    # Empty: https://<domain>/@<username>, as Mastodon answers.
    url: str = ""


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    status: int


@dataclass
class _App:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: str


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    scope: str
    account: FakeAccount


@dataclass
class _State:
    domain: str
    account: FakeAccount
    consent: bool = True
    # Set: the scopes the member left ticked (some servers let them), whatever was asked.
    granted_scope: str = ""
    apps: dict[str, _App] = field(default_factory=dict)
    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, _Grant] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    # (account id, Idempotency-Key) -> the status that key made.
    idempotency: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Statuses of other servers this one can resolve: canonical uri -> local copy.
    remote: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Answers given instead of the real one, in order: (path, status, body, headers).
    failures: list[tuple[str, int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    # Seconds to hold the next answer to a path, after doing the work: a lost answer.
    delays: dict[str, float] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    next_id: int = 113_000_000_000_000_000
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeMastodon(LocalHttpServer):
    """Start with ``with FakeMastodon(domain="social.example") as fake:``."""

    def __init__(self, *, domain: str = "social.example", account: FakeAccount | None = None):
        self._state = _State(domain=domain, account=account or FakeAccount())

    # --- lifecycle ----------------------------------------------------------------------
    def make_server(self) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"state": self._state})
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)

    @property
    def domain(self) -> str:
        return self._state.domain

    @property
    def account(self) -> FakeAccount:
        return self._state.account

    @account.setter
    def account(self, value: FakeAccount) -> None:
        self._state.account = value

    @property
    def consent(self) -> bool:
        return self._state.consent

    @consent.setter
    def consent(self, value: bool) -> None:
        self._state.consent = value

    @property
    def granted_scope(self) -> str:
        return self._state.granted_scope

    @granted_scope.setter
    def granted_scope(self, value: str) -> None:
        self._state.granted_scope = value

    @property
    def statuses(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return list(self._state.statuses)

    @property
    def apps(self) -> list[_App]:
        with self._state.lock:
            return list(self._state.apps.values())

    def tokens(self) -> list[str]:
        with self._state.lock:
            return list(self._state.tokens)

    def revoke_all(self) -> None:
        """The member revoked our access in their server's settings."""
        with self._state.lock:
            self._state.tokens.clear()

    def fail_next(
        self,
        path: str,
        status: int,
        error: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next request to `path` gets this answer instead of the real one."""
        body = {"error": error or HTTPStatus(status).phrase}
        with self._state.lock:
            self._state.failures.append((path, status, body, headers or {}))

    def delay_next(self, path: str, seconds: float) -> None:
        """The next request to `path` is carried out, but its answer comes this much later."""
        with self._state.lock:
            self._state.delays[path] = seconds

    def rate_limit_next(self, path: str, *, reset_at: datetime) -> None:
        """Mastodon's 429: its headers say when the window resets (ISO 8601)."""
        self.fail_next(
            path,
            HTTPStatus.TOO_MANY_REQUESTS,
            "Too many requests",
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        )

    def add_remote_status(self, uri: str) -> str:
        """A status of another server that this one can fetch; returns its local id here."""
        with self._state.lock:
            local = _status(self._state, text="elsewhere", account=FakeAccount("1", "remote"))
            local["uri"] = uri
            local["url"] = uri
            self._state.remote[uri] = local
            return str(local["id"])

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._state.lock:
            return [r for r in self._state.requests if r.path == path]

    def authorize(self, url: str) -> str:
        """Follow the authorisation page as the member would; return where it sends them."""
        page = requests.get(url, timeout=5)
        if page.status_code != HTTPStatus.OK:
            raise AssertionError(f"authorize page answered {page.status_code}: {page.text}")
        fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page.text))
        fields = {k: html.unescape(v) for k, v in fields.items()}
        fields["decision"] = "authorize" if self.consent else "deny"
        answer = requests.post(
            self.base_url + "/oauth/authorize", data=fields, allow_redirects=False, timeout=5
        )
        return answer.headers["Location"]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _account_object(state: _State, account: FakeAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "username": account.username,
        "acct": account.username,  # local accounts: no domain, as Mastodon answers
        "display_name": account.display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2022-11-03T00:00:00.000Z",
        "note": "<p>Knowledge gardener.</p>",
        "url": account.url or f"https://{state.domain}/@{account.username}",
        "uri": f"https://{state.domain}/users/{account.username}",
        "avatar": f"https://{state.domain}/avatars/{account.username}.png",
        "avatar_static": f"https://{state.domain}/avatars/{account.username}.png",
        "header": f"https://{state.domain}/headers/missing.png",
        "header_static": f"https://{state.domain}/headers/missing.png",
        "followers_count": 12,
        "following_count": 34,
        "statuses_count": len(state.statuses),
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }


def _status(
    state: _State, *, text: str, account: FakeAccount, in_reply_to_id: str | None = None
) -> dict[str, Any]:
    state.next_id += 1
    status_id = str(state.next_id)
    content = "<p>" + html.escape(text).replace("\n", "<br />") + "</p>"
    tags = [
        {"name": tag.lower(), "url": f"https://{state.domain}/tags/{tag.lower()}"}
        for tag in re.findall(r"#(\w+)", text)
    ]
    return {
        "id": status_id,
        "created_at": _now(),
        "in_reply_to_id": in_reply_to_id,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://{state.domain}/users/{account.username}/statuses/{status_id}",
        "url": f"https://{state.domain}/@{account.username}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": content,
        "reblog": None,
        "application": {"name": "Hashtag Commons", "website": None},
        "account": _account_object(state, account),
        "media_attachments": [],
        "mentions": [],
        "tags": tags,
        "emojis": [],
        "card": None,
        "poll": None,
    }


class _Handler(BaseHTTPRequestHandler):
    state: _State

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch({})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        if "json" in (self.headers.get("Content-Type") or ""):
            form = {k: str(v) for k, v in json.loads(body or "{}").items() if v is not None}
        else:
            form = dict(parse_qsl(body, keep_blank_values=True))
        self._dispatch(form)

    def _dispatch(self, form: dict[str, str]) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        route = {
            ("POST", "/api/v1/apps"): self._apps,
            ("GET", "/oauth/authorize"): self._authorize_page,
            ("POST", "/oauth/authorize"): self._authorize_decision,
            ("POST", "/oauth/token"): self._token,
            ("POST", "/oauth/revoke"): self._revoke,
            ("GET", "/api/v1/accounts/verify_credentials"): self._verify_credentials,
            ("POST", "/api/v1/statuses"): self._post_status,
            ("GET", "/api/v2/search"): self._search,
        }.get((self.command, url.path))
        failure = self._take_failure(url.path)
        if failure is not None:
            status, body, headers = failure
            self._finish(url.path, query, form, status, body, headers=headers)
        elif route is None:
            self._finish(url.path, query, form, HTTPStatus.NOT_FOUND, {"error": "Not Found"})
        else:
            answer = route(query, form)
            with self.state.lock:
                delay = self.state.delays.pop(url.path, 0.0)
            time.sleep(delay)
            self._finish(url.path, query, form, *answer)

    def _take_failure(self, path: str) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        with self.state.lock:
            for index, (failing, status, body, headers) in enumerate(self.state.failures):
                if failing == path:
                    del self.state.failures[index]
                    return status, body, headers
        return None

    # --- endpoints ----------------------------------------------------------------------
    def _apps(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        if not form.get("client_name") or not form.get("redirect_uris"):
            return HTTPStatus.UNPROCESSABLE_ENTITY, {
                "error": "Validation failed: Application name can't be blank"
            }
        app = _App(
            client_id=secrets.token_urlsafe(32),
            client_secret=secrets.token_urlsafe(32),
            redirect_uris=form["redirect_uris"].split(),
            scopes=form.get("scopes", "read"),
        )
        with self.state.lock:
            self.state.apps[app.client_id] = app
        return HTTPStatus.OK, {
            "id": str(len(self.state.apps)),
            "name": form["client_name"],
            "website": form.get("website"),
            "scopes": app.scopes.split(),
            "redirect_uri": form["redirect_uris"],
            "redirect_uris": app.redirect_uris,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "client_secret_expires_at": 0,
        }

    def _authorize_problem(self, params: dict[str, str]) -> str:
        app = self.state.apps.get(params.get("client_id", ""))
        if app is None:
            return "Client authentication failed due to unknown client."
        if params.get("response_type") != "code":
            return "The authorization server does not support this response type."
        if params.get("redirect_uri") not in app.redirect_uris:
            return "The redirect uri included is not valid."
        if not set(params.get("scope", "").split()) <= set(app.scopes.split()):
            return "The requested scope is invalid, unknown, or malformed."
        return ""

    def _authorize_page(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        problem = self._authorize_problem(query)
        if problem:
            return HTTPStatus.BAD_REQUEST, _page("An error has occurred", f"<p>{problem}</p>")
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(query.get(name, ""))}">'
            for name in ("client_id", "redirect_uri", "scope", "state", "response_type")
        )
        body = (
            f"<p>Hashtag Commons would like to access your account "
            f"@{html.escape(self.state.account.username)}@{html.escape(self.state.domain)}: "
            f"{html.escape(query.get('scope', ''))}</p>"
            f'<form method="post" action="/oauth/authorize">{hidden}'
            '<button name="decision" value="authorize">Authorise</button>'
            '<button name="decision" value="deny">Deny</button></form>'
        )
        return HTTPStatus.OK, _page("Authorisation required", body)

    def _authorize_decision(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        problem = self._authorize_problem(form)
        if problem:
            return HTTPStatus.BAD_REQUEST, _page("An error has occurred", f"<p>{problem}</p>")
        if form.get("decision") != "authorize":
            answer = {
                "error": "access_denied",
                "error_description": "The resource owner or authorization server denied the "
                "request.",
                "state": form.get("state", ""),
            }
            return HTTPStatus.FOUND, {}, {"Location": f"{form['redirect_uri']}?{urlencode(answer)}"}
        code = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.codes[code] = _Grant(
                client_id=form["client_id"],
                redirect_uri=form["redirect_uri"],
                scope=form.get("scope", ""),
                account=self.state.account,
            )
        answer = {"code": code, "state": form.get("state", "")}
        return HTTPStatus.FOUND, {}, {"Location": f"{form['redirect_uri']}?{urlencode(answer)}"}

    def _token(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        app = self.state.apps.get(form.get("client_id", ""))
        if app is None or app.client_secret != form.get("client_secret"):
            return HTTPStatus.UNAUTHORIZED, {
                "error": "invalid_client",
                "error_description": "Client authentication failed due to unknown client, no "
                "client authentication included, or unsupported authentication method.",
            }
        invalid_grant = {
            "error": "invalid_grant",
            "error_description": "The provided authorization grant is invalid, expired, "
            "revoked, does not match the redirection URI used in the authorization request, "
            "or was issued to another client.",
        }
        if form.get("grant_type") != "authorization_code":
            return HTTPStatus.BAD_REQUEST, invalid_grant
        with self.state.lock:
            grant = self.state.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or grant.client_id != app.client_id
            or grant.redirect_uri != form.get("redirect_uri")
        ):
            return HTTPStatus.BAD_REQUEST, invalid_grant
        token = secrets.token_urlsafe(32)
        with self.state.lock:
            self.state.tokens[token] = grant
        return HTTPStatus.OK, {
            "access_token": token,
            "token_type": "Bearer",
            "scope": self.state.granted_scope or grant.scope,
            "created_at": int(datetime.now(UTC).timestamp()),
        }

    def _revoke(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        app = self.state.apps.get(form.get("client_id", ""))
        if app is None or app.client_secret != form.get("client_secret"):
            return HTTPStatus.FORBIDDEN, {
                "error": "unauthorized_client",
                "error_description": "You are not authorized to revoke this token",
            }
        with self.state.lock:
            self.state.tokens.pop(form.get("token", ""), None)
        return HTTPStatus.OK, {}

    def _grant(self) -> _Grant | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        with self.state.lock:
            return self.state.tokens.get(token) if scheme.lower() == "bearer" else None

    def _verify_credentials(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        grant = self._grant()
        if grant is None:
            return HTTPStatus.UNAUTHORIZED, {"error": "The access token is invalid"}
        if not {"read", "read:accounts"} & set(grant.scope.split()):
            return HTTPStatus.FORBIDDEN, {"error": "This action is outside the authorized scopes"}
        account = _account_object(self.state, grant.account)
        account["source"] = {"privacy": "public", "sensitive": False, "language": "", "note": ""}
        return HTTPStatus.OK, account

    def _post_status(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        grant = self._grant()
        if grant is None:
            return HTTPStatus.UNAUTHORIZED, {"error": "The access token is invalid"}
        if not {"write", "write:statuses"} & set(grant.scope.split()):
            return HTTPStatus.FORBIDDEN, {"error": "This action is outside the authorized scopes"}
        key = self.headers.get("Idempotency-Key")
        with self.state.lock:
            if key and (grant.account.id, key) in self.state.idempotency:
                return HTTPStatus.OK, self.state.idempotency[(grant.account.id, key)]
        text = form.get("status", "")
        if not text.strip():
            return HTTPStatus.UNPROCESSABLE_ENTITY, {
                "error": "Validation failed: Text can't be blank"
            }
        if len(text) > MAX_CHARACTERS:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {
                "error": f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded"
            }
        reply_to = form.get("in_reply_to_id") or None
        with self.state.lock:
            known = {s["id"] for s in self.state.statuses}
            known |= {s["id"] for s in self.state.remote.values()}
            if reply_to is not None and reply_to not in known:
                return HTTPStatus.NOT_FOUND, {
                    "error": "The post you are trying to reply to does not appear to exist."
                }
            status = _status(self.state, text=text, account=grant.account, in_reply_to_id=reply_to)
            self.state.statuses.append(status)
            if key:
                self.state.idempotency[(grant.account.id, key)] = status
        return HTTPStatus.OK, status

    def _search(self, query: dict[str, str], form: dict[str, str]) -> tuple[Any, ...]:
        grant = self._grant()
        q = query.get("q", "")
        found: list[dict[str, Any]] = []
        with self.state.lock:
            found += [s for s in self.state.statuses if q in (s["uri"], s["url"])]
            # Only a signed-in search with resolve=true fetches from other servers.
            if grant is not None and query.get("resolve") in ("true", "True", "1"):
                found += [s for uri, s in self.state.remote.items() if uri == q]
        return HTTPStatus.OK, {"accounts": [], "statuses": found, "hashtags": []}

    # --- plumbing -----------------------------------------------------------------------
    def _finish(
        self,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        status: int,
        body: dict[str, Any] | str,
        headers: dict[str, str] | None = None,
    ) -> None:
        with self.state.lock:
            self.state.requests.append(
                RecordedRequest(
                    method=self.command,
                    path=path,
                    query=query,
                    form=form,
                    headers=dict(self.headers.items()),
                    status=status,
                )
            )
        if isinstance(body, str):
            payload, content_type = body.encode("utf-8"), "text/html; charset=utf-8"
        else:
            payload, content_type = json.dumps(body).encode("utf-8"), "application/json"
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )


def reset_in(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
