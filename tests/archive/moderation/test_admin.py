"""The admin shows the moderation log read-only and lets staff manage exclusions."""

import pytest
from django.test import Client
from django.urls import reverse

from archive.models import ModerationAction
from archive.services import moderation
from community.models import Community
from members.models import User
from tests.archive.moderation.conftest import Archive

pytestmark = pytest.mark.django_db


def test_it_lists_the_log_and_exclusions_but_never_edits_the_log(
    admin_client: Client, archive: Archive, community: Community, organiser_user: User
) -> None:
    moderation.account_exclude(
        community=community, account=archive.spammer, actor=organiser_user, reason="spam"
    )
    action = ModerationAction.objects.get()

    log = admin_client.get(reverse("admin:archive_moderationaction_changelist"))
    exclusions = admin_client.get(reverse("admin:archive_accountexclusion_changelist"))
    add = admin_client.get(reverse("admin:archive_moderationaction_add"))
    delete = admin_client.post(
        reverse("admin:archive_moderationaction_delete", args=[action.pk]), {"post": "yes"}
    )

    assert log.status_code == 200
    assert "Excluded an account" in log.content.decode()
    assert exclusions.status_code == 200
    assert "spammy" in exclusions.content.decode()
    assert add.status_code == 403
    assert delete.status_code == 403
    assert ModerationAction.objects.filter(pk=action.pk).exists()
