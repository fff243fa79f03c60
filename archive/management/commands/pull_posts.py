"""One archive pull, now, in this process: for operators, demos and tests.

The same services as the Celery tasks (archive.services.pulls), the same lock per query,
and the same bookkeeping of failures on the cursor and the source's health.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from archive.models import SyncCursor
from archive.services import pulls
from archive.services.ingest import PullResult
from archive.sources.base import RateLimited, SourceAuthError, SourceError
from archive.sources.x import XSource
from chats.models import Chat
from community.models import Community


@dataclass(frozen=True)
class _Target:
    label: str
    cursor: SyncCursor
    pull: Callable[[SyncCursor], PullResult]


class Command(BaseCommand):
    help = (
        "Pull posts from X now, synchronously: one chat (its window so far), "
        "one community's between-chat stream, or every chat whose window is open."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--chat", type=int, metavar="ID", help="Pull this chat.")
        target.add_argument("--community", metavar="SLUG", help="Sweep this community's stream.")
        target.add_argument("--live", action="store_true", help="Pull every chat open now.")

    def handle(
        self, *args: object, chat: int | None, community: str | None, live: bool, **options: Any
    ) -> None:
        now = timezone.now()
        self.verbosity = int(options["verbosity"])
        if not settings.X_BEARER_TOKEN:
            raise CommandError("X_BEARER_TOKEN is not set: there are no credentials to pull with.")
        source = pulls.x_source()
        if blocked := pulls.source_blocked_reason(network=source.network, now=now):
            raise CommandError(f"Not pulling. {blocked}")
        if chat is not None:
            targets = [self._chat_target(_chat(chat, now), source)]
        elif community is not None:
            targets = [self._stream_target(_community(community), source)]
        else:
            targets = [self._chat_target(c, source) for c in pulls._open_chats(now)]
            if not targets:
                self.stdout.write("No chat window is open now: nothing to pull.")
        failures = [error for target in targets if (error := self._run(target, now))]
        if failures:
            raise CommandError("; ".join(failures))

    def _chat_target(self, chat: Chat, source: XSource) -> _Target:
        tags = " ".join(f"#{tag}" for tag in chat.hashtags)
        return _Target(
            label=f"Chat {chat.pk} “{chat.title}” ({tags})",
            cursor=pulls.chat_cursor(chat=chat, network=source.network),
            pull=lambda cursor: pulls.chat_pull(chat=chat, cursor=cursor, source=source),
        )

    def _stream_target(self, community: Community, source: XSource) -> _Target:
        return _Target(
            label=f"Stream of {community.slug} (#{community.hashtag})",
            cursor=pulls.stream_cursor(community=community, network=source.network),
            pull=lambda cursor: pulls.stream_pull(
                community=community, cursor=cursor, source=source
            ),
        )

    def _run(self, target: _Target, now: datetime) -> str:
        """Pull one target; returns the error of a failure worth going on after, else ''."""
        with pulls.cursor_locked(cursor=target.cursor) as cursor:
            if cursor is None:
                return f"{target.label}: busy, another worker is pulling this query"
            try:
                result = target.pull(cursor)
            except SourceError as error:
                pulls.pull_failure_record(cursor=cursor, error=error, now=now)
                _stop_on_network_failure(target.label, error)
                return f"{target.label}: {error}"
        self._report(target.label, result)
        return ""

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


def _stop_on_network_failure(label: str, error: SourceError) -> None:
    """A rate limit or refused credentials stop every pull: no point going on to the next."""
    if isinstance(error, RateLimited):
        raise CommandError(
            f"{label}: X rate limited until {error.reset_at:%Y-%m-%d %H:%M:%S} "
            "UTC; nothing more is pulled before then."
        ) from error
    if isinstance(error, SourceAuthError):
        raise CommandError(
            f"{label}: X refused the credentials ({error}). Check "
            "X_BEARER_TOKEN; pulls stay stopped until the configuration changes."
        ) from error


def _chat(pk: int, now: datetime) -> Chat:
    chat = Chat.objects.select_related("community").filter(pk=pk).first()
    if chat is None:
        raise CommandError(f"Unknown chat: there is no chat with id {pk}.")
    if chat.is_cancelled:
        raise CommandError(f"Chat {pk} is cancelled: nothing to pull.")
    if chat.window_start > now:
        opens = f"{chat.window_start:%Y-%m-%d %H:%M} UTC"
        raise CommandError(f"Chat {pk}'s window opens at {opens}: nothing to pull yet.")
    if chat.window_end < now - XSource.SEARCH_WINDOW:
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
