"""The archive: accounts and posts from the networks, where they belong, and pull state.

Shared fields say nothing about X: Mastodon and Bluesky posts fit the same rows.
The tables were born in the chats app and keep their `chats_` names (`db_table`):
raw SQL, triggers and existing databases did not have to move with the code. Tables born
here (BilledRead, NetworkUsage) have the app's own `archive_` names.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce

from archive.networks import Network  # app code imports it from here, beside the models
from chats.models import Chat
from community.models import Community

# Ids on the networks: X's are numbers, Mastodon's canonical URIs (the same status seen
# through two servers has one) and Bluesky's at:// URIs and DIDs run to a few hundred.
EXTERNAL_ID_LENGTH = 300


class Account(models.Model):
    """An author on a network. One the network did not describe (X leaves suspended and
    protected authors out of a page) has an empty handle and name: it is known only by its
    id until a later pull returns it. Pages show it through `at_handle` and `shown_name`."""

    UNKNOWN = "unknown account"

    network = models.CharField(max_length=16, choices=Network.choices)
    external_id = models.CharField(max_length=EXTERNAL_ID_LENGTH)
    handle = models.CharField(max_length=253)
    display_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    # Set when the member behind this account logged in with it (verified).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="network_accounts",
    )
    # The member whose profile names this Mastodon or Bluesky handle. Not verified: it
    # makes their accounts one participant in stats, never the author of these posts (no
    # profile link, no withdrawing them); `member` is the verified link.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_accounts",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "chats_account"
        constraints = [
            models.UniqueConstraint(fields=["network", "external_id"], name="chats_unique_account")
        ]
        indexes = [models.Index(fields=["network", "handle"])]

    def __str__(self) -> str:
        if not self.is_known:
            return f"{self.UNKNOWN} {self.external_id} ({self.network})"
        return f"@{self.handle} ({self.network})"

    @property
    def person_id(self) -> int | None:
        """The member behind the account, verified or named on their profile: what
        transcripts, vitality and connections count as one participant (in SQL:
        `person_of`)."""
        return self.member_id or self.claimed_by_id

    @property
    def is_known(self) -> bool:
        return bool(self.handle)

    @property
    def at_handle(self) -> str:
        """The handle as pages show it: "@handle", or "unknown account", never a bare "@"."""
        return f"@{self.handle}" if self.handle else self.UNKNOWN

    @property
    def shown_name(self) -> str:
        return self.display_name or self.handle or self.UNKNOWN.capitalize()


def person_of(author: str = "") -> Coalesce:
    """Account.person_id as an expression over `author` (a path to an Account, e.g.
    "post__author"): the one rule for who a participant is, in queries."""
    prefix = f"{author}__" if author else ""
    return Coalesce(f"{prefix}member_id", f"{prefix}claimed_by_id")


class Post(models.Model):
    # removed_reason of a version an edit replaced (left out of transcripts: the edit is
    # there) and of a post its author withdrew (shown as removed).
    REMOVED_EDITED = "Replaced by an edited version."
    REMOVED_BY_AUTHOR = "Removed by its author."

    network = models.CharField(max_length=16, choices=Network.choices)
    external_id = models.CharField(max_length=EXTERNAL_ID_LENGTH)
    author = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="posts")
    text = models.TextField()
    # Rendered once at ingest (links, mentions, hashtags; everything else escaped).
    html = models.TextField()
    created_at = models.DateTimeField(db_index=True)
    conversation_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True, db_index=True)
    reply_to_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    quoted_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    language = models.CharField(max_length=16, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    repost_count = models.PositiveIntegerField(default=0)
    quote_count = models.PositiveIntegerField(default=0)
    media = models.JSONField(default=list, blank=True)
    # Web links the post shares (not its media, not other posts): each {"url", "title"}.
    links = models.JSONField(default=list, blank=True)
    # Lower-case, without '#'. On PostgreSQL a GIN index serves containment look-ups.
    hashtags = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict)
    # The post's page on its network, from the source; blank where the network's rule
    # builds it (X: x.com/<handle>/status/<id>, see archive.exports.original_url).
    url = models.URLField(max_length=500, blank=True, default="", db_default="")
    # Removed everywhere: replaced by an edit, or withdrawn by its author.
    removed = models.BooleanField(default=False)
    removed_reason = models.CharField(max_length=200, blank=True)
    # PostgreSQL only: a trigger fills it from text and language (migration 0005); a GIN
    # index serves /search/. Never read into Python: selectors defer it.
    search_vector = SearchVectorField(null=True, editable=False)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "chats_post"
        ordering = ["created_at", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "external_id"], name="chats_unique_post")
        ]

    def __str__(self) -> str:
        return f"{self.network}:{self.external_id}"


class HiddenReason(models.TextChoices):
    SPAM = "spam", "Spam"
    OFF_TOPIC = "off_topic", "Off topic"
    ABUSE = "abuse", "Abusive or harassing"
    PRIVACY = "privacy", "Shares private information"
    EXCLUDED = "excluded", "Account excluded from this archive"
    OTHER = "other", "Other"


class PostPlacement(models.Model):
    """Where a post belongs: a chat of a community, or (chat empty) its between-chat stream.

    A post carrying two communities' hashtags has a row for each: the connection.
    Moderation is per community, so a hidden post is hidden here, not in the other
    community's archive.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="placements")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="post_placements"
    )
    chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.CASCADE, related_name="placements"
    )
    # Copied from the post so a transcript or stream page is one index range scan.
    created_at = models.DateTimeField()
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=16, choices=HiddenReason.choices, blank=True)

    # Not columns: set on the placements that some reads return, for their pages.
    is_host: bool  # archive.selectors.live
    chat_has_hosts: bool  # ditto
    question: int | None  # ditto
    url: str  # archive.views.search

    class Meta:
        db_table = "chats_postplacement"
        constraints = [
            models.UniqueConstraint(fields=["post", "community"], name="chats_unique_placement")
        ]
        indexes = [
            models.Index(fields=["chat", "created_at"]),
            models.Index(fields=["community", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.post} in {self.chat or self.community}"


class SyncCursor(models.Model):
    """Pull state for one search query (one set of hashtags on one network and, for
    Mastodon, one server: each server's hashtag timeline is paged by its own ids)."""

    network = models.CharField(max_length=16, choices=Network.choices)
    # Blank for networks read through one service (X, Bluesky).
    server = models.CharField(max_length=253, blank=True, default="", db_default="")
    query = models.CharField(max_length=512)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="cursors")
    newest_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_errors = models.PositiveIntegerField(default=0)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    malformed_count = models.PositiveIntegerField(default=0)
    requests_total = models.PositiveBigIntegerField(default=0)
    reads_total = models.PositiveBigIntegerField(default=0)
    # A pull cut short between pages (by the daily budget, a failure, a killed worker)
    # leaves a gap: from its since_id (or, when it began at a time, its start_time) up to
    # the oldest post it stored; each page records it as it commits. The next pull reads
    # only that gap, then the cursor jumps to the newest id the cut-short pull saw. Blank
    # resume_until_id: no gap.
    resume_since_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    resume_start_time = models.DateTimeField(null=True, blank=True)
    resume_until_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    resume_newest_id = models.CharField(max_length=EXTERNAL_ID_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "chats_synccursor"
        constraints = [
            models.UniqueConstraint(
                fields=["network", "server", "query"], name="archive_unique_cursor"
            )
        ]

    def __str__(self) -> str:
        where = f"{self.network}@{self.server}" if self.server else self.network
        return f"{where}: {self.query}"

    @property
    def resuming(self) -> bool:
        """Whether an interrupted pull left posts still to read below its oldest one."""
        return bool(self.resume_until_id)


class ReadUsage(models.Model):
    """Posts read and requests made, per query cursor, chat and UTC day: the cost ledger.

    posts_read is every post read, the daily budget's measure; posts_billed those of them X
    bills: X charges a post once per UTC day, so only the first read of it that day, by
    whichever query (BilledRead), is billed. The rest are re-reads, free.
    """

    cursor = models.ForeignKey(SyncCursor, on_delete=models.CASCADE, related_name="usage")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="read_usage")
    chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="read_usage"
    )
    day = models.DateField()
    posts_read = models.PositiveIntegerField(default=0)
    posts_billed = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "chats_readusage"
        constraints = [
            models.UniqueConstraint(
                fields=["cursor", "day", "chat"],
                name="chats_unique_usage_chat",
                condition=models.Q(chat__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["cursor", "day"],
                name="chats_unique_usage_stream",
                condition=models.Q(chat__isnull=True),
            ),
        ]
        indexes = [models.Index(fields=["community", "day"])]

    def __str__(self) -> str:
        return f"{self.cursor} on {self.day}: {self.posts_read} reads"


class BilledRead(models.Model):
    """A post X billed on a UTC day: its first read that day, whichever query read it.

    Only there to tell a first read from a re-read; the counts live in ReadUsage. A day's
    rows are pruned once no pull can count reads against that day any more, so the table
    holds one or two days (at most ~70,000 rows at X's 2 million posts a month), one
    B-tree and no surrogate key.
    """

    pk = models.CompositePrimaryKey("day", "network", "external_id")
    day = models.DateField()
    network = models.CharField(max_length=16, choices=Network.choices)
    external_id = models.CharField(max_length=EXTERNAL_ID_LENGTH)

    def __str__(self) -> str:
        return f"{self.network}:{self.external_id} billed on {self.day}"


class NetworkUsage(models.Model):
    """The network's own count of the posts it billed per UTC day (X: GET /2/usage/tweets),
    to check ours (ReadUsage.posts_billed) against."""

    network = models.CharField(max_length=16, choices=Network.choices)
    day = models.DateField()
    posts = models.PositiveBigIntegerField()
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "day"], name="archive_unique_network_usage")
        ]

    def __str__(self) -> str:
        return f"{self.network} on {self.day}: {self.posts} posts"

    @property
    def final(self) -> bool:
        """Whether it was fetched after its day ended: before, X was still counting."""
        return self.fetched_at.date() > self.day


class SourceHealth(models.Model):
    """Whether a network's (for Mastodon: a server's) credentials work and whether it
    rate-limits us; an auth failure stops its pulls until the credentials change."""

    network = models.CharField(max_length=16, choices=Network.choices)
    server = models.CharField(max_length=253, blank=True, default="", db_default="")
    healthy = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    # A hash of the credentials that failed: new credentials lift the stop.
    config_fingerprint = models.CharField(max_length=64, blank=True)
    # Rate limits are per app (per account and server): one 429 pauses every query there.
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "chats_sourcehealth"
        verbose_name_plural = "source health"
        constraints = [
            models.UniqueConstraint(
                fields=["network", "server"], name="archive_unique_source_health"
            )
        ]

    def __str__(self) -> str:
        where = f"{self.network}@{self.server}" if self.server else self.network
        return f"{where}: {'healthy' if self.healthy else 'unhealthy'}"


class AccountExclusion(models.Model):
    """An account whose posts a community keeps out of its archive, past and future."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="account_exclusions"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="exclusions")
    reason = models.CharField(max_length=16, choices=HiddenReason.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "chats_accountexclusion"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "account"], name="chats_unique_account_exclusion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} excluded from {self.community}"


class ModerationAction(models.Model):
    """The log: who did what to which post or account, when and why."""

    class Kind(models.TextChoices):
        HIDE_POST = "hide_post", "Hid a post"
        UNHIDE_POST = "unhide_post", "Unhid a post"
        EXCLUDE_ACCOUNT = "exclude_account", "Excluded an account"
        INCLUDE_ACCOUNT = "include_account", "Lifted an account's exclusion"
        AUTHOR_REMOVAL = "author_removal", "Author removed their post"
        AUTHOR_RESTORE = "author_restore", "Author restored their post"

    # Empty for an author's removal, which applies to every community's archive.
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_log"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=HiddenReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "chats_moderationaction"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class ImportJob(models.Model):
    """An archive file an organiser uploaded, waiting for or read by a worker.

    The file's bytes wait in the row itself (`data`), emptied once the job ends: web and
    worker processes share the database and nothing else (no common disk in the compose
    stack), and a file is at most ARCHIVE_IMPORT_MAX_BYTES. Pages list jobs with `data`
    deferred.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="import_jobs")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The format chosen, or the one detected at upload.
    format = models.CharField(max_length=32)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(default=b"")
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_bytes = models.PositiveBigIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    in_chats_count = models.PositiveIntegerField(default=0)
    # The first reasons for what was skipped, each starting with its line or record.
    reasons = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Moved on at every progress update: a running job whose heartbeat stopped lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.progress_bytes * 100 // self.size) if self.size else 0


class PostingPolicy(models.Model):
    """Whether members may post to the networks from the community's live pages, and how
    much: off until an organiser turns it on, as every post from the site costs money."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="posting_policy"
    )
    enabled = models.BooleanField(default=False)
    daily_post_cap = models.PositiveIntegerField(
        default=200, help_text="Posts from this site per UTC day, all members together."
    )
    daily_spend_cap = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("5.00"),
        help_text="US dollars X may charge per UTC day for posts from this site.",
    )
    allow_links = models.BooleanField(
        default=True, help_text="A post with a link costs more than 13 without one."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Posting in {self.community}: {'on' if self.enabled else 'off'}"


class PostingMute(models.Model):
    """A member an organiser stopped from posting from the community's pages."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posting_mutes"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "member"], name="unique_posting_mute")
        ]

    def __str__(self) -> str:
        return f"{self.member} muted in {self.community}"


class PostSubmission(models.Model):
    """One press of "Post": claimed by its idempotency key before the network is called,
    so a double click or a retried request sends one post and gets the first one's answer.
    Also the ledger the limits (per member, per community and day) and costs count."""

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        REFUSED = "refused", "Refused"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_submissions"
    )
    key = models.CharField(max_length=64)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="post_submissions")
    network = models.CharField(max_length=16, choices=Network.choices)
    text = models.TextField()
    reply_to = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    has_link = models.BooleanField(default=False)
    cost = models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("0"))
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions"
    )
    error = models.CharField(max_length=300, blank=True)
    retryable = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "key"], name="unique_post_submission_key")
        ]
        indexes = [
            models.Index(fields=["community", "created_at"], name="post_submission_day"),
            models.Index(fields=["member", "network", "created_at"], name="post_submission_rate"),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.network} ({self.status})"


class ArchiveSettings(models.Model):
    """Which networks a community's hashtag is archived from. A community without a row
    archives from X only, as every community did before Mastodon and Bluesky."""

    MAX_MASTODON_SERVERS = 5

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="archive_settings"
    )
    x_enabled = models.BooleanField("Archive from X", default=True)
    mastodon_enabled = models.BooleanField("Archive from Mastodon", default=False)
    # Host names (e.g. "mastodon.social"): each server's public hashtag timeline is read.
    mastodon_servers = models.JSONField(default=list, blank=True)
    bluesky_enabled = models.BooleanField("Archive from Bluesky", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "archive settings"

    def __str__(self) -> str:
        return f"Networks of {self.community}"

    def targets(self) -> list[tuple[str, str]]:
        """(network, server) pairs to pull, in a fixed order: X, Mastodon's servers, Bluesky."""
        pairs: list[tuple[str, str]] = []
        if self.x_enabled:
            pairs.append((Network.X, ""))
        if self.mastodon_enabled:
            pairs += [(Network.MASTODON, server) for server in self.mastodon_servers]
        if self.bluesky_enabled:
            pairs.append((Network.BLUESKY, ""))
        return pairs

    def networks(self) -> list[str]:
        """The networks switched on (Mastodon only once it has a server to read)."""
        return list(dict.fromkeys(network for network, _ in self.targets()))


class CommunityLink(models.Model):
    """What a community shares with another over a period (3 months, 12 months, all time):
    posts placed in both and visible in both, and participants who posted in both.

    A rollup: computing it means joining every placement of the period with itself, a
    matter of seconds at a million posts, so `connections_refresh` (beat) rewrites the
    whole table and pages read it in one query. One row per direction of each pair.
    """

    period = models.CharField(max_length=8)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    shared_posts = models.PositiveIntegerField(default=0)
    shared_participants = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "community", "other"], name="archive_unique_community_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} and {self.other} ({self.period})"

    @property
    def strength(self) -> int:
        return self.shared_posts + self.shared_participants


# --- Vitality rollups ----------------------------------------------------------------
# Rebuilt per community by archive.services.vitality.vitality_refresh (idempotent: the
# community's rows are replaced in one transaction), read by archive.selectors.vitality:
# a page reads a fixed number of small rows, whatever the size of the archive.
# A participant is a person where we know one: the member an account is linked to
# (Account.member), else the account. Its key: -member_id, else account_id.


class CommunityParticipant(models.Model):
    """Someone who posted with a community's hashtag: a member (all their accounts) or an
    account no member claims."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The account shown for them: the one they posted from most.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    first_chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    posts = models.PositiveIntegerField()
    chats = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "key"], name="archive_unique_community_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} in {self.community_id}"


class RangeVitality(models.Model):
    """A period of the page's range picker, from the month `since` (empty: all time) as of
    the rebuild: how many people posted, and the top contributors as participant keys
    with their posts, a few more than shown (members who hide are left out when read)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=8)
    since = models.DateField(null=True, blank=True)
    reach = models.PositiveIntegerField()
    top = models.JSONField(default=list)  # [[participant key, posts], …], most posts first

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "key"], name="archive_unique_range")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.key}"


class ChatVitality(models.Model):
    """One held chat's figures."""

    chat = models.OneToOneField(Chat, on_delete=models.CASCADE, related_name="vitality")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    start_at = models.DateTimeField()
    posts = models.PositiveIntegerField()
    participants = models.PositiveIntegerField()
    first_timers = models.PositiveIntegerField()
    returning = models.PositiveIntegerField()
    # Of this chat's participants, those who posted in any of the next four chats;
    # later_chats says how many of those four have been held so far (4: final).
    came_back = models.PositiveIntegerField()
    later_chats = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["start_at"]
        indexes = [models.Index(fields=["community", "start_at"])]

    def __str__(self) -> str:
        return f"vitality of chat {self.chat_id}"


class MonthVitality(models.Model):
    """A month (community's time zone): who was active, and how many of last month's came
    back."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    posts = models.PositiveIntegerField()
    active = models.PositiveIntegerField()
    first_timers = models.PositiveIntegerField()
    previous_active = models.PositiveIntegerField()
    retained = models.PositiveIntegerField()

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["community", "month"], name="archive_unique_month")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} in {self.month:%Y-%m}"


class CohortVitality(models.Model):
    """A quarter's first-timers and how many of them posted again 1, 2, 3… months after
    the month of their first chat (returned[0] is one month later)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    quarter = models.DateField()
    size = models.PositiveIntegerField()
    returned = models.JSONField(default=list)

    class Meta:
        ordering = ["quarter"]
        constraints = [
            models.UniqueConstraint(fields=["community", "quarter"], name="archive_unique_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} cohort of {self.quarter}"


class StreamWeekVitality(models.Model):
    """A week (from Monday, community's time zone) of posts between chats, and how many of
    their authors posted in the chat that followed their post."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    posts = models.PositiveIntegerField()
    authors = models.PositiveIntegerField()
    joined_next_chat = models.PositiveIntegerField()
    next_chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["week"]
        constraints = [
            models.UniqueConstraint(fields=["community", "week"], name="archive_unique_stream_week")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} stream week of {self.week}"


class VitalityState(models.Model):
    """When a community's rollups were last rebuilt, and from which archive version (the
    newest Chat.archive_changed_at they saw): the dispatcher rebuilds a community whose
    chats changed since."""

    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, primary_key=True, related_name="vitality_state"
    )
    refreshed_at = models.DateTimeField()
    # Moves at every rebuild: the page's cached figures key on it.
    version = models.PositiveIntegerField(default=0)
    archive_version = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"vitality of {self.community_id} at {self.refreshed_at}"
