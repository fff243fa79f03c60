"""Deterministic, idempotent demo data: invented communities and people."""

import random
import secrets
from argparse import ArgumentParser

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from archive.services.posting import posting_policy_save
from common.markdown import render_markdown
from community.models import Community, Membership
from demo.chat import demo_archived_chat_anchor, demo_live_chat_anchor
from demo.connections import seed_demo_connections
from demo.history import seed_demo_history
from demo.schedule import seed_demo_schedule
from members.models import User

DEMO_PASSWORD = "demo-password-123"  # noqa: S105  (documented in the README; demo only)

COMMUNITIES = [
    {
        "slug": "kmers",
        "name": "Knowledge Managers",
        "hashtag": "KMers",
        "time_zone": "America/New_York",
        "description": "A weekly chat for people who help organisations **learn and remember**: "
        "knowledge management, communities of practice and working out loud.",
        "rules": "1. Be kind.\n2. Answer with A1, A2… and the hashtag.\n3. No selling.",
    },
    {
        "slug": "edchatlite",
        "name": "Teachers' Staffroom",
        "hashtag": "EdChatLite",
        "time_zone": "Europe/London",
        "description": "Teachers swapping classroom ideas every week. Topics are chosen by vote.",
        "rules": "Keep it about practice, keep it friendly.",
    },
    {
        "slug": "pkmchat",
        "name": "Personal Knowledge Mastery",
        "hashtag": "PKMchat",
        "time_zone": "Australia/Sydney",
        "description": "Seek, sense, share: an hour on how we each make sense of the flood.",
        "rules": "Share links generously, credit their authors.",
    },
    {
        "slug": "datacoopchat",
        "name": "Data Co-operatives",
        "hashtag": "DataCoopChat",
        "time_zone": "Europe/Berlin",
        "description": "Practitioners building member-owned data stewardship.",
        "rules": "Questions welcome from beginners.",
    },
    {
        "slug": "libchat_asia",
        "name": "Library Futures Asia",
        "hashtag": "LibChat_Asia",
        "time_zone": "Asia/Tokyo",
        "description": "Librarians across Asia-Pacific talk services, spaces and open access.",
        "rules": "English or Japanese, with the hashtag.",
    },
]

FIRST = [
    "Ada",
    "Bram",
    "Cleo",
    "Dario",
    "Esme",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaia",
    "Lior",
    "Maren",
    "Nils",
    "Odile",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sami",
    "Tove",
    "Ulla",
    "Viggo",
    "Wren",
    "Xenia",
    "Yara",
    "Zeno",
    "Amara",
    "Birk",
    "Coral",
    "Dov",
]
LAST = [
    "Quillfeather",
    "Marchetti",
    "Okonkwo-Vale",
    "Lindqvist",
    "Farrowby",
    "Tanaka-Ruiz",
    "Brightwater",
    "Delacroix-Nye",
    "Amundsen",
    "Kowalczyk",
]
ZONES = [
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Africa/Nairobi",
    "America/Sao_Paulo",
]
BIOS = [
    "Librarian turned community manager.",
    "Teaches year 9 science; collects questions.",
    "Knowledge engineer, weekend gardener.",
    "Runs a makerspace and a reading group.",
    "Researcher in organisational learning.",
    "Facilitator of slow conversations.",
]


class Command(BaseCommand):
    help = "Load deterministic demo data (safe to run repeatedly)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even with DEBUG off (a staging site). Each demo account then "
            "gets a random password of its own, printed once, instead of the published one.",
        )

    @transaction.atomic
    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        # DEBUG off is how this project runs in production, where 30 accounts with a
        # password printed in the README would be 30 open doors (10 of them organisers).
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to add demo accounts to what looks like production. "
                "Pass --force to load the demo anyway; each account then gets a random "
                "password of its own."
            )
        self.passwords: dict[str, str] | None = None if settings.DEBUG else {}
        rng = random.Random(20261126)  # noqa: S311  (a fixed seed: the same demo every time)
        users = [self._user(i, rng) for i in range(30)]
        communities = []
        for index, spec in enumerate(COMMUNITIES):
            community = self._community(spec, creator=users[index])
            self._memberships(community, users, index, rng)
            communities.append(community)
        self._archive_demo(communities[0])
        # After the archive: the series skip any slot the demo chats already hold.
        seed_demo_schedule(communities=communities)
        # A year of past chats first: the connections' recount then counts them too.
        seed_demo_history(community=communities[0])
        self.stdout.write(seed_demo_connections(communities=communities))
        if self.passwords is None:
            accounts = f"password {DEMO_PASSWORD!r}"
        else:
            accounts = "passwords above" if self.passwords else "passwords unchanged"
            for email, password in self.passwords.items():
                self.stdout.write(f"{email}  {password}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(COMMUNITIES)} communities, "
                f"{len(users)} members ({accounts})."
            )
        )

    def _user(self, i: int, rng: random.Random) -> User:
        first, last = FIRST[i], LAST[i % len(LAST)]
        username = f"{first.lower()}.{last.lower().replace('-', '')}"
        email = f"{username}@example.org"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": email,
                "display_name": f"{first} {last}",
                "bio": rng.choice(BIOS),
                "time_zone": rng.choice(ZONES),
                "mastodon_handle": f"{first.lower()}@social.example" if i % 3 == 0 else "",
                "bluesky_handle": f"{first.lower()}.bsky.social" if i % 4 == 0 else "",
            },
        )
        if self.passwords is None:
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        elif created or user.check_password(DEMO_PASSWORD):
            # Also replaces the published password of an account an earlier run created.
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            self.passwords[email] = password
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _community(self, spec: dict[str, str], creator: User) -> Community:
        community, _ = Community.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                **{k: v for k, v in spec.items() if k != "slug"},
                "description_html": render_markdown(spec["description"]),
                "rules_html": render_markdown(spec["rules"]),
                "created_by": creator,
            },
        )
        return community

    def _memberships(
        self, community: Community, users: list[User], index: int, rng: random.Random
    ) -> None:
        Role = Membership.Role
        chosen = rng.sample(users, 14)
        roles = {users[index].pk: Role.ORGANISER, chosen[0].pk: Role.ORGANISER}
        roles.setdefault(chosen[1].pk, Role.MODERATOR)
        for user in [users[index], *chosen]:
            Membership.objects.update_or_create(
                community=community,
                member=user,
                defaults={"role": roles.get(user.pk, Role.MEMBER)},
            )

    # --- The archive: a recorded chat replayed live, and one from last week -------

    def _archive_demo(self, community: Community) -> None:
        """One chat "live now" (the beat task replay_demo_chat fills it), one archived."""
        archived = demo_archived_chat_anchor(community=community)
        live = demo_live_chat_anchor(community=community)
        if settings.ARCHIVE_DEMO_REPLAY:
            # The demo's stand-in network posts nowhere and costs nothing: members can
            # answer the live chat from its page. With real networks it stays off.
            posting_policy_save(community=community, data={"enabled": True})
        self.stdout.write(
            f"Demo archive: “{archived.title}” ({archived.placements.count()} posts), "
            f"“{live.title}” live since {live.start_at:%H:%M} UTC "
            f"({live.placements.count()} posts so far)."
        )
