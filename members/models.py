from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse

from common.timezones import validate_time_zone
from members.validators import validate_bluesky_handle, validate_mastodon_handle


class User(AbstractUser):
    """A member. The profile lives on the user: one row, one query per page."""

    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Chat times are shown in this zone.",
    )
    avatar_url = models.URLField(max_length=500, blank=True)
    # Set only by X login (members.services.member_link_x_account), never by a form.
    x_user_id = models.CharField(max_length=32, blank=True, db_index=True)
    x_handle = models.CharField(max_length=15, blank=True)
    x_verified_at = models.DateTimeField(null=True, blank=True)
    mastodon_handle = models.CharField(
        max_length=200, blank=True, validators=[validate_mastodon_handle]
    )
    bluesky_handle = models.CharField(
        max_length=253, blank=True, validators=[validate_bluesky_handle]
    )
    # Left out of every community's top contributors (archive vitality); still counted.
    hide_from_rankings = models.BooleanField(
        default=False,
        db_default=False,  # rows written without the ORM (raw SQL, older code) too
        help_text="Leave me out of the top contributors on communities' vitality pages.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["x_user_id"],
                condition=~models.Q(x_user_id=""),
                name="members_user_unique_x_user_id",
            )
        ]

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def has_verified_x(self) -> bool:
        return self.x_verified_at is not None

    def get_absolute_url(self) -> str:
        return reverse("members:profile", kwargs={"username": self.username})
