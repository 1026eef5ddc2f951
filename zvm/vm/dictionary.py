"""Dictionaries and tokenising (§13, §15 tokenise).

A dictionary (§13.2) has word-separator characters, an entry length and a
count (negative for an unsorted user dictionary, §15 tokenise). Words are looked
up by their encoded form (§3.7). Dictionaries in static memory cannot
change, so their word->address maps are built once.
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from zvm.vm.text import TextCodec


class Dictionaries:
    def __init__(self, mem: bytearray, version: int, codec: TextCodec, static_base: int,
                 main: int) -> None:
        self.mem = mem
        self.version = version
        self.codec = codec
        self.static_base = static_base
        self.main = main
        self._maps: dict[int, tuple[frozenset[int], dict[bytes, int]]] = {}
        self.text_start = 1 if version <= 4 else 2

    def load(self, addr: int) -> tuple[frozenset[int], dict[bytes, int]]:
        """(separator ZSCII codes, encoded word -> entry address)."""
        hit = self._maps.get(addr)
        if hit is not None:
            return hit
        mem = self.mem
        seps, _, entries = self.layout(addr)
        keylen = self.key_length
        words: dict[bytes, int] = {}
        for e in entries:
            words.setdefault(bytes(mem[e:e + keylen]), e)
        result = (frozenset(seps), words)
        if addr >= self.static_base:
            self._maps[addr] = result
        return result

    @property
    def key_length(self) -> int:
        """Bytes of encoded text at the start of each entry (§13.3-13.4)."""
        return 4 if self.version <= 3 else 6

    def layout(self, addr: int) -> tuple[list[int], int, list[int]]:
        """§13.2: (separator codes, entry length, entry addresses) of the
        dictionary at addr; a negative count is an unsorted table (§15 tokenise)."""
        mem = self.mem
        nsep = mem[addr]
        seps = list(mem[addr + 1: addr + 1 + nsep])
        a = addr + 1 + nsep
        entry_len = mem[a]
        count = (mem[a + 1] << 8) | mem[a + 2]
        if count & 0x8000:
            count = 0x10000 - count
        return seps, entry_len, [a + 3 + i * entry_len for i in range(count)]

    def separators(self, addr: int = 0) -> frozenset[int]:
        return self.load(addr or self.main)[0]

    def lookup(self, word: str, addr: int = 0) -> int:
        """The entry address of word in the dictionary at addr, or 0."""
        return self.load(addr or self.main)[1].get(self.codec.encode(word), 0)

    def split(self, zscii: list[int], seps: frozenset[int]) -> list[tuple[int, int]]:
        """Words as (start index, length) in the typed characters: spaces
        divide, separators divide and are words themselves (§13.6.1)."""
        out = []
        start = -1
        for i, c in enumerate(zscii):
            if c == 32 or c in seps:
                if start >= 0:
                    out.append((start, i - start))
                    start = -1
                if c != 32:
                    out.append((i, 1))
            elif start < 0:
                start = i
        if start >= 0:
            out.append((start, len(zscii) - start))
        return out

    def tokenise(self, text_buf: int, parse_buf: int, dict_addr: int = 0,
                 skip_unknown: bool = False) -> None:
        """§15 tokenise: fill the parse buffer from the text buffer."""
        mem = self.mem
        if self.version <= 4:
            chars = []
            a = text_buf + 1
            limit = text_buf + 1 + mem[text_buf]
            while a < len(mem) and mem[a] != 0 and (a < limit or mem[text_buf] == 0):
                chars.append(mem[a])
                a += 1
        else:
            n = mem[text_buf + 1]
            chars = list(mem[text_buf + 2: text_buf + 2 + n])
        seps, words = self.load(dict_addr or self.main)
        found = self.split(chars, seps)
        maxw = mem[parse_buf]
        found = found[:maxw]
        mem[parse_buf + 1] = len(found)
        encode = self.codec.encode
        zs = self.codec.zscii_to_unicode
        for i, (start, length) in enumerate(found):
            word = "".join(zs(c) for c in chars[start:start + length])
            entry = words.get(encode(word), 0)
            b = parse_buf + 2 + 4 * i
            if entry == 0 and skip_unknown:
                continue
            mem[b] = entry >> 8
            mem[b + 1] = entry & 255
            mem[b + 2] = length
            mem[b + 3] = start + self.text_start
