"""Loading a story file (§1, §11): checks that it is a Z-machine story we
can run, and gives its bytes and header. A Blorb file (FORM type IFRS,
recognised by its content whatever its name) gives the Z-code of its
'Exec' resource (see ``blorb``). Every refusal is a ``StoryError`` whose
message is one line naming the reason."""

from __future__ import annotations

import os
from dataclasses import dataclass

from typing import TYPE_CHECKING

from zvm.errors import StoryError
from zvm.story.header import HEADER_SIZE, MAX_SIZE, Header

if TYPE_CHECKING:
    from zvm.story.blorb import Blorb

SUPPORTED = (1, 2, 3, 4, 5, 7, 8)


def is_blorb(data: bytes) -> bool:
    """"FORM", a length, "IFRS": the first twelve bytes of every Blorb.
    (Reading one needs construct, imported only when a Blorb is met.)"""
    return len(data) >= 12 and data[:4] == b"FORM" and data[8:12] == b"IFRS"


@dataclass(frozen=True)
class Story:
    path: str
    data: bytes            # the story as loaded (up to the header's length)
    header: Header
    blorb: Blorb | None = None   # the Blorb file the story came from, if any

    @property
    def version(self) -> int:
        return self.header.version

    def checksum(self) -> int:
        """§11.1.6 / verify: the sum of bytes from $40 to the file's length."""
        return sum(self.data[HEADER_SIZE:]) & 0xFFFF


def identify(data: bytes) -> str | None:
    """What a non-Z-code file is, for the refusal message."""
    if data[:4] == b"Glul":
        return "a Glulx story, not Z-code"
    if data[:4] == b"FORM" and data[8:12] == b"IFZS":
        return "a Quetzal saved game, not a story"
    return None


def load(path: str) -> Story:
    """Read and check a story file (§1.1.4, §11)."""
    try:
        if os.path.isdir(path):
            raise StoryError("is a directory")
        with open(path, "rb") as f:
            data = f.read(MAX_SIZE[8] + 1)
            if is_blorb(data):
                data += f.read()       # pictures and sounds may be large
    except FileNotFoundError:
        raise StoryError("no such file") from None
    except PermissionError:
        raise StoryError("permission denied") from None
    except OSError as e:
        raise StoryError(e.strerror or str(e)) from None
    return parse(path, data)


def parse(path: str, data: bytes) -> Story:
    if not data:
        raise StoryError("empty file")
    if is_blorb(data):
        from zvm.story import blorb as blorb_file
        wrapper = blorb_file.parse(data)
        try:
            story = _parse_zcode(path, wrapper.zcode())
        except StoryError as e:
            raise StoryError(f"the Blorb file's Z-code story: {e}") from None
        return Story(path=path, data=story.data, header=story.header, blorb=wrapper)
    return _parse_zcode(path, data)


def _parse_zcode(path: str, data: bytes) -> Story:
    if not data:
        raise StoryError("empty file")
    if is_blorb(data):
        raise StoryError("a Blorb file, where a Z-code story should be")
    what = identify(data)
    if what:
        raise StoryError(what)
    version = data[0]
    if version == 6:
        raise StoryError("version 6 is not supported")
    if version not in SUPPORTED:
        raise StoryError(f"not a Z-machine story (version byte {version})")
    if len(data) < HEADER_SIZE:
        raise StoryError(f"truncated: {len(data)} bytes, shorter than the 64-byte header")
    if len(data) > MAX_SIZE[version]:
        raise StoryError(f"too large for a version {version} story "
                         f"({len(data)} bytes; at most {MAX_SIZE[version]})")
    header = Header.parse(data)
    length = header.length
    if length:
        if length > len(data):
            raise StoryError(f"truncated: the header says {length} bytes, the file has {len(data)}")
        data = data[:length]
    size = len(data)
    if header.static_base < HEADER_SIZE or header.static_base > size:
        raise StoryError(f"corrupt header: static memory base ${header.static_base:x} "
                         f"outside the file")
    if header.high_base > size:
        raise StoryError(f"corrupt header: high memory base ${header.high_base:x} "
                         f"outside the file")
    for name in ("dictionary", "objects", "globals"):
        value = getattr(header, name)
        if value < HEADER_SIZE or value >= size:
            raise StoryError(f"corrupt header: {name} table at ${value:x} outside the file")
    if header.initial_pc >= size or header.initial_pc < HEADER_SIZE:
        raise StoryError(f"corrupt header: initial PC ${header.initial_pc:x} outside the file")
    return Story(path=path, data=bytes(data), header=header)
