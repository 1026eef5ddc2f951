"""Quetzal 1.4 saved states (IFZS), the one serializer for disk saves,
undo snapshots and in-memory state (the Quetzal standard, §5-§6 and §8).

A ``SavedState`` is what the machine needs to resume: the story's identity
(IFhd), dynamic memory, and the frames of the call stack (Stks). Memory is
written as CMem (XOR against the original story, zero runs compressed) and
read from CMem or UMem. Chunks we do not know are skipped on reading.
"""

from __future__ import annotations

import re

from construct import (Array, Bytes, ConstructError, GreedyRange, Int8ub, Int16ub, Int24ub,
                       StreamError, Struct, Terminated, this)

from zvm.story.iff import form
from zvm.story.state import (ZVM_BUFFERS, ZVM_DONE, ZVM_RNG, ZVM_TURN,  # noqa: F401
                             SavedState, StackFrame)


_ZERO_RUNS = re.compile(b"\x00+")



class SaveError(Exception):
    """A saved state that cannot be used: message says why."""


Form = form(b"IFZS")

IFhd = Struct(
    "release" / Int16ub,
    "serial" / Bytes(6),
    "checksum" / Int16ub,
    "pc" / Int24ub,
)

Frame = Struct(
    "pc" / Int24ub,
    "flags" / Int8ub,
    "store" / Int8ub,
    "args" / Int8ub,
    "nstack" / Int16ub,
    "locals" / Array(this.flags & 15, Int16ub),
    "stack" / Array(this.nstack, Int16ub),
)

# Every byte of the chunk must belong to a frame: a frame cut short is an
# error, not the end of the list.
Stks = Struct("frames" / GreedyRange(Frame), Terminated)


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
    frames = []
    for f in state.frames:
        flags = len(f.locals) | (0x10 if f.store is None else 0)
        frames.append(dict(pc=f.return_pc, flags=flags,
                           store=0 if f.store is None else f.store,
                           args=(1 << f.argc) - 1, nstack=len(f.stack),
                           locals=f.locals, stack=f.stack))
    chunks = [
        dict(id=b"IFhd", data=IFhd.build(dict(release=state.release, serial=state.serial,
                                             checksum=state.checksum, pc=state.pc))),
        dict(id=b"CMem", data=_compress(state.memory, original)),
        dict(id=b"Stks", data=Stks.build(dict(frames=frames))),
    ] + [dict(id=cid, data=data) for cid, data in state.extra.items()]
    return Form.build(dict(body=dict(chunks=chunks)))


def decode(data: bytes, original: bytes) -> SavedState:
    """Read IFZS bytes; SaveError when they are not a usable save."""
    if len(data) < 12 or data[:4] != b"FORM" or data[8:12] != b"IFZS":
        raise SaveError("not a Quetzal save file")
    try:
        form = Form.parse(data)
    except (ConstructError, StreamError) as e:
        raise SaveError(f"corrupt save file ({type(e).__name__})") from None
    chunks = {}
    for c in form.body.chunks:
        chunks.setdefault(c.id, c.data)
    if b"IFhd" not in chunks or b"Stks" not in chunks:
        raise SaveError("save file lacks its IFhd or Stks chunk")
    try:
        hd = IFhd.parse(chunks[b"IFhd"])
        frames_raw = Stks.parse(chunks[b"Stks"]).frames
    except (ConstructError, StreamError):
        raise SaveError("corrupt save file (IFhd or Stks)") from None
    if b"CMem" in chunks:
        memory = _decompress(chunks[b"CMem"], original)
    elif b"UMem" in chunks:
        memory = chunks[b"UMem"]
        if len(memory) != len(original):
            raise SaveError("UMem chunk does not match the story's dynamic memory")
    else:
        raise SaveError("save file holds no memory chunk")
    frames = []
    for f in frames_raw:
        argc = 0
        while f.args & (1 << argc):
            argc += 1
        frames.append(StackFrame(return_pc=f.pc, locals=list(f.locals), stack=list(f.stack),
                                 store=None if f.flags & 0x10 else f.store, argc=argc))
    extra = {cid: data for cid, data in chunks.items()
             if cid not in (b"IFhd", b"CMem", b"UMem", b"Stks")}
    return SavedState(release=hd.release, serial=bytes(hd.serial), checksum=hd.checksum,
                      pc=hd.pc, memory=bytes(memory), frames=frames, extra=extra)
