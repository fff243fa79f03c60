"""The demo (`make run`, no credentials): a signed-in member answers the live demo chat's
current question from its page, and the answer appears, with no network reached."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from archive.models import Post, PostingPolicy
from chats.models import Chat
from community.models import Membership
from demo.chat import demo_replay

pytestmark = pytest.mark.django_db


def test_it_lets_a_demo_member_answer_the_live_chat_through_the_stand_in(
    settings: Settings,
) -> None:
    settings.ARCHIVE_DEMO_REPLAY = True
    settings.DEBUG = True  # as `make run` serves it
    # Nothing listens there: a request to "X" would fail the post.
    settings.X_API_BASE_URL = "http://127.0.0.1:9"
    call_command("seed_demo", stdout=io.StringIO())
    demo_replay()
    now = timezone.now()
    live = next(
        c for c in Chat.objects.filter(community__slug="kmers") if c.status_at(now) == "live"
    )
    assert PostingPolicy.objects.get(community=live.community).enabled
    member = (
        Membership.objects.filter(community=live.community, role=Membership.Role.MEMBER)
        .select_related("member")
        .first()
    )
    assert member is not None
    client = Client()
    client.force_login(member.member)

    page = client.get(live.get_absolute_url()).content.decode()
    assert 'id="compose-form"' in page
    question = page.split('name="answering" id="compose-answering" value="', 1)[1].split('"')[0]
    url = reverse("archive:chat_compose", kwargs={"slug": "kmers", "pk": live.pk})
    answer = client.post(url, {"text": "Mine, from the demo", "answering": question, "key": "k"})

    assert answer.status_code == 302
    post = Post.objects.get(text=f"A{question} Mine, from the demo #KMers")
    assert post.placements.get().chat == live
    assert (
        f"A{question} Mine, from the demo" in client.get(live.get_absolute_url()).content.decode()
    )
