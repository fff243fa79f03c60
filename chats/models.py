from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.timezones import validate_time_zone
from community.models import Community
from community.validators import validate_hashtag

MAX_QUESTIONS = 30
MAX_DURATION = timedelta(hours=8)


class ChatSeries(models.Model):
    """A recurring chat: an RFC 5545 RRULE expanded in the series' own time zone."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(max_length=200, help_text="Title of every chat in the series.")
    rrule = models.CharField(max_length=500, help_text="RFC 5545 RRULE, without DTSTART.")
    start_time = models.TimeField(help_text="Local start time in the series' time zone.")
    duration = models.DurationField(default=timedelta(hours=1))
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    first_date = models.DateField()
    last_date = models.DateField(null=True, blank=True)
    extra_hashtags = models.JSONField(default=list, blank=True)
    pre_window = models.DurationField(default=timedelta(minutes=15))
    post_window = models.DurationField(default=timedelta(minutes=30))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not a column: set on the series that chats.selectors.organiser lists.
    summary: str

    class Meta:
        verbose_name_plural = "chat series"
        ordering = ["community", "start_time"]

    def __str__(self) -> str:
        return f"{self.title} ({self.community.hashtag})"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def local_dtstart(self) -> datetime:
        return datetime.combine(self.first_date, self.start_time, tzinfo=self.tz)


class ChatQuerySet(models.QuerySet["Chat"]):
    def not_cancelled(self) -> "ChatQuerySet":
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self, now: datetime) -> "ChatQuerySet":
        """Chats that have not ended yet (live ones included)."""
        return self.filter(end_at__gt=now)

    def mark_archive_changed(self) -> int:
        """Move these chats' archive version: every write that changes what a transcript
        shows (posts stored or refreshed, moderation, questions and hosts) calls this, and
        transcript caches and ETags key on it. Not updated_at, which feeds iCal SEQUENCE."""
        return self.update(archive_changed_at=timezone.now())


class Chat(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        LIVE = "live", "Live now"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="chats")
    series = models.ForeignKey(
        ChatSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="chats"
    )
    # The occurrence this chat was generated for, in UTC: it identifies the
    # occurrence even after an organiser moves the chat itself.
    series_start = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when an organiser edits one occurrence: regeneration leaves it alone.
    customised = models.BooleanField(default=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    hashtag = models.CharField(max_length=100, validators=[validate_hashtag])
    extra_hashtags = models.JSONField(default=list, blank=True)
    # The hashtags of the communities that accepted to co-host it (ChatCohost), kept here
    # by chats.services.joint so that pulls and placements read them without a join.
    cohost_hashtags = models.JSONField(default=list, blank=True, editable=False)
    start_at = models.DateTimeField(db_index=True)
    end_at = models.DateTimeField(db_index=True)
    pre_window = models.DurationField(default=timedelta(minutes=15))
    post_window = models.DurationField(default=timedelta(minutes=30))
    questions_hidden = models.BooleanField(
        default=False, help_text="Keep the questions hidden from the public until the chat starts."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Claimed (by a conditional update) when the post-chat sweep is enqueued.
    final_sweep_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moves whenever the chat's archived posts change (a post stored or refreshed, a
    # moderation action): the version that transcript caches and ETags key on.
    archive_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChatQuerySet.as_manager()

    # Not columns: set on the chats that some reads return, for their pages.
    feed_link: str  # archive.feeds
    cost: Decimal  # archive.selectors.health
    accepted_cohosts: list["ChatCohost"]  # chats.selectors.schedule.chat_for_page

    class Meta:
        ordering = ["start_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "series_start"], name="chats_unique_series_occurrence"
            ),
            models.CheckConstraint(
                condition=models.Q(end_at__gt=models.F("start_at")), name="chats_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["community", "start_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_at:%Y-%m-%d %H:%M} UTC)"

    def get_absolute_url(self) -> str:
        return reverse("chats:detail", kwargs={"slug": self.community.slug, "pk": self.pk})

    def get_transcript_url(self) -> str:
        return reverse("archive:transcript", kwargs={"slug": self.community.slug, "pk": self.pk})

    @property
    def hashtags(self) -> list[str]:
        return [self.hashtag, *self.extra_hashtags, *self.cohost_hashtags]

    @property
    def window_start(self) -> datetime:
        return self.start_at - self.pre_window

    @property
    def window_end(self) -> datetime:
        return self.end_at + self.post_window

    @property
    def duration(self) -> timedelta:
        return self.end_at - self.start_at

    def status_at(self, now: datetime) -> str:
        if self.cancelled_at is not None:
            return self.Status.CANCELLED
        if now < self.start_at:
            return self.Status.SCHEDULED
        if now < self.end_at:
            return self.Status.LIVE
        return self.Status.ENDED

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def local_start(self) -> datetime:
        return self.start_at.astimezone(ZoneInfo(self.community.time_zone))


class ChatCohost(models.Model):
    """Another community invited to hold a chat jointly (a #chatmixer).

    Invited, then accepted or declined by its organisers; the inviting community may
    withdraw it and the co-host may leave. Only a live row (invited or accepted) is unique
    per chat and community: the decided ones stay on record.
    """

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ACCEPTED = "accepted", "Co-hosting"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LEFT = "left", "Left"

    LIVE = (Status.INVITED, Status.ACCEPTED)

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="cohosts")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="cohosted_chats"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["chat", "community"],
                condition=models.Q(status__in=["invited", "accepted"]),
                name="chats_one_live_cohost_invitation",
            )
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.community} co-hosting {self.chat} ({self.status})"


class ChatHost(models.Model):
    """A host: a member of the site, or an external X handle, or both."""

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="hosts")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    handle = models.CharField(max_length=15, blank=True, help_text="X handle without @.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(member__isnull=True, handle=""), name="chats_host_is_someone"
            ),
            models.UniqueConstraint(fields=["chat", "member"], name="chats_unique_host_member"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.member is not None:
            return self.member.public_name
        return f"@{self.handle}"


class Question(models.Model):
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=280)
    planned_minute = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes after the start, e.g. 10."
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "position"], name="chats_unique_question_pos")
        ]

    def __str__(self) -> str:
        return f"Q{self.position}: {self.text}"

    @property
    def label(self) -> str:
        return f"Q{self.position}"


class TopicSuggestion(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SCHEDULED = "scheduled", "Scheduled"
        DECLINED = "declined", "Declined"

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="topic_suggestions"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: set for the community's moderators by the topics page.
    schedule_url: str

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class TopicVote(models.Model):
    suggestion = models.ForeignKey(TopicSuggestion, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "member"], name="chats_one_vote_each")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.suggestion}"


class HostOffer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="host_offers")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "member"], name="chats_one_offer_each")
        ]

    def __str__(self) -> str:
        return f"{self.member} offers to host {self.chat}"


class ReminderSubscription(models.Model):
    """A member's wish to be reminded: of one chat, or of every chat of a community."""

    class MinutesBefore(models.IntegerChoices):
        """How long before a chat starts the reminder goes out: the times offered."""

        QUARTER_HOUR = 15, "15 minutes before"
        HOUR = 60, "1 hour before"
        DAY = 1440, "1 day before"

        @classmethod
        def label_for(cls, minutes: int) -> str:
            """ "15 minutes before", as the choices name it; empty for any other value."""
            return dict(cls.choices).get(minutes, "")

    DEFAULT_MINUTES_BEFORE = MinutesBefore.HOUR

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_subscriptions"
    )
    chat = models.ForeignKey(
        Chat, null=True, blank=True, on_delete=models.CASCADE, related_name="reminder_subscriptions"
    )
    community = models.ForeignKey(
        Community,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_subscriptions",
    )
    minutes_before = models.PositiveSmallIntegerField(
        choices=MinutesBefore, default=DEFAULT_MINUTES_BEFORE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(chat__isnull=False, community__isnull=True)
                    | models.Q(chat__isnull=True, community__isnull=False)
                ),
                name="chats_reminder_one_target",
            ),
            models.UniqueConstraint(fields=["member", "chat"], name="chats_unique_chat_reminder"),
            models.UniqueConstraint(
                fields=["member", "community"], name="chats_unique_community_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.member}"


class ReminderDelivery(models.Model):
    """The stored send record that makes each reminder go out exactly once."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="reminder_deliveries")
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "chat"], name="chats_one_reminder_per_chat")
        ]

    def __str__(self) -> str:
        return f"Reminder of {self.chat} to {self.member}"
