"""IFF chunks as Quetzal saves and Blorb files hold them (EA IFF 85):
a four-byte id, a big-endian length, the data, and a pad byte after data
of odd length. ``form(kind)`` is a FORM of that kind whose chunks must fill
it exactly (Quetzal reads a save whole this way); ``FORM_HEADER`` and
``CHUNK_HEADER`` are the headers alone, for a reader that goes from chunk
to chunk by offset (Blorb's resource index points into the file)."""

from __future__ import annotations

from construct import (Bytes, Const, GreedyBytes, GreedyRange, If, Int32ub, Padding,
                       Prefixed, Struct, Terminated)

FORM_HEADER = Struct("magic" / Bytes(4), "length" / Int32ub, "type" / Bytes(4))
CHUNK_HEADER = Struct("id" / Bytes(4), "length" / Int32ub)

Chunk = Struct(
    "id" / Bytes(4),
    "data" / Prefixed(Int32ub, GreedyBytes),
    If(lambda ctx: len(ctx.data) % 2 == 1, Padding(1)),
)


def form(kind: bytes) -> Struct:
    return Struct(
        Const(b"FORM"),
        "body" / Prefixed(Int32ub, Struct(Const(kind), "chunks" / GreedyRange(Chunk),
                                          Terminated)),
    )
