"""pull_posts: one pull, synchronously, through the real tweepy client and the fake X API."""

import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from archive.management.commands.pull_posts import Command
from archive.models import Post, PostPlacement, SourceHealth, SyncCursor
from archive.services.pulls import chat_cursor
from chats.models import Chat
from community.models import Community
from tests.archive.commands.conftest import make_chat, tweets_at
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db


class FakeTime:
    """The command's clock and sleep: waiting moves the clock on and takes no time."""

    def __init__(self) -> None:
        self.start = timezone.now()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.start + timedelta(seconds=sum(self.sleeps))

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def _pull(
    fake_time: FakeTime | None = None, out: io.StringIO | None = None, **target: object
) -> str:
    fake_time = fake_time or FakeTime()
    command = Command()
    command.sleep, command.clock = fake_time.sleep, fake_time.now
    out = out or io.StringIO()
    call_command(command, stdout=out, **target)
    return out.getvalue()


def test_it_pulls_a_chat_and_prints_what_it_read_and_stored(
    x_api: FakeXApi, live_chat: Chat, now: datetime
) -> None:
    tweets = tweets_at([now - timedelta(minutes=m) for m in (15, 10, 5)])
    x_api.add_tweets(*tweets)

    first = _pull(chat=live_chat.pk)
    x_api.add_tweets(*tweets_at([now - timedelta(minutes=1)], start=3))
    second = _pull(chat=live_chat.pk)

    assert f"Chat {live_chat.pk} “Taxonomies” (#KMers): 1 pages, 3 read, 3 new" in first
    assert "1 pages, 1 read, 1 new, 0 refreshed, 0 skipped" in second
    assert Post.objects.count() == 4
    assert PostPlacement.objects.filter(chat=live_chat).count() == 4
    requests = x_api.search_requests
    assert "start_time" in requests[0]
    assert requests[1]["since_id"] == max(tweets, key=lambda t: int(t["id"]))["id"]


def test_it_counts_and_with_verbosity_names_the_malformed_posts_it_skipped(
    x_api: FakeXApi, live_chat: Chat, now: datetime
) -> None:
    tweets = tweets_at([now - timedelta(minutes=m) for m in (15, 10)])
    x_api.add_tweets(*tweets)
    x_api.corrupt(tweets[0]["id"], created_at="yesterday")

    output = _pull(chat=live_chat.pk, verbosity=2)

    assert "2 read, 1 new, 0 refreshed, 1 skipped" in output
    assert f"skipped {tweets[0]['id']}: created_at 'yesterday' is not a timestamp" in output
    assert SyncCursor.objects.get().malformed_count == 1


def test_it_pulls_every_chat_whose_window_is_open_and_no_other(
    x_api: FakeXApi, community: Community, other_community: Community, now: datetime
) -> None:
    live = make_chat(community, start=now - timedelta(minutes=5))
    also_live = make_chat(other_community, start=now - timedelta(minutes=50), title="Catalogues")
    make_chat(community, start=now + timedelta(hours=3), title="Later")
    make_chat(community, start=now - timedelta(days=1), title="Yesterday")
    x_api.add_tweets(*tweets_at([now - timedelta(minutes=2)]))
    x_api.add_tweets(*tweets_at([now - timedelta(minutes=40)], tags=["LibChat"], start=1))

    output = _pull(live=True)

    assert output.count("\n") == 2
    assert f"Chat {live.pk} “Taxonomies” (#KMers): 1 pages, 1 read, 1 new" in output
    assert f"Chat {also_live.pk} “Catalogues” (#LibChat): 1 pages, 1 read, 1 new" in output
    assert {r["query"] for r in x_api.search_requests} == {
        "#kmers -is:retweet",
        "#libchat -is:retweet",
    }


def test_it_pulls_a_query_two_chats_share_once_from_the_cursor_the_first_pull_moved(
    x_api: FakeXApi, community: Community, other_community: Community, now: datetime
) -> None:
    # Two communities' chats on the same two hashtags: one query, one cursor, read by the
    # command for both targets before either pull ran.
    make_chat(community, start=now - timedelta(minutes=5), extra_hashtags=["LibChat"])
    make_chat(
        other_community, start=now - timedelta(minutes=10), title="Catalogues",
        extra_hashtags=["KMers"],
    )  # fmt: skip
    tweets = tweets_at([now - timedelta(minutes=m) for m in (4, 3, 2)], tags=["KMers"])
    tweets += tweets_at([now - timedelta(minutes=1)], tags=["LibChat"], start=3)
    x_api.add_tweets(*tweets)

    output = _pull(live=True)

    first, second = x_api.search_requests
    assert first["query"] == second["query"] == "(#kmers OR #libchat) -is:retweet"
    # The second pull continues from where the first left the cursor: nothing is read twice.
    assert second["since_id"] == max(tweets, key=lambda t: int(t["id"]))["id"]
    assert "1 pages, 4 read, 4 new" in output
    assert "1 pages, 0 read, 0 new" in output
    assert SyncCursor.objects.get().newest_id == second["since_id"]
    assert Post.objects.count() == 4


def test_it_says_so_when_no_chat_is_open(x_api: FakeXApi) -> None:
    assert _pull(live=True) == "No chat window is open now: nothing to pull.\n"
    assert x_api.search_requests == []


def test_it_sweeps_a_communitys_between_chat_stream(
    x_api: FakeXApi, community: Community, now: datetime
) -> None:
    x_api.add_tweets(*tweets_at([now - timedelta(hours=3), now - timedelta(hours=2)]))

    output = _pull(community=community.slug)

    assert output == (
        f"Stream of {community.slug} (#KMers): 1 pages, 2 read, 2 new, 0 refreshed, 0 skipped\n"
    )
    assert PostPlacement.objects.filter(community=community, chat=None).count() == 2


def test_it_waits_out_a_rate_limit_mid_pull_then_stores_every_post_once_and_exits_0(
    x_api: FakeXApi, live_chat: Chat, now: datetime, fake_time: FakeTime
) -> None:
    tweets = tweets_at([now - timedelta(seconds=s) for s in range(10, 1510, 6)])
    x_api.add_tweets(*tweets)  # 250 posts: three pages
    x_api.fail_next(status=429, reset_in=120, after=1)

    output = _pull(fake_time, chat=live_chat.pk)

    assert re.search(r"X rate limited this app: waiting 12[12] s, until \d\d:\d\d:\d\d UTC", output)
    assert sum(fake_time.sleeps) in (121, 122)
    assert "\r" not in output  # not a terminal: one plain line, no countdown
    assert output.splitlines()[-1].startswith(f"Chat {live_chat.pk} ")
    stored = list(Post.objects.values_list("external_id", flat=True))
    assert sorted(stored) == sorted(t["id"] for t in tweets)
    cursor = chat_cursor(chat=live_chat)
    assert cursor.newest_id == max(tweets, key=lambda t: int(t["id"]))["id"]
    assert (cursor.last_error, cursor.consecutive_errors) == ("", 0)


def test_it_counts_the_wait_down_on_a_terminal(
    x_api: FakeXApi, live_chat: Chat, fake_time: FakeTime
) -> None:
    x_api.fail_next(status=429, reset_in=5)

    output = _pull(fake_time, out=Terminal(), chat=live_chat.pk)

    countdown = re.findall(r"\r[^\r\n]*?(\d+):(\d\d) left", output)
    seconds = [int(m) * 60 + int(s) for m, s in countdown]
    assert seconds in ([6, 5, 4, 3, 2, 1], [7, 6, 5, 4, 3, 2, 1])
    assert fake_time.sleeps == [1] * len(seconds)
    assert "0 new" in output


def test_it_waits_for_a_rate_limit_recorded_before_it_started_when_it_ends_soon(
    x_api: FakeXApi, live_chat: Chat, fake_time: FakeTime
) -> None:
    until = fake_time.now() + timedelta(seconds=90)
    SourceHealth.objects.create(network="x", rate_limited_until=until)

    output = _pull(fake_time, chat=live_chat.pk)

    assert f"waiting 91 s, until {until:%H:%M:%S} UTC" in output
    assert sum(fake_time.sleeps) == 91
    assert len(x_api.search_requests) == 1


def test_it_stops_and_says_when_to_retry_when_the_reset_is_beyond_its_wait_cap(
    x_api: FakeXApi, live_chat: Chat, fake_time: FakeTime
) -> None:
    x_api.fail_next(status=429, reset_in=600)

    with pytest.raises(
        CommandError,
        match=r"X rate limited until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 10 min\), "
        r"longer than --max-wait 300 s: stopped; run again after \d\d:\d\d:\d\d UTC",
    ):
        _pull(fake_time, chat=live_chat.pk)

    health = SourceHealth.objects.get(network="x")
    assert health.rate_limited_until is not None
    assert chat_cursor(chat=live_chat).next_allowed_at == health.rate_limited_until
    with pytest.raises(CommandError, match=r"Not pulling\. Rate limited until .* \(in 10 min\)"):
        _pull(fake_time, chat=live_chat.pk)
    with pytest.raises(CommandError, match=r"longer than --max-wait 60 s"):
        _pull(fake_time, chat=live_chat.pk, max_wait=60)
    assert len(x_api.search_requests) == 1
    assert fake_time.sleeps == []


def test_it_fails_when_x_refuses_the_credentials_and_stops_until_they_change(
    x_api: FakeXApi, live_chat: Chat, settings: object
) -> None:
    settings.X_BEARER_TOKEN = "revoked-token"

    with pytest.raises(CommandError, match="X refused the credentials"):
        _pull(chat=live_chat.pk)
    with pytest.raises(CommandError, match=r"Not pulling\. The x credentials were refused"):
        _pull(chat=live_chat.pk)
    settings.X_BEARER_TOKEN = x_api.bearer_token
    output = _pull(chat=live_chat.pk)

    assert "0 new" in output
    assert SourceHealth.objects.get(network="x").healthy
    assert len(x_api.search_requests) == 2


def test_it_retries_server_errors_with_exponential_backoff_then_completes(
    x_api: FakeXApi, live_chat: Chat, now: datetime, fake_time: FakeTime
) -> None:
    x_api.add_tweets(*tweets_at([now - timedelta(minutes=m) for m in (15, 10, 5)]))
    x_api.fail_next(status=503, times=2)
    x_api.fail_next(status=500)

    output = _pull(fake_time, chat=live_chat.pk)

    assert fake_time.sleeps == [5, 10, 20]
    assert "X failed (503 Service Unavailable); retry 1 of 5 in 5 s" in output
    assert "X failed (500 Internal Server Error); retry 3 of 5 in 20 s" in output
    assert "3 new" in output
    assert len(x_api.search_requests) == 4
    assert chat_cursor(chat=live_chat).consecutive_errors == 0


def test_it_gives_up_after_repeated_server_errors_exits_non_zero_and_records_why(
    x_api: FakeXApi, live_chat: Chat, fake_time: FakeTime
) -> None:
    x_api.fail_next(status=503, times=10)

    with pytest.raises(
        CommandError, match=r"gave up after 2 retries: 503 Service Unavailable"
    ) as raised:
        _pull(fake_time, chat=live_chat.pk, retries=2)

    assert raised.value.returncode == 1
    assert fake_time.sleeps == [5, 10]
    assert len(x_api.search_requests) == 3
    cursor = chat_cursor(chat=live_chat)
    assert cursor.consecutive_errors == 3
    assert "Service Unavailable" in cursor.last_error


def test_it_exits_non_zero_when_the_read_budget_stops_a_pull_with_posts_still_to_read(
    x_api: FakeXApi, live_chat: Chat, now: datetime, fake_time: FakeTime
) -> None:
    live_chat.community.daily_read_cap = 100
    live_chat.community.save(update_fields=["daily_read_cap"])
    x_api.add_tweets(*tweets_at([now - timedelta(seconds=s) for s in range(10, 910, 6)]))

    with pytest.raises(CommandError, match=r"stopped: Daily read budget of 100 posts reached"):
        _pull(fake_time, chat=live_chat.pk)

    assert Post.objects.count() == 100
    assert fake_time.sleeps == []


@pytest.mark.parametrize(
    ("start", "message"),
    [(timedelta(hours=2), "window opens at"), (timedelta(days=-9), "beyond X's recent search")],
)
def test_it_refuses_a_chat_whose_window_it_cannot_pull(
    x_api: FakeXApi, community: Community, now: datetime, start: timedelta, message: str
) -> None:
    chat = make_chat(community, start=now + start)

    with pytest.raises(CommandError, match=message):
        _pull(chat=chat.pk)

    assert x_api.search_requests == []


def test_it_refuses_an_unknown_chat_or_community(x_api: FakeXApi) -> None:
    with pytest.raises(CommandError, match="no chat with id 987654"):
        _pull(chat=987654)
    with pytest.raises(CommandError, match="no community with slug “nobody”"):
        _pull(community="nobody")


def test_it_needs_credentials(settings: object, live_chat: Chat) -> None:
    settings.X_BEARER_TOKEN = ""

    with pytest.raises(CommandError, match="X_BEARER_TOKEN is not set"):
        _pull(chat=live_chat.pk)


def test_it_needs_exactly_one_target() -> None:
    with pytest.raises(CommandError, match="one of the arguments --chat --community --live"):
        call_command("pull_posts")


# --- the other networks -------------------------------------------------------------


def test_it_pulls_a_chat_from_one_mastodon_server(
    live_chat: Chat, now: datetime, settings: Any
) -> None:
    from tests.fakes.mastodon_api import FakeMastodon, make_account, make_status

    olga = make_account("olga", domain="scholar.social")
    with FakeMastodon(domain="scholar.social") as server:
        settings.MASTODON_API_BASE_URL_OVERRIDE = server.base_url
        server.add_statuses(
            make_status(
                olga, "A1 on Mastodon #KMers", created_at=now - timedelta(minutes=5), tags=["KMers"]
            )
        )

        out = _pull(chat=live_chat.pk, network="mastodon", server="Scholar.Social")

    assert "1 read, 1 new" in out
    assert PostPlacement.objects.get(chat=live_chat).post.network == "mastodon"
    assert SyncCursor.objects.get(network="mastodon").server == "scholar.social"


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"network": "mastodon", "server": "http://127.0.0.1/"}, "--server:"),
        ({"network": "x", "server": "scholar.social"}, "--server is for --network mastodon only"),
        ({"network": "bluesky"}, "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are not set"),
    ],
)
def test_it_says_what_is_wrong_with_a_network_it_cannot_pull(
    live_chat: Chat, settings: Any, options: dict[str, str], said: str
) -> None:
    settings.BLUESKY_HANDLE = ""
    with pytest.raises(CommandError, match=re.escape(said)):
        _pull(chat=live_chat.pk, **options)
