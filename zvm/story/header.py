"""The story file header (§11), described once: ``FIELDS`` names each field
with its offset and size, ``OFFSET`` gives the offsets by name for the code
that reads and writes header bytes in memory, and ``Header.parse`` reads the
64-byte header into an immutable record. The machine reads fields that games
may change ("Dyn" in §11.1) from memory, never from this record. Packed
addresses (§1.2.3) and the file length divisor (§11.1.6) live here because
they depend only on the version.

The header is read with plain integer arithmetic rather than construct:
every run reads it, and a run that opens no other file format should not
pay for importing construct.
"""

from __future__ import annotations

from typing import NamedTuple

HEADER_SIZE = 64

# (name, offset, size in bytes): the header's fields (§11.1, the table at
# its start). Sizes of 1 and 2 are numbers; other sizes are bytes.
FIELDS: tuple[tuple[str, int, int], ...] = (
    ("version", 0x00, 1),
    ("flags1", 0x01, 1),
    ("release", 0x02, 2),
    ("high_base", 0x04, 2),
    ("initial_pc", 0x06, 2),            # a packed routine address in v6 (§5.5)
    ("dictionary", 0x08, 2),
    ("objects", 0x0A, 2),
    ("globals", 0x0C, 2),
    ("static_base", 0x0E, 2),
    ("flags2", 0x10, 2),
    ("serial", 0x12, 6),
    ("abbreviations", 0x18, 2),
    ("file_length", 0x1A, 2),           # divided (§11.1.6)
    ("checksum", 0x1C, 2),
    ("interpreter_number", 0x1E, 1),
    ("interpreter_version", 0x1F, 1),
    ("screen_height", 0x20, 1),
    ("screen_width", 0x21, 1),
    ("screen_width_units", 0x22, 2),
    ("screen_height_units", 0x24, 2),
    ("font_width", 0x26, 1),            # font height in v6 (the table of §11.1)
    ("font_height", 0x27, 1),           # font width in v6
    ("routines_offset", 0x28, 2),       # v6-7
    ("strings_offset", 0x2A, 2),        # v6-7
    ("default_bg", 0x2C, 1),
    ("default_fg", 0x2D, 1),
    ("terminating_chars", 0x2E, 2),
    ("stream3_width", 0x30, 2),
    ("standard_revision", 0x32, 2),
    ("alphabet_table", 0x34, 2),
    ("extension", 0x36, 2),
    ("user_name", 0x38, 4),
    ("compiler", 0x3C, 4),
)

OFFSET: dict[str, int] = {name: offset for name, offset, _ in FIELDS}

# §11.1.7: words of the header extension table, by number.
EXT_MOUSE_X, EXT_MOUSE_Y, EXT_UNICODE_TABLE, EXT_FLAGS3 = 1, 2, 3, 4
EXT_TRUE_FG, EXT_TRUE_BG = 5, 6

# §1.1.4: maximum story size by version.
MAX_SIZE = {1: 128 << 10, 2: 128 << 10, 3: 128 << 10, 4: 256 << 10,
            5: 256 << 10, 6: 512 << 10, 7: 512 << 10, 8: 512 << 10}

# §11.1.6: the header's file length is divided by this.
LENGTH_DIVISOR = {1: 2, 2: 2, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 8}


class Header(NamedTuple):
    """The header's fields that the interpreter reads once (a named tuple:
    ``header._replace(field=...)`` makes a changed copy)."""

    version: int
    flags1: int
    release: int
    high_base: int
    initial_pc: int
    dictionary: int
    objects: int
    globals: int
    static_base: int
    flags2: int
    serial: bytes
    abbreviations: int
    file_length: int
    checksum: int
    routines_offset: int
    strings_offset: int
    terminating_chars: int
    standard_revision: int
    alphabet_table: int
    extension: int

    @classmethod
    def parse(cls, data: bytes) -> "Header":
        """The header at the start of data (at least 64 bytes)."""
        if len(data) < HEADER_SIZE:
            raise ValueError(f"a header is {HEADER_SIZE} bytes; got {len(data)}")
        wanted = cls._fields
        values: dict[str, int | bytes] = {}
        for name, offset, size in FIELDS:
            if name in wanted:
                raw = data[offset:offset + size]
                values[name] = int.from_bytes(raw, "big") if size <= 2 else bytes(raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def length(self) -> int:
        """The story's length in bytes as the header gives it (0 = unknown)."""
        return self.file_length * LENGTH_DIVISOR.get(self.version, 2)

    @property
    def serial_text(self) -> str:
        return self.serial.decode("latin-1")

    def _unpack(self, packed: int, offset: int) -> int:
        """§1.2.3: packed address -> byte address; offset is the v6-7
        routines or strings offset from the header."""
        v = self.version
        if v <= 3:
            return packed * 2
        if v <= 5:
            return packed * 4
        if v <= 7:
            return packed * 4 + offset * 8
        return packed * 8

    def routine_address(self, packed: int) -> int:
        return self._unpack(packed, self.routines_offset)

    def string_address(self, packed: int) -> int:
        return self._unpack(packed, self.strings_offset)
