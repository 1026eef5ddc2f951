"""Quetzal 1.4 saved states (IFZS), the one serializer for disk saves,
undo snapshots and in-memory state (the Quetzal standard, §3-§6 and §8).

A ``SavedState`` is what the machine needs to resume: the story's identity
(IFhd), dynamic memory, and the frames of the call stack (Stks). Memory is
written as CMem (XOR against the original story, zero runs compressed) and
read from CMem or UMem. Chunks we do not know are skipped on reading.

A save is checked whole before anything uses it (``decode`` with the
story's size, or ``validate``): the PC and every return address inside the
story, at most ``MAX_FRAMES`` callers, at most 15 locals a frame (§5.2).
Reading stops at the first frame over the limit, so a chunk of a million
empty frames is refused as quickly as a good save is read. Quetzal has no
checksum of its own (a changed byte of memory is still a valid save): zvm
ends each save it writes with one (``ZVM_CHECK``, a chunk others skip),
and refuses a save whose chunks no longer match it.
"""

from __future__ import annotations

import re
import struct
import zlib

from construct import Bytes, ConstructError, Int16ub, Int24ub, StreamError, Struct

from zvm.story.iff import CHUNK_HEADER, FORM_HEADER, form
from zvm.story.state import (ZVM_BUFFERS, ZVM_CHECK, ZVM_DONE, ZVM_RNG,  # noqa: F401
                             ZVM_TURN, MAX_FRAMES, SavedState, StackFrame)


_ZERO_RUNS = re.compile(b"\x00+")

MAX_LOCALS = 15                    # §5.2
_FRAME_HEAD = struct.Struct(">BBBH")   # after the 3-byte PC: flags, store, args, stack words



class SaveError(Exception):
    """A saved state that cannot be used: message says why."""


Form = form(b"IFZS")

IFhd = Struct(
    "release" / Int16ub,
    "serial" / Bytes(6),
    "checksum" / Int16ub,
    "pc" / Int24ub,
)


def _compress(memory: bytes, original: bytes) -> bytes:
    """CMem (Quetzal §3.2): memory XOR the original, each run of zero bytes
    written as 0 and (length - 1), at most 256 a pair; trailing zeros left
    out. The XOR is one big-integer operation and the runs one regex scan,
    so a snapshot every step stays cheap."""
    n = len(memory)
    xor = (int.from_bytes(memory, "big") ^ int.from_bytes(original[:n], "big")).to_bytes(n, "big")
    out = bytearray()
    pos = 0
    for run in _ZERO_RUNS.finditer(xor):
        out += xor[pos:run.start()]
        pos = run.end()
        if pos == n:
            return bytes(out)
        zeros = pos - run.start()
        while zeros:
            k = min(zeros, 256)
            out += bytes((0, k - 1))
            zeros -= k
    out += xor[pos:]
    return bytes(out)


def _decompress(data: bytes, original: bytes) -> bytes:
    out = bytearray(original)
    i = a = 0
    n = len(data)
    while i < n:
        b = data[i]
        i += 1
        if b == 0:
            if i >= n:
                raise SaveError("CMem chunk ends inside a run of zeros")
            a += data[i] + 1
            i += 1
        else:
            if a >= len(out):
                raise SaveError("CMem chunk is longer than dynamic memory")
            out[a] ^= b
            a += 1
    if a > len(out):
        raise SaveError("CMem chunk is longer than dynamic memory")
    return bytes(out)


def encode(state: SavedState, original: bytes) -> bytes:
    """The IFZS bytes for state; original is the story's dynamic memory."""
    chunks = [
        dict(id=b"IFhd", data=IFhd.build(dict(release=state.release, serial=state.serial,
                                             checksum=state.checksum, pc=state.pc))),
        dict(id=b"CMem", data=_compress(state.memory, original)),
        dict(id=b"Stks", data=_encode_frames(state.frames)),
    ] + [dict(id=cid, data=data) for cid, data in state.extra.items() if cid != ZVM_CHECK]
    data = Form.build(dict(body=dict(chunks=chunks)))
    check = (CHUNK_HEADER.build(dict(id=ZVM_CHECK, length=4))
             + zlib.crc32(data[12:]).to_bytes(4, "big"))
    head = FORM_HEADER.build(dict(magic=b"FORM", length=len(data) - 8 + len(check), type=b"IFZS"))
    return head + data[12:] + check


def _check(data: bytes, chunks: list) -> None:
    """SaveError when zvm's checksum chunk does not match the chunks before
    it (the form's bytes from the first chunk to it); nothing without one."""
    at = 12
    for c in chunks:
        if c.id == ZVM_CHECK:
            if len(c.data) != 4 or zlib.crc32(data[12:at]) != int.from_bytes(c.data, "big"):
                raise SaveError("the file was damaged after zvm saved it "
                                "(its checksum does not match)")
            return
        at += 8 + len(c.data) + (len(c.data) & 1)


def _encode_frames(frames: list[StackFrame]) -> bytes:
    """Stks (Quetzal §4.3): per frame the return PC (3 bytes), flags (locals
    count; bit 4: result discarded), store variable, arguments supplied (a
    bit each), stack size in words, then the locals and the stack."""
    out = bytearray()
    for f in frames:
        if len(f.locals) > MAX_LOCALS:
            raise SaveError(f"a frame with {len(f.locals)} locals (at most {MAX_LOCALS})")
        words = list(f.locals) + list(f.stack)
        out += (f.return_pc & 0xFFFFFF).to_bytes(3, "big")
        out += _FRAME_HEAD.pack(len(f.locals) | (0x10 if f.store is None else 0),
                                0 if f.store is None else f.store & 255,
                                ((1 << f.argc) - 1) & 255, len(f.stack))
        out += struct.pack(f">{len(words)}H", *(w & 0xFFFF for w in words))
    return bytes(out)


def _decode_frames(data: bytes, max_frames: int) -> list[StackFrame]:
    """The frames of a Stks chunk, every byte belonging to one; SaveError
    as soon as there are more than max_frames + 1 (the dummy frame)."""
    frames: list[StackFrame] = []
    pos, end = 0, len(data)
    while pos < end:
        if len(frames) > max_frames:
            raise SaveError(f"the call stack is deeper than {max_frames} routines")
        if pos + 8 > end:
            raise SaveError("the Stks chunk ends inside a frame")
        flags, store, args, nstack = _FRAME_HEAD.unpack_from(data, pos + 3)
        nlocals = flags & 15
        stop = pos + 8 + 2 * (nlocals + nstack)
        if stop > end:
            raise SaveError("the Stks chunk ends inside a frame")
        words = struct.unpack_from(f">{nlocals + nstack}H", data, pos + 8)
        argc = 0
        while args & (1 << argc):
            argc += 1
        if args != (1 << argc) - 1:              # arguments are given first to last (§6.4.3)
            raise SaveError(f"frame {len(frames)} was given arguments out of order "
                            f"(flags ${args:02x})")
        frames.append(StackFrame(return_pc=int.from_bytes(data[pos:pos + 3], "big"),
                                 locals=list(words[:nlocals]), stack=list(words[nlocals:]),
                                 store=None if flags & 0x10 else store, argc=argc))
        pos = stop
    return frames


def validate(state: SavedState, story_size: int, dynamic_size: int | None = None,
             max_frames: int = MAX_FRAMES, code: bytes | bytearray | None = None) -> None:
    """SaveError unless the machine can resume from state: the PC and each
    frame's return address inside the story (past the 64-byte header), no
    more than max_frames routines waiting, at most 15 locals a frame
    (§5.2), store variables that exist (0-255), and dynamic memory of the
    story's size. With the story's ``code``, a frame that stores its
    result stores where the call it returns to says: the call's last byte,
    just before the return address (§4.6). Bounded by the size of state."""
    if dynamic_size is not None and len(state.memory) != dynamic_size:
        raise SaveError("its memory does not match the story's dynamic memory")
    if not 0x40 <= state.pc < story_size:
        raise SaveError(f"its PC ${state.pc:x} lies outside the story")
    if len(state.frames) > max_frames + 1:
        raise SaveError(f"the call stack is deeper than {max_frames} routines")
    for i, f in enumerate(state.frames):
        if len(f.locals) > MAX_LOCALS:
            raise SaveError(f"frame {i} has {len(f.locals)} locals (at most {MAX_LOCALS})")
        if f.store is not None and not 0 <= f.store <= 255:
            raise SaveError(f"frame {i} stores its result in variable {f.store}")
        if not 0 <= f.argc <= 7:
            raise SaveError(f"frame {i} was given {f.argc} arguments (at most 7)")
        # The dummy frame (the first) has no caller to return to (Quetzal §4.11).
        if i and not 0x40 <= f.return_pc < story_size:
            raise SaveError(f"frame {i} returns to ${f.return_pc:x}, outside the story")
        if i and code is not None and f.store is not None:
            at = f.return_pc - 1
            byte = state.memory[at] if at < len(state.memory) else code[at]
            if byte != f.store:
                raise SaveError(f"frame {i} stores its result in variable {f.store}, where "
                                f"the call it returns to stores in {byte}")


def decode(data: bytes, original: bytes, story_size: int | None = None,
           max_frames: int = MAX_FRAMES, code: bytes | bytearray | None = None) -> SavedState:
    """Read IFZS bytes; SaveError when they are not a usable save. With the
    story's size, the state is also validated (``validate``) as a whole."""
    if len(data) < 12 or data[:4] != b"FORM" or data[8:12] != b"IFZS":
        raise SaveError("not a Quetzal save file")
    try:
        form = Form.parse(data)
    except (ConstructError, StreamError) as e:
        raise SaveError(f"corrupt save file ({type(e).__name__})") from None
    _check(data, form.body.chunks)
    chunks: dict[bytes, bytes] = {}
    for c in form.body.chunks:
        chunks.setdefault(c.id, c.data)
    if b"IFhd" not in chunks or b"Stks" not in chunks:
        raise SaveError("save file lacks its IFhd or Stks chunk")
    try:
        hd = IFhd.parse(chunks[b"IFhd"])
    except (ConstructError, StreamError):
        raise SaveError("corrupt save file (IFhd)") from None
    frames = _decode_frames(chunks[b"Stks"], max_frames)
    if b"CMem" in chunks:
        memory = _decompress(chunks[b"CMem"], original)
    elif b"UMem" in chunks:
        memory = chunks[b"UMem"]
        if len(memory) != len(original):
            raise SaveError("UMem chunk does not match the story's dynamic memory")
    else:
        raise SaveError("save file holds no memory chunk")
    extra = {cid: data for cid, data in chunks.items()
             if cid not in (b"IFhd", b"CMem", b"UMem", b"Stks", ZVM_CHECK)}
    state = SavedState(release=hd.release, serial=bytes(hd.serial), checksum=hd.checksum,
                       pc=hd.pc, memory=bytes(memory), frames=frames, extra=extra)
    if story_size is not None:
        validate(state, story_size, len(original), max_frames, code)
    return state
