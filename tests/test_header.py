"""The story header (§11) and loading a story (§1.1.4, §11): ``zvm.story.header``
and ``zvm.story.loader``.

Expectations come from the Standard (packed addresses §1.2.3, the length
divisor §11.1.6, the checksum §15 verify) and from known facts about
Zork I release 119 / serial 880429 (shared/README.md).
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import shared_story
from zvm.story import loader
from zvm.errors import StoryError
from zvm.story.header import HEADER_SIZE, LENGTH_DIVISOR, Header

# -- synthetic headers ---------------------------------------------------------


def make_header(version: int = 3, **fields: int) -> bytes:
    """A 64-byte header with the given word fields (by name) set."""
    offsets = {
        "release": 0x02, "high_base": 0x04, "initial_pc": 0x06, "dictionary": 0x08,
        "objects": 0x0A, "globals": 0x0C, "static_base": 0x0E, "flags2": 0x10,
        "abbreviations": 0x18, "file_length": 0x1A, "checksum": 0x1C,
        "routines_offset": 0x28, "strings_offset": 0x2A, "alphabet_table": 0x34,
        "extension": 0x36,
    }
    data = bytearray(HEADER_SIZE)
    data[0] = version
    for name, value in fields.items():
        struct.pack_into(">H", data, offsets[name], value)
    return bytes(data)


def make_story(version: int = 3, size: int = 0x800, *, length: int | None = None,
               **fields: int) -> bytearray:
    """A minimal plausible story image of ``size`` bytes: header, then zeros.
    Tables: objects $100, globals $200, dictionary $300, static base $300,
    high memory $400, initial PC $401. ``length`` (bytes) is written to $1A
    divided per §11.1.6 (default: the whole image; 0 = not given)."""
    if length is None:
        length = size
    values = dict(objects=0x100, globals=0x200, dictionary=0x300, static_base=0x300,
                  high_base=0x400, initial_pc=0x401, abbreviations=0x40,
                  file_length=length // {1: 2, 2: 2, 3: 2, 4: 4, 5: 4}.get(version, 8))
    values.update(fields)
    data = bytearray(size)
    data[:HEADER_SIZE] = make_header(version, **values)
    data[0x12:0x18] = b"250101"
    return data


# -- Header.parse on Zork I ------------------------------------------------------


@pytest.fixture(scope="module")
def zork1():
    path = shared_story("zork1.z3")
    return loader.load(str(path)), path.read_bytes()


def test_zork1_identity(zork1):
    story, _ = zork1
    h = story.header
    assert h.version == 3
    assert story.version == 3
    assert h.release == 119
    assert h.serial == b"880429"
    assert h.serial_text == "880429"


def test_zork1_header_parse_matches_raw_words(zork1):
    """Header.parse reads big-endian words at the §11.1 offsets."""
    _, raw = zork1
    h = Header.parse(raw)

    def word(a):
        return (raw[a] << 8) | raw[a + 1]

    assert h.release == word(0x02)
    assert h.high_base == word(0x04)
    assert h.initial_pc == word(0x06)
    assert h.dictionary == word(0x08)
    assert h.objects == word(0x0A)
    assert h.globals == word(0x0C)
    assert h.static_base == word(0x0E)
    assert h.abbreviations == word(0x18)
    assert h.file_length == word(0x1A)
    assert h.checksum == word(0x1C)


def test_zork1_header_consistent_with_file(zork1):
    story, raw = zork1
    h = story.header
    # §11.1.6: the length is the word at $1A times 2 in version 3.
    assert h.length == h.file_length * 2
    assert HEADER_SIZE < h.length <= len(raw)
    assert len(story.data) == h.length
    # §1.1: dynamic memory ends at the static base, which lies in the file and
    # is at least 64 bytes (§1.1.1.1); high memory starts at or above it.
    assert HEADER_SIZE <= h.static_base <= h.length
    assert h.static_base <= h.high_base <= h.length
    # Tables lie inside the file; dynamic ones below the static base (§1.1.1).
    for addr in (h.objects, h.globals, h.abbreviations):
        assert HEADER_SIZE <= addr < h.static_base
    assert HEADER_SIZE <= h.dictionary < h.length
    assert HEADER_SIZE <= h.initial_pc < h.length


def test_zork1_checksum(zork1):
    """§15 verify: the sum of the bytes from $40 to the header's length,
    modulo $10000, equals the header's checksum (Zork I r119 verifies)."""
    story, raw = zork1
    h = story.header
    expected = 0
    for b in raw[0x40:h.length]:
        expected = (expected + b) % 0x10000
    assert story.checksum() == expected
    assert story.checksum() == h.checksum


def test_checksum_excludes_padding_beyond_header_length():
    """§15 verify: calculation stops at the header's file length."""
    data = make_story(3, 0x800)
    data[0x3F] = 0x55                            # header bytes are not counted
    data[0x40] = 3                               # the first byte that is
    data[0x500] = 7
    data[0x7FF] = 0x80                           # the last byte that is
    padded = bytes(data) + b"\xff" * 16          # padding past the stated length
    story = loader.parse("x", padded)
    assert len(story.data) == 0x800
    assert story.checksum() == 3 + 7 + 0x80


def test_checksum_wraps_modulo_65536():
    data = make_story(3, 0x800)
    data[0x40:0x800] = b"\xff" * (0x800 - 0x40)
    story = loader.parse("x", bytes(data))
    assert story.checksum() == (0xFF * (0x800 - 0x40)) % 0x10000


# -- packed addresses (§1.2.3) and the length divisor (§11.1.6) --------------------


@given(st.integers(0, 0xFFFF))
def test_packed_addresses_v1_to_3_times_two(p):
    for v in (1, 2, 3):
        h = Header.parse(make_header(v))
        assert h.routine_address(p) == 2 * p
        assert h.string_address(p) == 2 * p


@given(st.integers(0, 0xFFFF))
def test_packed_addresses_v4_v5_times_four(p):
    for v in (4, 5):
        h = Header.parse(make_header(v, routines_offset=0x123, strings_offset=0x456))
        # The offsets are for versions 6 and 7 only.
        assert h.routine_address(p) == 4 * p
        assert h.string_address(p) == 4 * p


@given(st.integers(0, 0xFFFF))
def test_packed_addresses_v8_times_eight(p):
    h = Header.parse(make_header(8, routines_offset=0x123, strings_offset=0x456))
    assert h.routine_address(p) == 8 * p
    assert h.string_address(p) == 8 * p


@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_packed_addresses_v7_use_offsets(p, r_o, s_o):
    """4P + 8R_O for routines, 4P + 8S_O for strings; R_O at $28, S_O at $2A."""
    h = Header.parse(make_header(7, routines_offset=r_o, strings_offset=s_o))
    assert h.routines_offset == r_o and h.strings_offset == s_o
    assert h.routine_address(p) == 4 * p + 8 * r_o
    assert h.string_address(p) == 4 * p + 8 * s_o


def test_packed_address_examples():
    assert Header.parse(make_header(3)).routine_address(0x2851) == 0x50A2
    assert Header.parse(make_header(5)).string_address(0x100) == 0x400
    assert Header.parse(make_header(8)).routine_address(0x100) == 0x800
    h7 = Header.parse(make_header(7, routines_offset=0x10, strings_offset=0x20))
    assert h7.routine_address(0x100) == 0x400 + 0x80
    assert h7.string_address(0x100) == 0x400 + 0x100


def test_length_divisor_per_standard():
    """§11.1.6: 2 for versions 1-3, 4 for 4-5, 8 for 6 and later."""
    assert LENGTH_DIVISOR == {1: 2, 2: 2, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 8}


@pytest.mark.parametrize("version,divisor", [(1, 2), (2, 2), (3, 2), (4, 4), (5, 4),
                                             (7, 8), (8, 8)])
def test_header_length_uses_divisor(version, divisor):
    h = Header.parse(make_header(version, file_length=1000))
    assert h.length == 1000 * divisor


# -- loader.parse on synthetic stories ------------------------------------------------


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 7, 8])
def test_minimal_story_accepted(version):
    data = make_story(version, 0x800)
    story = loader.parse("mini", bytes(data))
    assert story.path == "mini"
    assert story.version == version
    assert story.header.static_base == 0x300
    assert story.header.serial_text == "250101"
    assert story.data == bytes(data)


def test_story_without_length_accepted():
    """A zero length word means the length is unknown (early v3 stories)."""
    data = make_story(3, 0x800, length=0)
    story = loader.parse("mini", bytes(data))
    assert len(story.data) == 0x800


def test_story_cut_to_header_length():
    data = make_story(3, 0x800, length=0x600)
    story = loader.parse("mini", bytes(data))
    assert len(story.data) == 0x600


def refused(data) -> str:
    with pytest.raises(StoryError) as info:
        loader.parse("bad", bytes(data))
    return str(info.value)


def test_refuses_header_length_beyond_data():
    data = make_story(3, 0x800, length=0x1000)
    assert "truncated" in refused(data)


def test_refuses_shorter_than_header():
    data = make_story(3, 0x800)[:40]
    assert "truncated" in refused(data)


def test_refuses_empty():
    assert "empty" in refused(b"")


@pytest.mark.parametrize("static", [0x10, 0x801, 0xFFFF])
def test_refuses_static_base_outside_file(static):
    data = make_story(3, 0x800, static_base=static)
    msg = refused(data)
    assert "static" in msg and "outside" in msg


@pytest.mark.parametrize("field", ["objects", "globals", "dictionary", "initial_pc"])
def test_refuses_tables_outside_file(field):
    data = make_story(3, 0x800, **{field: 0x900})
    assert "outside" in refused(data)


def test_refuses_version_6_whose_main_routine_is_outside_the_file():
    """§5.4: a version 6 story starts by calling the routine whose packed
    address is at $06 (§1.2.3: times 4, plus 8 times the routines offset)."""
    data = make_story(6, 0x800)
    assert refused(data) == "corrupt header: the main routine at $1004 is outside the file"


def test_refuses_version_6_whose_main_routine_is_no_routine():
    data = make_story(6, 0x800, initial_pc=0x100)
    data[0x400] = 16
    assert refused(data) == ("corrupt header: the main routine at $400 is not a routine "
                             "(16 locals)")


@pytest.mark.parametrize("version", [0, 9, 0x47, 255])
def test_refuses_unknown_version(version):
    data = make_story(3, 0x800)
    data[0] = version
    msg = refused(data)
    assert "not a Z-machine story" in msg
    assert str(version) in msg


def test_refuses_glulx():
    data = bytearray(b"Glul" + bytes([0, 3, 1, 0]) + bytes(0x400))
    assert "Glulx" in refused(data)


def test_refuses_blorb():
    body = b"IFRS" + b"RIdx" + struct.pack(">I", 4) + struct.pack(">I", 0)
    data = b"FORM" + struct.pack(">I", len(body)) + body
    assert "Blorb" in refused(data)


def test_refuses_quetzal_save():
    body = b"IFZS" + b"IFhd" + struct.pack(">I", 13) + bytes(14)
    data = b"FORM" + struct.pack(">I", len(body)) + body
    assert "saved game" in refused(data)


@pytest.mark.parametrize("version,limit", [(3, 128 * 1024), (5, 256 * 1024)])
def test_refuses_oversize(version, limit):
    """§1.1.4: 128K for versions 1-3, 256K for 4-5."""
    data = make_story(version, limit + 2, length=0)
    assert "too large" in refused(data)
    # exactly at the limit is fine
    assert loader.parse("ok", bytes(make_story(version, limit, length=0))).version == version
