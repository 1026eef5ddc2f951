"""Z-character text: decoding to Unicode, encoding for the dictionary (§3).

A ``TextCodec`` is built once per story: it knows the version's shift rules
(§3.2.2-3.2.3), the alphabet table (default or the story's own, §3.5.5),
the abbreviations (§3.3) and the Unicode translation table (§3.8.5).
Strings at or above the static memory base never change, so their decoding
is cached by address. So are strings in dynamic memory (object names,
§12.4), each with its bytes, used again only while those bytes and the
abbreviations (their table and strings, where they lie in dynamic memory)
are unchanged.
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    # Decoded text: by static address; by dynamic address with the bytes it
    # was decoded from; abbreviations by index.
    Decoded = tuple[dict[int, tuple[str, int]], dict[int, tuple[str, int, bytes]],
                    dict[int, str]]

A0 = "abcdefghijklmnopqrstuvwxyz"
A1 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# §3.5.3-3.5.4: A2 from z-char 7 (version 1) or z-char 8 (versions 2+); z-char 6 is
# the ZSCII escape, z-char 7 is a newline in versions 2+.
A2_V1 = "0123456789.,!?_#'\"/\\<-:()"
A2 = "0123456789.,!?_#'\"/\\-:()"

# §3.8.5.3 Table 1: ZSCII 155-223 in the default translation table.
DEFAULT_UNICODE = (
    "\u00e4\u00f6\u00fc\u00c4\u00d6\u00dc\u00df\u00bb\u00ab\u00eb\u00ef\u00ff"
    "\u00cb\u00cf\u00e1\u00e9\u00ed\u00f3\u00fa\u00fd\u00c1\u00c9\u00cd\u00d3"
    "\u00da\u00dd\u00e0\u00e8\u00ec\u00f2\u00f9\u00c0\u00c8\u00cc\u00d2\u00d9"
    "\u00e2\u00ea\u00ee\u00f4\u00fb\u00c2\u00ca\u00ce\u00d4\u00db\u00e5\u00c5"
    "\u00f8\u00d8\u00e3\u00f1\u00f5\u00c3\u00d1\u00d5\u00e6\u00c6\u00e7\u00c7"
    "\u00fe\u00f0\u00de\u00d0\u00a3\u0153\u0152\u00a1\u00bf"
)

# ZSCII codes with no meaning for output (§3.8): the undefined 1-7, 10, 12,
# 14-31 and 127-128, and the input-only 8 (delete), 27 (escape), 129-154
# (cursor, function and keypad keys) and 252-254 (menu and mouse clicks).
NO_OUTPUT = frozenset([*range(1, 9), 10, 12, *range(14, 32), *range(127, 155),
                       252, 253, 254])

ENCODED_KEPT = 4096     # words whose encoding is kept (the table starts again when full)
SHARED_STATES = 8       # states of the abbreviations whose decodings a story shares


class TextCodec:
    """Decode and encode Z-encoded text for one story's memory."""

    def __init__(self, mem: bytearray, version: int, abbrev_table: int,
                 alphabet_table: int, unicode_table: int, static_base: int) -> None:
        self.mem = mem
        self.version = version
        self.abbrev_table = abbrev_table
        self.static_base = static_base
        self._cache: dict[int, tuple[str, int]] = {}
        self._dynamic: dict[int, tuple[str, int, bytes]] = {}
        self._abbreviations: dict[int, str] = {}
        self._abbrev_span = (0, 0)              # dynamic memory abbreviations read
        self._abbrev_bytes = b""
        self._shared: dict[Any, Decoded] | None = None
        self._abbreviations_changed()
        # ZSCII -> Unicode (§3.8) for the codes a story can print.
        self.unicode_out = self._build_unicode_table(unicode_table)
        self.unicode_in = {ch: z for z, ch in self.unicode_out.items() if z >= 155 and ch}
        # Each alphabet as 26 ZSCII codes, entry i for z-char i + 6 (§3.5).
        if version >= 5 and alphabet_table:
            rows = [list(mem[alphabet_table + 26 * r: alphabet_table + 26 * (r + 1)])
                    for r in range(3)]
            rows[2][0:2] = [0, 13]             # §3.5.5.1: escape and newline
        else:
            a2 = A2_V1 if version == 1 else A2
            rows = [[ord(c) for c in A0], [ord(c) for c in A1],
                    [0] + ([] if version == 1 else [13]) + [ord(c) for c in a2]]
        self.alphabet_zscii = rows
        # Decoding: z-char -> text, per alphabet (A2's z-char 6 is never looked up).
        self.alphabets = tuple(tuple(self.zscii_to_unicode(z) for z in row) for row in rows)
        # Encoding: character -> (alphabet, z-char); A0 wins over A1 over A2 (§3.7).
        self._encode_map: dict[str, tuple[int, int]] = {}
        self._encoded: dict[str, bytes] = {}
        for r in (2, 1, 0):
            for i, z in enumerate(rows[r]):
                if r == 2 and (i == 0 or (i == 1 and version >= 2)):
                    continue
                self._encode_map[self.zscii_to_unicode(z)] = (r, i + 6)

    # -- tables ----------------------------------------------------------
    def _build_unicode_table(self, unicode_table: int) -> dict[int, str]:
        # 9 (tab) and 11 (sentence space) pass through as control characters
        # for the frontend to show (§3.8.2.3-4); they must survive memory
        # streams. Codes with no output meaning print nothing (§3.8: the
        # undefined ones and those for input only, as dfrotz does).
        out = dict.fromkeys(NO_OUTPUT, "")
        out.update({0: "", 9: "\t", 11: "\x0b", 13: "\n"})
        for z in range(32, 127):
            out[z] = chr(z)
        if unicode_table:
            count = self.mem[unicode_table]
            for i in range(count):
                a = unicode_table + 1 + 2 * i
                out[155 + i] = chr((self.mem[a] << 8) | self.mem[a + 1])
        else:
            for i, ch in enumerate(DEFAULT_UNICODE):
                out[155 + i] = ch
        return out

    # -- ZSCII <-> Unicode -----------------------------------------------
    def zscii_to_unicode(self, z: int) -> str:
        """§3.8: the text a ZSCII code prints as: nothing for the codes
        with no output meaning (``NO_OUTPUT``), '?' for an extra character
        (155-251) without a translation and for codes past 254."""
        s = self.unicode_out.get(z)
        return "?" if s is None else s

    def unicode_to_zscii(self, ch: str) -> int:
        """A typed character as ZSCII (§3.8); '?' (63) when it has none."""
        o = ord(ch)
        if 32 <= o <= 126:
            return o
        if ch == "\n" or ch == "\r":
            return 13
        if ch == "\t" or ch == "\x0b":
            return o
        return self.unicode_in.get(ch, 63)

    # -- decoding (§3.2-3.6) -----------------------------------------------
    def zchars(self, addr: int, words: int = 0) -> tuple[list[int], int]:
        """The z-characters of the string at addr, and the address after it;
        with words, at most that many words (a dictionary entry's text,
        §13.2, ends there whatever its end bit says)."""
        mem = self.mem
        out = []
        end = len(mem) - 1
        while True:
            if addr >= end:
                raise ZMachineError(f"string runs past the end of memory at ${addr:x}")
            w = (mem[addr] << 8) | mem[addr + 1]
            addr += 2
            out.append((w >> 10) & 31)
            out.append((w >> 5) & 31)
            out.append(w & 31)
            if w & 0x8000 or len(out) == 3 * words:
                return out, addr

    def decode(self, addr: int) -> tuple[str, int]:
        """The text at byte address addr and the address just after it."""
        lo, hi = self._abbrev_span
        if hi and self.mem[lo:hi] != self._abbrev_bytes:
            self._abbreviations_changed()
        if addr >= self.static_base:
            hit = self._cache.get(addr)
            if hit is None:
                zs, end = self.zchars(addr)
                hit = self._cache[addr] = (self.decode_zchars(zs), end)
            return hit
        known = self._dynamic.get(addr)
        if known is not None and self.mem[addr:known[1]] == known[2]:
            return known[0], known[1]
        zs, end = self.zchars(addr)
        text = self.decode_zchars(zs)
        self._dynamic[addr] = (text, end, bytes(self.mem[addr:end]))
        return text, end

    def share(self, decoded: dict[Any, Decoded]) -> None:
        """Keep decoded text in ``decoded``, shared by every codec of the
        same story (``StoryCode.strings``), one set of tables for each
        state of the abbreviations: a new Game of a story finds its texts
        decoded already. (The story's bytes fix everything else a decoding
        depends on: its alphabets and Unicode table, read when the codec is
        made, and the line codes, which make a story code of its own.)"""
        self._shared = decoded
        self._bind()

    def _abbreviations_changed(self) -> None:
        """The story wrote to its abbreviations (or they are first read):
        decodings made with others no longer hold; note the dynamic memory
        the abbreviations span now."""
        self._abbrev_span, self._abbrev_bytes = self._span_abbreviations()
        self._bind()

    def _bind(self) -> None:
        """Decode into the tables kept for the abbreviations as they are:
        shared ones (``share``) while the story has few states of them,
        else tables of this codec's own."""
        shared = self._shared
        key = (self._abbrev_span, self._abbrev_bytes)
        if shared is not None and (key in shared or len(shared) < SHARED_STATES):
            self._cache, self._dynamic, self._abbreviations = shared.setdefault(key, ({}, {}, {}))
        else:
            self._cache, self._dynamic, self._abbreviations = {}, {}, {}

    def _span_abbreviations(self) -> tuple[tuple[int, int], bytes]:
        """The dynamic memory the abbreviations' table and strings span, and
        its bytes; none when the table is not in dynamic memory."""
        table, mem = self.abbrev_table, self.mem
        if not table or self.version < 2 or table >= self.static_base:
            return (0, 0), b""
        count = 96 if self.version >= 3 else 32
        lo, hi = table, table + 2 * count
        for i in range(count):
            a = table + 2 * i
            start = ((mem[a] << 8) | mem[a + 1]) * 2
            if start < self.static_base:
                try:
                    end = self.zchars(start)[1]
                except ZMachineError:           # decoded (and reported) when used
                    end = start
                lo, hi = min(lo, start), max(hi, end)
        hi = min(hi, self.static_base, len(mem))
        return (lo, hi), bytes(mem[lo:hi])

    def decode_zchars(self, zs: list[int], allow_abbrev: bool = True) -> str:
        v = self.version
        alphabets = self.alphabets
        out: list[str] = []
        lock = 0        # the locked alphabet (v1-2 shift lock)
        shift = -1      # one-character shift, -1 = none
        i = 0
        n = len(zs)
        while i < n:
            z = zs[i]
            i += 1
            cur = shift if shift >= 0 else lock
            shift = -1
            if z >= 6:
                if cur == 2 and z == 6:
                    if i + 1 < n:
                        out.append(self.zscii_to_unicode((zs[i] << 5) | zs[i + 1]))
                    i += 2
                    continue
                out.append(alphabets[cur][z - 6])
            elif z == 0:
                out.append(" ")
            elif z == 1 and v == 1:
                out.append("\n")
            elif z <= 3 and (v >= 3 or (v == 2 and z == 1)):
                if i < n:
                    if allow_abbrev:
                        out.append(self.abbreviation(32 * (z - 1) + zs[i]))
                    i += 1
            elif v >= 3:                       # 4, 5: one-character shifts
                shift = 1 if z == 4 else 2
            else:                              # v1-2: 2, 3 shift; 4, 5 lock (§3.2.2)
                target = (cur + 1) % 3 if z in (2, 4) else (cur + 2) % 3
                if z >= 4:
                    lock = target
                else:
                    shift = target
        return "".join(out)

    def abbreviation(self, index: int) -> str:
        """§3.3.1: abbreviations hold no further abbreviations."""
        text = self._abbreviations.get(index)
        if text is None:
            mem = self.mem
            a = self.abbrev_table + 2 * index
            addr = ((mem[a] << 8) | mem[a + 1]) * 2
            zs, _ = self.zchars(addr)
            text = self._abbreviations[index] = self.decode_zchars(zs, allow_abbrev=False)
        return text

    # -- encoding (§3.7) ---------------------------------------------------
    def encode(self, text: str) -> bytes:
        """A word as the dictionary stores it: 6 z-chars in versions 1-3,
        9 in 4+, padded with 5s, end bit on the last word (§3.7). Kept for
        the next time (the alphabets are fixed when the codec is made):
        every command looks up the same few words again."""
        known = self._encoded.get(text)
        if known is None:
            if len(self._encoded) >= ENCODED_KEPT:
                self._encoded.clear()
            known = self._encoded[text] = self._encode(text)
        return known

    def _encode(self, text: str) -> bytes:
        v = self.version
        n = 6 if v <= 3 else 9
        # Each character as (alphabet, z-chars); a character outside the
        # alphabets is A2's escape followed by its 10-bit ZSCII code (§3.4).
        chars: list[tuple[int, tuple[int, ...]]] = []
        for ch in text:
            hit = self._encode_map.get(ch)
            if hit is None:
                z = self.unicode_to_zscii(ch)
                chars.append((2, (6, z >> 5, z & 31)))
            else:
                chars.append((hit[0], (hit[1],)))
        zs: list[int] = []
        locked = 0
        for i, (row, codes) in enumerate(chars):
            if len(zs) >= n:
                break
            if row != locked:
                if v >= 3:
                    zs.append(3 + row)                  # §3.2.3: 4 = A1, 5 = A2
                else:
                    up = (locked + 1) % 3 == row        # §3.2.2: relative shifts
                    if i + 1 < len(chars) and chars[i + 1][0] == row:
                        zs.append(4 if up else 5)       # §3.7.1: a run locks
                        locked = row
                    else:
                        zs.append(2 if up else 3)
            zs.extend(codes)
        zs = (zs + [5] * n)[:n]
        out = bytearray()
        for i in range(0, n, 3):
            w = (zs[i] << 10) | (zs[i + 1] << 5) | zs[i + 2]
            if i + 3 == n:
                w |= 0x8000
            out += bytes((w >> 8, w & 255))
        return bytes(out)
