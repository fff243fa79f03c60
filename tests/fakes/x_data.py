"""Builders for X API v2 objects in their real shape, for the fake server, tests and
benchmarks. Plain functions without Django: importable without pytest.

Text is given as the author typed it; the builders escape it the way X does ("&", "<", ">")
and compute entity offsets in code points on that escaped text (see archive/post_html.py).
The pieces they share with the demo recording live in archive/sources/x_objects.py.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from archive.sources.x_objects import (
    X_EPOCH_MS,
    base62,
    display_url,
    entities,
    escape_x_text,
    snowflake,
    snowflake_time,
    x_time,
)
from archive.sources.x_objects import search_page as search_response
from archive.sources.x_objects import user_id as _user_id

__all__ = [
    "DEFAULT_METRICS",
    "X_EPOCH_MS",
    "escape_x_text",
    "make_media",
    "make_retweet",
    "make_tweet",
    "make_user",
    "search_response",
    "snowflake",
    "snowflake_time",
    "x_time",
]

DEFAULT_METRICS = {
    "retweet_count": 0,
    "reply_count": 0,
    "like_count": 0,
    "quote_count": 0,
    "bookmark_count": 0,
    "impression_count": 0,
}


def make_user(
    username: str,
    *,
    name: str | None = None,
    user_id: str | None = None,
    profile_image_url: str | None = None,
    verified: bool = False,
) -> dict[str, Any]:
    return {
        "id": user_id or _user_id(username),
        "name": name if name is not None else username.title(),
        "username": username,
        "profile_image_url": profile_image_url
        or f"https://pbs.twimg.com/profile_images/{username}/avatar_normal.jpg",
        "verified": verified,
    }


def make_media(
    *,
    kind: str = "photo",
    url: str | None = None,
    preview_image_url: str | None = None,
    width: int = 1200,
    height: int = 800,
    media_key: str | None = None,
) -> dict[str, Any]:
    key = media_key or f"3_{snowflake(datetime.now(UTC))}"
    media: dict[str, Any] = {"media_key": key, "type": kind, "width": width, "height": height}
    if kind == "photo":
        media["url"] = url or f"https://pbs.twimg.com/media/{key}.jpg"
    else:
        # Videos and GIFs carry only a preview image in v2; the file needs another call.
        media["preview_image_url"] = (
            preview_image_url or f"https://pbs.twimg.com/ext_tw_video_thumb/{key}.jpg"
        )
    return media


def make_tweet(
    *,
    author: Mapping[str, Any],
    text: str,
    created_at: datetime,
    tweet_id: str | None = None,
    reply_to: Mapping[str, Any] | None = None,
    quote_of: Mapping[str, Any] | None = None,
    links: Mapping[str, str] | None = None,
    media: Sequence[Mapping[str, Any]] = (),
    lang: str = "en",
    metrics: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """A post as recent search returns it with every field Hashtag Commons asks for.

    `links` maps t.co URLs that appear in `text` to their expanded URLs.
    """
    tweet_id = tweet_id or snowflake(created_at)
    raw_text = escape_x_text(text)
    url_entities = _url_entities(raw_text, links or {})
    if media:
        media_link = f"https://t.co/{base62(int(tweet_id))[-10:]}"
        start = len(raw_text) + 1
        raw_text = f"{raw_text} {media_link}"
        url_entities.append(_media_url_entity(start, media_link, author, tweet_id, media[0]))
    tweet: dict[str, Any] = {
        "id": tweet_id,
        "text": raw_text,
        "edit_history_tweet_ids": [tweet_id],
        "created_at": x_time(created_at),
        "author_id": author["id"],
        "conversation_id": reply_to["conversation_id"] if reply_to else tweet_id,
        "lang": lang,
        "public_metrics": {**DEFAULT_METRICS, **(metrics or {})},
        "entities": entities(raw_text, url_entities),
    }
    references = _references(reply_to=reply_to, quote_of=quote_of)
    if references:
        tweet["referenced_tweets"] = references
    if reply_to is not None:
        tweet["in_reply_to_user_id"] = reply_to["author_id"]
    if media:
        tweet["attachments"] = {"media_keys": [m["media_key"] for m in media]}
    return tweet


def make_retweet(
    *,
    author: Mapping[str, Any],
    original: Mapping[str, Any],
    original_author: Mapping[str, Any],
    created_at: datetime,
) -> dict[str, Any]:
    """A plain repost: X prefixes "RT @handle: " and keeps the original's (escaped) text."""
    tweet_id = snowflake(created_at)
    prefix = f"RT @{original_author['username']}: "
    raw_text = prefix + original["text"]
    urls = [
        {**u, "start": u["start"] + len(prefix), "end": u["end"] + len(prefix)}
        for u in original.get("entities", {}).get("urls", [])
    ]
    return {
        "id": tweet_id,
        "text": raw_text,
        "edit_history_tweet_ids": [tweet_id],
        "created_at": x_time(created_at),
        "author_id": author["id"],
        "conversation_id": tweet_id,
        "lang": original.get("lang", "en"),
        "public_metrics": dict(DEFAULT_METRICS),
        "entities": entities(raw_text, urls),
        "referenced_tweets": [{"type": "retweeted", "id": original["id"]}],
    }


def _references(
    *, reply_to: Mapping[str, Any] | None, quote_of: Mapping[str, Any] | None
) -> list[dict[str, str]]:
    pairs = (("replied_to", reply_to), ("quoted", quote_of))
    return [{"type": kind, "id": ref["id"]} for kind, ref in pairs if ref is not None]


def _url_entities(raw_text: str, links: Mapping[str, str]) -> list[dict[str, Any]]:
    entities = []
    for short, expanded in links.items():
        start = raw_text.find(short)
        if start < 0:
            raise ValueError(f"{short} is not in the text")
        entities.append(
            {
                "start": start,
                "end": start + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": display_url(expanded),
            }
        )
    return sorted(entities, key=lambda e: e["start"])


def _media_url_entity(
    start: int, link: str, author: Mapping[str, Any], tweet_id: str, media: Mapping[str, Any]
) -> dict[str, Any]:
    kind = "video" if media["type"] != "photo" else "photo"
    return {
        "start": start,
        "end": start + len(link),
        "url": link,
        "expanded_url": f"https://x.com/{author['username']}/status/{tweet_id}/{kind}/1",
        "display_url": f"pic.x.com/{link.rsplit('/', 1)[-1]}",
        "media_key": media["media_key"],
    }
