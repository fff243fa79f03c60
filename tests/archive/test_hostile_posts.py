"""Hostile or broken post data is stored, and every page shows it escaped, never executed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from archive.models import Account, Post
from archive.services.ingest import posts_store
from archive.sources.mastodon_objects import normalise_status
from archive.sources.x import normalise_x_page
from chats.models import Chat
from community.models import Community
from tests.archive.support import archive_tweets
from tests.fakes.mastodon_api import make_account, make_status
from tests.fakes.x_data import make_media, make_tweet, make_user, search_response

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
RLO, ZWJ, ZWSP = "\u202e", "\u200d", "\u200b"


@pytest.fixture
def chat(community: Community) -> Chat:
    return Chat.objects.create(
        community=community, title="Hostile input", hashtag="KMers",
        start_at=START, end_at=START + timedelta(hours=1),
    )  # fmt: skip


def _live_page(client: Client, chat: Chat) -> str:
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        return client.get(chat.get_absolute_url()).content.decode()


def test_it_escapes_script_in_post_text_and_display_names(anonymous: Client, chat: Chat) -> None:
    user = make_user("mallory", name='<script>alert("name")</script>')
    tweet = make_tweet(
        author=user, created_at=START + timedelta(minutes=1),
        text='A1 <script>alert("text")</script> <img src=x onerror=alert(1)> #KMers',
    )  # fmt: skip
    archive_tweets([tweet], users=[user])

    page = _live_page(anonymous, chat)

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&quot;text&quot;)&lt;/script&gt;" in page


def test_it_never_links_a_javascript_url_entity(anonymous: Client, chat: Chat) -> None:
    user = make_user("mallory")
    tweet = make_tweet(
        author=user, created_at=START + timedelta(minutes=1),
        text="A1 see https://t.co/abc123 #KMers",
        links={"https://t.co/abc123": "javascript:alert(document.cookie)"},
    )  # fmt: skip
    archive_tweets([tweet], users=[user])

    page = _live_page(anonymous, chat)

    assert 'href="javascript:' not in page.lower()
    assert Post.objects.get().links == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "//pbs.twimg.com/no-scheme.jpg",
        "https://pbs.twimg.com/a.jpg\njavascript:alert(1)",
        "ftp://pbs.twimg.com/a.jpg",
    ],
)
def test_it_stores_only_http_urls_for_avatars_and_media(
    anonymous: Client, chat: Chat, url: str
) -> None:
    user = make_user("mallory", profile_image_url=url)
    bad = make_media(url=url, media_key="3_1")
    # A video: its only image is the preview, and a bad preview leaves nothing to show.
    bad_video = make_media(kind="video", preview_image_url=url, media_key="3_2")
    tweet = make_tweet(
        author=user, created_at=START + timedelta(minutes=1), text="A1 look #KMers",
        media=[bad, bad_video],
    )  # fmt: skip
    archive_tweets([tweet], users=[user], media=[bad, bad_video])

    assert Account.objects.get(handle="mallory").avatar_url == ""
    assert Post.objects.get().media == []
    assert url.strip() not in _live_page(anonymous, chat)


def test_it_falls_back_to_the_preview_when_only_the_media_url_is_bad(chat: Chat) -> None:
    user = make_user("mallory", profile_image_url="HTTPS://pbs.twimg.com/ok_normal.jpg")
    photo = make_media(url="javascript:alert(1)")
    photo["preview_image_url"] = "https://pbs.twimg.com/p.jpg"
    tweet = make_tweet(
        author=user, created_at=START + timedelta(minutes=1), text="A1 #KMers", media=[photo]
    )
    archive_tweets([tweet], users=[user], media=[photo])

    assert Account.objects.get().avatar_url == "HTTPS://pbs.twimg.com/ok_normal.jpg"
    (item,) = Post.objects.get().media
    assert item["url"] == item["preview_url"] == "https://pbs.twimg.com/p.jpg"


def test_it_stores_broken_surrogates_and_nul_characters_as_replacement_characters(
    anonymous: Client, chat: Chat
) -> None:
    user = make_user("broken", name="Half an emoji \ud83d")
    tweet = make_tweet(
        author=user, created_at=START + timedelta(minutes=1),
        text="A1 lone \ud83d high, lone \ude00 low, nul \x00 here #KMers",
    )  # fmt: skip
    healthy = make_tweet(
        author=make_user("fine"), created_at=START + timedelta(minutes=2), text="A1 fine #KMers"
    )

    archive_tweets([tweet, healthy], users=[user, make_user("fine")])

    post = Post.objects.get(author__handle="broken")
    assert post.text == "A1 lone \ufffd high, lone \ufffd low, nul \ufffd here #KMers"
    assert Account.objects.get(handle="broken").display_name == "Half an emoji \ufffd"
    assert Post.objects.count() == 2
    assert "lone \ufffd high" in _live_page(anonymous, chat)


def test_it_keeps_right_to_left_and_zero_width_characters_inside_the_post(
    anonymous: Client, chat: Chat
) -> None:
    user = make_user("rtl", name=f"{RLO}evil{ZWJ}name")
    text = f"A1 שלום {RLO}txet desrever{ZWSP} مرحبا #KMers"
    archive_tweets(
        [make_tweet(author=user, created_at=START + timedelta(minutes=1), text=text)], users=[user]
    )

    page = _live_page(anonymous, chat)

    # The post's text keeps its characters; bidi isolation keeps an override from
    # reordering the page around it.
    assert f"{RLO}txet desrever{ZWSP}" in page
    assert 'dir="auto"' in page


def test_it_stores_and_shows_a_4000_character_post(anonymous: Client, chat: Chat) -> None:
    user = make_user("longwinded")
    text = "A1 " + ("long " * 800)[:3980] + " #KMers"
    archive_tweets(
        [make_tweet(author=user, created_at=START + timedelta(minutes=1), text=text)], users=[user]
    )

    assert len(Post.objects.get().text) == len(text)
    assert text[:200] in _live_page(anonymous, chat)


def test_it_ignores_url_entities_whose_offsets_do_not_match_the_text(
    anonymous: Client, chat: Chat
) -> None:
    user = make_user("offsets")
    tweet = make_tweet(
        author=user, created_at=START + timedelta(minutes=1),
        text="A1 read https://t.co/abc123 now #KMers",
        links={"https://t.co/abc123": "https://example.org/guide"},
    )  # fmt: skip
    for entity in tweet["entities"]["urls"]:
        entity["start"], entity["end"] = 500, 9000
    tweet["entities"]["hashtags"][0]["start"] = -5

    archive_tweets([tweet], users=[user])

    page = _live_page(anonymous, chat)
    assert "A1 read" in page
    assert "https://t.co/abc123" in page or "example.org/guide" in page


def test_it_skips_a_malformed_post_and_keeps_the_rest_of_the_page(chat: Chat) -> None:
    user = make_user("someone")
    good = make_tweet(author=user, created_at=START + timedelta(minutes=1), text="A1 good #KMers")
    bad = make_tweet(author=user, created_at=START + timedelta(minutes=2), text="A1 bad #KMers")
    bad["text"] = {"not": "a string"}

    page = normalise_x_page(search_response([good, bad], users=[user]))

    assert [p.external_id for p in page.posts] == [good["id"]]
    assert [s.external_id for s in page.skipped] == [bad["id"]]


# --- Bluesky ----------------------------------------------------------------------------


def _archive_bluesky(*views: dict) -> None:
    from archive.services.ingest import posts_store
    from archive.sources.bluesky import normalise_search_page

    posts_store(posts=normalise_search_page({"posts": list(views)}, last=True).posts)


def test_it_shows_a_hostile_bluesky_post_escaped_on_the_live_page(
    anonymous: Client, chat: Chat
) -> None:
    from tests.fakes.bluesky_api import facet, link, make_bsky_post, mention, tag

    text = f'A1 <script>alert("t")</script> {RLO}evil.exe 🧠{ZWJ}🔥 see here #KMers'
    inside = len(text[: text.index("🧠")].encode()) + 1
    facets = [
        facet(text, "see here", link("javascript:alert(document.cookie)")),
        facet(text, "#KMers", tag("KMers")),
        # Starts inside the four bytes of the emoji: shown as text, not linked.
        {"index": {"byteStart": inside, "byteEnd": inside + 6}, "features": [tag("x")]},
        facet(text, "<script>", mention('did:plc:x"><svg onload=alert(1)>')),
    ]
    view = make_bsky_post(
        text=text, facets=facets, handle="mallory.bsky.social",
        name='<img src=x onerror=alert("name")>🦊', at=START + timedelta(minutes=1),
    )  # fmt: skip
    _archive_bluesky(view)

    page = _live_page(anonymous, chat)

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page.lower()
    assert "onload=alert" not in page
    assert "&lt;img src=x onerror=alert(&quot;name&quot;)&gt;🦊" in page
    assert f"{RLO}evil.exe 🧠{ZWJ}🔥 see here #KMers" not in page  # the tag is linked
    assert f"&lt;/script&gt; {RLO}evil.exe 🧠{ZWJ}🔥 see here <a" in page
    assert '<a href="/search/?q=%23KMers">#KMers</a>' in page
    assert Post.objects.get().network == "bluesky"


def test_it_shows_hostile_mastodon_content_as_text_and_plain_links(
    anonymous: Client, chat: Chat
) -> None:
    author = make_account("mallory", domain="evil.example", display_name="<b>:blobcat:</b>")
    content = (
        '<p>A1 <script>alert("text")</script><style>p{display:none}</style>'
        '<a href="javascript:alert(1)" onclick="alert(2)">click me</a> '
        '<iframe src="https://evil.example/frame"></iframe><b style="color:red">bold</b> '
        f'<span onmouseover="alert(3)">{RLO}txet desrever</span> :blobcat: '
        '<a href="https://evil.example/tags/KMers" class="mention hashtag" rel="tag">'
        "#<span>KMers</span></a></p>"
    )
    status = make_status(
        author, content=content, tags=["KMers"], created_at=START + timedelta(minutes=1)
    )
    posts_store(posts=[normalise_status(status, server="mastodon.social", uris={}, roots={})])

    page = _live_page(anonymous, chat)

    for hostile in (
        "<script>alert",
        "javascript:",
        "onclick",
        "<iframe",
        "style=",
        "onmouseover",
        "<b>",
    ):
        assert hostile not in page
    post = Post.objects.get()
    assert post.text == f"A1 click me bold {RLO}txet desrever :blobcat: #KMers"
    assert f"{RLO}txet desrever :blobcat:" in page
    assert "&lt;b&gt;:blobcat:&lt;/b&gt;" in page
    assert '<a href="/search/?q=%23KMers">#KMers</a>' in page
