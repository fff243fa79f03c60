"""The compose box on the live page, its form without JavaScript and with, the counter,
and the organisers' posting settings and mutes."""

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from archive.models import Post, PostingMute, PostingPolicy, PostSubmission
from chats.models import Chat
from community.models import Community
from members.models import User, XToken
from tests.archive.live.conftest import HOST
from tests.fakes.x_api import FakeXApi


def _compose_url(chat: Chat) -> str:
    return reverse("archive:chat_compose", kwargs={"slug": chat.community.slug, "pk": chat.pk})


def _page(client: Client, chat: Chat) -> str:
    response = client.get(chat.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def _send(
    client: Client, chat: Chat, text: str, *, key: str = "k1", json_: bool = False, **extra: str
) -> Any:
    headers = {"Accept": "application/json"} if json_ else {}
    return client.post(_compose_url(chat), {"text": text, "key": key, **extra}, headers=headers)


def test_it_shows_no_box_while_posting_is_off(
    member: Client, live_chat: Chat, during_chat: object
) -> None:
    assert 'id="compose"' not in _page(member, live_chat)


def test_it_asks_a_visitor_to_sign_in(anonymous: Client, ready: Chat, x_api: FakeXApi) -> None:
    page = _page(anonymous, ready)
    assert 'id="compose"' in page
    assert "to answer and reply from this page" in page
    assert 'id="compose-form"' not in page


def test_it_offers_connect_x_to_a_member_whose_token_cannot_post(
    member: Client, poster: User, ready: Chat
) -> None:
    XToken.objects.filter(user=poster).delete()
    page = _page(member, ready)
    assert "Connect X to post from this page" in page
    assert f"{reverse('twitter_oauth2_login')}?process=connect" in page


def test_it_offers_the_box_with_the_current_question_chip(
    member: Client, ready: Chat, archive: Callable[..., dict[str, Any]]
) -> None:
    from chats.services.schedule import chat_set_hosts

    chat_set_hosts(chat=ready, members=[], handles=[HOST["username"]])
    archive("Q3 What did you learn?", minute=20, author=HOST)

    page = _page(member, ready)
    assert 'id="compose-form"' in page
    assert 'name="answering" id="compose-answering" value="3" checked' in page
    assert 'name="key" value="' in page


def test_it_posts_without_javascript_and_goes_back_to_the_posts(
    member: Client, ready: Chat, x_api: FakeXApi
) -> None:
    response = _send(member, ready, "From a plain form", answering="2")

    assert response.status_code == 302
    assert response["Location"].endswith("#posts-heading")
    assert Post.objects.get().text == "A2 From a plain form #KMers"
    assert "A2 From a plain form" in _page(member, ready)


def test_it_gives_a_refused_text_back_in_the_box_with_the_reason(
    member: Client, ready: Chat, x_api: FakeXApi
) -> None:
    x_api.fail_next(status=503)
    response = _send(member, ready, "Kept <safe> & sound")

    assert response["Location"].endswith("#compose")
    page = _page(member, ready)
    assert "Kept &lt;safe&gt; &amp; sound</textarea>" in page
    assert 'aria-invalid="true"' in page
    assert "X did not answer" in page
    assert ">Try again</button>" in page


def test_it_answers_the_page_script_in_json_and_sends_one_post_per_key(
    member: Client, ready: Chat, x_api: FakeXApi
) -> None:
    first = _send(member, ready, "Double click", key="dbl", json_=True)
    second = _send(member, ready, "Double click", key="dbl", json_=True)

    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "sent"
    assert first.json()["key"] != "dbl"
    assert len(x_api.create_requests) == 1
    assert PostSubmission.objects.count() == 1


def test_it_says_in_json_why_x_refused_and_hands_a_fresh_key(
    member: Client, ready: Chat, x_api: FakeXApi
) -> None:
    _send(member, ready, "Same", key="a", json_=True)
    refused = _send(member, ready, "Same", key="b", json_=True)

    assert refused.status_code == 400
    body = refused.json()
    assert body["status"] == "refused"
    assert "already posted this exact text" in body["message"]
    assert body["key"] not in ("a", "b")


def test_it_refuses_a_visitor_and_a_non_member(
    anonymous: Client, outsider: Client, ready: Chat, x_api: FakeXApi
) -> None:
    assert _send(anonymous, ready, "hi").status_code == 302  # to sign in
    assert _send(outsider, ready, "hi").status_code == 403
    assert x_api.create_requests == []


def test_it_replies_to_a_post_of_the_chat_only(
    member: Client, ready: Chat, x_api: FakeXApi, archive: Callable[..., dict[str, Any]]
) -> None:
    from archive.models import PostPlacement

    tweet = archive("Q1 Hello?", minute=3)
    x_api.add_tweets(tweet)
    placement = PostPlacement.objects.get()

    bad = _send(member, ready, "to nowhere", key="x", json_=True, reply_to=str(placement.pk + 99))
    good = _send(member, ready, "to you", key="y", json_=True, reply_to=str(placement.pk))

    assert bad.status_code == 400
    assert good.json()["status"] == "sent"
    assert Post.objects.get(text="to you #KMers").reply_to_id == tweet["id"]


def test_it_counts_as_x_counts_and_prices_a_link(anonymous: Client, ready: Chat) -> None:
    url = reverse(
        "archive:chat_compose_count", kwargs={"slug": ready.community.slug, "pk": ready.pk}
    )
    plain = anonymous.get(url, {"text": "hello", "answering": "3"}).json()
    linked = anonymous.get(url, {"text": "see https://example.com/" + "x" * 80}).json()

    assert plain["length"] == len("A3 hello #KMers")
    assert plain["cost"] == "0.015"
    assert linked["length"] == len("see  #KMers") + 23
    assert linked["has_link"] is True
    assert linked["cost"] == "0.20"


# --- organisers ---------------------------------------------------------------------------


def test_it_lets_an_organiser_turn_posting_on_with_caps(
    organiser: Client, community: Community
) -> None:
    url = reverse("archive:posting_settings", kwargs={"slug": community.slug})
    assert organiser.get(url).status_code == 200

    organiser.post(
        url, {"enabled": "on", "daily_post_cap": "30", "daily_spend_cap": "1.50", "allow_links": ""}
    )

    policy = PostingPolicy.objects.get(community=community)
    assert policy.enabled
    assert policy.daily_post_cap == 30
    assert str(policy.daily_spend_cap) == "1.50"
    assert not policy.allow_links


def test_it_keeps_posting_settings_from_moderators(moderator: Client, community: Community) -> None:
    url = reverse("archive:posting_settings", kwargs={"slug": community.slug})
    assert moderator.get(url).status_code == 403


def test_it_lets_an_organiser_mute_and_unmute_a_member(
    organiser: Client, member: Client, poster: User, ready: Chat
) -> None:
    slug = ready.community.slug
    organiser.post(
        reverse("archive:member_mute", kwargs={"slug": slug}), {"username": poster.username}
    )
    assert PostingMute.objects.filter(member=poster).exists()
    assert "stopped you from posting from this site" in _page(member, ready)

    unknown = organiser.post(
        reverse("archive:member_mute", kwargs={"slug": slug}), {"username": "nobody"}
    )
    assert unknown.status_code == 400
    assert "No member of this community has that username" in unknown.content.decode()

    organiser.post(reverse("archive:member_unmute", kwargs={"slug": slug, "pk": poster.pk}))
    assert not PostingMute.objects.exists()


def test_it_shows_posting_costs_beside_reading_costs(
    organiser: Client, member: Client, ready: Chat, x_api: FakeXApi
) -> None:
    _send(member, ready, "one with example.com", key="1")
    _send(member, ready, "two", key="2")

    page = organiser.get(
        reverse("archive:archive_health", kwargs={"slug": ready.community.slug})
    ).content.decode()
    assert "2 posts sent from this site today (UTC)" in page
    assert "1 with a link: $0.22" in page
