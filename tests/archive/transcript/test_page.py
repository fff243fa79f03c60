"""The transcript page: its views, the post details, placeholders, escaping and bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.fixtures import Settings

from archive.models import HiddenReason, Post, PostPlacement
from chats.models import Chat
from community.models import Membership
from members.models import User
from tests.archive.transcript.conftest import (
    ALICE,
    BOB,
    CAROL,
    HOST,
    START,
    Say,
    page,
    transcript_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_posts(say: Say) -> dict:
    q1 = say(HOST, "Q1 What is a knowledge audit? #KMers", minutes=5)
    a1 = say(ALICE, "A1 A map of what we know #KMers", minutes=6, reply_to=q1, likes=4)
    reply = say(BOB, "Which map? #KMers", minutes=7, reply_to=a1)
    chatter = say(CAROL, "Hello from Lisbon #KMers", minutes=8)
    return {"q1": q1, "a1": a1, "reply": reply, "chatter": chatter}


def test_it_shows_questions_answers_and_the_conversation_by_default(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    html = page(anonymous, chat)

    assert '<span class="question-label">Q1</span>' in html
    assert html.index("A map of what we know") < html.index("Which map?")
    assert html.index("Which map?") < html.index("Conversation") < html.index("Hello from Lisbon")
    assert 'aria-current="page">By question<' in html
    assert "Knowledge Managers" in html
    assert "#KMers" in html


def test_it_shows_each_posts_details_and_highlights_the_host(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    html = page(anonymous, chat, view="time")
    q1_id, a1_id = chat_posts["q1"]["id"], chat_posts["a1"]["id"]

    host_item = html[html.index(f'id="post-{q1_id}"') - 30 : html.index(f'id="post-{a1_id}"')]
    assert 'class="post host"' in host_item
    assert '<span class="badge host-label">Host</span>' in host_item
    assert "Hannah Host" in host_item
    assert "@hannahhost" in host_item
    assert f'href="#post-{a1_id}"' in html
    assert f"https://x.com/alice/status/{a1_id}" in html
    assert "avatar_normal.jpg" in html
    assert "4 likes" in html


def test_it_nests_replies_under_their_parent_in_time_order(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    html = page(anonymous, chat, view="time")

    reply_id = chat_posts["reply"]["id"]
    assert f'class="post depth-1" id="post-{chat_posts["a1"]["id"]}"' in html
    assert f'class="post depth-2" id="post-{reply_id}"' in html
    assert 'aria-current="page">In time order<' in html


def test_it_shows_one_participants_posts_and_lists_everyone(
    anonymous: Client, chat: Chat, chat_posts: dict, say: Say
) -> None:
    say(ALICE, "A2 later thoughts #KMers", minutes=30)

    html = page(anonymous, chat, view="participant", handle="ALICE")

    posts = html[
        html.index("Posts by <bdi>Alice A</bdi>") : html.index('aria-label="Participants"')
    ]
    assert "A map of what we know" in posts
    assert "later thoughts" in posts
    assert "Hello from Lisbon" not in posts
    assert "?view=participant&amp;handle=carol" in html
    assert "2 posts" in html


def test_it_lists_the_participants_when_no_handle_is_given(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    html = page(anonymous, chat, view="participant")

    for handle in ("hannahhost", "alice", "bob", "carol"):
        assert f"handle={handle}" in html


@pytest.mark.parametrize(
    "query",
    [
        "view=everything",
        "view=",
        "view=participant&handle=%3Cscript%3E",
        "view=participant&handle=" + "a" * 60,
        "view=time&handle=alice",
        "view=participant&handle=nobody_here",
    ],
)
def test_it_answers_400_to_a_bad_view_or_handle(
    anonymous: Client, chat: Chat, chat_posts: dict, query: str
) -> None:
    response = anonymous.get(f"{transcript_url(chat)}?{query}")

    assert response.status_code == 400
    assert b"<script>" not in response.content


def test_it_turns_away_an_unknown_participant_without_building_the_transcript(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    PostPlacement.objects.filter(post__author__handle="carol").update(hidden=True)

    with CaptureQueriesContext(connection) as queries:
        response = anonymous.get(transcript_url(chat, view="participant", handle="carol"))

    assert response.status_code == 400
    assert "No posts by @carol in this transcript" in response.content.decode()
    assert len(queries) == 2  # the chat, then whether the handle has a visible post
    assert not response.has_header("ETag")


def test_it_answers_404_for_an_unknown_chat_or_the_wrong_community(
    anonymous: Client, chat: Chat
) -> None:
    assert anonymous.get(transcript_url(chat).replace(str(chat.pk), "999999")).status_code == 404
    assert anonymous.get(transcript_url(chat).replace("/kmers/", "/other/")).status_code == 404


def test_it_shows_hidden_and_removed_posts_as_placeholders_without_their_text(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    a1, chatter = chat_posts["a1"]["id"], chat_posts["chatter"]["id"]
    PostPlacement.objects.filter(post__external_id=a1).update(
        hidden=True, hidden_reason=HiddenReason.SPAM
    )
    Post.objects.filter(external_id=chatter).update(
        removed=True, removed_reason=Post.REMOVED_BY_AUTHOR
    )

    for view in ("questions", "time"):
        html = page(anonymous, chat, view=view)
        assert (
            f'<li class="post removed" id="post-{a1}">Removed: Hidden by the moderators: Spam</li>'
        ) in html.replace(' depth-1"', '"')
        assert f'id="post-{chatter}">Removed: Removed by its author</li>' in html
        assert "A map of what we know" not in html
        assert "Hello from Lisbon" not in html
        assert "Carol C" not in html
    assert "Which map?" in html  # the reply to the hidden answer stays


def test_it_leaves_out_versions_an_edit_replaced(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    chatter = chat_posts["chatter"]["id"]
    Post.objects.filter(external_id=chatter).update(
        removed=True, removed_reason=Post.REMOVED_EDITED
    )

    html = page(anonymous, chat, view="time")

    assert f"post-{chatter}" not in html


def test_it_escapes_display_names_and_texts(anonymous: Client, chat: Chat, say: Say) -> None:
    from tests.fakes.x_data import make_user

    mallory = make_user("mallory", name="<script>alert(1)</script>")
    say(mallory, "A1 <img src=x onerror=alert(2)> #KMers", minutes=5)

    for view in ("questions", "time"):
        html = page(anonymous, chat, view=view)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html
    html = page(anonymous, chat, view="participant", handle="mallory")
    assert "<script>alert(1)</script>" not in html


def test_it_shows_times_in_the_visitors_zone_and_the_communitys(
    chat: Chat, chat_posts: dict
) -> None:
    tokyo = Client()
    tokyo.cookies["tz"] = "Asia/Tokyo"

    html = page(tokyo, chat, view="time")

    # 17:06 UTC on 24 November is 02:06 the next day in Tokyo and 12:00 in New York.
    assert ">02:06 JST</time>" in html
    assert "Wednesday 25 November 2026, 02:00 JST" in html
    assert "Tuesday 24 November 2026, 12:00 EST" in html
    assert ">17:06 UTC</time>" in page(Client(), chat, view="time")


def test_it_uses_a_signed_in_members_profile_zone(chat: Chat, chat_posts: dict) -> None:
    user = User.objects.create_user(username="kiri", password=None, time_zone="Pacific/Auckland")
    client = Client()
    client.force_login(user)

    assert ">06:06 NZDT</time>" in page(client, chat, view="time")


def test_it_shows_the_transcript_so_far_of_a_live_chat_uncached(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        response = anonymous.get(transcript_url(chat))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")
    html = response.content.decode()
    assert "Live now" in html
    assert "transcript so far" in html
    assert "A map of what we know" in html


def test_it_shows_a_finished_chat_without_posts_and_says_why(
    anonymous: Client, chat: Chat, settings: Settings
) -> None:
    settings.X_BEARER_TOKEN = "a-token"
    Chat.objects.filter(pk=chat.pk).update(final_sweep_at=START + timedelta(hours=2))
    for view in ("questions", "time", "participant"):
        html = page(anonymous, chat, view=view)
        assert "<strong>0</strong> posts" in html
        assert "No posts with #KMers were found during this chat." in html
        assert 'class="export-links"' not in html
        assert "<svg" not in html
        assert "No posts archived for this question" not in html


def test_it_says_nothing_is_archived_without_x_credentials(
    anonymous: Client, chat: Chat, settings: Settings
) -> None:
    settings.X_BEARER_TOKEN = ""

    html = page(anonymous, chat)

    assert "this site has no X credentials configured" in html


def test_it_says_an_empty_chat_is_not_archived_yet_before_its_final_sweep(
    anonymous: Client, chat: Chat, settings: Settings
) -> None:
    settings.X_BEARER_TOKEN = "a-token"

    assert "No posts archived yet" in page(anonymous, chat)


def test_it_says_a_scheduled_chat_has_not_started(anonymous: Client, chat: Chat) -> None:
    with time_machine.travel(START - timedelta(days=1), tick=False):
        response = anonymous.get(transcript_url(chat))

    assert response.status_code == 200
    assert "has not started yet" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_it_carries_open_graph_meta_and_the_exports_links(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    response = anonymous.get(transcript_url(chat))

    og = response.context["og"]
    assert og["type"] == "article"
    assert og["url"] == "http://testserver" + transcript_url(chat)
    assert "Knowledge audits" in og["title"]
    assert "archive/exports/_links.html" in [t.name for t in response.templates]
    assert "_og_meta.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(
    ("persona", "sees_link"),
    [("organiser", True), ("moderator", True), ("member", False), ("outsider", False),
     ("anonymous", False)],
)  # fmt: skip
def test_it_links_moderators_to_the_chat_s_moderation_page(
    request: pytest.FixtureRequest, chat: Chat, chat_posts: dict, persona: str, sees_link: bool
) -> None:
    client = request.getfixturevalue(persona)

    html = page(client, chat)

    moderate = reverse("archive:moderate_chat", kwargs={"slug": chat.community.slug, "pk": chat.pk})
    assert (moderate in html) is sees_link


def test_it_gives_a_member_made_moderator_a_fresh_page(
    member: Client, member_user: User, chat: Chat, chat_posts: dict
) -> None:
    first = member.get(transcript_url(chat))
    Membership.objects.filter(member=member_user).update(role=Membership.Role.MODERATOR)

    again = member.get(transcript_url(chat), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert "Moderate this chat" in again.content.decode()


def test_it_offers_jump_links_to_each_question_and_the_recap(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    by_question = page(anonymous, chat)
    in_time = page(anonymous, chat, view="time")

    jump = by_question[by_question.index('aria-label="Jump to"') :]
    jump = jump[: jump.index("</nav>")]
    assert '<a href="#q1">Q1</a>' in jump
    assert '<a href="#recap">Recap</a>' in jump
    assert 'id="q1"' in by_question
    assert 'id="recap"' in by_question
    assert '<a href="#recap">Recap</a>' in in_time
    assert '<a href="#q1">' not in in_time


def test_it_answers_a_bad_view_inside_the_sites_layout(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    response = anonymous.get(transcript_url(chat, view="bogus"))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "Unknown view: use questions, time or participant." in html
    assert f'href="{transcript_url(chat)}"' in html


def test_it_offers_a_one_line_a_post_view_that_sticks(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    full = page(anonymous, chat, view="time")
    assert 'class="full-transcript"' in full
    assert 'href="?view=time&amp;density=compact">One line a post</a>' in full

    chosen = anonymous.get(transcript_url(chat, view="time", density="compact"))
    assert 'class="compact-transcript"' in chosen.content.decode()
    assert chosen.cookies["transcript_density"].value == "compact"

    later = page(anonymous, chat)

    assert 'class="compact-transcript"' in later
    assert "A map of what we know" in later
    assert 'href="?density=full">Show full posts</a>' in later


def test_it_revalidates_a_cached_transcript_in_the_other_density(
    anonymous: Client, chat: Chat, chat_posts: dict
) -> None:
    full = anonymous.get(transcript_url(chat))
    compact = anonymous.get(transcript_url(chat, density="compact"))

    assert full["ETag"] != compact["ETag"]
