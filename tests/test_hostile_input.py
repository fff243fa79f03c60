"""No address answers 500, whatever is put in its path or its query.

One walk over every named URL pattern of the site (the admin's included), on the demo data:
each parameter of the path in turn, then every query key the views and forms read, takes
hostile values (a NUL byte, invalid UTF-8 percent-escapes, 10,000 characters, ids that
exist nowhere or overflow a bigint), by GET and by POST, as an anonymous visitor and as a
signed-in member of no community. A 500 anywhere is a failure; what the other answers are
(400, 403, 404, a redirect to sign in) is each view's own tests' business.
"""

import logging
import re
from collections.abc import Iterator
from io import StringIO
from urllib.parse import quote

import pytest
from django import forms
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chats.models import Chat, Question
from community.models import Membership
from members.models import User
from tests.test_url_stability import PUBLIC_URLS

APPS = {"common", "members", "community", "chats", "archive", "demo", "config"}
OVERLONG = "x" * 10_000
# As they arrive on the wire: percent-encoded, in a path segment or a query value.
HOSTILE_SEGMENTS = ["%00", "%ff%fe", OVERLONG, "9" * 30, "12345678"]
HOSTILE_VALUES = ["%00", "%ff%fe", OVERLONG, "9" * 30, "-1"]
FORM = "application/x-www-form-urlencoded"
# Raw query parameters the views read with request.GET / request.POST (form fields are
# collected from the forms themselves), and the time-zone picker's prefixed fields.
RAW_KEYS = {"after", "before", "direction", "handle", "next", "p", "page", "q", "view"}
RAW_KEYS |= {"title", "description", "suggestion", "tz-time_zone", "tz-next"}
# The Mastodon OAuth callback's query.
RAW_KEYS |= {"code", "state", "error"}
# Samples for the admin's parameters, which the URL contract leaves out.
ADMIN_SAMPLES = {"app_label": "members", "object_id": "7", "content_type_id": "7", "id": "7"}


def _patterns(patterns: list, namespace: str = "", params: tuple[str, ...] = ()) -> Iterator:
    """(name, parameter names) of every named pattern, through every include."""
    for entry in patterns:
        pattern = entry.pattern
        names = tuple(getattr(pattern, "converters", {})) or tuple(
            getattr(getattr(pattern, "regex", None), "groupindex", {})
        )
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner, params + names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", params + names


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _query_keys() -> list[str]:
    fields = {
        name
        for form in _subclasses(forms.BaseForm)
        if form.__module__.split(".")[0] in APPS
        for name in getattr(form, "base_fields", {})
    }
    return sorted(fields | RAW_KEYS)


def _replace_param(path: str, sample: str, hostile: str) -> str:
    # The sample as a whole segment, or between the separators a pattern puts around it
    # ("1a-set-password", "transcript.md").
    found = re.compile(rf"(?<![^/.\-]){re.escape(quote(sample, safe=':@'))}(?![^/.\-])")
    assert found.search(path), (path, sample)
    return found.sub(lambda _: hostile, path, count=1)


def _requests(samples: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(method, URL, form body) for every hostile request of the walk."""
    keys = _query_keys()
    for name, params in sorted(set(_patterns(get_resolver().url_patterns))):
        kwargs = {param: samples[param] for param in params}
        path = reverse(name, kwargs=kwargs)
        for param in params:
            for hostile in HOSTILE_SEGMENTS:
                url = _replace_param(path, kwargs[param], hostile)
                yield "GET", url, ""
                yield "POST", url, ""
        for value in HOSTILE_VALUES:
            encoded = "&".join(f"{key}={value}" for key in keys)
            yield "GET", f"{path}?{encoded}", ""
            yield "POST", path, encoded


def _samples() -> dict[str, str]:
    """A real community, chat, question and member of the demo for every parameter."""
    call_command("seed_demo", "--force", stdout=StringIO())
    chat = Chat.objects.get(title__contains="(demo archive)")
    # Distinct values, so that each can be told apart in the path it is replaced in.
    question = Question.objects.filter(chat=chat).exclude(pk=chat.pk).first()
    member = Membership.objects.filter(community=chat.community).first()
    assert question
    assert member
    samples = {k: v for kwargs, _ in PUBLIC_URLS.values() for k, v in kwargs.items()}
    samples |= ADMIN_SAMPLES
    samples |= {
        "slug": chat.community.slug,
        "pk": str(chat.pk),
        "question_pk": str(question.pk),
        "username": member.member.username,
    }
    return samples


@pytest.fixture
def quiet_request_log() -> Iterator[None]:
    # Thousands of 400s and 404s, each logged with its traceback, would cost more than the
    # requests; a 500 is reported by the test itself, with its address.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.mark.django_db
@pytest.mark.usefixtures("quiet_request_log")
@pytest.mark.parametrize("persona", ["anonymous", "outsider"])
def test_it_answers_no_hostile_request_with_a_server_error(
    persona: str,
) -> None:
    samples = _samples()
    client = Client(raise_request_exception=False)
    if persona == "outsider":
        client.force_login(User.objects.create_user(username="oscar", password=None))

    failures, count = [], 0
    for method, url, body in _requests(samples):
        response = client.generic(method, url, body, content_type=FORM)
        if response.streaming:
            b"".join(response.streaming_content)  # type: ignore[arg-type]
        count += 1
        if response.status_code >= 500:
            failures.append(f"{method} {url[:120]} {body[:80]} → {response.status_code}")

    print(f"{persona}: {count} hostile requests")
    assert not failures, f"{len(failures)} of {count} answered 500:\n" + "\n".join(failures)
