"""Every switched-on network (and Mastodon server) is pulled on its own cursor, lock and
health: one network's 429 or outage holds up none of the others."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from archive.models import Network, Post, PostPlacement, ReadUsage, SourceHealth, SyncCursor
from archive.services.pulls import Target, chat_cursor, chat_pull, pull_failure_record, pulls_due
from archive.sources import registry
from archive.sources.base import RateLimited, SourceUnavailable
from archive.tasks import pull_chat, pull_final
from chats.models import Chat
from community.models import Community
from tests.archive.ingest.conftest import add_posts, make_chat
from tests.archive.networks.conftest import switch_on
from tests.archive.networks.doubles import NetworkDouble, network_post
from tests.fakes.x_api import FakeXApi

pytestmark = pytest.mark.django_db(transaction=False)

M = Network.MASTODON
B = Network.BLUESKY


def _feed(double: NetworkDouble, chat: Chat, count: int, *, server: str = "a.example") -> None:
    for i in range(count):
        at = chat.start_at + timedelta(minutes=1, seconds=10 * i)
        double.posts.append(
            network_post(double.network, 1000 + i, at=at, text=f"A1 #KMers {i}", server=server)
        )


def test_it_pulls_each_switched_on_network_and_server(
    x_api: FakeXApi, chat: Chat, community: Community, doubles: Any, now: datetime
) -> None:
    switch_on(community, servers=("a.example", "b.example"), bluesky=True)

    due = pulls_due(now=now)

    assert due == [
        Target("chat", chat.pk, Network.X, ""),
        Target("chat", chat.pk, M, "a.example"),
        Target("chat", chat.pk, M, "b.example"),
        Target("chat", chat.pk, B, ""),
    ]


def test_it_stores_each_networks_posts_in_the_chat_on_a_cursor_of_its_own(
    x_api: FakeXApi, chat: Chat, community: Community, doubles: Any, now: datetime
) -> None:
    switch_on(community, servers=("a.example",), bluesky=True)
    add_posts(x_api, 3, start=chat.window_start + timedelta(minutes=20))
    _feed(doubles.setdefault((M, "a.example"), NetworkDouble(M, "a.example")), chat, 5)
    _feed(doubles.setdefault((B, ""), NetworkDouble(B)), chat, 4)

    for target in pulls_due(now=now):
        assert pull_chat.apply(args=[target.pk, target.network, target.server]).get()

    placed = PostPlacement.objects.filter(chat=chat).values_list("post__network", flat=True)
    assert sorted(placed) == ["bluesky"] * 4 + ["mastodon"] * 5 + ["x"] * 3
    cursors = SyncCursor.objects.filter(community=community)
    assert {(c.network, c.server) for c in cursors} == {("x", ""), (M, "a.example"), (B, "")}
    # Free networks' reads are counted, never billed: the budget and cost stay X's.
    mastodon = ReadUsage.objects.get(cursor__network=M)
    assert (mastodon.posts_read, mastodon.posts_billed) == (5, 0)
    assert ReadUsage.objects.get(cursor__network="x").posts_billed == 3


def test_it_keeps_archiving_the_others_while_one_server_is_rate_limited(
    x_api: FakeXApi, chat: Chat, community: Community, doubles: Any, now: datetime
) -> None:
    switch_on(community, servers=("a.example", "b.example"))
    limited = chat_cursor(chat=chat, network=M, server="a.example")
    reset = now + timedelta(minutes=5)

    pull_failure_record(cursor=limited, error=RateLimited(reset), now=now)

    health = SourceHealth.objects.get(network=M, server="a.example")
    assert health.rate_limited_until == reset
    due = pulls_due(now=now + timedelta(minutes=1))
    assert Target("chat", chat.pk, M, "a.example") not in due
    assert {Target("chat", chat.pk, "x", ""), Target("chat", chat.pk, M, "b.example")} <= set(due)
    assert Target("chat", chat.pk, M, "a.example") in pulls_due(now=reset + timedelta(seconds=1))


def test_it_pulls_nothing_from_x_for_a_community_that_switched_x_off(
    x_api: FakeXApi, chat: Chat, community: Community, doubles: Any, now: datetime
) -> None:
    switch_on(community, x=False, servers=("a.example",))

    assert pulls_due(now=now) == [Target("chat", chat.pk, M, "a.example")]


def test_it_pulls_mastodon_without_any_credentials_but_not_x_or_bluesky(
    chat: Chat, community: Community, now: datetime, settings: Any
) -> None:
    settings.X_BEARER_TOKEN = ""
    switch_on(community, servers=("a.example",), bluesky=True)

    assert pulls_due(now=now) == [Target("chat", chat.pk, M, "a.example")]


def test_it_reads_mastodon_beyond_xs_seven_day_window(
    community: Community, doubles: Any, now: datetime
) -> None:
    switch_on(community, x=False, servers=("a.example",))
    old = make_chat(community, start=now - timedelta(days=9))
    double = NetworkDouble(M, "a.example")
    _feed(double, old, 3)

    result = chat_pull(
        chat=old,
        cursor=chat_cursor(chat=old, network=M, server="a.example"),
        source=double,
        now=now,
    )

    assert result.new == 3
    assert PostPlacement.objects.filter(chat=old).count() == 3


def test_it_sweeps_every_network_of_an_ended_chat_once_and_one_failure_stops_no_other(
    x_api: FakeXApi,
    community: Community,
    doubles: Any,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    switch_on(community, servers=("a.example", "b.example"))
    ended = make_chat(community, start=now - timedelta(hours=2))
    add_posts(x_api, 2, start=ended.start_at + timedelta(minutes=5))
    failing = doubles.setdefault((M, "a.example"), NetworkDouble(M, "a.example"))
    failing.failure = SourceUnavailable("a.example answered 502")
    _feed(
        doubles.setdefault((M, "b.example"), NetworkDouble(M, "b.example")),
        ended,
        3,
        server="b.example",
    )
    retries: list[tuple[Any, ...]] = []
    monkeypatch.setattr(pull_chat, "apply_async", lambda args, **kw: retries.append(tuple(args)))

    finals = [t for t in pulls_due(now=ended.end_at + timedelta(minutes=35)) if t.kind == "final"]
    outcome = pull_final.apply(args=[ended.pk]).get()

    assert finals == [Target("final", ended.pk, "", "")]
    assert "a.example: failed" in outcome
    assert Post.objects.filter(network="x").count() == 2
    assert Post.objects.filter(network=M).count() == 3
    # What time may cure goes on as that server's own pull, which retries by itself.
    assert retries == [(ended.pk, M, "a.example")]
    assert "502" in SyncCursor.objects.get(network=M, server="a.example").last_error


def test_it_runs_chat_pulls_queued_before_networks_existed_as_x_pulls(
    x_api: FakeXApi, chat: Chat
) -> None:
    add_posts(x_api, 2, start=chat.window_start + timedelta(minutes=20))

    assert pull_chat.apply(args=[chat.pk]).get().endswith("2 new")
    assert set(Post.objects.values_list("network", flat=True)) == {"x"}


def test_it_builds_x_from_the_sites_settings(settings: Any) -> None:
    settings.X_BEARER_TOKEN = "token"
    assert registry.network_configured(Network.X)
    assert registry.source_for(network=Network.X).network == Network.X
    assert registry.network_configured(Network.MASTODON)
    settings.BLUESKY_HANDLE = ""
    assert not registry.network_configured(Network.BLUESKY)


def test_it_keeps_reading_mastodon_once_xs_daily_budget_is_spent(
    x_api: FakeXApi, chat: Chat, community: Community, doubles: Any, now: datetime
) -> None:
    switch_on(community, servers=("a.example",))
    community.daily_read_cap = 3
    community.save(update_fields=["daily_read_cap"])
    add_posts(x_api, 5, start=chat.window_start + timedelta(minutes=20))
    double = NetworkDouble(M, "a.example")
    _feed(double, chat, 6)

    x_source = registry.source_for(network="x")
    for minutes in (0, 2):  # the first pull spends the budget, the second finds it spent
        at = now + timedelta(minutes=minutes)
        chat_pull(chat=chat, cursor=chat_cursor(chat=chat), source=x_source, now=at)
    cursor = chat_cursor(chat=chat, network=M, server="a.example")
    mastodon = chat_pull(chat=chat, cursor=cursor, source=double, now=now + timedelta(minutes=2))

    assert "budget" in chat_cursor(chat=chat).last_error
    assert mastodon.complete
    assert mastodon.new == 6
    assert Target("chat", chat.pk, M, "a.example") in pulls_due(now=now + timedelta(minutes=5))
    assert Target("chat", chat.pk, "x", "") not in pulls_due(now=now + timedelta(minutes=5))
