"""A post whose author X could not return (suspended, protected) is archived under an account
known only by its id: every page and export names it "unknown account" and links nowhere
it cannot."""

import csv
import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import Account
from chats.models import Chat
from tests.archive.exports.conftest import START, Say, export_url, print_url
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

pytestmark = pytest.mark.django_db

GONE = make_user("gone_quiet", name="Gone Quiet")
# "@" with no handle after it, or a link to a profile or post without one.
BROKEN = re.compile(r"@(?=[<\s\"*),]|$)|x\.com//|x\.com/status|handle=(&|\"|$)", re.MULTILINE)


@pytest.fixture
def unknown_post(chat: Chat, say: Say, discussed: dict[str, Any]) -> dict[str, Any]:
    tweet = make_tweet(
        author=GONE, text="A1 Mysterious insight #KMers", created_at=START.replace(minute=11)
    )
    archive_tweets([tweet], users=[])  # X left the author out of includes.users
    account = Account.objects.get(external_id=GONE["id"])
    assert (account.handle, account.is_known) == ("", False)
    return tweet


def _transcript(chat: Chat) -> str:
    return reverse("archive:transcript", kwargs={"slug": chat.community.slug, "pk": chat.pk})


@pytest.mark.parametrize("view", ["questions", "time", "participant"])
def test_it_names_an_unknown_account_on_the_transcript_without_broken_links(
    anonymous: Client, chat: Chat, unknown_post: dict[str, Any], view: str
) -> None:
    response = anonymous.get(_transcript(chat), {"view": view})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown account" in html or "unknown account" in html
    assert f"https://x.com/i/status/{unknown_post['id']}" in html or view == "participant"
    assert not BROKEN.search(html), BROKEN.search(html)


def test_it_names_an_unknown_account_on_the_printable_transcript(
    anonymous: Client, chat: Chat, unknown_post: dict[str, Any]
) -> None:
    html = anonymous.get(print_url(chat)).content.decode()

    assert "Unknown account" in html
    assert not BROKEN.search(html), BROKEN.search(html)


def test_it_exports_an_unknown_account_with_a_link_to_the_post_by_id(
    anonymous: Client, chat: Chat, unknown_post: dict[str, Any]
) -> None:
    rows = list(
        csv.DictReader(io.StringIO(anonymous.get(export_url(chat, "csv")).content.decode()))
    )
    document = json.loads(anonymous.get(export_url(chat, "json")).content)
    markdown = anonymous.get(export_url(chat, "md")).content.decode()

    (row,) = [r for r in rows if r["post_id"] == unknown_post["id"]]
    url = f"https://x.com/i/status/{unknown_post['id']}"
    assert (row["url"], row["author_handle"], row["author_name"]) == (url, "", "")
    (record,) = [p for p in document["posts"] if p["post_id"] == unknown_post["id"]]
    assert (record["url"], record["author_handle"]) == (url, "")
    assert "- **unknown account** (17:11 UTC): A1 Mysterious insight #KMers" in markdown
    assert not BROKEN.search(markdown), BROKEN.search(markdown)


def test_it_names_an_unknown_account_to_the_moderators(
    moderator: Client, chat: Chat, unknown_post: dict[str, Any]
) -> None:
    url = reverse("archive:moderate_chat", kwargs={"slug": chat.community.slug, "pk": chat.pk})

    html = moderator.get(url).content.decode()

    assert "unknown account" in html
    assert not BROKEN.search(html), BROKEN.search(html)


def test_it_finds_a_post_of_an_unknown_account_and_names_it(
    anonymous: Client, chat: Chat, unknown_post: dict[str, Any]
) -> None:
    html = anonymous.get(reverse("archive:search"), {"q": "mysterious"}).content.decode()

    assert "Mysterious" in html
    assert "Unknown account" in html
    assert not BROKEN.search(html), BROKEN.search(html)


def test_it_names_an_unknown_account_when_asking_to_exclude_it(
    moderator: Client, chat: Chat, unknown_post: dict[str, Any]
) -> None:
    account = Account.objects.get(external_id=GONE["id"])
    url = reverse("archive:account_exclude", kwargs={"slug": chat.community.slug, "pk": account.pk})

    html = moderator.get(url).content.decode()

    assert "Exclude unknown account from this archive?" in html
    assert not BROKEN.search(html), BROKEN.search(html)
