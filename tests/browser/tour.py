"""Every main page of the site, with enough in it to show each part, for checks that walk
them all (axe-core, phone widths) as a visitor, a member and an organiser."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page

from archive.models import PostPlacement
from archive.services.posting import posting_policy_save
from chats.models import Chat
from chats.services.hosting import host_offer_create
from chats.services.schedule import chat_create, chat_set_hosts, question_add
from chats.services.topics import topic_suggest, topic_vote
from community.models import Community
from members.models import User
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the site promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 320, "height": 640}
# The site's own 404 page, among the pages every check walks.
NOT_FOUND = "/communities/no-such-community/"

HOST = make_user("hanna_host", name="Hanna Host")
GUESTS = [make_user(f"guest_{n}", name=f"Guest {n}") for n in range(3)]


@dataclass(frozen=True)
class Tour:
    community: Community
    organiser: User
    member: User
    upcoming: Chat
    live: Chat
    ended: Chat


def _tweet(author: dict[str, Any], text: str, at: datetime) -> dict[str, Any]:
    return make_tweet(author=author, text=f"{text} #KMers https://kmers.example.org", created_at=at)


def tour_say(start: datetime, lines: list[tuple[dict[str, Any], int, str]]) -> None:
    archive_tweets(
        [_tweet(author, text, start + timedelta(minutes=m)) for author, m, text in lines],
        users=[HOST, *GUESTS],
    )


def tour_build(*, community: Community, organiser: User, member: User) -> Tour:
    now = timezone.now().replace(microsecond=0)
    yesterday = now - timedelta(days=2)
    upcoming = chat_create(
        community=community, title="Knowledge in the age of AI",
        start_at=now + timedelta(days=3), end_at=now + timedelta(days=3, hours=1),
    )  # fmt: skip
    question_add(chat=upcoming, text="What does knowledge management mean to you?")
    question_add(chat=upcoming, text="Which tool helped your team share what it knows?")
    host_offer_create(chat=upcoming, member=member, note="Happy to host this one.")
    live = chat_create(
        community=community, title="Knowledge audits", start_at=now - timedelta(minutes=20),
        end_at=now + timedelta(minutes=40), now=yesterday,
    )  # fmt: skip
    chat_set_hosts(chat=live, members=[], handles=[HOST["username"]])
    question_add(chat=live, text="What is a knowledge audit?")
    tour_say(
        live.start_at,
        [
            (HOST, 1, "Q1 What is a knowledge audit?"),
            (GUESTS[0], 2, "A1 A map of who knows what"),
            (GUESTS[1], 3, "A1 An inventory of documents, mostly"),
        ],
    )
    start = now - timedelta(hours=3)
    ended = chat_create(
        community=community, title="Taxonomies that last", start_at=start,
        end_at=start + timedelta(hours=1), now=yesterday,
    )  # fmt: skip
    chat_set_hosts(chat=ended, members=[], handles=[HOST["username"]])
    tour_say(
        start,
        [
            (HOST, 5, "Q1 Which taxonomy outlived its creators?"),
            (GUESTS[0], 7, "A1 Our library's subject headings, full of serendipity"),
            (GUESTS[1], 8, "A1 The product catalogue, sadly"),
            (HOST, 20, "Q2 Who keeps yours tidy?"),
            (GUESTS[1], 22, "A2 A rota of volunteers"),
            (GUESTS[2], 40, "Lovely to see everyone tonight"),
            # One long unbroken word: posts must wrap it on a phone, not widen the page.
            (GUESTS[0], 41, "See knowledge-management-frameworks-for-communities-of-practice"),
        ],
    )
    topic = topic_suggest(
        community=community, member=member, title="Tacit knowledge", description="How to share it."
    )
    topic_vote(suggestion=topic, member=member)
    topic_suggest(community=community, member=organiser, title="Communities of practice")
    # A Mastodon handle, verified for the member and not for the organiser: the profile
    # form's verification steps and the profile's rel="me" link are on the tour.
    member.mastodon_handle, member.mastodon_verified_at = "mona@mastodon.social", now
    organiser.mastodon_handle = "olive@scholar.social"
    member.save(update_fields=["mastodon_handle", "mastodon_verified_at"])
    organiser.save(update_fields=["mastodon_handle"])
    # Posting from the site on: the live page offers visitors to sign in to take part.
    posting_policy_save(community=community, data={"enabled": True})
    return Tour(community, organiser, member, upcoming, live, ended)


def _chat_url(name: str, tour: Tour, chat: Chat, query: str = "") -> str:
    return reverse(name, kwargs={"slug": tour.community.slug, "pk": chat.pk}) + query


def tour_pages(tour: Tour, persona: str) -> list[str]:
    """The pages this persona can reach, by path."""
    slug = {"slug": tour.community.slug}
    public = [
        reverse("home"),
        reverse("communities:list"),
        reverse("communities:detail", kwargs=slug),
        reverse("communities:members", kwargs=slug),
        tour.upcoming.get_absolute_url(),
        tour.live.get_absolute_url(),
        tour.ended.get_absolute_url(),
        _chat_url("archive:transcript", tour, tour.ended),
        _chat_url("archive:transcript", tour, tour.ended, "?view=time"),
        _chat_url("archive:transcript", tour, tour.ended, "?view=participant&handle=guest_1"),
        _chat_url("archive:transcript_print", tour, tour.ended),
        reverse("archive:search") + "?q=knowledge",
        reverse("archive:search") + "?q=nothing+matches+this",
        reverse("archive:search") + "?q=knowledge&since=not-a-date",
        reverse("archive:stream", kwargs=slug),
        reverse("archive:vitality", kwargs=slug),
        reverse("archive:vitality", kwargs=slug) + "?range=forever",
        reverse("chats:schedule"),
        reverse("chats:schedule") + "?q=knowledge&days=999",
        NOT_FOUND,
        reverse("chats:topics", kwargs=slug),
        reverse("members:profile", kwargs={"username": tour.member.username}),
    ]
    if persona == "visitor":
        return [
            *public,
            reverse("account_login"),
            reverse("account_signup"),
            reverse("account_reset_password"),
        ]
    mine = [reverse("members:profile_edit"), reverse("archive:my_posts")]
    if persona == "member":
        # The organisers' page answers a member with the site's 403 page.
        return [*public, *mine, reverse("chats:manage", kwargs=slug)]
    placement = PostPlacement.objects.filter(chat=tour.ended).first()
    assert placement is not None
    return [
        *public,
        *mine,
        reverse("communities:create"),
        reverse("communities:edit", kwargs=slug),
        reverse("chats:manage", kwargs=slug),
        reverse("chats:chat_create", kwargs=slug),
        reverse("chats:series_create", kwargs=slug),
        _chat_url("chats:chat_edit", tour, tour.upcoming),
        _chat_url("chats:questions", tour, tour.upcoming),
        _chat_url("chats:hosts", tour, tour.upcoming),
        reverse("chats:host_offers", kwargs=slug),
        reverse("archive:archive_health", kwargs=slug),
        reverse("archive:imports", kwargs=slug),
        reverse("archive:posting_settings", kwargs=slug),
        reverse("archive:archive_networks", kwargs=slug),
        _chat_url("archive:moderate_chat", tour, tour.ended),
        reverse("archive:moderation_log", kwargs=slug),
        reverse("archive:moderate_stream", kwargs=slug),
    ]


def sign_in_context(context: BrowserContext, base_url: str, user: User) -> None:
    """Give the context the session cookie of a signed-in user, as the sign-in form would."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def open_in_zone(context: BrowserContext, base_url: str) -> None:
    # With no `tz` cookie, timezone.js reloads each page once after it renders.
    context.add_cookies([{"name": "tz", "value": "Europe/London", "url": base_url}])


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, at WCAG 2.2 AA."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs outside the page's Content Security Policy, which forbids the
        # inline <script> that add_script_tag would insert.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
    )
    return list(result["violations"])


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
