from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from encrypted_fields.fields import EncryptedTextField

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
    # Set only by members.services.member_verify_mastodon (the member's Mastodon profile
    # links back to their profile here, and Mastodon checked that link); cleared when the
    # handle changes.
    mastodon_verified_at = models.DateTimeField(null=True, blank=True)
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

    @property
    def has_verified_mastodon(self) -> bool:
        return bool(self.mastodon_handle) and self.mastodon_verified_at is not None

    @property
    def mastodon_server(self) -> str:
        return self.mastodon_handle.rpartition("@")[2].lower()

    @property
    def mastodon_profile_url(self) -> str:
        """https://server/@user: the validator allows only a name and a domain name."""
        if "@" not in self.mastodon_handle.strip("@"):
            return ""
        name = self.mastodon_handle.strip("@").partition("@")[0]
        return f"https://{self.mastodon_server}/@{name}"

    @property
    def public_profile_url(self) -> str:
        """This profile's canonical address, as a Mastodon profile field links to it."""
        return settings.SITE_URL.rstrip("/") + self.get_absolute_url()

    def get_absolute_url(self) -> str:
        return reverse("members:profile", kwargs={"username": self.username})


class MastodonApp(models.Model):
    """Our OAuth app at one Mastodon server, registered there the first time a member of
    that server connects. Registered again if our callback URL or scopes change."""

    server = models.CharField(max_length=253, unique=True)
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField()
    redirect_uri = models.URLField(max_length=500)
    scopes = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.server


class MastodonConnection(models.Model):
    """A member's Mastodon account, connected by OAuth: they may post through it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mastodon_connection")
    server = models.CharField(max_length=253)
    # The account's id on its own server (an opaque string, as Mastodon's ids are).
    account_id = models.CharField(max_length=64)
    # user@server, however the server spells its own name.
    acct = models.CharField(max_length=300)
    account_url = models.URLField(max_length=500, blank=True)
    access_token = EncryptedTextField()
    scopes = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"@{self.acct}"


class XToken(models.Model):
    """A member's own X OAuth 2 user token, to post for them (never to read the archive).

    Kept here rather than in allauth's SocialToken, whose columns are plain text: both
    tokens are Fernet-encrypted at rest (key from SECRET_KEY and FIELD_ENCRYPTION_SALT).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="x_token")
    x_user_id = models.CharField(max_length=32)
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __repr__(self) -> str:
        # Never the tokens: a repr ends up in logs and error reports.
        return f"<XToken user={self.user_id} expires_at={self.expires_at}>"

    def __str__(self) -> str:
        return repr(self)

    @property
    def can_post(self) -> bool:
        return "tweet.write" in self.scope.split()
