"""Which format a file is, from its first bytes; and what happens when a reader is missing."""

import gzip
import io
import json
import tarfile

import pytest
from django.core.exceptions import ValidationError

from archive.imports import formats
from archive.imports.formats import FORMATS, Format, format_detect
from archive.imports.transcript_json import pages as json_pages
from archive.services.imports import import_format_choose, posts_import
from community.models import Community

TWARC = b'{"data": [{"id": "1", "text": "hi"}], "includes": {}, "meta": {"result_count": 1}}\n'
TAGS = b"id_str,from_user,text,created_at,time,geo_coordinates\r\n1,alice,hi,x,y,\r\n"
TRANSCRIPT = b'{\n  "chat": {\n    "id": 3,\n    "title": "Audits"\n  },\n  "posts": []\n}'
OUTBOX = json.dumps(
    {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": 1,
        "orderedItems": [{"type": "Create", "object": {"type": "Note"}}],
    }
).encode()
# A CAR v1 header: its length as a varint, then DAG-CBOR {"roots": [CID], "version": 1}.
CAR = (
    bytes([0x3A, 0xA2, 0x65]) + b"roots" + bytes([0x81, 0xD8, 0x2A, 0x58, 0x25, 0x00, 0x01, 0x71])
    + bytes([0x12, 0x20]) + bytes(32) + bytes([0x67]) + b"version" + bytes([0x01])
)  # fmt: skip


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (TWARC, "twarc"),
        (TAGS, "tags"),
        (b"\xef\xbb\xbf" + TAGS, "tags"),
        (TRANSCRIPT, "json"),
        (OUTBOX, "mastodon-outbox"),
        (CAR, "bluesky-car"),
    ],
)
def test_it_tells_each_format_from_its_first_bytes(head: bytes, name: str) -> None:
    found = format_detect(head)

    assert found is not None
    assert found.name == name
    gzipped = import_format_choose(stream=io.BytesIO(gzip.compress(head)), format="detect")
    assert gzipped.name == name


@pytest.mark.parametrize(
    "head", [b"", b"\x00\x01\x02", b"name,email\n", b"[1, 2]", b"<html><body>", b"\x1f\x8b\x08"]
)
def test_it_names_no_format_for_files_it_cannot_read(head: bytes) -> None:
    with pytest.raises(ValidationError, match="none of the formats we can tell apart"):
        import_format_choose(stream=io.BytesIO(head), format=None)


@pytest.mark.django_db
def test_it_says_plainly_when_a_formats_reader_is_not_installed(
    community: Community, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = Format("future", "archive.imports.not_written_yet", "Future", bool, filtered=True)
    monkeypatch.setitem(formats.FORMATS, "future", missing)

    with pytest.raises(ValidationError, match="cannot read Future files yet"):
        posts_import(stream=io.BytesIO(b"{}"), format="future", community=community)


def test_it_registers_every_format_by_a_module_path_of_the_imports_package() -> None:
    assert set(FORMATS) == {"twarc", "tags", "json", "mastodon-outbox", "bluesky-car"}
    assert all(f.module.startswith("archive.imports.") for f in FORMATS.values())


def test_it_refuses_json_nested_past_what_python_can_parse() -> None:
    nested = b'{"posts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    (page,) = json_pages(io.BytesIO(nested), hashtags=frozenset())

    assert page.skipped[0].reason == "record 0: not a transcript export: nested too deeply"


def _tar_gz(**members: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name.replace("__", "/"))
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return out.getvalue()


def test_it_finds_the_outbox_inside_a_mastodon_archive_as_downloaded() -> None:
    archive = _tar_gz(**{"media_attachments__a.png": b"\x89PNG" * 2000, "outbox.json": OUTBOX})

    chosen = import_format_choose(stream=io.BytesIO(archive), format=None)

    assert chosen.name == "mastodon-outbox"


def test_it_says_what_a_tar_lacks_and_when_it_is_damaged() -> None:
    without = _tar_gz(**{"actor.json": b"{}"})
    damaged = _tar_gz(**{"outbox.json": OUTBOX})[:60]

    with pytest.raises(ValidationError, match="holds no file we can import"):
        import_format_choose(stream=io.BytesIO(without), format=None)
    with pytest.raises(ValidationError):
        import_format_choose(stream=io.BytesIO(damaged), format=None)
