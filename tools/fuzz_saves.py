"""Saved games for the fuzz harness (``zvm.tools.fuzz``): valid Quetzal
saves made by playing a story, then damaged at random or crafted to break
one rule of the Quetzal standard at a time (IFhd §5, Stks §4, CMem/UMem §3).

The harness's own IFF reading and writing is deliberately independent of
``zvm.story.quetzal``: a fault shared by both would hide itself.
"""

from __future__ import annotations

import os
import random
import subprocess
import tempfile

from zvm.story.state import MAX_FRAMES as CALL_DEPTH   # zvm's call-depth limit
from zvm.story.state import ZVM_CHECK                  # zvm's checksum chunk, last in its saves

# A frame as Quetzal §4.3 lays it out: return PC (3 bytes), flags, store
# variable, arguments supplied, stack words; then locals and stack words.
FRAME_HEAD = 8


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of an IFZS form, as (id, data); [] when it is not one."""
    if len(data) < 12 or data[:4] != b"FORM":
        return []
    out, pos, end = [], 12, min(len(data), 8 + int.from_bytes(data[4:8], "big"))
    while pos + 8 <= end:
        cid, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "big")
        out.append((cid, data[pos + 8:pos + 8 + size]))
        pos += 8 + size + (size & 1)
    return out


def unchecked(save: bytes) -> bytes:
    """The save without zvm's checksum chunk, as another interpreter writes
    it: damage to it reaches the checks of its contents."""
    return build([p for p in chunks(save) if p[0] != ZVM_CHECK])


def build(parts: list[tuple[bytes, bytes]]) -> bytes:
    """An IFZS form of these chunks, every length right (EA IFF 85)."""
    body = bytearray(b"IFZS")
    for cid, data in parts:
        body += cid + len(data).to_bytes(4, "big") + data
        if len(data) & 1:
            body += b"\0"
    return b"FORM" + len(body).to_bytes(4, "big") + bytes(body)


def frames(stks: bytes) -> list[dict]:
    """The frames of a Stks chunk (stops at the first incomplete one)."""
    out, pos = [], 0
    while pos + FRAME_HEAD <= len(stks):
        pc = int.from_bytes(stks[pos:pos + 3], "big")
        flags, store, args = stks[pos + 3], stks[pos + 4], stks[pos + 5]
        nstack = int.from_bytes(stks[pos + 6:pos + 8], "big")
        nlocals = flags & 15
        end = pos + FRAME_HEAD + 2 * (nlocals + nstack)
        if end > len(stks):
            break
        body = stks[pos + FRAME_HEAD:end]
        out.append(dict(pc=pc, flags=flags, store=store, args=args, nstack=nstack,
                        locals=body[:2 * nlocals], stack=body[2 * nlocals:]))
        pos = end
    return out


def frame_bytes(f: dict) -> bytes:
    return (f["pc"].to_bytes(3, "big") + bytes((f["flags"] & 255, f["store"] & 255,
                                                f["args"] & 255))
            + (f["nstack"] & 0xFFFF).to_bytes(2, "big") + f["locals"] + f["stack"])


def replace(parts: list[tuple[bytes, bytes]], cid: bytes,
            data: bytes | None) -> list[tuple[bytes, bytes]]:
    """parts with chunk cid's data replaced (or dropped, data None)."""
    out = [(c, data if c == cid else d) for c, d in parts]
    return [(c, d) for c, d in out if d is not None]


def get(parts: list[tuple[bytes, bytes]], cid: bytes) -> bytes:
    for c, d in parts:
        if c == cid:
            return d
    return b""


# -- making valid saves ---------------------------------------------------
def make_saves(story: str, folder: str, zvm: list[str], seconds: float = 30) -> list[bytes]:
    """Valid saves of story: one taken by the meta-command /save at the first
    prompt (a turn save), one by the game's own save command when it has
    one, and each again without zvm's checksum chunk. Made with zvm itself,
    seeded, so they are the same every time."""
    work = tempfile.mkdtemp(prefix="saves-", dir=folder)
    made = []
    for name, lines in (("turn.qzl", b"look\n/save turn.qzl\n"),
                        ("game.qzl", b"look\nsave\ngame.qzl\n")):
        try:
            subprocess.run([*zvm, "--headless", "--seed", "1", "--save-dir", work, story],
                           input=lines, capture_output=True, timeout=seconds, cwd=work)
        except subprocess.TimeoutExpired:
            continue
        path = os.path.join(work, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
            parts = chunks(data)
            if parts:
                made.append(data)
                if any(cid == ZVM_CHECK for cid, _ in parts):
                    made.append(unchecked(data))
    return made


# -- damaging them ------------------------------------------------------------
def _bad_address(rng: random.Random, story_size: int) -> int:
    return rng.choice([story_size, story_size + 1, story_size + 0x100, 0xFFFFFF, 0x80000,
                       0, 1, 0x3F, rng.randrange(0x1000000)])


def mutate(rng: random.Random, save: bytes, story_size: int) -> tuple[str, bytes]:
    """One structured damage to a valid save: (tag, new bytes). Every tag
    names the rule broken; the harness applies random byte patches besides.
    zvm's checksum is left out: it would refuse every one of them alike."""
    save = unchecked(save)
    parts = chunks(save)
    stks = get(parts, b"Stks")
    fr = frames(stks)
    tag = rng.choice(["ifhd-pc", "frame-pc", "frame-flags", "frame-nstack", "frame-args",
                      "frames-deep", "frames-million", "frames-none", "no-dummy",
                      "stks-cut", "file-cut", "chunk-length", "cmem-garbage", "umem-size",
                      "no-memory", "dup-stks", "form-length", "other-story",
                      "rng-chunk", "turn-marker", "stack-huge"])
    if tag == "ifhd-pc":
        hd = bytearray(get(parts, b"IFhd"))
        if len(hd) >= 13:
            hd[10:13] = _bad_address(rng, story_size).to_bytes(3, "big")
        return tag, build(replace(parts, b"IFhd", bytes(hd)))
    if tag in ("frame-pc", "frame-flags", "frame-nstack", "frame-args") and len(fr) > 1:
        i = rng.randrange(1, len(fr)) if rng.random() < 0.8 else 0
        f = dict(fr[i])
        if tag == "frame-pc":
            f["pc"] = _bad_address(rng, story_size) & 0xFFFFFF
        elif tag == "frame-flags":
            f["flags"] = rng.choice([0x0F, 0x1F, 0xFF, 0xE0 | (f["flags"] & 15),
                                     rng.randrange(256)])
        elif tag == "frame-nstack":
            f["nstack"] = rng.choice([0xFFFF, f["nstack"] + 1, max(0, f["nstack"] - 1), 1000])
        else:
            f["args"] = rng.choice([0xFF, 0x80, 0x7F, 0x55])
        fr[i] = f
        return tag, build(replace(parts, b"Stks", b"".join(frame_bytes(x) for x in fr)))
    if tag == "frames-deep" and fr:
        count = rng.choice([CALL_DEPTH, CALL_DEPTH + 1, CALL_DEPTH + 2, 20000, 70000])
        body = frame_bytes(fr[0]) + frame_bytes(fr[-1]) * count
        return tag, build(replace(parts, b"Stks", body))
    if tag == "frames-million":
        # 1,000,000 empty frames: 8 MB that must be refused quickly.
        return tag, build(replace(parts, b"Stks", bytes(FRAME_HEAD * 1_000_000)))
    if tag == "frames-none":
        return tag, build(replace(parts, b"Stks", b""))
    if tag == "no-dummy" and len(fr) > 1:
        return tag, build(replace(parts, b"Stks", b"".join(frame_bytes(x) for x in fr[1:])))
    if tag == "stks-cut" and stks:
        return tag, build(replace(parts, b"Stks", stks[:rng.randrange(len(stks))]))
    if tag == "file-cut":
        return tag, save[:rng.randrange(len(save))]
    if tag == "chunk-length" and parts:
        # A chunk's length field says more (or less) than there is.
        pos, k, data = 12, rng.randrange(len(parts)), bytearray(save)
        for _cid, d in parts[:k]:
            pos += 8 + len(d) + (len(d) & 1)
        data[pos + 4:pos + 8] = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, len(parts[k][1]) + 2,
                                            max(0, len(parts[k][1]) - 2), 1]).to_bytes(4, "big")
        return tag, bytes(data)
    if tag == "cmem-garbage":
        n = rng.choice([1, 2, 100, 70000])
        junk = bytes(rng.choice([0, 0, 255, rng.randrange(256)]) for _ in range(min(n, 4096)))
        junk = (junk * (n // max(1, len(junk)) + 1))[:n]
        return tag, build(replace(parts, b"CMem", junk))
    if tag == "umem-size":
        size = rng.choice([0, 1, 64, 0x10000, rng.randrange(1, 0x10000)])
        parts = [(b"UMem" if c == b"CMem" else c, bytes(size) if c == b"CMem" else d)
                 for c, d in parts]
        return tag, build(parts)
    if tag == "no-memory":
        return tag, build([(c, d) for c, d in parts if c not in (b"CMem", b"UMem")])
    if tag == "dup-stks" and fr:
        return tag, build(parts + [(b"Stks", frame_bytes(fr[-1]) * 3)])
    if tag == "form-length":
        data = bytearray(save)
        data[4:8] = rng.choice([0, 4, 0xFFFFFFFF, len(save) + 100]).to_bytes(4, "big")
        return tag, bytes(data)
    if tag == "other-story":
        hd = bytearray(get(parts, b"IFhd"))
        if len(hd) >= 8:
            hd[2:8] = b"999999"
        return tag, build(replace(parts, b"IFhd", bytes(hd)))
    if tag == "rng-chunk":
        junk = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 5, 9, 64])))
        return tag, build([(c, d) for c, d in parts if c != b"ZVMr"] + [(b"ZVMr", junk)])
    if tag == "turn-marker":
        # A game's save read as a turn save (its PC then names a store
        # byte, not an instruction), or a turn save read as a game's.
        if get(parts, b"ZVMm"):
            return tag, build([(c, d) for c, d in parts if c != b"ZVMm"])
        return tag, build(parts + [(b"ZVMm", b"\x01")])
    if tag == "stack-huge" and fr:
        f = dict(fr[-1])
        f["nstack"], f["stack"] = 0xFFFF, bytes(2 * 0xFFFF)
        return tag, build(replace(parts, b"Stks", b"".join(frame_bytes(x) for x in fr[:-1])
                                  + frame_bytes(f) * rng.choice([1, 4])))
    return "random-bytes", save


def random_patches(rng: random.Random, data: bytes, count: int,
                   start: int = 12) -> list[tuple[int, int]]:
    """count (offset, byte) changes at random places from start on."""
    if len(data) <= start:
        return []
    return sorted({rng.randrange(start, len(data)): rng.randrange(256)
                   for _ in range(count)}.items())


def dead_pid() -> int:
    """The id of a process that has ended (for planting a stale temporary
    file as a killed zvm would leave it)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def stale_names(rng: random.Random) -> list[str]:
    """Names of temporary files a killed zvm leaves beside a save:
    zvm.story.files names them ``.zvm-PID-XXXXXXXX.tmp``; older versions
    ``.zvm-XXXXXXXX.tmp`` (the harness dates every planted file two hours back)."""
    letters = "abcdefghijklmnopqrstuvwxyz0123456789_"
    names = [f".zvm-{dead_pid()}-{''.join(rng.choice(letters) for _ in range(8))}.tmp"
             for _ in range(rng.randrange(1, 4))]
    # One an older zvm left (no PID in the name; the harness dates it back).
    return names + [f".zvm-{''.join(rng.choice(letters) for _ in range(8))}.tmp"]


def foreign_names(rng: random.Random) -> list[str]:
    """Files that look a little like ours but are not stale temporaries of
    zvm (another program's, or a zvm that is still running: this one)."""
    return [".zvm-notes.tmp", "game.tmp", ".zvm-keep.txt",
            f".zvm-{os.getpid()}-{rng.randrange(10**7, 10**8)}.tmp"]
