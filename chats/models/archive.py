"""The archive: accounts and posts from the networks, where they belong, and pull state.

Shared fields say nothing about X: Mastodon and Bluesky posts fit the same rows.
"""

from django.conf import settings
from django.db import models

from community.models import Community

from .schedule import Chat


class Network(models.TextChoices):
    X = "x", "X"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


class Account(models.Model):
    network = models.CharField(max_length=16, choices=Network.choices)
    external_id = models.CharField(max_length=64)
    handle = models.CharField(max_length=100)
    display_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    # Set when the member behind this account logged in with it.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="network_accounts",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "external_id"], name="chats_unique_account")
        ]
        indexes = [models.Index(fields=["network", "handle"])]

    def __str__(self) -> str:
        return f"@{self.handle} ({self.network})"


class Post(models.Model):
    network = models.CharField(max_length=16, choices=Network.choices)
    external_id = models.CharField(max_length=64)
    author = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="posts")
    text = models.TextField()
    # Rendered once at ingest (links, mentions, hashtags; everything else escaped).
    html = models.TextField()
    created_at = models.DateTimeField(db_index=True)
    conversation_id = models.CharField(max_length=64, blank=True, db_index=True)
    reply_to_id = models.CharField(max_length=64, blank=True)
    quoted_id = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=16, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    repost_count = models.PositiveIntegerField(default=0)
    quote_count = models.PositiveIntegerField(default=0)
    media = models.JSONField(default=list, blank=True)
    # Lower-case, without '#'. On PostgreSQL a GIN index serves containment look-ups.
    hashtags = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict)
    removed = models.BooleanField(default=False)
    removed_reason = models.CharField(max_length=200, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["network", "external_id"], name="chats_unique_post")
        ]

    def __str__(self) -> str:
        return f"{self.network}:{self.external_id}"


class PostPlacement(models.Model):
    """Where a post belongs: a chat of a community, or (chat empty) its between-chat stream.

    A post carrying two communities' hashtags has a row for each: the connection.
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

    class Meta:
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
    """Pull state for one search query (one set of hashtags on one network)."""

    network = models.CharField(max_length=16, choices=Network.choices)
    query = models.CharField(max_length=512)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="cursors")
    newest_id = models.CharField(max_length=64, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_errors = models.PositiveIntegerField(default=0)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    malformed_count = models.PositiveIntegerField(default=0)
    requests_total = models.PositiveBigIntegerField(default=0)
    reads_total = models.PositiveBigIntegerField(default=0)
    # A pull the daily budget stopped between pages leaves a gap: from its since_id (or,
    # when it began at a time, its start_time) up to the oldest post it stored. The next
    # pull reads only that gap, then the cursor jumps to the newest id the stopped pull
    # saw. Blank resume_until_id: no gap.
    resume_since_id = models.CharField(max_length=64, blank=True)
    resume_start_time = models.DateTimeField(null=True, blank=True)
    resume_until_id = models.CharField(max_length=64, blank=True)
    resume_newest_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "query"], name="chats_unique_cursor")
        ]

    def __str__(self) -> str:
        return f"{self.network}: {self.query}"

    @property
    def resuming(self) -> bool:
        """Whether an interrupted pull left posts still to read below its oldest one."""
        return bool(self.resume_until_id)


class ReadUsage(models.Model):
    """Posts read and requests made, per query cursor, chat and UTC day: the cost ledger."""

    cursor = models.ForeignKey(SyncCursor, on_delete=models.CASCADE, related_name="usage")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="read_usage")
    chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="read_usage"
    )
    day = models.DateField()
    posts_read = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)

    class Meta:
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


class SourceHealth(models.Model):
    """Whether a network's credentials work; an auth failure stops pulls until they change."""

    network = models.CharField(max_length=16, choices=Network.choices, unique=True)
    healthy = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    # A hash of the credentials that failed: new credentials lift the stop.
    config_fingerprint = models.CharField(max_length=64, blank=True)
    # Rate limits are per app: one 429 pauses every query of the network.
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "source health"

    def __str__(self) -> str:
        return f"{self.network}: {'healthy' if self.healthy else 'unhealthy'}"
