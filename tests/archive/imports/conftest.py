"""Archive files as other tools write them, built from the same posts the fake X API serves.

A TAGS row is the v1.1 status X would have given TAGS for a v2 post of tests.fakes.x_data:
same id, text and entities (v1.1's `indices` in place of v2's start/end).
"""

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

# The exports' finished chat, its posts and its frozen clock: what a round trip exports.
from tests.archive.exports.conftest import chat, discussed, frozen_now, say  # noqa: F401

TAGS_COLUMNS = (
    "id_str", "from_user", "text", "created_at", "time", "geo_coordinates", "user_lang",
    "in_reply_to_user_id_str", "in_reply_to_screen_name", "from_user_id_str",
    "in_reply_to_status_id_str", "source", "profile_image_url", "user_followers_count",
    "user_friends_count", "user_location", "status_url", "entities_str",
)  # fmt: skip


def v1_time(moment: datetime) -> str:
    """X's v1.1 created_at: "Tue Nov 24 17:05:09 +0000 2015"."""
    return moment.astimezone(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")


def v1_entities(tweet: Mapping[str, Any]) -> dict[str, Any]:
    entities = tweet.get("entities", {})
    return {
        "hashtags": [
            {"text": e["tag"], "indices": [e["start"], e["end"]]}
            for e in entities.get("hashtags", [])
        ],
        "user_mentions": [
            {"screen_name": e["username"], "id_str": "1", "indices": [e["start"], e["end"]]}
            for e in entities.get("mentions", [])
        ],
        "urls": [
            {
                "url": e["url"],
                "expanded_url": e["expanded_url"],
                "display_url": e["display_url"],
                "indices": [e["start"], e["end"]],
            }
            for e in entities.get("urls", [])
        ],
        "symbols": [],
    }


def tags_row(
    tweet: Mapping[str, Any], user: Mapping[str, Any], *, with_entities: bool = True
) -> dict[str, str]:
    created = datetime.fromisoformat(tweet["created_at"])
    replied = [r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "replied_to"]
    return {
        "id_str": tweet["id"],
        "from_user": user["username"],
        "text": tweet["text"],
        "created_at": v1_time(created),
        "time": created.strftime("%d/%m/%Y %H:%M:%S"),
        "geo_coordinates": "",
        "user_lang": "en",
        "in_reply_to_user_id_str": tweet.get("in_reply_to_user_id", ""),
        "in_reply_to_screen_name": "",
        "from_user_id_str": user["id"],
        "in_reply_to_status_id_str": replied[0] if replied else "",
        "source": '<a href="https://tweetdeck.twitter.com" rel="nofollow">TweetDeck</a>',
        "profile_image_url": user.get("profile_image_url", ""),
        "user_followers_count": "120",
        "user_friends_count": "80",
        "user_location": "",
        "status_url": f"https://twitter.com/{user['username']}/statuses/{tweet['id']}",
        "entities_str": json.dumps(v1_entities(tweet)) if with_entities else "",
    }


def tags_csv(rows: Sequence[Mapping[str, str]], *, columns: Sequence[str] = TAGS_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
