"""Loading a story file (§1, §11): checks that it is a Z-machine story we
can run, and gives its bytes and header. A Blorb file (FORM type IFRS,
recognised by its content whatever its name) gives the Z-code of its
'Exec' resource (see ``blorb``). Every refusal is a ``StoryError`` whose
message is one line naming the reason.

Header pointers are checked here, once (§11.1). A table the story cannot
be played without (dictionary §13.2, objects §12.2, globals §6.2,
abbreviations §3.3) must lie inside the file, or the story is refused. A
table that only refines play (the alphabet table §3.5.5, the terminating
characters §10.5.2.1, the header extension §11.1.7 and its Unicode table
§3.8.5) is dropped when it does not fit: the story plays with the standard
one, as dfrotz plays such stories, and ``Story.notes`` says what was
dropped. These optional tables are absent from most stories, so a stray
pointer to one is far more often damage than meaning; refusing would lose
stories that play well without them."""

from __future__ import annotations

import os

from zvm.errors import StoryError
from zvm.records import TYPE_CHECKING, NamedTuple
from zvm.story.header import HEADER_SIZE, MAX_SIZE, Header

if TYPE_CHECKING:
    from zvm.story.blorb import Blorb

SUPPORTED = (1, 2, 3, 4, 5, 6, 7, 8)


def is_blorb(data: bytes) -> bool:
    """"FORM", a length, "IFRS": the first twelve bytes of every Blorb.
    (Reading one needs construct, imported only when a Blorb is met.)"""
    return len(data) >= 12 and data[:4] == b"FORM" and data[8:12] == b"IFRS"


class Story(NamedTuple):
    """A story ready to run (a named tuple: ``story._replace(...)``)."""

    path: str
    data: bytes            # the story as loaded (up to the header's length)
    header: Header
    blorb: Blorb | None = None   # the Blorb file the story came from, if any
    notes: tuple[str, ...] = ()  # broken optional tables that were dropped (one line each)

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
    return parse(path, read(path))


def read(path: str) -> bytes:
    """The bytes of a story file (no more than a story may have, unless it
    is a Blorb file: pictures and sounds may be large)."""
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
    return data


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
        return story._replace(path=path, blorb=wrapper)
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
    if version == 6:
        # §5.4: the packed address of the main routine (§1.2.3: with the
        # routines offset), a routine header of at most 15 locals.
        main = header.routine_address(header.initial_pc)
        if not header.initial_pc or main >= size or main < HEADER_SIZE:
            raise StoryError(f"corrupt header: the main routine at ${main:x} is outside "
                             f"the file")
        if data[main] > 15:
            raise StoryError(f"corrupt header: the main routine at ${main:x} is not a "
                             f"routine ({data[main]} locals)")
    elif header.initial_pc >= size or header.initial_pc < HEADER_SIZE:
        raise StoryError(f"corrupt header: initial PC ${header.initial_pc:x} outside the file")
    for name, value, length in _essential_tables(header, data):
        if value < HEADER_SIZE or value >= size:
            raise StoryError(f"corrupt header: {name} table at ${value:x} outside the file")
        if value + length > size:
            raise StoryError(f"corrupt header: {name} table at ${value:x} runs past the end "
                             f"of the file")
    fixed, header, notes = _drop_broken_tables(bytearray(data), header)
    return Story(path=path, data=bytes(fixed), header=header, notes=tuple(notes))


def _word(data: bytes | bytearray, at: int) -> int:
    return (data[at] << 8) | data[at + 1]


def _essential_tables(header: Header, data: bytes) -> list[tuple[str, int, int]]:
    """(name, address, bytes it needs) of each table play cannot do without."""
    v, size = header.version, len(data)
    tables = [("objects", header.objects, 2 * (31 if v <= 3 else 63)),   # defaults §12.2
              ("globals", header.globals, 2 * 240)]                      # §6.2
    d = header.dictionary
    length = 4                      # the separators count, entry length and entry count
    if HEADER_SIZE <= d < size - 1:
        n = data[d]
        if d + n + 4 <= size:
            entry, count = data[d + n + 1], _word(data, d + n + 2)
            count = 0x10000 - count if count & 0x8000 else count   # §15 tokenise: an unsorted table
            length = n + 4 + entry * count
            if entry < (4 if v <= 3 else 6) and count:
                raise StoryError(f"corrupt dictionary: entries of {entry} bytes (§13.3)")
    tables.insert(0, ("dictionary", d, length))
    if v >= 2 and header.abbreviations:                  # §3.3: 32 or 96 entries
        tables.append(("abbreviations", header.abbreviations, 2 * (32 if v == 2 else 96)))
    return tables


def _drop_broken_tables(data: bytearray,
                        header: Header) -> tuple[bytearray, Header, list[str]]:
    """Zero the header words of optional tables that do not fit in the file
    (the Standard's "none" for each); the repaired data and header, and
    one note a table dropped. The header lies outside the checksum (§11.1.6)."""
    notes: list[str] = []
    size = len(data)
    if header.version < 5:
        return data, header, notes

    def drop(offset: int, what: str, value: int) -> None:
        data[offset] = data[offset + 1] = 0
        notes.append(f"the {what} at ${value:x} does not fit in the story: playing without it")

    if header.alphabet_table and not HEADER_SIZE <= header.alphabet_table <= size - 78:
        drop(0x34, "alphabet table", header.alphabet_table)
        header = header._replace(alphabet_table=0)
    term = header.terminating_chars
    if term and (term < HEADER_SIZE or term >= size or 0 not in data[term:]):
        drop(0x2E, "terminating characters table", term)
        header = header._replace(terminating_chars=0)
    ext = header.extension
    if ext and (ext < HEADER_SIZE or ext + 2 > size or ext + 2 + 2 * _word(data, ext) > size):
        drop(0x36, "header extension table", ext)
        header = header._replace(extension=0)
        ext = 0
    if ext and _word(data, ext) >= 3:
        table = _word(data, ext + 6)                      # §3.8.5.2: a count, then words
        if table and (table < HEADER_SIZE or table >= size or table + 1 + 2 * data[table] > size):
            drop(ext + 6, "Unicode translation table", table)
    return data, header, notes
