"""The object table: attributes, the tree, properties (§12).

Both layouts: versions 1-3 (255 objects, 32 attributes, 9-byte entries,
one-byte property sizes) and versions 4+ (65535 objects, 48 attributes,
14-byte entries, one- or two-byte property sizes, §12.4.2).

Operations on object 0 or on a nonexistent property are survivable errors
(Appendix A): they do what the Standard's remarks and common interpreters
do (nothing, or 0) and are reported through ``warn`` when the user asked.
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Callable


class ObjectTable:
    def __init__(self, mem: bytearray, version: int, table: int, warn: Callable[[str], None],
                 static_base: int | None = None) -> None:
        self.mem = mem
        # Where dynamic memory ends (§1.1): no object's entry lies beyond.
        self.static_base = len(mem) if static_base is None else static_base
        self.v3 = version <= 3
        self.defaults = table                       # §12.2
        ndefaults = 31 if self.v3 else 63
        self.entry_size = 9 if self.v3 else 14
        # Object 1's entry; object n is at base + n * size.
        self.base = table + 2 * ndefaults - self.entry_size
        self.attr_bytes = 4 if self.v3 else 6
        self.table_offset = 7 if self.v3 else 12    # the property table's address
        self.max_attr = 31 if self.v3 else 47
        self.warn = warn
        # The highest object whose entry ends inside dynamic memory.
        self.last_in_dynamic = (self.static_base - self.entry_size - self.base) // self.entry_size

    # -- raw fields --------------------------------------------------------
    def addr(self, obj: int) -> int:
        return self.base + obj * self.entry_size

    def _link(self, obj: int, which: int) -> int:
        """which: 0 parent, 1 sibling, 2 child."""
        mem = self.mem
        a = self.addr(obj)
        if self.v3:
            return mem[a + 4 + which]
        a += 6 + 2 * which
        return (mem[a] << 8) | mem[a + 1]

    def _set_link(self, obj: int, which: int, value: int) -> None:
        mem = self.mem
        a = self.addr(obj)
        if self.v3:
            mem[a + 4 + which] = value
        else:
            a += 6 + 2 * which
            mem[a] = value >> 8
            mem[a + 1] = value & 255

    def links(self, obj: int) -> tuple[int, int, int]:
        """(parent, sibling, child) of an existing object, read without the
        object-0 checks of the opcodes (for tools and the library)."""
        return self._link(obj, 0), self._link(obj, 1), self._link(obj, 2)

    def parent(self, obj: int) -> int:
        if obj == 0:
            self.warn("get_parent of object 0")
            return 0
        return self._link(obj, 0)

    def sibling(self, obj: int) -> int:
        if obj == 0:
            self.warn("get_sibling of object 0")
            return 0
        return self._link(obj, 1)

    def child(self, obj: int) -> int:
        if obj == 0:
            self.warn("get_child of object 0")
            return 0
        return self._link(obj, 2)

    def prop_table(self, obj: int) -> int:
        a = self.addr(obj) + (7 if self.v3 else 12)
        return (self.mem[a] << 8) | self.mem[a + 1]

    def name_address(self, obj: int) -> int:
        """§12.4: the short name's z-characters follow its length byte."""
        return self.prop_table(obj) + 1

    def has_name(self, obj: int) -> bool:
        return self.mem[self.prop_table(obj)] != 0

    # -- attributes (§12.3.1) ---------------------------------------------
    def _attr_check(self, obj: int, attr: int, op: str) -> bool:
        if obj == 0:
            self.warn(f"{op} on object 0")
            return False
        if attr > self.max_attr:
            self.warn(f"{op} with attribute {attr} out of range")
            return False
        return True

    def test_attr(self, obj: int, attr: int) -> bool:
        if not self._attr_check(obj, attr, "test_attr"):
            return False
        return bool(self.mem[self.addr(obj) + (attr >> 3)] & (0x80 >> (attr & 7)))

    def set_attr(self, obj: int, attr: int) -> None:
        if self._attr_check(obj, attr, "set_attr"):
            self.mem[self.addr(obj) + (attr >> 3)] |= 0x80 >> (attr & 7)

    def clear_attr(self, obj: int, attr: int) -> None:
        if self._attr_check(obj, attr, "clear_attr"):
            self.mem[self.addr(obj) + (attr >> 3)] &= ~(0x80 >> (attr & 7)) & 255

    def attributes(self, obj: int) -> list[int]:
        mem, a = self.mem, self.addr(obj)
        return [n for n in range(self.max_attr + 1) if mem[a + (n >> 3)] & (0x80 >> (n & 7))]

    # -- the tree (§12.5, remove_obj and insert_obj) ------------------------
    def remove(self, obj: int) -> None:
        if obj == 0:
            self.warn("remove_obj of object 0")
            return
        parent = self._link(obj, 0)
        if parent == 0:
            return
        sib = self._link(obj, 1)
        first = self._link(parent, 2)
        if first == obj:
            self._set_link(parent, 2, sib)
        else:
            cur = first
            while cur:
                nxt = self._link(cur, 1)
                if nxt == obj:
                    self._set_link(cur, 1, sib)
                    break
                cur = nxt
        self._set_link(obj, 0, 0)
        self._set_link(obj, 1, 0)

    def insert(self, obj: int, dest: int) -> None:
        if obj == 0 or dest == 0:
            self.warn("insert_obj with object 0")
            return
        self.remove(obj)
        self._set_link(obj, 1, self._link(dest, 2))
        self._set_link(obj, 0, dest)
        self._set_link(dest, 2, obj)

    # -- properties (§12.4) ------------------------------------------------
    def _first_prop(self, obj: int) -> int:
        t = self.prop_table(obj)
        return t + 1 + 2 * self.mem[t]

    def _prop_header(self, a: int) -> tuple[int, int, int]:
        """At a size byte: (number, data length, data address)."""
        mem = self.mem
        b = mem[a]
        if self.v3:
            return b & 31, (b >> 5) + 1, a + 1
        if b & 0x80:
            n = mem[a + 1] & 63
            return b & 63, n or 64, a + 2             # §12.4.2.1.1
        return b & 63, 2 if b & 0x40 else 1, a + 1

    def _list_end(self, obj: int) -> int:
        """The address of the 0 that ends obj's property list (§12.4)."""
        mem = self.mem
        a = self._first_prop(obj)
        while mem[a]:
            _, length, data = self._prop_header(a)
            a = data + length
        return a

    def find_prop(self, obj: int, prop: int) -> tuple[int, int]:
        """(data address, length) of the property, or (0, 0) if absent.
        The table lists properties in descending order (§12.4); the size
        byte's layout is §12.4.1 (versions 1-3) and §12.4.2 (4+)."""
        mem = self.mem
        a = self.base + obj * self.entry_size + self.table_offset
        a = (mem[a] << 8) | mem[a + 1]
        a += 1 + 2 * mem[a]                    # past the short name
        if self.v3:
            while True:
                b = mem[a]
                num = b & 31
                if num <= prop:
                    if num == prop and b:
                        return a + 1, (b >> 5) + 1
                    return 0, 0
                a += (b >> 5) + 2
        while True:
            b = mem[a]
            num = b & 63
            if b & 0x80:
                length = (mem[a + 1] & 63) or 64     # §12.4.2.1.1
                data = a + 2
            else:
                length = 2 if b & 0x40 else 1
                data = a + 1
            if num <= prop:
                if num == prop and b:
                    return data, length
                return 0, 0
            a = data + length

    def get_prop(self, obj: int, prop: int) -> int:
        if obj == 0:
            self.warn("get_prop of object 0")
            return 0
        mem = self.mem
        if prop == 0:
            # There is no property 0 (§12.4). Frotz, the reference, takes the
            # list's terminating 0 for it and reads the byte after: so do we
            # (a loop in a damaged story ends where it ends under Frotz).
            self.warn("get_prop of property 0")
            return mem[self._list_end(obj) + 1]
        data, length = self.find_prop(obj, prop)
        if not data:
            a = self.defaults + 2 * (prop - 1)
            return (mem[a] << 8) | mem[a + 1]
        if length == 1:
            return mem[data]
        return (mem[data] << 8) | mem[data + 1]

    def get_prop_addr(self, obj: int, prop: int) -> int:
        if obj == 0:
            self.warn("get_prop_addr of object 0")
            return 0
        if obj > self.last_in_dynamic:           # (its entry would end past it)
            # An object whose entry would lie past dynamic memory cannot
            # exist (its attributes are writable): Beyond Zork asks this of
            # dictionary words, and Frotz answers 0.
            self.warn(f"get_prop_addr of object {obj}, beyond the object table")
            return 0
        return self.find_prop(obj, prop)[0]

    def get_prop_len(self, data: int) -> int:
        """§15 get_prop_len: from the data address; 0 gives 0."""
        if data == 0:
            return 0
        b = self.mem[data - 1]
        if self.v3:
            return (b >> 5) + 1
        if b & 0x80:
            return (b & 63) or 64
        return 2 if b & 0x40 else 1

    def get_next_prop(self, obj: int, prop: int) -> int:
        if obj == 0:
            self.warn("get_next_prop of object 0")
            return 0
        a = self._first_prop(obj)
        if prop == 0:
            return self._prop_header(a)[0] if self.mem[a] else 0
        data, length = self.find_prop(obj, prop)
        if not data:
            raise ZMachineError(f"get_next_prop: object {obj} has no property {prop}")
        a = data + length
        return self._prop_header(a)[0] if self.mem[a] else 0

    def put_prop(self, obj: int, prop: int, value: int) -> None:
        if obj == 0:
            self.warn("put_prop of object 0")
            return
        data, length = self.find_prop(obj, prop)
        if not data:
            raise ZMachineError(f"put_prop: object {obj} has no property {prop}")
        if length == 1:
            self.mem[data] = value & 255
        else:
            self.mem[data] = value >> 8
            self.mem[data + 1] = value & 255

    def properties(self, obj: int) -> list[tuple[int, bytes]]:
        """(number, value) of each property of obj, in table order."""
        return [(num, bytes(self.mem[data:data + length]))
                for num, data, length in self.property_spans(obj)]

    def property_spans(self, obj: int) -> list[tuple[int, int, int]]:
        """(number, data address, length) of each property of obj, in table
        order (§12.4), for code that needs where the values live. For the
        tools and the library: a table that runs past the end of memory (a
        damaged story) ends there."""
        out: list[tuple[int, int, int]] = []
        mem, end = self.mem, len(self.mem)
        t = self.prop_table(obj)
        if t >= end:
            return out
        a = t + 1 + 2 * mem[t]
        while a + 1 < end and mem[a]:
            num, length, data = self._prop_header(a)
            out.append((num, data, length))
            a = data + length
        return out

    def count(self) -> int:
        """How many objects there are: the lowest property table address
        bounds the object entries (§12.1 gives no count)."""
        lowest = None
        n = 0
        limit = 255 if self.v3 else 65535
        while n < limit:
            n += 1
            a = self.addr(n)
            if lowest is not None and a >= lowest:
                return n - 1
            if a + self.entry_size > len(self.mem):
                return n - 1
            t = self.prop_table(n)
            if lowest is None or t < lowest:
                lowest = t
        return n
