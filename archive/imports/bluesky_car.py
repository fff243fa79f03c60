"""A Bluesky repository export (com.atproto.sync.getRepo, "Export my data" in the app): a
CAR file of DAG-CBOR blocks, read with the atproto SDK.

The CAR's root is the repository's signed commit ({did, data, rev, ...}); `data` is the
root of its Merkle Search Tree, whose nodes ({l, e: [{p, k, v, t}]}) list the records by
key, each key "<collection>/<rkey>" written as the `p` bytes it shares with the key before
it plus its own `k`. Records of `app.bsky.feed.post` become posts with the live source's
external id (at://<did>/app.bsky.feed.post/<rkey>) and HTML (the same normaliser); the
rest (likes, follows, the profile) are not posts, and are passed over without a reason.

What an export does not hold: the author's handle (it lives in the DID document), so the
author is stored as an account known by DID, named by the export's profile record, until
a pull describes it (a known handle is never blanked); counts (likes, replies), which are
zero until a pull refreshes them; indexedAt, so createdAt must be a timestamp (a naive or
missing one skips the record). Images keep Bluesky's CDN addresses for the blobs, as the
AppView builds them.

The SDK decodes a CAR from bytes only, so the file is read whole (an export of 50,000
posts is some 30 MB): `stream.tell()` moves to the end at once, then pages follow.
"""

import logging
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import libipld
from atproto import CAR
from atproto_core.cid import CID

from archive.sources.base import NormalisedPost, Page, SkippedItem
from archive.sources.bluesky_objects import (
    POST_COLLECTION,
    POST_URI_RE,
    Malformed,
    account_from_did,
    build_post,
    created_at,
    storable_json,
)
from archive.sources.bluesky_richtext import DID_RE

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
CDN = "https://cdn.bsky.app/img"
# A tree deeper than this is not a repository (real ones are a handful of levels).
MAX_DEPTH = 64


def pages(stream: BinaryIO, *, hashtags: frozenset[str]) -> Iterator[Page]:
    data = stream.read()
    try:
        car = CAR.from_bytes(data)
        root, blocks = _key(car.root), {_key(cid): block for cid, block in car.blocks.items()}
    except Exception:  # libipld refuses the whole file for one bad block
        try:
            root, blocks = _tolerant_read(data)
        except Exception as exc:  # whatever the decoder makes of a file that is no CAR
            yield _skipped_only(f"record 0: not a readable CAR file ({exc})")
            return
    found = blocks.get(root)
    commit: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    did = commit.get("did")
    if not (isinstance(did, str) and DID_RE.fullmatch(did)):
        yield _skipped_only("record 0: the CAR's root is not a repository commit")
        return
    author = _author(did, blocks)
    posts: list[NormalisedPost] = []
    skipped: list[SkippedItem] = []
    for number, key, value in _records(blocks, commit.get("data")):
        if not key:
            skipped.append(SkippedItem(None, f"record {number}: {value}"))
            continue
        if not key.startswith(POST_COLLECTION + "/"):
            continue
        uri = f"at://{did}/{key}"
        try:
            post = _post(uri, value, blocks, author)
        except Malformed as exc:
            known = uri if POST_URI_RE.fullmatch(uri) else None
            skipped.append(SkippedItem(known, f"record {number}: {exc}"))
        else:
            if not hashtags or hashtags & set(post.hashtags):
                posts.append(post)
        if len(posts) + len(skipped) >= PAGE_SIZE:
            yield Page(posts=tuple(posts), skipped=tuple(skipped))
            posts, skipped = [], []
    if posts or skipped:
        yield Page(posts=tuple(posts), skipped=tuple(skipped))


def _tolerant_read(data: bytes) -> tuple[str, dict[str, Any]]:
    """The CAR section by section (varint length, CID, block), each block decoded on its
    own: one that does not decode is left out, so only its own record is skipped.
    ValueError when the file's frame itself is broken."""
    length, at = _varint(data, 0)
    header = libipld.decode_dag_cbor(data[at : at + length])
    roots = header.get("roots") if isinstance(header, dict) else None
    if not isinstance(roots, list) or not roots:
        raise ValueError("no root")
    at += length
    blocks: dict[str, Any] = {}
    while at < len(data):
        length, at = _varint(data, at)
        section, at = data[at : at + length], at + length
        cid_length = _cid_length(section)
        try:
            blocks[_key(section[:cid_length])] = libipld.decode_dag_cbor(section[cid_length:])
        except Exception:  # the decoder's own error kinds, not only ValueError
            logger.warning("Bluesky export: a block that does not decode was left out")
    return _key(roots[0]), blocks


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated length")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at, shift = at + 1, shift + 7
        if not byte & 0x80:
            return value, at


def _cid_length(section: bytes) -> int:
    if section[:2] == b"\x12\x20":
        return 34  # CIDv0: a bare sha2-256 multihash
    _, at = _varint(section, 0)  # version
    _, at = _varint(section, at)  # codec
    _, at = _varint(section, at)  # hash function
    size, at = _varint(section, at)
    return at + size


def _skipped_only(reason: str) -> Page:
    logger.warning("Bluesky export: %s", reason)
    return Page(posts=(), skipped=(SkippedItem(None, reason),))


def _key(cid: object) -> str:
    """A CID as its string, from whatever form the decoder gave it (CID, bytes, str)."""
    if isinstance(cid, CID):
        return str(cid)
    if isinstance(cid, bytes):
        try:
            return str(CID.from_decoded_bytes(cid))
        except Exception:
            return ""
    return cid if isinstance(cid, str) else ""


def _records(blocks: Mapping[str, Any], root: object) -> Iterator[tuple[int, str, object]]:
    """(position, key, record block, or why there is none) in key order; key "" when
    the tree itself is broken there."""
    for number, (key, value) in enumerate(_walk(blocks, root, 0, set()), start=1):
        if not key:
            yield number, "", value
            continue
        record = blocks.get(_key(value))
        missing = "its block is missing or does not decode"
        yield number, key, record if record is not None else missing


def _walk(
    blocks: Mapping[str, Any], ref: object, depth: int, seen: set[str]
) -> Iterator[tuple[str, object]]:
    """A tree node's entries in key order: its `l` subtree, then each entry and the
    subtree `t` to its right."""
    node_key = _key(ref)
    node = blocks.get(node_key)
    if not isinstance(node, Mapping) or depth > MAX_DEPTH or node_key in seen:
        yield "", f"a tree node is missing or broken ({node_key or 'no link'})"
        return
    seen.add(node_key)
    if node.get("l") is not None:
        yield from _walk(blocks, node["l"], depth + 1, seen)
    previous = b""
    entries = node.get("e")
    for entry in entries if isinstance(entries, list) else []:
        key, previous = _entry_key(entry, previous)
        if not key or not isinstance(entry, Mapping):
            yield "", "its key in the tree is unreadable"
            continue
        yield key, entry.get("v")
        if entry.get("t") is not None:
            yield from _walk(blocks, entry["t"], depth + 1, seen)


def _entry_key(entry: object, previous: bytes) -> tuple[str, bytes]:
    if not isinstance(entry, Mapping):
        return "", previous
    shared, own = entry.get("p"), entry.get("k")
    if not (isinstance(shared, int) and isinstance(own, bytes) and 0 <= shared <= len(previous)):
        return "", previous
    full = previous[:shared] + own
    try:
        return full.decode("ascii"), full
    except UnicodeDecodeError:
        return "", full


def _post(uri: str, value: object, blocks: Mapping[str, Any], author: Any) -> NormalisedPost:
    if isinstance(value, str):
        raise Malformed(value)
    if not POST_URI_RE.fullmatch(uri):
        raise Malformed("its key is not a post's record key")
    if not isinstance(value, Mapping) or value.get("$type") != POST_COLLECTION:
        raise Malformed("it is not a post record")
    record = _plain(value)
    return build_post(
        uri=uri,
        account=author,
        record=record,
        created_at=created_at(record, indexed_at=None),
        metrics={"likes": 0, "replies": 0, "reposts": 0, "quotes": 0},
        embed=_embed_view(record.get("embed"), author.external_id),
        raw=storable_json(record),
    )


def _plain(value: Any) -> Any:
    """The record as JSON: links (CIDs) and bytes as strings."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, CID):
        return str(value)
    if isinstance(value, bytes):
        return _key(value) or value.hex()
    return value


def _embed_view(embed: object, did: str) -> dict[str, Any]:
    """What the AppView would show of a record's embed: CDN addresses for image blobs."""
    if not isinstance(embed, Mapping):
        return {}
    kind = embed.get("$type")
    if kind == "app.bsky.embed.images":
        images = embed.get("images")
        views = []
        for image in images if isinstance(images, list) else []:
            cid = _blob_cid(image.get("image")) if isinstance(image, Mapping) else ""
            if cid:
                alt = image.get("alt") if isinstance(image.get("alt"), str) else ""
                views.append(
                    {
                        "thumb": f"{CDN}/feed_thumbnail/plain/{did}/{cid}@jpeg",
                        "fullsize": f"{CDN}/feed_fullsize/plain/{did}/{cid}@jpeg",
                        "alt": alt,
                    }
                )
        return {"$type": "app.bsky.embed.images#view", "images": views}
    if kind == "app.bsky.embed.external":
        return {"$type": "app.bsky.embed.external#view", "external": embed.get("external")}
    if kind == "app.bsky.embed.recordWithMedia":
        media = _embed_view(embed.get("media"), did)
        return {"$type": "app.bsky.embed.recordWithMedia#view", "media": media}
    return {}


def _blob_cid(blob: object) -> str:
    if not isinstance(blob, Mapping):
        return ""
    ref = blob.get("ref")
    if isinstance(ref, Mapping):  # the JSON form {"$link": "bafk..."}
        ref = ref.get("$link")
    cid = _key(ref)
    return cid if cid.isalnum() else ""


def _author(did: str, blocks: Mapping[str, Any]) -> Any:
    """The author, named by the export's profile record when it has one."""
    profiles = (
        block
        for block in blocks.values()
        if isinstance(block, Mapping) and block.get("$type") == "app.bsky.actor.profile"
    )
    profile = next(profiles, {})
    name = profile.get("displayName")
    name = name if isinstance(name, str) else ""
    cid = _blob_cid(profile.get("avatar"))
    avatar = f"{CDN}/avatar/plain/{did}/{cid}@jpeg" if cid else ""
    return account_from_did(did, display_name=name, avatar_url=avatar)
