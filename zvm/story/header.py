"""The story file header (§11), described once with construct.

``Header.parse`` reads the 64-byte header into an immutable record; the
machine reads fields that games may change ("Dyn" in §11.1) from memory,
never from this record. Packed addresses (§1.2.3) and the file length
divisor (§11.1.6) live here because they depend only on the version.
"""

from __future__ import annotations

from dataclasses import dataclass

from construct import Bytes, Int8ub, Int16ub, Struct

HEADER_SIZE = 64

HeaderStruct = Struct(
    "version" / Int8ub,            # $00
    "flags1" / Int8ub,             # $01
    "release" / Int16ub,           # $02
    "high_base" / Int16ub,         # $04
    "initial_pc" / Int16ub,        # $06 (packed main routine in v6)
    "dictionary" / Int16ub,        # $08
    "objects" / Int16ub,           # $0A
    "globals" / Int16ub,           # $0C
    "static_base" / Int16ub,       # $0E
    "flags2" / Int16ub,            # $10
    "serial" / Bytes(6),           # $12
    "abbreviations" / Int16ub,     # $18
    "file_length" / Int16ub,       # $1A (divided, §11.1.6)
    "checksum" / Int16ub,          # $1C
    "interpreter_number" / Int8ub,  # $1E
    "interpreter_version" / Int8ub,  # $1F
    "screen_height" / Int8ub,      # $20
    "screen_width" / Int8ub,       # $21
    "screen_width_units" / Int16ub,   # $22
    "screen_height_units" / Int16ub,  # $24
    "font_width" / Int8ub,         # $26
    "font_height" / Int8ub,        # $27
    "routines_offset" / Int16ub,   # $28 (v6-7)
    "strings_offset" / Int16ub,    # $2A (v6-7)
    "default_bg" / Int8ub,         # $2C
    "default_fg" / Int8ub,         # $2D
    "terminating_chars" / Int16ub,  # $2E
    "stream3_width" / Int16ub,     # $30
    "standard_revision" / Int16ub,  # $32
    "alphabet_table" / Int16ub,    # $34
    "extension" / Int16ub,         # $36
    "user_name" / Bytes(4),        # $38
    "compiler" / Bytes(4),         # $3C
)

# §1.1.4: maximum story size by version.
MAX_SIZE = {1: 128 << 10, 2: 128 << 10, 3: 128 << 10, 4: 256 << 10,
            5: 256 << 10, 6: 512 << 10, 7: 512 << 10, 8: 512 << 10}

# §11.1.6: the header's file length is divided by this.
LENGTH_DIVISOR = {1: 2, 2: 2, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 8}


@dataclass(frozen=True)
class Header:
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
        c = HeaderStruct.parse(data[:HEADER_SIZE])
        return cls(**{name: c[name] for name in cls.__dataclass_fields__})

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
