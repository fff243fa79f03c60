"""A fake of X's OAuth 2.0 endpoints ("Log in with X"), served over real HTTP on 127.0.0.1.

It enforces what X enforces for a confidential client using PKCE: the exact redirect URI,
an S256 challenge, HTTP Basic client authentication, single-use codes, a verifier that
hashes to the challenge and a Bearer token on /2/users/me. Every request it receives is
recorded, so that tests can assert what the client really sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes.local_http import LocalHttpServer

AUTHORIZE_PATH = "/i/oauth2/authorize"
TOKEN_PATH = "/2/oauth2/token"
ME_PATH = "/2/users/me"
# X always returns these three; everything else only when asked for in user.fields.
ALWAYS_RETURNED_FIELDS = ("id", "name", "username")
# /2/users/me needs both scopes on X.
ME_SCOPES = frozenset({"tweet.read", "users.read"})
ACCESS_TOKEN_LIFETIME = 7200
# X wants the code exchanged within 30 seconds of the redirect.
CODE_LIFETIME = 30.0


@dataclass
class XIdentity:
    """The X account that is signed in at the fake X when a visitor authorises the app."""

    id: str = "1456789012345678901"
    name: str = "Ada Quillfeather"
    username: str = "adaquill"
    profile_image_url: str = "https://pbs.twimg.com/profile_images/1/ada_normal.jpg"
    verified: bool = False
    created_at: str = "2014-03-01T12:00:00.000Z"

    def as_user_object(self, fields: set[str]) -> dict[str, object]:
        user = {
            "id": self.id,
            "name": self.name,
            "username": self.username,
            "profile_image_url": self.profile_image_url,
            "verified": self.verified,
            "created_at": self.created_at,
        }
        wanted = fields | set(ALWAYS_RETURNED_FIELDS)
        return {key: value for key, value in user.items() if key in wanted}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    status: int
    response: dict[str, object]


@dataclass
class _Grant:
    code_challenge: str
    redirect_uri: str
    scope: str
    identity: XIdentity
    issued_at: float = field(default_factory=time.monotonic)


@dataclass
class _State:
    client_id: str
    client_secret: str
    redirect_uri: str
    identity: XIdentity
    # False: the visitor presses "Cancel" at X instead of authorising the app.
    consent: bool = True
    code_lifetime: float = CODE_LIFETIME
    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, _Grant] = field(default_factory=dict)
    # Single use, as X's: each refresh answers with a new refresh token.
    refresh_tokens: dict[str, _Grant] = field(default_factory=dict)
    # Told of every access token issued (the fake X API learns whom it posts as).
    on_token: Callable[[str, XIdentity], None] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeXOAuth(LocalHttpServer):
    """Start with ``with FakeXOAuth(...) as fake:``.

    ``identity``, ``consent`` and ``code_lifetime`` may be changed at any time.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        identity: XIdentity | None = None,
        on_token: Callable[[str, XIdentity], None] | None = None,
    ) -> None:
        self._state = _State(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            identity=identity or XIdentity(),
            on_token=on_token,
        )

    # --- lifecycle --------------------------------------------------------------
    def make_server(self) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"state": self._state})
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)

    @property
    def authorize_url(self) -> str:
        return self.base_url + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def profile_url(self) -> str:
        return self.base_url + ME_PATH

    @property
    def identity(self) -> XIdentity:
        return self._state.identity

    @identity.setter
    def identity(self, value: XIdentity) -> None:
        with self._state.lock:
            self._state.identity = value

    @property
    def consent(self) -> bool:
        return self._state.consent

    @consent.setter
    def consent(self, value: bool) -> None:
        self._state.consent = value

    @property
    def code_lifetime(self) -> float:
        return self._state.code_lifetime

    @code_lifetime.setter
    def code_lifetime(self, seconds: float) -> None:
        self._state.code_lifetime = seconds

    def issue_tokens(self, scope: str, identity: XIdentity | None = None) -> dict[str, object]:
        """Tokens as a completed authorisation would return them (a member who signed in
        earlier), without going through the browser steps."""
        grant = _Grant("", "", scope, identity or self._state.identity)
        return _issue(self._state, grant)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._state.lock:
            return [r for r in self._state.requests if r.path == path]


def s256(verifier: str) -> str:
    """The PKCE S256 transform: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _error(error: str, description: str) -> tuple[int, dict[str, object]]:
    return HTTPStatus.BAD_REQUEST, {"error": error, "error_description": description}


class _Handler(BaseHTTPRequestHandler):
    state: _State

    def log_message(self, format: str, *args: object) -> None:
        # Keep test output clean; requests are recorded instead.
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        if url.path == AUTHORIZE_PATH:
            self._finish(url.path, query, {}, *self._authorize(query))
        elif url.path == ME_PATH:
            self._finish(url.path, query, {}, *self._me(query))
        else:
            self._finish(url.path, query, {}, HTTPStatus.NOT_FOUND, {"title": "Not Found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8")))
        if url.path == TOKEN_PATH:
            self._finish(url.path, {}, form, *self._token(form))
        else:
            self._finish(url.path, {}, form, HTTPStatus.NOT_FOUND, {"title": "Not Found"})

    # --- endpoints ------------------------------------------------------------------
    def _authorize(self, query: dict[str, str]) -> tuple[int, dict[str, object], str]:
        state = self.state
        problem = _authorize_problem(query, state)
        if problem:
            return HTTPStatus.BAD_REQUEST, {"error": "invalid_request", "detail": problem}, ""
        if not state.consent:
            denied = {"error": "access_denied", "state": query["state"]}
            return HTTPStatus.FOUND, {}, f"{query['redirect_uri']}?{urlencode(denied)}"
        code = secrets.token_urlsafe(32)
        with state.lock:
            state.codes[code] = _Grant(
                code_challenge=query["code_challenge"],
                redirect_uri=query["redirect_uri"],
                scope=query.get("scope", ""),
                identity=state.identity,
            )
        location = f"{query['redirect_uri']}?{urlencode({'state': query['state'], 'code': code})}"
        return HTTPStatus.FOUND, {}, location

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        state = self.state
        if self._basic_auth() != (state.client_id, state.client_secret):
            return HTTPStatus.UNAUTHORIZED, {
                "error": "unauthorized_client",
                "error_description": "Missing valid authorization header",
            }
        if form.get("grant_type") == "refresh_token":
            with state.lock:
                refreshed = state.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if refreshed is None:
                return _error("invalid_request", "Value passed for the token was invalid.")
            return HTTPStatus.OK, _issue(state, refreshed)
        if form.get("grant_type") != "authorization_code":
            return _error("invalid_request", "Value passed for the grant type was invalid.")
        with state.lock:
            # Single use: a code is gone once presented, whether or not the rest checks out.
            grant = state.codes.pop(form.get("code", ""), None)
        if grant is None or time.monotonic() - grant.issued_at > state.code_lifetime:
            return _error("invalid_request", "Value passed for the authorization code was invalid.")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _error("invalid_request", "Value passed for the redirect uri was invalid.")
        if s256(form.get("code_verifier", "")) != grant.code_challenge:
            return _error("invalid_request", "Value passed for the code verifier was invalid.")
        return HTTPStatus.OK, _issue(state, grant)

    def _me(self, query: dict[str, str]) -> tuple[int, dict[str, object]]:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        with self.state.lock:
            grant = self.state.tokens.get(token) if scheme.lower() == "bearer" else None
        if grant is None:
            return HTTPStatus.UNAUTHORIZED, {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            }
        if not ME_SCOPES.issubset(grant.scope.split()):
            return HTTPStatus.FORBIDDEN, {"title": "Forbidden", "status": 403}
        fields = {f for f in query.get("user.fields", "").split(",") if f}
        return HTTPStatus.OK, {"data": grant.identity.as_user_object(fields)}

    # --- plumbing -------------------------------------------------------------------
    def _basic_auth(self) -> tuple[str, str] | None:
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except ValueError:
            return None
        return user, password

    def _finish(
        self,
        path: str,
        query: dict[str, str],
        form: dict[str, str],
        status: int,
        body: dict[str, object],
        location: str = "",
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
                    response=body,
                )
            )
        payload = json.dumps(body).encode("utf-8") if body else b""
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _issue(state: _State, grant: _Grant) -> dict[str, object]:
    token = secrets.token_urlsafe(32)
    body: dict[str, object] = {
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "access_token": token,
        "scope": grant.scope,
    }
    with state.lock:
        state.tokens[token] = grant
        if "offline.access" in grant.scope.split():
            refresh = secrets.token_urlsafe(32)
            state.refresh_tokens[refresh] = grant
            body["refresh_token"] = refresh
    if state.on_token is not None:
        state.on_token(token, grant.identity)
    return body


def _authorize_problem(query: dict[str, str], state: _State) -> str:
    """What X would refuse about an authorization request, or "" when it is acceptable."""
    expected = {
        "response_type": "code",
        "client_id": state.client_id,
        "redirect_uri": state.redirect_uri,
        "code_challenge_method": "S256",
    }
    for name, value in expected.items():
        if query.get(name) != value:
            return f"{name} is missing or invalid"
    for name in ("state", "code_challenge"):
        if not query.get(name):
            return f"{name} is required"
    return ""
