"""TAGS CSV: rows become the posts the live X source makes of the same statuses."""

import gzip
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from archive.imports.tags_csv import pages
from archive.models import Network, Post, PostPlacement
from archive.sources.x import normalise_x_page
from chats.models import Chat
from community.models import Community
from tests.archive.imports.conftest import TAGS_COLUMNS, tags_csv, tags_row
from tests.archive.support import archive_tweets
from tests.fakes.x_data import make_tweet, make_user, search_response

pytestmark = pytest.mark.django_db

START = datetime(2015, 11, 24, 17, 0, tzinfo=UTC)
HOST = make_user("hannahhost", name="Hannah Host")
ALICE = make_user("alice", name="Alice A")
BOB = make_user("bob", name="Bob B")
USERS = {u["id"]: u for u in (HOST, ALICE, BOB)}


@pytest.fixture
def chat(community: Community) -> Chat:
    return Chat.objects.create(
        community=community,
        title="Knowledge audits",
        hashtag=community.hashtag,
        start_at=START,
        end_at=START + timedelta(hours=1),
    )


@pytest.fixture
def tweets(chat: Chat) -> list[dict[str, Any]]:
    at = [START + timedelta(minutes=m) for m in (5, 7, 9, 11)]
    question = make_tweet(
        author=HOST, text="Q1: What is a knowledge audit? #KMers", created_at=at[0]
    )
    answer = make_tweet(
        author=ALICE,
        text="A1 Skills & <gaps> first: https://t.co/abc123 #KMers 🧭",
        created_at=at[1],
        links={"https://t.co/abc123": "https://example.org/audits"},
    )
    reply = make_tweet(author=BOB, text="@alice so true #KMers", created_at=at[2], reply_to=answer)
    other = make_tweet(author=BOB, text="Nothing to do with us #LibChat", created_at=at[3])
    return [question, answer, reply, other]


def _import(path: Path, slug: str, *args: str) -> str:
    out = io.StringIO()
    call_command("import_posts", str(path), *args, community=slug, stdout=out)
    return out.getvalue()


def _write(tmp_path: Path, content: bytes, name: str = "tags.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_it_stores_each_row_as_the_live_x_source_stores_the_same_post(
    tmp_path: Path, community: Community, chat: Chat, tweets: list[dict[str, Any]]
) -> None:
    rows = [tags_row(t, USERS[t["author_id"]]) for t in tweets]
    live = normalise_x_page(search_response(tweets, users=list(USERS.values())))

    output = _import(_write(tmp_path, tags_csv(rows)), community.slug)

    assert "(tags)" in output
    assert "Posts stored: 4 (4 new, 0 refreshed)" in output
    assert "3 in 1 chats, 0 in the between-chat stream, 1 not" in output
    for expected in live.posts:
        post = Post.objects.get(external_id=expected.external_id)
        assert post.network == Network.X
        assert (post.text, post.html) == (expected.text, expected.html)
        assert (post.reply_to_id or None, list(post.hashtags)) == (
            expected.reply_to_id,
            list(expected.hashtags),
        )
        assert post.author.handle == expected.author.handle
        assert post.links == list(expected.links)
    assert PostPlacement.objects.filter(community=community, chat=chat).count() == 3


def test_it_stores_a_post_once_when_a_later_pull_brings_it_again(
    tmp_path: Path, community: Community, chat: Chat, tweets: list[dict[str, Any]]
) -> None:
    rows = [tags_row(t, USERS[t["author_id"]]) for t in tweets]
    _import(_write(tmp_path, tags_csv(rows)), community.slug)

    pulled = archive_tweets(tweets, users=USERS.values())

    assert (pulled.new, pulled.refreshed) == (0, 4)
    assert Post.objects.count() == 4
    assert PostPlacement.objects.filter(community=community).count() == 3


def test_it_leaves_posts_a_pull_archived_as_the_pull_stored_them(
    tmp_path: Path, community: Community, chat: Chat, tweets: list[dict[str, Any]]
) -> None:
    tweets[1]["public_metrics"]["like_count"] = 12
    archive_tweets(tweets[:2], users=USERS.values())
    rows = [tags_row(t, USERS[t["author_id"]]) for t in tweets]

    output = _import(_write(tmp_path, tags_csv(rows)), community.slug)

    # A sheet knows no display names and no likes: it must not blank what a pull knew.
    assert "Posts stored: 2 (2 new); 2 already archived, left as they were" in output
    answer = Post.objects.select_related("author").get(external_id=tweets[1]["id"])
    assert (answer.author.display_name, answer.like_count) == ("Alice A", 12)
    assert "3 in 1 chats" in output


def test_it_adds_nothing_when_the_same_file_is_imported_twice(
    tmp_path: Path, community: Community, chat: Chat, tweets: list[dict[str, Any]]
) -> None:
    path = _write(tmp_path, tags_csv([tags_row(t, USERS[t["author_id"]]) for t in tweets]))
    _import(path, community.slug)
    before = list(Post.objects.order_by("pk").values_list("pk", "external_id", "html"))

    output = _import(path, community.slug)

    assert list(Post.objects.order_by("pk").values_list("pk", "external_id", "html")) == before
    assert "Posts stored: 0 (0 new); 4 already archived, left as they were" in output


def test_it_skips_what_it_cannot_use_with_its_line_and_keeps_the_rest(
    tmp_path: Path, community: Community, chat: Chat, tweets: list[dict[str, Any]]
) -> None:
    good = [tags_row(t, USERS[t["author_id"]]) for t in tweets[:3]]
    # A sheet showed the id as a number: the status URL still has it.
    good[0]["id_str"] = "1.66946E+17"
    multi_line = tags_row(
        make_tweet(
            author=ALICE, text="A2 one\nand two #KMers", created_at=START + timedelta(minutes=20)
        ),
        ALICE,
    )
    bad_date = {**good[1], "id_str": "11", "status_url": "", "created_at": "24/11/2015 17:05"}
    no_id = {**good[1], "id_str": "", "status_url": "https://twitter.com/alice"}
    repost = {**good[2], "id_str": "12", "status_url": "", "text": "RT @alice: A1 … #KMers"}
    no_author = {**good[2], "id_str": "13", "status_url": "", "from_user_id_str": ""}
    rows = [good[0], multi_line, bad_date, no_id, good[1], repost, no_author, good[2]]

    output = _import(_write(tmp_path, tags_csv(rows)), community.slug)

    assert "Posts stored: 4 (4 new, 0 refreshed)" in output
    assert "Skipped: 4\n" in output
    # The header is line 1; the multi-line row takes lines 3 and 4.
    assert "line 5: post 11: created_at '24/11/2015 17:05' is not X's time format" in output
    assert "line 6: post (no id): no usable id_str or status_url" in output
    assert "line 8: post 12: is a repost" in output
    assert "line 9: post 13: from_user_id_str is missing or not a numeric id" in output
    assert Post.objects.filter(external_id=tweets[0]["id"]).exists()
    assert Post.objects.get(text="A2 one\nand two #KMers").html.count("<br>") == 1


def test_it_links_mentions_hashtags_and_urls_of_a_sheet_without_entities(
    community: Community, chat: Chat
) -> None:
    tweet = make_tweet(
        author=BOB,
        text="@alice see https://t.co/xyz9 &amp; #KMers <b>",
        created_at=START + timedelta(minutes=30),
    )
    content = tags_csv([tags_row(tweet, BOB, with_entities=False)])

    (page,) = pages(io.BytesIO(content), hashtags=frozenset())

    html = page.posts[0].html
    assert '<a href="https://x.com/alice" rel="nofollow noopener ugc">@alice</a>' in html
    assert '<a href="https://t.co/xyz9" rel="nofollow noopener ugc">https://t.co/xyz9</a>' in html
    assert '<a href="/search/?q=%23KMers">#KMers</a>' in html
    assert "&amp;amp; " in html
    assert "&lt;b&gt;" in html
    assert page.posts[0].hashtags == ("kmers",)


def test_it_keeps_only_posts_with_the_hashtags_asked_for(
    tweets: list[dict[str, Any]],
) -> None:
    content = tags_csv([tags_row(t, USERS[t["author_id"]]) for t in tweets])

    (page,) = pages(io.BytesIO(content), hashtags=frozenset({"libchat"}))

    assert [p.external_id for p in page.posts] == [tweets[3]["id"]]


def test_it_refuses_a_csv_that_is_no_tags_sheet_and_reads_a_gzipped_one(
    tmp_path: Path, community: Community, chat: Chat, tweets: list[dict[str, Any]]
) -> None:
    other = _write(tmp_path, b"name,email\nA,a@example.org\n", "people.csv")
    columns = [c for c in TAGS_COLUMNS if c != "from_user"]
    broken = tags_csv([tags_row(tweets[0], HOST)], columns=columns)
    gzipped = gzip.compress(tags_csv([tags_row(t, USERS[t["author_id"]]) for t in tweets]))

    refused = _import(_write(tmp_path, broken, "broken.csv"), community.slug, "--format", "tags")
    detected = _import(_write(tmp_path, gzipped, "tags.csv.gz"), community.slug)

    assert "line 1: not a TAGS archive sheet: no from_user column" in refused
    assert "Posts stored: 4 (4 new, 0 refreshed)" in detected
    with pytest.raises(Exception, match="none of the formats we can tell apart"):
        _import(other, community.slug)


def test_it_imports_the_sample_sheet_a_fresh_clone_ships(community: Community) -> None:
    sample = Path(__file__).resolve().parents[3] / "docs/samples/tags-kmers-2015-11-24.csv"

    output = _import(sample, community.slug)

    assert "Posts stored: 4 (4 new, 0 refreshed)" in output
    assert "0 in 0 chats, 4 in the between-chat stream" in output
    assert "line 6: post 669225408048966656: is a repost" in output
    reply = Post.objects.get(external_id="669225156491390976")
    assert reply.reply_to_id == "669224653376204800"
    assert '<a href="https://x.com/ana_km"' in reply.html
