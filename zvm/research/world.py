"""The world of a story, as memory: what ``world_hash`` and
``valid_actions`` compare.

The world is where each object is (its parent in the tree, §12.5), its
attributes (§12.3), the values of its properties (§12.4) and the global
variables (§6.2). The order of siblings is left out (dropping a thing and
taking it back leaves the same world), and so are arrays: they hold the
text and parse buffers and the parser's scratch, and a story that keeps its
world only in arrays is not seen.

Some of these change on every command or every turn without the world
changing: the parser's globals (the verb, the noun, the word pointer), the
turn counter, the clock, "it"/"him" pronouns, attributes that mark an
object as just listed or mentioned, and characters that wander by
themselves (Zork's thief). ``Noise`` names them by kind — global variable
numbers, attribute numbers, property numbers, objects whose place is left
out — found by ``zvm.research.profile`` from commands that cannot change
the world, and the mask leaves them out for every object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from zvm.research.access import GLOBALS, Access


@dataclass(frozen=True)
class Noise:
    """What changes without the world changing (see the module)."""
    globals: frozenset[int] = frozenset()
    attributes: frozenset[int] = frozenset()
    properties: frozenset[int] = frozenset()
    objects: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Status:
    """Where the story keeps its score, moves, location and player."""
    score_global: int | None
    moves_global: int | None
    location_global: int | None
    player_globals: tuple[int, ...]
    room_depth: int


@dataclass
class Changes:
    """What differs between two states of dynamic memory."""
    globals: set[int]
    attributes: set[int]
    properties: set[int]
    tree: set[int]                      # objects with a new parent


class WorldLayout:
    """Where the world lies in dynamic memory, computed once per story
    (the object table and property tables do not move, §12)."""

    def __init__(self, acc: Access) -> None:
        self.acc = acc
        count = acc.object_count()
        self.owner: dict[int, tuple[str, int, int]] = {}   # address -> (kind, object, detail)
        self.attr_addrs: list[tuple[int, int]] = []        # (address, first attribute)
        first, self.size, nattr = acc.entry(1)
        self.parent_width = 1 if acc.version <= 3 else 2
        self.parents_at = first + nattr                     # object 1's parent
        self.count = 0
        self.prop_addrs: list[tuple[int, int, int]] = []   # (address, length, property)
        dyn = acc.dyn_end
        for n in range(1, count + 1):
            addr, size, nattr = acc.entry(n)
            if addr + size > dyn:
                break
            for k in range(nattr):
                self.attr_addrs.append((addr + k, 8 * k))
                self.owner[addr + k] = ("a", n, 8 * k)
            self.count = n
            for a in range(addr + nattr, addr + nattr + self.parent_width):
                self.owner[a] = ("t", n, 0)
            table = acc.name_address(n)
            if table >= dyn:
                continue
            for num, data, length in acc.property_spans(n):
                if data + length > dyn:
                    break
                self.prop_addrs.append((data, length, num))
                for a in range(data, data + length):
                    self.owner[a] = ("p", n, num)
        g = acc.globals_addr
        self.globals = (g, g + 2 * GLOBALS)
        for i in range(GLOBALS):
            self.owner[g + 2 * i] = self.owner[g + 2 * i + 1] = ("g", i, 0)

    def changes(self, before: bytes, after: bytes) -> Changes:
        """What differs between two copies of dynamic memory, by kind."""
        out = Changes(set(), set(), set(), set())
        if before == after:
            return out
        owner = self.owner
        step = 64
        for block in range(0, min(len(before), len(after)), step):
            if before[block:block + step] == after[block:block + step]:
                continue
            for a in range(block, min(block + step, len(before), len(after))):
                if before[a] == after[a] or a not in owner:
                    continue
                kind, n, detail = owner[a]
                if kind == "g":
                    out.globals.add(n)
                elif kind == "t":
                    out.tree.add(n)
                elif kind == "p":
                    out.properties.add(detail)
                else:
                    diff = before[a] ^ after[a]
                    out.attributes.update(detail + b for b in range(8) if diff & (0x80 >> b))
        return out


class WorldMask:
    """Masks over dynamic memory that keep the world and drop the noise:
    ``key(mem)`` is equal for equal worlds. The key has three parts: the
    objects' attributes and properties, their parents, and the globals."""

    def __init__(self, layout: WorldLayout, noise: Noise) -> None:
        mask = bytearray(layout.acc.dyn_end)
        for a, first in layout.attr_addrs:
            bits = 0
            for b in range(8):
                if first + b not in noise.attributes:
                    bits |= 0x80 >> b
            mask[a] = bits
        for data, length, num in layout.prop_addrs:
            if num not in noise.properties:
                mask[data:data + length] = b"\xff" * length
        used = [i for i, b in enumerate(mask) if b]
        self.lo = used[0] if used else 0
        self.hi = used[-1] + 1 if used else 0
        self.mask = int.from_bytes(mask[self.lo:self.hi], "big")
        # The parents, one strided slice per byte of the parent field.
        n, size, at = layout.count, layout.size, layout.parents_at
        self.slices = [slice(at + k, at + k + n * size, size) for k in range(layout.parent_width)]
        keep = bytes(0 if o in noise.objects else 0xFF for o in range(1, n + 1))
        self.parent_mask = int.from_bytes(keep, "big")
        g0, g1 = layout.globals
        self.globals = slice(g0, g1)
        self.kept_globals = [i for i in range(GLOBALS) if i not in noise.globals]
        gmask = bytearray(g1 - g0)
        for i in self.kept_globals:
            gmask[2 * i] = gmask[2 * i + 1] = 0xFF
        self.global_mask = int.from_bytes(gmask, "big")

    def objects_key(self, mem: bytes | bytearray) -> tuple[int, ...]:
        """The objects' part of the key: attributes, properties, parents."""
        pm = self.parent_mask
        return (int.from_bytes(mem[self.lo:self.hi], "big") & self.mask,
                *(int.from_bytes(mem[s], "big") & pm for s in self.slices))

    def raw(self, mem: bytes | bytearray) -> tuple[bytes, ...]:
        """The bytes the objects' key is made from, unmasked: equal raw
        bytes give equal keys (a cheap test before ``digest``)."""
        return (bytes(mem[self.lo:self.hi]), *(bytes(mem[s]) for s in self.slices))

    def key(self, mem: bytes | bytearray) -> tuple[int, ...]:
        return self.objects_key(mem) + (
            int.from_bytes(mem[self.globals], "big") & self.global_mask,)

    def hash(self, mem: bytes | bytearray) -> str:
        h = hashlib.blake2b(digest_size=16)
        for part in self.key(mem):
            h.update(part.to_bytes((part.bit_length() + 7) // 8 + 1, "big"))
        return h.hexdigest()

    def digest(self, mem: bytes | bytearray) -> bytes:
        """A short digest of the objects' part of the key."""
        h = hashlib.blake2b(digest_size=16)
        for part in self.objects_key(mem):
            h.update(part.to_bytes((part.bit_length() + 7) // 8 + 1, "big"))
        return h.digest()

    def changed_globals(self, before: bytes, mem: bytes | bytearray) -> tuple[tuple[int, int], ...]:
        """(number, value) of the kept globals that differ from before (the
        bytes of the globals, ``mem[self.globals]``)."""
        now = mem[self.globals]
        if now == before:
            return ()
        return tuple((i, (now[2 * i] << 8) | now[2 * i + 1]) for i in self.kept_globals
                     if now[2 * i] != before[2 * i] or now[2 * i + 1] != before[2 * i + 1])
