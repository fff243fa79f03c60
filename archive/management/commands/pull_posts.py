"""One archive pull, now, in this process: for operators, demos and tests.

The same services as the Celery tasks (archive.services.pulls), the same lock per query,
and the same bookkeeping of failures on the cursor and the source's health. Unlike a task,
which is rescheduled, the command waits where twarc would: a rate limit that resets within
--max-wait seconds is waited out, and a server error or timeout is retried with
exponential backoff up to --retries times. It exits 0 only when every pull completed;
otherwise it says which stopped and why.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from archive.models import Network, SourceHealth, SyncCursor
from archive.services import pulls
from archive.services.ingest import PullResult
from archive.services.networks import mastodon_server_clean
from archive.sources import registry
from archive.sources.base import (
    RateLimited,
    Source,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
)
from archive.sources.x import XSource
from chats.models import Chat
from community.models import Community

# "A few minutes": X's windows are 15 minutes, so a reset is never further than that.
DEFAULT_MAX_WAIT = 300
DEFAULT_RETRIES = 5
# 5, 10, 20, 40, 80 s: two and a half minutes in all before giving up with the defaults.
BACKOFF_FIRST = 5
# X's reset is in whole seconds and its clock is not ours: wait a second past it (tweepy too).
RESET_MARGIN = 1


@dataclass(frozen=True)
class _Target:
    label: str
    cursor: SyncCursor
    pull: Callable[[SyncCursor], PullResult]


class _Stop(Exception):
    """Nothing more can be pulled in this run (credentials refused, a long rate limit)."""


class Command(BaseCommand):
    help = (
        "Pull posts from X now, synchronously: one chat (its window so far), "
        "one community's between-chat stream, or every chat whose window is open. "
        "Waits out short rate limits and retries server errors; exits 0 only when every "
        "pull completed."
    )

    # Replaced by tests, so that waiting takes no time.
    sleep: Callable[[float], object] = staticmethod(time.sleep)
    clock: Callable[[], datetime] = staticmethod(timezone.now)

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--chat", type=int, metavar="ID", help="Pull this chat.")
        target.add_argument("--community", metavar="SLUG", help="Sweep this community's stream.")
        target.add_argument("--live", action="store_true", help="Pull every chat open now.")
        parser.add_argument(
            "--network",
            choices=list(Network.values),
            default=Network.X,
            help="The network to pull from (default x).",
        )
        parser.add_argument(
            "--server",
            default="",
            metavar="HOST",
            help="With --network mastodon: the server whose hashtag timeline to read.",
        )
        parser.add_argument(
            "--max-wait",
            type=int,
            default=DEFAULT_MAX_WAIT,
            metavar="SECONDS",
            help="Wait out a rate limit that resets within this many seconds; stop when it "
            f"resets later (default {DEFAULT_MAX_WAIT}, 0: never wait).",
        )
        parser.add_argument(
            "--retries",
            type=int,
            default=DEFAULT_RETRIES,
            metavar="N",
            help="Give up on a pull after this many failed attempts (a server error or "
            f"timeout, retried after {BACKOFF_FIRST} s and twice as long each time; a rate "
            f"limit, waited out) (default {DEFAULT_RETRIES}).",
        )

    def handle(
        self,
        *args: object,
        chat: int | None,
        community: str | None,
        live: bool,
        max_wait: int,
        retries: int,
        network: str = Network.X,
        server: str = "",
        **options: Any,
    ) -> None:
        self.verbosity = int(options["verbosity"])
        self.max_wait, self.retries = max_wait, retries
        self.server = _server_for(network, server)
        if not registry.network_configured(network):
            raise CommandError(_UNCONFIGURED[network])
        source = registry.source_for(network=network, server=self.server)
        try:
            self._wait_for_source(source.network)
        except _Stop as stop:
            raise CommandError(f"Not pulling. {stop}") from None
        now = self.clock()
        if chat is not None:
            targets = [self._chat_target(_chat(chat, now, network), source)]
        elif community is not None:
            targets = [self._stream_target(_community(community), source)]
        else:
            targets = [self._chat_target(c, source) for c in pulls._open_chats(now)]
            if not targets:
                self.stdout.write("No chat window is open now: nothing to pull.")
        problems: list[str] = []
        for target in targets:
            try:
                problem = self._run(target)
            except _Stop as stop:
                raise CommandError("; ".join([*problems, f"{target.label}: {stop}"])) from None
            if problem:
                problems.append(problem)
        if problems:
            raise CommandError("; ".join(problems))

    def _chat_target(self, chat: Chat, source: Source) -> _Target:
        tags = " ".join(f"#{tag}" for tag in chat.hashtags)
        return _Target(
            label=f"Chat {chat.pk} “{chat.title}” ({tags})",
            cursor=pulls.chat_cursor(chat=chat, network=source.network, server=self.server),
            pull=lambda cursor: pulls.chat_pull(chat=chat, cursor=cursor, source=source),
        )

    def _stream_target(self, community: Community, source: Source) -> _Target:
        return _Target(
            label=f"Stream of {community.slug} (#{community.hashtag})",
            cursor=pulls.stream_cursor(
                community=community, network=source.network, server=self.server
            ),
            pull=lambda cursor: pulls.stream_pull(
                community=community, cursor=cursor, source=source
            ),
        )

    # --- One target, until it completes or cannot -------------------------------------

    def _run(self, target: _Target) -> str:
        """Pull one target; '' when it completed, else why not (raises _Stop when nothing
        more can be pulled in this run)."""
        failures = 0
        while True:
            outcome = self._attempt(target)
            if isinstance(outcome, str):
                return f"{target.label}: {outcome}"
            if isinstance(outcome, PullResult):
                self._report(target.label, outcome)
                if outcome.complete:
                    return ""
                return f"{target.label}: stopped: {outcome.stopped_reason or 'incomplete'}"
            if isinstance(outcome, SourceAuthError):
                raise _Stop(
                    f"X refused the credentials ({_said(outcome)}). Check X_BEARER_TOKEN; "
                    "pulls stay stopped until the configuration changes."
                )
            if not isinstance(outcome, RateLimited | SourceUnavailable):
                # A refusal (400, 404) comes back the same at once: retrying only spends
                # the rate limit.
                return f"{target.label}: {_said(outcome)}"
            failures += 1
            if failures > self.retries:
                return f"{target.label}: gave up after {self.retries} retries: {_said(outcome)}"
            if isinstance(outcome, RateLimited):
                self._wait_out_rate_limit(target.label, outcome.reset_at)
            else:
                delay = BACKOFF_FIRST * 2 ** (failures - 1)
                self._wait(
                    f"{target.label}: X failed ({_said(outcome)}); "
                    f"retry {failures} of {self.retries} in {delay} s",
                    delay,
                )

    def _attempt(self, target: _Target) -> PullResult | SourceError | str:
        # The lock is held for one attempt only: never while waiting, or a wait of minutes
        # would outlast it and let a worker pull the same query meanwhile.
        with pulls.cursor_locked(cursor=target.cursor) as cursor:
            if cursor is None:
                return "busy, another worker is pulling this query"
            try:
                return target.pull(cursor)
            except SourceError as error:
                pulls.pull_failure_record(cursor=cursor, error=error, now=self.clock())
                return error

    def _report(self, label: str, result: PullResult) -> None:
        self.stdout.write(
            f"{label}: {result.pages} pages, {result.posts_read} read, {result.new} new, "
            f"{result.refreshed} refreshed, {result.skipped} skipped"
        )
        if self.verbosity > 1:
            for reason in result.skipped_reasons:
                self.stdout.write(f"  skipped {reason}")
        if result.stopped_reason:
            self.stdout.write(self.style.WARNING(f"  stopped: {result.stopped_reason}"))

    # --- Waiting ------------------------------------------------------------------------

    def _wait_for_source(self, network: str) -> None:
        """Wait out a rate limit a worker or an earlier run recorded; _Stop when the
        network is blocked otherwise or for longer than --max-wait."""
        server = self.server
        while blocked := pulls.source_blocked_reason(
            network=network, server=server, now=self.clock()
        ):
            health = SourceHealth.objects.filter(
                network=network, server=server, healthy=True
            ).first()
            until = health.rate_limited_until if health else None
            if until is None or until <= self.clock():
                raise _Stop(blocked)
            self._wait_out_rate_limit("", until, stopped="Rate limited")

    def _wait_out_rate_limit(
        self, label: str, reset_at: datetime, *, stopped: str = "X rate limited"
    ) -> None:
        seconds = max(math.ceil((reset_at - self.clock()).total_seconds()), 0) + RESET_MARGIN
        if seconds > self.max_wait:
            raise _Stop(
                f"{stopped} until {reset_at:%Y-%m-%d %H:%M:%S} UTC ({_in(seconds)}), longer "
                f"than --max-wait {self.max_wait} s: stopped; run again after "
                f"{reset_at:%H:%M:%S} UTC."
            )
        prefix = f"{label}: " if label else ""
        self._wait(
            f"{prefix}X rate limited this app: waiting {seconds} s, until {reset_at:%H:%M:%S} UTC",
            seconds,
        )

    def _wait(self, message: str, seconds: int) -> None:
        """Sleep, saying so: a countdown on a terminal, one plain line elsewhere (CI logs)."""
        if not self.stdout.isatty():
            self.stdout.write(f"{message}.")
            self.sleep(seconds)
            return
        deadline = self.clock() + timedelta(seconds=seconds)
        while (left := (deadline - self.clock()).total_seconds()) > 0:
            minutes, rest = divmod(math.ceil(left), 60)
            self.stdout.write(f"\r{message}: {minutes}:{rest:02d} left ", ending="")
            self.stdout.flush()
            self.sleep(min(1, left))
        self.stdout.write(f"\r{message}: done.       ")


def _said(error: SourceError) -> str:
    """The error on one line: tweepy repeats the status's reason on a line of its own."""
    first, *rest = str(error).splitlines() or [type(error).__name__]
    return ": ".join([first, *(line for line in rest if line and line not in first)])


def _in(seconds: int) -> str:
    if seconds < 120:
        return f"in {seconds} s"
    if seconds < 7200:
        return f"in {round(seconds / 60)} min"
    return f"in {seconds / 3600:.1f} h"


_UNCONFIGURED: dict[str, str] = {
    Network.X: "X_BEARER_TOKEN is not set: there are no credentials to pull with.",
    Network.BLUESKY: "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are not set: Bluesky's search "
    "needs a login.",
    Network.MASTODON: "",
}


def _server_for(network: str, server: str) -> str:
    """The Mastodon server to read (a host name, as organisers list them); none elsewhere."""
    if network != Network.MASTODON:
        if server:
            raise CommandError("--server is for --network mastodon only.")
        return ""
    try:
        return mastodon_server_clean(server)
    except ValidationError as error:
        raise CommandError(f"--server: {' '.join(error.messages)}") from None


def _chat(pk: int, now: datetime, network: str) -> Chat:
    chat = Chat.objects.select_related("community").filter(pk=pk).first()
    if chat is None:
        raise CommandError(f"Unknown chat: there is no chat with id {pk}.")
    if chat.is_cancelled:
        raise CommandError(f"Chat {pk} is cancelled: nothing to pull.")
    if chat.window_start > now:
        opens = f"{chat.window_start:%Y-%m-%d %H:%M} UTC"
        raise CommandError(f"Chat {pk}'s window opens at {opens}: nothing to pull yet.")
    if network == Network.X and chat.window_end < now - XSource.SEARCH_WINDOW:
        raise CommandError(
            f"Chat {pk} ended more than seven days ago, beyond X's recent search; "
            "import an archive file with import_posts instead."
        )
    return chat


def _community(slug: str) -> Community:
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise CommandError(f"Unknown community: there is no community with slug “{slug}”.")
    return community
