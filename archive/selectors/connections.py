"""How communities connect: the posts they share and the people who post in both.

A post carrying two communities' hashtags has a placement in each: a shared post. A
participant is the member behind an account when known, else the account, so a member
posting from two networks counts once. A post hidden in either community or removed
counts nowhere: a moderator's hide keeps it off the pair's page too, which lists the
post under both names.

Counting them joins every placement of a period with itself: seconds at a million posts
(benchmarks/connections.py). `archive.services.connections.connections_refresh` (beat,
hourly) stores the counts per period in the `CommunityLink` rollup; pages read it in one
query whatever the number of communities or posts. The pair's page of shared posts reads
the placements (two queries a page), so a hide shows there at once.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef

from archive.models import CommunityLink, PostPlacement
from community.models import Community

PERIODS = {"3m": ("Last 3 months", 91), "12m": ("Last 12 months", 365), "all": ("All time", 0)}
DEFAULT_PERIOD = "12m"
PAIR_PAGE_SIZE = 50
SUGGESTIONS = 5

# The participants of the period per community: the member when known (verified, or
# named on their profile: Account.person_id), else the account.
_PARTICIPANTS = """
    SELECT DISTINCT pp.community_id AS community_id,
        COALESCE('m' || COALESCE(a.member_id, a.claimed_by_id), 'a' || a.id) AS who
    FROM chats_postplacement pp
    JOIN chats_post po ON po.id = pp.post_id
    JOIN chats_account a ON a.id = po.author_id
    WHERE pp.created_at >= %s AND NOT pp.hidden AND NOT po.removed
"""
_SHARED_POSTS = """
    SELECT x.community_id, y.community_id, COUNT(*)
    FROM chats_postplacement x
    JOIN chats_postplacement y ON y.post_id = x.post_id AND y.community_id <> x.community_id
    JOIN chats_post po ON po.id = x.post_id
    WHERE x.created_at >= %s AND NOT x.hidden AND NOT y.hidden AND NOT po.removed
    GROUP BY x.community_id, y.community_id
"""
_SHARED_PARTICIPANTS = """
    WITH p AS ({participants})
    SELECT x.community_id, y.community_id, COUNT(*)
    FROM p x JOIN p y ON y.who = x.who AND y.community_id <> x.community_id
    GROUP BY x.community_id, y.community_id
"""


def period_since(period: str, *, now: datetime) -> datetime:
    """The start of a named period; "all" reaches back to the epoch."""
    days = PERIODS.get(period, PERIODS[DEFAULT_PERIOD])[1]
    return now - timedelta(days=days) if days else datetime(1970, 1, 1, tzinfo=now.tzinfo)


def shared_counts(
    *, since: datetime
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Shared posts and shared participants per ordered pair of community ids, from the
    placements themselves: two queries, seconds at a million posts (benchmarks/
    connections.py). Only `connections_refresh` calls it; pages read the rollup."""
    posts = _pairs(_SHARED_POSTS, [since])
    people = _pairs(_SHARED_PARTICIPANTS.format(participants=_PARTICIPANTS), [since])
    return posts, people


def _pairs(sql: str, params: Sequence[Any]) -> dict[tuple[int, int], int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(a, b): count for a, b, count in cursor.fetchall()}


def _period_key(period: str) -> str:
    return period if period in PERIODS else DEFAULT_PERIOD


def community_connections(*, community: Community, period: str) -> list[CommunityLink]:
    """The communities this one shares posts or participants with, strongest first: one
    query, from the rollup."""
    links = CommunityLink.objects.filter(period=_period_key(period), community=community)
    return sorted(links.select_related("other"), key=lambda link: (-link.strength, link.other.name))


def partner_suggestions(*, community: Community, period: str) -> list[CommunityLink]:
    """Candidates for a joint chat: the communities sharing the most participants."""
    links = CommunityLink.objects.filter(
        period=_period_key(period), community=community, shared_participants__gt=0
    )
    ordered = links.select_related("other").order_by(
        "-shared_participants", "-shared_posts", "other__name"
    )
    return list(ordered[:SUGGESTIONS])


@dataclass
class ConnectionMap:
    """Every connected pair once, strongest first, the communities linked, their matrix."""

    communities: list[Community]
    links: list[CommunityLink]
    # Each row: a community, and for each column's community the link (None: none).
    matrix: list[tuple[Community, list[tuple[Community, CommunityLink | None]]]] = field(
        default_factory=list
    )


def connection_map(*, period: str) -> ConnectionMap:
    """Every pair of connected communities (each pair once) and their matrix: one query."""
    rows = CommunityLink.objects.filter(
        period=_period_key(period), community_id__lt=F("other_id")
    ).select_related("community", "other")
    links = sorted(rows, key=lambda link: (-link.strength, link.community.name, link.other.name))
    linked = sorted(
        {c.pk: c for link in links for c in (link.community, link.other)}.values(),
        key=lambda c: (c.name, c.pk),
    )
    by_pair: dict[tuple[int, int], CommunityLink] = {}
    for link in links:
        by_pair[(link.community_id, link.other_id)] = link
        by_pair[(link.other_id, link.community_id)] = link
    matrix = [(row, [(col, by_pair.get((row.pk, col.pk))) for col in linked]) for row in linked]
    return ConnectionMap(communities=linked, links=links, matrix=matrix)


def shared_posts_page(
    *, community: Community, other: Community, since: datetime, page: int | str | None
) -> Page:
    """The posts the two communities share, newest first, visible in both: 2 queries."""
    in_other = PostPlacement.objects.filter(post=OuterRef("post_id"), community=other, hidden=False)
    placements = (
        PostPlacement.objects.filter(
            Exists(in_other),
            community=community,
            hidden=False,
            post__removed=False,
            created_at__gte=since,
        )
        .select_related("post__author__member", "chat")
        .defer("post__raw", "post__search_vector")
        .order_by("-created_at", "-post_id")
    )
    return Paginator(placements, PAIR_PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class Node:
    """A community placed on the circle of the site-wide graph."""

    community: Community
    x: float
    y: float

    @property
    def label_y(self) -> float:
        """Where its hashtag goes: above the dot."""
        return round(self.y - 14, 1)


@dataclass(frozen=True)
class Edge:
    link: CommunityLink
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


GRAPH_SIZE = 400
_RADIUS = 150


def graph_layout(connection_map: ConnectionMap) -> tuple[list[Node], list[Edge]]:
    """The linked communities on a circle, a line per pair as thick as what they share."""
    count = len(connection_map.communities)
    centre = GRAPH_SIZE / 2
    nodes = {}
    for index, community in enumerate(connection_map.communities):
        angle = 2 * math.pi * index / max(count, 1) - math.pi / 2
        nodes[community.pk] = Node(
            community,
            round(centre + _RADIUS * math.cos(angle), 1),
            round(centre + _RADIUS * math.sin(angle), 1),
        )
    strongest = max((link.strength for link in connection_map.links), default=1)
    edges = []
    for link in connection_map.links:
        a, b = nodes[link.community.pk], nodes[link.other.pk]
        width = round(1 + 7 * link.strength / strongest, 1)
        edges.append(Edge(link, a.x, a.y, b.x, b.y, width))
    return list(nodes.values()), edges
