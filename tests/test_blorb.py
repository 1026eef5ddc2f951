"""Blorb files (Blorb 2.0.4), IFIDs (the Treaty of Babel) and ``zvm --info``.

Blorbs are built in tmp_path from the bundled story with tools/blorb.py.
The IFID expectations are worked out here from the Treaty's own wording
("The IFID for a legacy Z-code story file") and the header bytes.
"""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest

from helpers import ROOT, run_zvm, shared_story

from zvm.story import babel
from zvm.story import blorb as zblorb
from zvm.errors import StoryError
from zvm.story.loader import load, parse
from zvm.tools import blorb as blorb_tool

STORY = ROOT / "stories" / "hollinbrook.z5"
WALKTHROUGH = ROOT / "stories" / "hollinbrook.walkthrough"
TIMEOUT = 120


IFID = "6F1A3D2C-58B4-4E0B-9C2E-1D7A5B3C9E40"
TITLE = "The Hollin Brook Signal"
AUTHOR = "Ada Example & Bo Sample"
IFMD = f"""<?xml version="1.0" encoding="UTF-8"?>
<ifindex version="1.0" xmlns="http://babel.ifarchive.org/protocol/iFiction/">
  <story>
    <identification>
      <ifid>{IFID}</ifid>
      <ifid>ZCODE-1-250101-5B72</ifid>
      <format>zcode</format>
    </identification>
    <bibliographic>
      <title>{TITLE}</title>
      <author>Ada Example &amp; Bo Sample</author>
    </bibliographic>
  </story>
</ifindex>
"""
# The smallest PNG signature-bearing blob is enough: zvm does not decode it.
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(13)


def story_bytes() -> bytes:
    return STORY.read_bytes()


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def assert_refused(proc, given, *, mentions: str) -> str:
    """One line ``zvm: FILE: REASON`` on standard error, nothing on standard
    output, exit status 2."""
    where = f"exit {proc.returncode}\nstdout: {proc.stdout!r}\nstderr: {proc.stderr!r}"
    assert proc.returncode == 2, where
    assert proc.stdout == "", where
    assert "Traceback" not in proc.stderr, where
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and proc.stderr.endswith("\n"), where
    assert lines[0].startswith(f"zvm: {given}: "), where
    assert mentions.lower() in lines[0].lower(), where
    return lines[0]


@pytest.fixture
def good_blorb(tmp_path) -> str:
    data = blorb_tool.build(story_bytes(), ifmd=IFMD, pictures={1: PNG, 7: PNG + b"x"})
    return write(tmp_path, "hollinbrook.zblorb", data)


# -- the writer -------------------------------------------------------------

def test_writer_lengths_and_padding():
    story = story_bytes()
    data = blorb_tool.build(story, ifmd="<x/>", pictures={3: PNG + b"odd"})
    assert data[:4] == b"FORM" and data[8:12] == b"IFRS"
    assert struct.unpack(">I", data[4:8])[0] == len(data) - 8
    assert data[12:16] == b"RIdx"                      # the index comes first
    at, seen = 12, []
    while at < len(data):
        kind, length = data[at:at + 4], struct.unpack(">I", data[at + 4:at + 8])[0]
        seen.append((kind, at, length))
        at += 8 + length
        if length % 2:
            assert data[at] == 0                       # the pad byte is zero
            at += 1
    assert at == len(data)
    assert [k for k, _, _ in seen] == [b"RIdx", b"ZCOD", b"PNG ", b"IFmd"]
    count = struct.unpack(">I", data[20:24])[0]
    assert count == 2 and seen[0][2] == 4 + 12 * count
    entries = [struct.unpack(">4sII", data[24 + 12 * i:36 + 12 * i]) for i in range(count)]
    assert entries == [(b"Exec", 0, seen[1][1]), (b"Pict", 3, seen[2][1])]
    assert data[seen[1][1] + 8:seen[1][1] + 8 + len(story)] == story


def test_writer_command(tmp_path):
    ifmd = tmp_path / "meta.xml"
    ifmd.write_text(IFMD, encoding="utf-8")
    png = tmp_path / "cover.png"
    png.write_bytes(PNG)
    out = tmp_path / "out.zblorb"
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "blorb.py"), str(out), str(STORY),
         "--ifmd", str(ifmd), "--pict", "1", str(png)],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    parsed = zblorb.parse(out.read_bytes())
    assert [(r.usage, r.number, r.chunk_type) for r in parsed.resources] == \
        [("Exec", 0, "ZCOD"), ("Pict", 1, "PNG ")]
    assert parsed.metadata == IFMD
    assert parsed.zcode() == story_bytes()


# -- reading ---------------------------------------------------------------

def test_loads_the_zcode(good_blorb):
    story = load(good_blorb)
    plain = load(str(STORY))
    assert story.data == plain.data
    assert story.header == plain.header
    assert story.blorb is not None and plain.blorb is None
    assert [(r.usage, r.number, r.chunk_type, r.size) for r in story.blorb.resources] == [
        ("Exec", 0, "ZCOD", len(story_bytes())), ("Pict", 1, "PNG ", len(PNG)),
        ("Pict", 7, "PNG ", len(PNG) + 1)]
    assert story.blorb.metadata == IFMD


def test_recognised_by_content_not_name(tmp_path):
    data = blorb_tool.build(story_bytes())
    assert load(write(tmp_path, "story.z5", data)).blorb is not None


def test_plays_headless_to_the_end(good_blorb):
    result = run_zvm(["--headless", good_blorb],
                     input=WALKTHROUGH.read_text(encoding="utf-8"), timeout=300)
    assert result.returncode == 0, result.stderr
    assert "*** You have won ***" in result.stdout
    assert "In that game you scored 5 out of a possible 5" in result.stdout


def test_info(good_blorb):
    result = run_zvm(["--info", good_blorb], timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"IFID: {IFID}" in out
    assert f"title: {TITLE}" in out
    assert f"author: {AUTHOR}" in out
    assert "release: 1" in out and "serial: 250101" in out
    assert "(verifies)" in out
    assert "Exec    0  ZCOD" in out
    assert "Pict    1  PNG" in out and "Pict    7  PNG" in out
    assert "IFmd" in out


def test_info_of_a_plain_story():
    result = run_zvm(["--info", str(STORY)], timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    data = story_bytes()
    checksum = struct.unpack(">H", data[0x1C:0x1E])[0]
    assert f"IFID: ZCODE-1-250101-{checksum:04X}" in result.stdout
    assert "title:" not in result.stdout and "Blorb" not in result.stdout
    for label in ("dynamic memory", "static memory", "high memory", "initial PC",
                  "dictionary", "object table", "global variables", "abbreviations"):
        assert label in result.stdout


# -- refusals ----------------------------------------------------------------

def glulx_blorb() -> bytes:
    glulx = b"Glul" + bytes([0, 3, 1, 3]) + bytes(248)
    return blorb_tool.build(glulx, exec_type=b"GLUL")


def no_exec_blorb() -> bytes:
    return blorb_tool.build(None, ifmd=IFMD, pictures={1: PNG})


def truncated_blorb() -> bytes:
    return blorb_tool.build(story_bytes(), ifmd=IFMD)[:5000]


def chunk_past_the_end() -> bytes:
    """The FORM length is right, but the story chunk claims more bytes than
    the FORM holds."""
    data = bytearray(blorb_tool.build(story_bytes()))
    at = data.index(b"ZCOD")
    struct.pack_into(">I", data, at + 4, len(data))
    return bytes(data)


def no_index() -> bytes:
    data = bytearray(blorb_tool.build(story_bytes()))
    data[12:16] = b"Junk"
    return bytes(data)


def index_pointing_nowhere() -> bytes:
    data = bytearray(blorb_tool.build(story_bytes()))
    struct.pack_into(">I", data, 24 + 8, 13)           # Exec entry's start
    return bytes(data)


def bad_index_length() -> bytes:
    data = bytearray(blorb_tool.build(story_bytes()))
    struct.pack_into(">I", data, 20, 5)                # 5 entries in a 1-entry chunk
    return bytes(data)


def bad_zcode_inside() -> bytes:
    return blorb_tool.build(story_bytes()[:40])


REFUSED = [
    pytest.param(glulx_blorb, "a Glulx story, not Z-code", id="glulx"),
    pytest.param(no_exec_blorb, "no Exec resource", id="no-exec"),
    pytest.param(truncated_blorb, "truncated", id="truncated"),
    pytest.param(chunk_past_the_end, "past the end", id="chunk-past-end"),
    pytest.param(no_index, "no resource index", id="no-ridx"),
    pytest.param(index_pointing_nowhere, "no chunk begins", id="index-nowhere"),
    pytest.param(bad_index_length, "resource index", id="index-length"),
    pytest.param(bad_zcode_inside, "Z-code story: truncated", id="bad-zcode"),
]


@pytest.mark.parametrize("make, mentions", REFUSED)
def test_refused_by_the_loader(make, mentions):
    with pytest.raises(StoryError) as info:
        parse("x.zblorb", make())
    assert mentions.lower() in str(info.value).lower()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make, mentions", REFUSED[:3])
@pytest.mark.parametrize("mode", [["--headless"], ["--info"]], ids=["play", "info"])
def test_refused_by_the_command(tmp_path, make, mentions, mode):
    given = write(tmp_path, "bad.zblorb", make())
    assert_refused(run_zvm([*mode, given], timeout=TIMEOUT), given, mentions=mentions)


def test_quetzal_and_glulx_still_refused():
    body = b"IFZS" + b"IFhd" + struct.pack(">I", 13) + bytes(14)
    with pytest.raises(StoryError, match="saved game"):
        parse("x", b"FORM" + struct.pack(">I", len(body)) + body)
    with pytest.raises(StoryError, match="Glulx"):
        parse("x", b"Glul" + bytes(300))


# -- IFIDs: the Treaty of Babel ------------------------------------------------

def treaty_ifid(data: bytes) -> str:
    """The legacy form, spelled out from the Treaty for stories without a
    UUID: "ZCODE", hyphen, release, hyphen, the six serial characters
    (non-alphanumerics become hyphens); then, when the serial's first
    character is 0-7 or 9 (not 8) and the serial is not 000000, 999999 or
    ------, a hyphen and the checksum as four hexadecimal digits 0-9, A-F."""
    release = struct.unpack(">H", data[2:4])[0]
    serial = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else "-"
                     for b in data[0x12:0x18])
    ifid = f"ZCODE-{release}-{serial}"
    if serial[0] != "8" and serial[0] in "0123456789" and \
            serial not in ("000000", "999999", "------"):
        ifid += "-%04X" % struct.unpack(">H", data[0x1C:0x1E])[0]
    return ifid


@pytest.mark.parametrize("name", ["zork1.z3", "zork2.z3", "zork3.z3", "czech.z3",
                                  "czech.z4", "czech.z5", "czech.z8", "praxix.z5"])
def test_ifids_of_shared_stories(name):
    data = shared_story(name).read_bytes()
    assert b"UUID://" not in data
    assert babel.zcode_ifid(data) == treaty_ifid(data)
    assert babel.identify(load(str(shared_story(name)))).ifid == treaty_ifid(data)


def test_zork1_ifid():
    data = shared_story("zork1.z3").read_bytes()
    assert data[0x12:0x18] == b"880429"        # begins with 8: Infocom, no checksum
    assert babel.zcode_ifid(data) == "ZCODE-119-880429"


def header(release: int, serial: bytes, checksum: int) -> bytes:
    data = bytearray(64)
    data[0] = 3
    struct.pack_into(">H", data, 2, release)
    data[0x12:0x18] = serial
    struct.pack_into(">H", data, 0x1C, checksum)
    return bytes(data)


@pytest.mark.parametrize("release, serial, checksum, expected", [
    (8, b"040205", 0x6630, "ZCODE-8-040205-6630"),     # Savoir-Faire, the Treaty's example
    (11, b"860509", 0x1234, "ZCODE-11-860509"),         # Trinity
    (2, b"AS000C", 0x1234, "ZCODE-2-AS000C"),           # Zork I, v1
    (15, b"UG3AU5", 0x1234, "ZCODE-15-UG3AU5"),         # Zork I, v2
    (5, bytes(6), 0x1234, "ZCODE-5-------"),            # nulls become hyphens
    (15, b"999999", 0x1234, "ZCODE-15-999999"),         # Enchanter, test version
    (67, b"000000", 0x1234, "ZCODE-67-000000"),         # Sorcerer, test version
    (3, b"951001", 0xABCD, "ZCODE-3-951001-ABCD"),      # 9 (1990s Inform) keeps it
    (1, b"250101", 0x00AF, "ZCODE-1-250101-00AF"),      # four hex digits, capitals
])
def test_treaty_examples(release, serial, checksum, expected):
    assert babel.zcode_ifid(header(release, serial, checksum)) == expected


UUID = "1974A053-7DB0-4103-93A1-767C1382C0B7"


def with_uuid(at: int, serial: bytes | None = None) -> bytes:
    data = bytearray(story_bytes())
    brand = f"UUID://{UUID}//".encode()
    data[at:at + len(brand)] = brand
    if serial is not None:
        data[0x12:0x18] = serial
    return bytes(data)


def test_uuid_in_byte_accessible_memory(tmp_path):
    data = with_uuid(0x8000)                    # static memory, below $10000
    assert babel.zcode_ifid(data) == UUID
    given = write(tmp_path, "branded.z5", data)
    result = run_zvm(["--info", given], timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert f"IFID: {UUID} (from the UUID in the story)" in result.stdout


def test_uuid_beyond_byte_accessible_memory_is_not_scanned():
    data = with_uuid(len(story_bytes()) - 600)  # the end of high memory, past $10000
    assert len(story_bytes()) - 600 > 0x10000
    assert babel.zcode_ifid(data) == treaty_ifid(data)


@pytest.mark.parametrize("serial", [b"050607", b"001231", b"871001", b"931001"])
def test_uuid_ignored_for_files_older_than_the_treaty(serial):
    """Step 1: serials beginning 8, 9 or 00 to 05 skip the scan."""
    data = with_uuid(0x8000, serial)
    assert babel.zcode_ifid(data) == treaty_ifid(data)


def test_uuid_scanned_from_2006_on():
    assert babel.zcode_ifid(with_uuid(0x8000, b"060101")) == UUID


def test_ifmd_ifid_takes_precedence_over_the_story():
    data = blorb_tool.build(with_uuid(0x8000), ifmd=IFMD)
    assert babel.identify(parse("x", data)).ifid == IFID
    # Without metadata, the Blorb's IFID is its story's.
    assert babel.identify(parse("x", blorb_tool.build(with_uuid(0x8000)))).ifid == UUID


def test_read_ifiction():
    meta = babel.read_ifiction(IFMD)
    assert meta.ifids == (IFID, "ZCODE-1-250101-5B72")
    assert (meta.title, meta.author) == (TITLE, AUTHOR)
    assert babel.read_ifiction("<ifindex><story") is None            # not XML
    assert babel.read_ifiction(IFMD.replace('version="1.0"', 'version="0.90"')) is None


def test_unreadable_metadata_falls_back_to_the_story(tmp_path):
    data = blorb_tool.build(story_bytes(), ifmd="<ifindex><story")
    given = write(tmp_path, "broken-meta.zblorb", data)
    result = run_zvm(["--info", given], timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "IFID: ZCODE-1-250101-" in result.stdout
