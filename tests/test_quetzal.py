"""Quetzal saved states (``zvm.story.quetzal``): IFZS encode/decode.

Layout facts from the Quetzal 1.4 standard: an IFF ``FORM`` of type ``IFZS``;
each chunk is a 4-byte id, a 4-byte big-endian length, the data and a pad
byte if the length is odd (the pad not counted in the length). ``IFhd`` is 13
bytes: release (2), serial (6), checksum (2), PC (3). ``CMem`` is dynamic
memory XORed with the original, where a zero byte is followed by a count
byte n standing for n + 1 zero bytes, and trailing zeros may be omitted;
``UMem`` is memory as it is. ``Stks`` holds frames: return PC (3), flags
(bits 0-3 number of locals, bit 4 set when the result is discarded), result
variable, arguments supplied (bit i for argument i + 1), the number of
evaluation stack words (2), the locals, the stack words.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zvm.story.quetzal import SavedState, SaveError, StackFrame, decode, encode

ORIGINAL = bytes((i * 7 + 3) & 0xFF for i in range(0x400))


# -- hand-made IFF ----------------------------------------------------------------


def chunk(cid: bytes, data: bytes) -> bytes:
    return cid + struct.pack(">I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def form(*chunks: bytes) -> bytes:
    body = b"IFZS" + b"".join(chunks)
    return b"FORM" + struct.pack(">I", len(body)) + body


def ifhd(release=88, serial=b"840726", checksum=0x1234, pc=0x4F05) -> bytes:
    return struct.pack(">H6sH", release, serial, checksum) + pc.to_bytes(3, "big")


def frame(pc, locals_, stack, store=None, argc=0) -> bytes:
    flags = len(locals_) | (0x10 if store is None else 0)
    out = pc.to_bytes(3, "big") + bytes([flags, store or 0, (1 << argc) - 1])
    out += struct.pack(">H", len(stack))
    out += b"".join(struct.pack(">H", w) for w in locals_ + stack)
    return out


def chunks_of(data: bytes) -> list[tuple[bytes, int, bytes]]:
    """(id, offset of data, data) for each chunk, walking the IFF by hand."""
    assert data[:4] == b"FORM" and data[8:12] == b"IFZS"
    end = 8 + struct.unpack(">I", data[4:8])[0]
    assert end == len(data)
    out, a = [], 12
    while a < end:
        cid, n = data[a:a + 4], struct.unpack(">I", data[a + 4:a + 8])[0]
        out.append((cid, a + 8, data[a + 8:a + 8 + n]))
        a += 8 + n + (n & 1)
    assert a == end
    return out


# -- states ------------------------------------------------------------------------


def sample_state() -> SavedState:
    memory = bytearray(ORIGINAL)
    memory[0x10] ^= 0xFF
    memory[0x11] = 0
    memory[0x3FF] ^= 1
    return SavedState(
        release=88, serial=b"840726", checksum=0xBEEF, pc=0x12345,
        memory=bytes(memory),
        frames=[
            StackFrame(return_pc=0, locals=[], stack=[1, 2], store=None, argc=0),
            StackFrame(return_pc=0x4A2B1, locals=[7, 0xFFFF, 0], stack=[], store=0x10, argc=2),
            StackFrame(return_pc=0x4A300, locals=list(range(15)), stack=[0x8000, 5, 6],
                       store=None, argc=7),
            StackFrame(return_pc=0xFFFFFF, locals=[1], stack=[9], store=0, argc=1),
        ],
    )


def test_round_trip_sample():
    state = sample_state()
    data = encode(state, ORIGINAL)
    back = decode(data, ORIGINAL)
    assert back == state
    assert encode(back, ORIGINAL) == data            # build(parse(x)) == x


def test_a_save_changed_after_it_was_written_is_refused():
    """zvm ends its saves with a checksum of the chunks before it (Quetzal
    has none: a changed byte of memory is still a valid save). Any change
    to any byte is refused, but one to the checksum chunk's own id, which
    leaves every chunk that matters whole; the same save without the
    chunk, as another interpreter writes it, is read unchecked."""
    import zlib
    state = sample_state()
    data = encode(state, ORIGINAL)
    last = chunks_of(data)[-1]
    assert last[0] == b"ZVMc" and last[2] == zlib.crc32(data[12:-12]).to_bytes(4, "big")
    for i in range(len(data)):
        for flip in (1, 0x80, 0xFF):
            damaged = bytearray(data)
            damaged[i] ^= flip
            if len(data) - 12 <= i < len(data) - 8:       # the id: a chunk kept unread
                back = decode(bytes(damaged), ORIGINAL)
                assert back.with_extra({}) == state and list(back.extra) == [bytes(damaged[-12:-8])]
                continue
            with pytest.raises(SaveError):
                decode(bytes(damaged), ORIGINAL)
    plain = data[:4] + (len(data) - 20).to_bytes(4, "big") + data[8:-12]
    changed = bytearray(plain)
    changed[-1] ^= 1                                # the last frame's stack word
    assert decode(bytes(changed), ORIGINAL).frames[-1].stack == [8]


def test_layout_by_hand():
    """The bytes encode writes agree with the Quetzal layout built by hand."""
    state = sample_state()
    data = encode(state, ORIGINAL)
    found = {cid: body for cid, _, body in chunks_of(data)}
    assert set(found) >= {b"IFhd", b"Stks"}
    assert found[b"IFhd"] == ifhd(88, b"840726", 0xBEEF, 0x12345)
    assert found[b"Stks"] == b"".join(
        frame(f.return_pc, f.locals, f.stack, f.store, f.argc) for f in state.frames)
    # Frame 1 written by hand: discarded result sets bit 4 of the flags.
    assert found[b"Stks"][:8] == bytes([0, 0, 0, 0x10, 0, 0, 0, 2])
    assert len(data) % 2 == 0


def test_odd_length_chunk_is_padded():
    """IFhd is 13 bytes: a pad byte follows, not counted in its length."""
    data = encode(sample_state(), ORIGINAL)
    assert data[12:16] == b"IFhd"
    assert struct.unpack(">I", data[16:20])[0] == 13
    assert data[20 + 13] == 0                         # the pad byte
    assert data[20 + 14:20 + 18] in (b"CMem", b"UMem", b"Stks")


def test_odd_length_cmem_is_padded():
    memory = bytearray(ORIGINAL)
    memory[0] ^= 0x55                                 # CMem is the single byte $55
    state = SavedState(1, b"000000", 0, 0x500, bytes(memory), [])
    data = encode(state, ORIGINAL)
    found = {cid: body for cid, _, body in chunks_of(data)}
    assert found[b"CMem"] == b"\x55"
    assert decode(data, ORIGINAL) == state


def test_cmem_compresses_long_zero_runs():
    """600 unchanged bytes: 256 + 256 + 88, i.e. (0, 255) (0, 255) (0, 87)."""
    memory = bytearray(ORIGINAL)
    memory[600] ^= 0x42
    memory[601] ^= 0x01
    state = SavedState(1, b"000000", 0, 0x500, bytes(memory), [])
    data = encode(state, ORIGINAL)
    found = {cid: body for cid, _, body in chunks_of(data)}
    assert found[b"CMem"] == bytes([0, 255, 0, 255, 0, 87, 0x42, 0x01])
    assert decode(data, ORIGINAL).memory == bytes(memory)


def test_cmem_run_of_exactly_256():
    memory = bytearray(ORIGINAL)
    memory[256] ^= 9
    data = encode(SavedState(1, b"000000", 0, 0, bytes(memory), []), ORIGINAL)
    found = {cid: body for cid, _, body in chunks_of(data)}
    assert found[b"CMem"] == bytes([0, 255, 9])


def test_unchanged_memory_has_empty_cmem():
    data = encode(SavedState(1, b"000000", 0, 0, ORIGINAL, []), ORIGINAL)
    found = {cid: body for cid, _, body in chunks_of(data)}
    assert found[b"CMem"] == b""
    assert decode(data, ORIGINAL).memory == ORIGINAL


frames_st = st.lists(
    st.builds(StackFrame,
              return_pc=st.integers(0, 0xFFFFFF),
              locals=st.lists(st.integers(0, 0xFFFF), max_size=15),
              stack=st.lists(st.integers(0, 0xFFFF), max_size=20),
              store=st.one_of(st.none(), st.integers(0, 255)),
              argc=st.integers(0, 7)),
    max_size=6)


@settings(max_examples=80, deadline=None)
@given(st.binary(min_size=1, max_size=700).flatmap(
           lambda orig: st.tuples(st.just(orig), st.lists(
               st.tuples(st.integers(0, len(orig) - 1), st.integers(1, 255)), max_size=20))),
       frames_st, st.integers(0, 0xFFFF), st.binary(min_size=6, max_size=6),
       st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFF))
def test_round_trip_property(orig_changes, frames, release, serial, checksum, pc):
    original, changes = orig_changes
    memory = bytearray(original)
    for a, x in changes:
        memory[a] ^= x
    state = SavedState(release, serial, checksum, pc, bytes(memory), frames)
    data = encode(state, original)
    back = decode(data, original)
    assert back == state
    assert encode(back, original) == data
    chunks_of(data)                                   # a well-formed IFF


# -- decode: reading files others wrote ----------------------------------------------------


def test_decode_umem():
    memory = bytearray(ORIGINAL)
    memory[5] = 0
    data = form(chunk(b"IFhd", ifhd()), chunk(b"UMem", bytes(memory)),
                chunk(b"Stks", frame(0, [], [3])))
    state = decode(data, ORIGINAL)
    assert state.memory == bytes(memory)
    assert state.release == 88 and state.serial == b"840726"
    assert state.checksum == 0x1234 and state.pc == 0x4F05
    assert state.frames == [StackFrame(0, [], [3], None, 0)]


def test_decode_hand_made_cmem_and_frames():
    data = form(chunk(b"IFhd", ifhd()),
                chunk(b"CMem", bytes([0, 2, 0xFF, 0, 0, 0x0F])),
                chunk(b"Stks", frame(0, [], []) + frame(0x1234, [1, 2, 3], [4], store=7,
                                                       argc=2)))
    state = decode(data, ORIGINAL)
    expected = bytearray(ORIGINAL)
    expected[3] ^= 0xFF           # 3 zeros, then $FF
    expected[5] ^= 0x0F           # 1 zero, then $0F
    assert state.memory == bytes(expected)
    assert state.frames[1] == StackFrame(0x1234, [1, 2, 3], [4], 7, 2)


def test_unknown_chunks_are_skipped():
    data = form(chunk(b"ANNO", b"odd text"[:7]),
                chunk(b"IFhd", ifhd()),
                chunk(b"XYZW", b"\x01\x02\x03"),
                chunk(b"CMem", b"\x01"),
                chunk(b"Stks", frame(0, [], [])),
                chunk(b"(c) ", b"x"))
    state = decode(data, ORIGINAL)
    assert state.memory[0] == ORIGINAL[0] ^ 1
    assert state.pc == 0x4F05


def test_cmem_run_to_exact_end_is_accepted():
    data = form(chunk(b"IFhd", ifhd()), chunk(b"CMem", bytes([0, 255] * 4)),
                chunk(b"Stks", b""))
    assert decode(data, ORIGINAL).memory == ORIGINAL          # 4 * 256 = $400


def refuse(data: bytes, original: bytes = ORIGINAL) -> str:
    with pytest.raises(SaveError) as info:
        decode(data, original)
    return str(info.value)


GOOD = form(chunk(b"IFhd", ifhd()), chunk(b"CMem", b"\x01"), chunk(b"Stks", frame(0, [], [])))


def test_good_reference_decodes():
    assert decode(GOOD, ORIGINAL).memory[0] == ORIGINAL[0] ^ 1


@pytest.mark.parametrize("data", [
    b"",
    b"FORM",
    b"RIFF" + GOOD[4:],
    GOOD[:8] + b"IFRS" + GOOD[12:],
    b"FORM\x00\x00\x00\x04IFZS"[:11],
])
def test_refuses_not_ifzs(data):
    refuse(data)


@pytest.mark.parametrize("cut", [13, 20, 30, len(GOOD) - 3, len(GOOD) - 1])
def test_refuses_truncated(cut):
    refuse(GOOD[:cut])


def test_refuses_chunk_longer_than_form():
    bad = bytearray(GOOD)
    bad[16:20] = struct.pack(">I", 1000)              # IFhd claims 1000 bytes
    refuse(bytes(bad))


def test_refuses_missing_ifhd():
    data = form(chunk(b"CMem", b""), chunk(b"Stks", frame(0, [], [])))
    assert "IFhd" in refuse(data)


def test_refuses_missing_stks():
    data = form(chunk(b"IFhd", ifhd()), chunk(b"CMem", b""))
    assert "Stks" in refuse(data)


def test_refuses_missing_memory():
    refuse(form(chunk(b"IFhd", ifhd()), chunk(b"Stks", b"")))


def test_refuses_short_ifhd():
    refuse(form(chunk(b"IFhd", ifhd()[:10]), chunk(b"CMem", b""), chunk(b"Stks", b"")))


def test_refuses_truncated_stks_frame():
    """A frame claiming 3 locals but holding one: the stack cannot be rebuilt."""
    good = frame(0, [], [7])
    bad = frame(0x1234, [1, 2, 3], [], store=1)[:-4]
    refuse(form(chunk(b"IFhd", ifhd()), chunk(b"CMem", b""), chunk(b"Stks", good + bad)))


@pytest.mark.parametrize("cmem", [
    bytes([0, 255] * 4 + [1]),              # $400 zeros then one more byte
    bytes([0, 255] * 5),                    # a run past the end
    bytes([1]) * 0x401,                     # more bytes than memory
    bytes([0, 255] * 3 + [0]),              # ends inside a run's count
])
def test_refuses_cmem_longer_than_memory(cmem):
    refuse(form(chunk(b"IFhd", ifhd()), chunk(b"CMem", cmem), chunk(b"Stks", b"")))


@pytest.mark.parametrize("size", [0, 0x3FF, 0x401])
def test_refuses_umem_of_wrong_size(size):
    data = form(chunk(b"IFhd", ifhd()), chunk(b"UMem", bytes(size)), chunk(b"Stks", b""))
    refuse(data)
