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

For version 6 stories (Blorb sections 2.3 and 11): ``--rect N WxH`` adds a
placeholder picture ('Rect'), ``--release N`` a 'RelN' chunk, ``--adaptive N``
lists picture N in an 'APal' chunk, and ``--reso PXxPY`` with
``--scale N STD MIN MAX`` (ratios as ``a/b``, ``0`` for no limit) writes a
'Reso' chunk. With no story (``-``) the file is a resource file to put
beside a bare story as ``STORY.blb``.

As a library: ``build(story, ifmd=..., pictures={N: bytes}, sounds={N: bytes},
rects={N: (w, h)}, release=N, adaptive=[N], reso=Reso(...))`` returns the
bytes; ``exec_type``, ``pict_chunks`` ({N: (type, bytes)}, written as they
are) and ``extra`` (more (type, bytes) chunks) allow odd files for tests,
and ``story=None`` leaves the 'Exec' out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dataclasses import dataclass, field
from fractions import Fraction

from construct import Array, Bytes, GreedyRange, Int16ub, Int32ub, Struct, this

from zvm.story.iff import form

Form = form(b"IFRS")

RIdx = Struct(
    "count" / Int32ub,
    "entries" / Array(this.count, Struct("usage" / Bytes(4), "number" / Int32ub,
                                         "start" / Int32ub)),
)

FORM_HEADER = 12                       # 'FORM', length, 'IFRS'

RESO = Struct(
    "px" / Int32ub, "py" / Int32ub, "minx" / Int32ub, "miny" / Int32ub,
    "maxx" / Int32ub, "maxy" / Int32ub,
    "entries" / GreedyRange(Struct(
        "number" / Int32ub, "ratnum" / Int32ub, "ratden" / Int32ub, "minnum" / Int32ub,
        "minden" / Int32ub, "maxnum" / Int32ub, "maxden" / Int32ub)),
)
RECT = Struct("width" / Int32ub, "height" / Int32ub)


@dataclass
class Reso:
    """A 'Reso' chunk (Blorb 11.2): the standard, minimum and maximum window
    sizes ((0, 0): no limit) and each scalable picture's (standard, minimum,
    maximum) ratios, a ratio being a Fraction or None (no limit)."""

    standard: tuple[int, int]
    minimum: tuple[int, int] = (0, 0)
    maximum: tuple[int, int] = (0, 0)
    scaling: dict[int, tuple] = field(default_factory=dict)

    def build(self) -> bytes:
        def frac(r: Fraction | int | None) -> tuple[int, int]:
            if r is None:
                return 0, 0
            r = Fraction(r)
            return r.numerator, r.denominator
        entries = []
        for number, (std, low, high) in sorted(self.scaling.items()):
            (rn, rd), (mn, md), (xn, xd) = frac(std), frac(low), frac(high)
            entries.append(dict(number=number, ratnum=rn, ratden=rd, minnum=mn, minden=md,
                                maxnum=xn, maxden=xd))
        (px, py), (minx, miny), (maxx, maxy) = self.standard, self.minimum, self.maximum
        return RESO.build(dict(px=px, py=py, minx=minx, miny=miny, maxx=maxx, maxy=maxy,
                               entries=entries))


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
          rects: dict[int, tuple[int, int]] | None = None, release: int | None = None,
          adaptive: list[int] | None = None, reso: Reso | None = None,
          exec_type: bytes = b"ZCOD",
          pict_chunks: dict[int, tuple[bytes, bytes]] | None = None,
          extra: list[tuple[bytes, bytes]] | None = None) -> bytes:
    """The bytes of a Blorb file holding the given story and resources."""
    resources: list[tuple[bytes, int, bytes, bytes]] = []   # usage, number, type, data
    if story is not None:
        resources.append((b"Exec", 0, exec_type, bytes(story)))
    picts = {n: (picture_type(data), data) for n, data in (pictures or {}).items()}
    picts.update({n: (b"Rect", RECT.build(dict(width=w, height=h)))
                  for n, (w, h) in (rects or {}).items()})
    picts.update(pict_chunks or {})
    for number, (kind, data) in sorted(picts.items()):
        resources.append((b"Pict", number, kind, data))
    for number, data in sorted((sounds or {}).items()):
        kind, body = sound_chunk(data)
        resources.append((b"Snd ", number, kind, body))
    others: list[tuple[bytes, bytes]] = []
    if release is not None:
        others.append((b"RelN", Int16ub.build(release)))
    if reso is not None:
        others.append((b"Reso", reso.build()))
    if adaptive is not None:
        others.append((b"APal", b"".join(Int32ub.build(n) for n in sorted(adaptive))))
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


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


def _ratio(text: str) -> Fraction | None:
    return None if text == "0" else Fraction(text)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="blorb.py", description="Write a Z-code Blorb file.")
    p.add_argument("out", help="the Blorb file to write (.zblorb, or .blb for a resource file)")
    p.add_argument("story", help="the Z-code story file, or - for none (a resource file)")
    p.add_argument("--ifmd", metavar="FILE", help="iFiction XML metadata to include")
    p.add_argument("--pict", nargs=2, action="append", default=[], metavar=("N", "FILE"),
                   help="a picture resource N from a PNG or JPEG file (repeatable)")
    p.add_argument("--rect", nargs=2, action="append", default=[], metavar=("N", "WxH"),
                   help="a placeholder picture N of the given size (repeatable)")
    p.add_argument("--snd", nargs=2, action="append", default=[], metavar=("N", "FILE"),
                   help="a sound resource N from an Ogg, AIFF or MOD file (repeatable)")
    p.add_argument("--release", type=int, help="the resources' release number (RelN)")
    p.add_argument("--adaptive", type=int, action="append", metavar="N",
                   help="picture N takes the current palette (APal; repeatable)")
    p.add_argument("--reso", metavar="PXxPY", help="the standard window size (Reso)")
    p.add_argument("--scale", nargs=4, action="append", default=[],
                   metavar=("N", "STD", "MIN", "MAX"),
                   help="picture N is scalable with these ratios (a/b; 0 = no limit)")
    args = p.parse_args(argv)
    try:
        story = None if args.story == "-" else Path(args.story).read_bytes()
        ifmd = Path(args.ifmd).read_bytes() if args.ifmd else None
        pictures = {int(n): Path(f).read_bytes() for n, f in args.pict}
        rects = {int(n): _size(size) for n, size in args.rect}
        sounds = {int(n): Path(f).read_bytes() for n, f in args.snd}
        if args.scale and not args.reso:
            raise ValueError("--scale needs --reso")
        reso = None
        if args.reso:
            reso = Reso(_size(args.reso), scaling={
                int(n): (Fraction(std), _ratio(low), _ratio(high))
                for n, std, low, high in args.scale})
        data = build(story, ifmd=ifmd, pictures=pictures, sounds=sounds, rects=rects,
                     release=args.release, adaptive=args.adaptive, reso=reso)
        Path(args.out).write_bytes(data)
    except (OSError, ValueError, ZeroDivisionError) as e:
        sys.stderr.write(f"blorb.py: {e}\n")
        return 1
    count = (story is not None) + len(pictures) + len(rects) + len(sounds)
    print(f"{args.out}: {len(data)} bytes, {count} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
