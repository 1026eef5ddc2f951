#!/usr/bin/env python3
"""Write a Blorb file (Blorb 2.0.4: an IFF FORM of type IFRS).

Usage:
    python3 tools/blorb.py OUT.zblorb STORY.z5 [--ifmd FILE.xml]
                           [--pict N FILE.png|.jpg ...] [--snd N FILE.ogg|.aiff|.mod ...]

The FORM holds, in order: the resource index ('RIdx', first, as the spec
requires), the story as the 'Exec' resource number 0 (chunk 'ZCOD'), the
pictures ('Pict', chunk 'PNG ' or 'JPEG' by content) and sounds ('Snd ',
chunk 'OGGV', 'MOD ' or an AIFF 'FORM'), then the iFiction metadata
('IFmd') if given. Every chunk's length excludes its 8-byte header, and an
odd-length chunk is followed by one zero pad byte ("The IFF Format").

As a library: ``build(story, ifmd=..., pictures={N: bytes}, sounds={N: bytes})``
returns the bytes; ``exec_type`` and ``extra`` (more (type, bytes) chunks)
allow odd files for tests, and ``story=None`` leaves the 'Exec' out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from construct import Array, Bytes, Int32ub, Struct, this

from zvm.story.iff import form

Form = form(b"IFRS")

RIdx = Struct(
    "count" / Int32ub,
    "entries" / Array(this.count, Struct("usage" / Bytes(4), "number" / Int32ub,
                                         "start" / Int32ub)),
)

FORM_HEADER = 12                       # 'FORM', length, 'IFRS'


def picture_type(data: bytes) -> bytes:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return b"PNG "
    if data[:3] == b"\xff\xd8\xff":
        return b"JPEG"
    raise ValueError("a picture must be a PNG or a JPEG file")


def sound_chunk(data: bytes) -> tuple[bytes, bytes]:
    """(chunk type, chunk data) of a sound file. An AIFF file is itself an
    IFF FORM, so it becomes a 'FORM' chunk holding the rest of the file."""
    if data[:4] == b"FORM" and data[8:12] in (b"AIFF", b"AIFC"):
        return b"FORM", data[8:8 + int.from_bytes(data[4:8], "big")]
    if data[:4] == b"OggS":
        return b"OGGV", data
    return b"MOD ", data


def build(story: bytes | None, *, ifmd: str | bytes | None = None,
          pictures: dict[int, bytes] | None = None, sounds: dict[int, bytes] | None = None,
          exec_type: bytes = b"ZCOD",
          extra: list[tuple[bytes, bytes]] | None = None) -> bytes:
    """The bytes of a Blorb file holding the given story and resources."""
    resources: list[tuple[bytes, int, bytes, bytes]] = []   # usage, number, type, data
    if story is not None:
        resources.append((b"Exec", 0, exec_type, bytes(story)))
    for number, data in sorted((pictures or {}).items()):
        resources.append((b"Pict", number, picture_type(data), data))
    for number, data in sorted((sounds or {}).items()):
        kind, body = sound_chunk(data)
        resources.append((b"Snd ", number, kind, body))
    others: list[tuple[bytes, bytes]] = []
    if ifmd is not None:
        others.append((b"IFmd", ifmd.encode("utf-8") if isinstance(ifmd, str) else ifmd))
    others += extra or []

    # The index comes first, so the resources start after it.
    at = FORM_HEADER + 8 + 4 + 12 * len(resources)
    entries = []
    for usage, number, _kind, data in resources:
        entries.append(dict(usage=usage, number=number, start=at))
        at += 8 + len(data) + (len(data) & 1)
    index = RIdx.build(dict(count=len(entries), entries=entries))
    chunks = [dict(id=b"RIdx", data=index)]
    chunks += [dict(id=kind, data=data) for _usage, _number, kind, data in resources]
    chunks += [dict(id=kind, data=data) for kind, data in others]
    return Form.build(dict(body=dict(chunks=chunks)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="blorb.py", description="Write a Z-code Blorb file.")
    p.add_argument("out", help="the Blorb file to write (.zblorb)")
    p.add_argument("story", help="the Z-code story file")
    p.add_argument("--ifmd", metavar="FILE", help="iFiction XML metadata to include")
    p.add_argument("--pict", nargs=2, action="append", default=[], metavar=("N", "FILE"),
                   help="a picture resource N from a PNG or JPEG file (repeatable)")
    p.add_argument("--snd", nargs=2, action="append", default=[], metavar=("N", "FILE"),
                   help="a sound resource N from an Ogg, AIFF or MOD file (repeatable)")
    args = p.parse_args(argv)
    try:
        story = Path(args.story).read_bytes()
        ifmd = Path(args.ifmd).read_bytes() if args.ifmd else None
        pictures = {int(n): Path(f).read_bytes() for n, f in args.pict}
        sounds = {int(n): Path(f).read_bytes() for n, f in args.snd}
        data = build(story, ifmd=ifmd, pictures=pictures, sounds=sounds)
        Path(args.out).write_bytes(data)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"blorb.py: {e}\n")
        return 1
    print(f"{args.out}: {len(data)} bytes, {1 + len(pictures) + len(sounds)} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
