from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from common.timezones import validate_time_zone
from community.validators import HASHTAG_MAX_LENGTH, validate_hashtag


class Community(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=110, unique=True, allow_unicode=True)
    hashtag = models.CharField(
        max_length=HASHTAG_MAX_LENGTH,
        validators=[validate_hashtag],
        help_text="Without the #, e.g. KMers. Letters, digits and underscores.",
    )
    description = models.TextField(blank=True, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    rules = models.TextField(blank=True, help_text="Markdown.")
    rules_html = models.TextField(blank=True, editable=False)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    website = models.URLField(blank=True)
    # Archive pulls: how often a live chat is polled, how often the hashtag is
    # swept between chats (0 turns the sweep off), and the daily read budget.
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    stream_sweep_minutes = models.PositiveIntegerField(
        default=15, help_text="0 stops archiving the hashtag between chats."
    )
    daily_read_cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Posts read per UTC day; empty: the site default."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("hashtag"),
                name="community_unique_hashtag_ci",
                violation_error_message="Another community already uses this hashtag.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (#{self.hashtag})"

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.slug})


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANISER = "organiser", "Organiser"
        MODERATOR = "moderator", "Moderator"
        MEMBER = "member", "Member"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["community", "member"], name="community_unique_membership"
            )
        ]
        indexes = [models.Index(fields=["community", "role"])]

    def __str__(self) -> str:
        return f"{self.member} in {self.community} ({self.role})"

    @property
    def can_moderate(self) -> bool:
        return self.role in (self.Role.ORGANISER, self.Role.MODERATOR)

    @property
    def is_organiser(self) -> bool:
        return self.role == self.Role.ORGANISER
