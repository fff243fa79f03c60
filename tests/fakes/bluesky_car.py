"""Bluesky repository exports (CAR files) for tests, written block by block as a PDS does.

    car = RepoExport(did="did:plc:…", display_name="Mona")
    car.add_post(rkey, record)             # app.bsky.feed.post/<rkey>
    car.add("app.bsky.feed.like/3k…", like_record)
    car.add_raw_block(key, b"not cbor")    # a record whose block does not decode
    data = car.to_bytes()

Blocks are DAG-CBOR (libipld, what the SDK decodes with), CIDs v1 dag-cbor sha2-256, the
Merkle Search Tree built in two levels (a root node whose `l` subtree and entries' `t`
subtrees hold the rest) with keys prefix-compressed as repositories write them.
"""

import hashlib
from collections.abc import Mapping
from typing import Any

import libipld

_DAG_CBOR, _SHA256 = 0x71, 0x12


def varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def cid_for(data: bytes) -> bytes:
    """The raw bytes of the CIDv1 (dag-cbor, sha2-256) of a block."""
    return bytes([1, _DAG_CBOR, _SHA256, 32]) + hashlib.sha256(data).digest()


class RepoExport:
    def __init__(self, *, did: str, display_name: str = "", avatar_cid: bytes | None = None):
        self.did = did
        self.records: dict[str, bytes] = {}  # key → encoded block
        self.blocks: dict[bytes, bytes] = {}
        self.missing: set[str] = set()
        profile: dict[str, Any] = {"$type": "app.bsky.actor.profile", "displayName": display_name}
        if avatar_cid:
            profile["avatar"] = {
                "$type": "blob", "ref": avatar_cid, "mimeType": "image/jpeg", "size": 1000,
            }  # fmt: skip
        self.add("app.bsky.actor.profile/self", profile)

    def add(self, key: str, record: Mapping[str, Any]) -> bytes:
        return self.add_raw_block(key, libipld.encode_dag_cbor(dict(record)))

    def add_post(self, rkey: str, record: Mapping[str, Any]) -> bytes:
        return self.add(f"app.bsky.feed.post/{rkey}", record)

    def add_raw_block(self, key: str, data: bytes) -> bytes:
        cid = cid_for(data)
        self.records[key] = cid
        self.blocks[cid] = data
        return cid

    def leave_out(self, key: str) -> None:
        """The tree names this record, but its block is not in the file."""
        self.missing.add(key)

    def to_bytes(self) -> bytes:
        keys = sorted(self.records)
        # Two levels: the first third under the root's `l`, the rest split around entries.
        third = max(len(keys) // 3, 1)
        left, top = keys[:third], keys[third:]
        top_entries, right_subtrees = top[::2], {}
        for index, key in enumerate(top_entries):
            below = top[index * 2 + 1 : index * 2 + 2]
            if below:
                right_subtrees[key] = self._node(below, left=None, subtrees={})
        left_node = self._node(left, left=None, subtrees={}) if left else None
        root = self._node(top_entries, left=left_node, subtrees=right_subtrees)
        commit = {"did": self.did, "version": 3, "data": root, "rev": "3l2q7kzvrz22a",
                  "prev": None, "sig": b"\x00" * 64}  # fmt: skip
        commit_cid = self._block(commit)
        header = libipld.encode_dag_cbor({"version": 1, "roots": [commit_cid]})
        out = bytearray(varint(len(header)) + header)
        for cid, data in self.blocks.items():
            if any(self.records.get(k) == cid for k in self.missing):
                continue
            out += varint(len(cid) + len(data)) + cid + data
        return bytes(out)

    def _node(self, keys: list[str], *, left: bytes | None, subtrees: dict[str, bytes]) -> bytes:
        entries, previous = [], b""
        for key in keys:
            raw = key.encode()
            shared = 0
            while shared < min(len(raw), len(previous)) and raw[shared] == previous[shared]:
                shared += 1
            entries.append(
                {"p": shared, "k": raw[shared:], "v": self.records[key], "t": subtrees.get(key)}
            )
            previous = raw
        return self._block({"l": left, "e": entries})

    def _block(self, value: Mapping[str, Any]) -> bytes:
        data = libipld.encode_dag_cbor(dict(value))
        cid = cid_for(data)
        self.blocks[cid] = data
        return cid
