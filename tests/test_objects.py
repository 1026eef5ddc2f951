"""The object table (§12): ``zvm.objects.ObjectTable``.

Object tables are built by hand in a bytearray in both layouts (versions
1-3: 9-byte entries, 31 defaults, one-byte property sizes; versions 4+:
14-byte entries, 63 defaults, one- or two-byte sizes), and the results are
checked against §12 and the opcode descriptions of §15.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import shared_story
from zvm.story import loader
from zvm.errors import ZMachineError
from zvm.vm.objects import ObjectTable
from zvm.vm.text import TextCodec

TABLE = 0x100


class Recorder:
    """A ``warn`` callback that remembers what it was told."""

    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, what: str) -> None:
        self.calls.append(what)


def size_bytes(version: int, num: int, length: int, *, long_form: bool = False) -> bytes:
    """The size byte(s) of a property block (§12.4.1, §12.4.2)."""
    if version <= 3:
        assert 1 <= length <= 8
        return bytes([32 * (length - 1) + num])
    if length <= 2 and not long_form:
        return bytes([num | (0x40 if length == 2 else 0)])
    assert 1 <= length <= 64
    return bytes([0x80 | num, 0x80 | (length & 63)])       # 64 is stored as 0


def build(version: int, objects: list[dict], defaults: dict[int, int] | None = None,
          size: int = 0x2000) -> bytearray:
    """Memory with an object table at TABLE. Each object is a dict with
    optional attrs (list), parent, sibling, child, name_words (int) and props:
    list of (num, data bytes[, long_form]) in the order to store them."""
    mem = bytearray(size)
    v3 = version <= 3
    ndefaults = 31 if v3 else 63
    entry = 9 if v3 else 14
    for p in range(1, ndefaults + 1):
        value = (defaults or {}).get(p, 0x1000 + p)
        struct.pack_into(">H", mem, TABLE + 2 * (p - 1), value)
    first = TABLE + 2 * ndefaults
    props_at = first + entry * len(objects)
    for i, obj in enumerate(objects):
        a = first + entry * i
        for attr in obj.get("attrs", []):
            mem[a + attr // 8] |= 0x80 >> (attr % 8)
        links = [obj.get("parent", 0), obj.get("sibling", 0), obj.get("child", 0)]
        if v3:
            mem[a + 4:a + 7] = bytes(links)
            struct.pack_into(">H", mem, a + 7, props_at)
        else:
            struct.pack_into(">HHH", mem, a + 6, *links)
            struct.pack_into(">H", mem, a + 12, props_at)
        nwords = obj.get("name_words", 1)
        mem[props_at] = nwords
        p = props_at + 1
        for w in range(nwords):       # any z-chars; end bit on the last word
            struct.pack_into(">H", mem, p, 0x14A5 | (0x8000 if w == nwords - 1 else 0))
            p += 2
        for prop in obj.get("props", []):
            num, data = prop[0], prop[1]
            long_form = len(prop) > 2 and prop[2]
            block = size_bytes(version, num, len(data), long_form=long_form) + bytes(data)
            mem[p:p + len(block)] = block
            p += len(block)
        mem[p] = 0
        props_at = p + 1
    return mem


def table(version, objects, defaults=None):
    mem = build(version, objects, defaults)
    warn = Recorder()
    return ObjectTable(mem, version, TABLE, warn), mem, warn


# A small tree: 1 holds 2, 3, 4 (in that order); 2 holds 5; 6 is nowhere.
TREE = [
    dict(child=2),
    dict(parent=1, sibling=3, child=5),
    dict(parent=1, sibling=4),
    dict(parent=1),
    dict(parent=2),
    dict(),
]

VERSIONS = [3, 5]


def links(t: ObjectTable, obj: int) -> tuple[int, int, int]:
    return t.parent(obj), t.sibling(obj), t.child(obj)


def children(t: ObjectTable, obj: int) -> list[int]:
    out, c = [], t.child(obj)
    while c:
        out.append(c)
        c = t.sibling(c)
    return out


# -- layout ------------------------------------------------------------------------


@pytest.mark.parametrize("version,entry,ndefaults", [(3, 9, 31), (5, 14, 63)])
def test_entry_addresses(version, entry, ndefaults):
    """§12.2-12.3: object 1 follows the defaults; entries are 9 or 14 bytes."""
    t, _, _ = table(version, TREE)
    assert t.addr(1) == TABLE + 2 * ndefaults
    assert t.addr(4) - t.addr(3) == entry


@pytest.mark.parametrize("version", VERSIONS)
def test_links_read(version):
    t, _, _ = table(version, TREE)
    assert links(t, 1) == (0, 0, 2)
    assert links(t, 2) == (1, 3, 5)
    assert children(t, 1) == [2, 3, 4]
    assert links(t, 6) == (0, 0, 0)


def test_v5_links_are_words():
    objs = [dict() for _ in range(6)]
    objs[0] = dict(child=300)
    t, mem, _ = table(5, objs)
    assert t.child(1) == 300
    t._set_link(2, 0, 0x1234)
    a = t.addr(2)
    assert mem[a + 6:a + 8] == b"\x12\x34"


@pytest.mark.parametrize("version", VERSIONS)
def test_count(version):
    t, _, _ = table(version, TREE)
    assert t.count() == len(TREE)


# -- attributes (§12.3.1) ------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_attribute_bit_order(version):
    """Attribute 0 is bit 7 of the first byte; attribute 31 is bit 0 of the fourth."""
    t, mem, _ = table(version, TREE)
    a = t.addr(2)
    t.set_attr(2, 0)
    assert mem[a] == 0x80
    t.set_attr(2, 31)
    assert mem[a + 3] == 0x01
    t.set_attr(2, 10)
    assert mem[a + 1] == 0x20
    assert t.attributes(2) == [0, 10, 31]
    # neighbouring objects are untouched
    assert t.attributes(1) == [] and t.attributes(3) == []


def test_v5_has_48_attributes():
    t, mem, warn = table(5, TREE)
    t.set_attr(3, 47)
    assert mem[t.addr(3) + 5] == 0x01
    assert t.test_attr(3, 47)
    assert warn.calls == []


def test_v3_attribute_32_out_of_range_warns():
    t, mem, warn = table(3, TREE)
    before = bytes(mem)
    t.set_attr(1, 32)
    assert not t.test_attr(1, 32)
    assert bytes(mem) == before
    assert len(warn.calls) == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_attributes_read_from_memory(version):
    t, _, _ = table(version, [dict(attrs=[1, 7, 8, 30])] + TREE[1:])
    assert [n for n in range(32) if t.test_attr(1, n)] == [1, 7, 8, 30]


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=60, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 31)), max_size=40))
def test_attribute_set_clear_model(version, ops):
    t, mem, warn = table(version, TREE)
    model: set[int] = set()
    for on, attr in ops:
        if on:
            t.set_attr(4, attr)
            model.add(attr)
        else:
            t.clear_attr(4, attr)
            model.discard(attr)
    assert {n for n in range(32) if t.test_attr(4, n)} == model
    # the raw bytes: attribute n at byte n // 8, bit 7 - n % 8
    raw = int.from_bytes(mem[t.addr(4):t.addr(4) + 4], "big")
    assert raw == sum(1 << (31 - n) for n in model)
    assert warn.calls == []


# -- the tree (§12.5, §15 insert_obj / remove_obj) -------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_insert_makes_first_child(version):
    t, _, _ = table(version, TREE)
    t.insert(6, 1)
    assert children(t, 1) == [6, 2, 3, 4]
    assert links(t, 6) == (1, 2, 0)


@pytest.mark.parametrize("version", VERSIONS)
def test_insert_moves_children_along(version):
    t, _, _ = table(version, TREE)
    t.insert(2, 6)
    assert children(t, 1) == [3, 4]
    assert children(t, 6) == [2]
    assert links(t, 2) == (6, 0, 5)
    assert t.parent(5) == 2


@pytest.mark.parametrize("version", VERSIONS)
def test_insert_into_same_parent_moves_to_front(version):
    t, _, _ = table(version, TREE)
    t.insert(4, 1)
    assert children(t, 1) == [4, 2, 3]
    assert t.sibling(3) == 0


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("obj,rest", [(2, [3, 4]), (3, [2, 4]), (4, [2, 3])])
def test_remove_detaches_and_zeroes(version, obj, rest):
    t, _, _ = table(version, TREE)
    child_before = t.child(obj)
    t.remove(obj)
    assert children(t, 1) == rest
    assert t.parent(obj) == 0 and t.sibling(obj) == 0
    assert t.child(obj) == child_before            # children remain in its possession


@pytest.mark.parametrize("version", VERSIONS)
def test_remove_parentless_is_noop(version):
    t, mem, warn = table(version, TREE)
    before = bytes(mem)
    t.remove(6)
    assert bytes(mem) == before
    assert warn.calls == []


def descendants(model_children: dict[int, list[int]], obj: int) -> set[int]:
    out, todo = set(), [obj]
    while todo:
        o = todo.pop()
        out.add(o)
        todo.extend(model_children[o])
    return out


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=80, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(1, 6), st.integers(1, 6)),
                    max_size=30))
def test_tree_operations_match_model(version, ops):
    """insert_obj/remove_obj against a list model of the tree (§12.5)."""
    t, _, _ = table(version, TREE)
    parent = {1: 0, 2: 1, 3: 1, 4: 1, 5: 2, 6: 0}
    kids = {0: [], 1: [2, 3, 4], 2: [5], 3: [], 4: [], 5: [], 6: []}
    for is_insert, obj, dest in ops:
        if is_insert:
            if dest in descendants(kids, obj):      # would make a cycle: not well-founded
                continue
            t.insert(obj, dest)
        else:
            t.remove(obj)
        if parent[obj]:
            kids[parent[obj]].remove(obj)
        parent[obj] = 0
        if is_insert:
            kids[dest].insert(0, obj)
            parent[obj] = dest
    for o in range(1, 7):
        sibs = kids[parent[o]] if parent[o] else [o]
        i = sibs.index(o)
        expected_sibling = sibs[i + 1] if i + 1 < len(sibs) else 0
        assert links(t, o) == (parent[o], expected_sibling, kids[o][0] if kids[o] else 0)


# -- properties (§12.4, §15 get_prop etc.) ---------------------------------------------------

V3_PROPS = [dict(props=[(18, b"\x01\x02\x03\x04"), (10, b"\xab\xcd"), (7, bytes(range(8))),
                        (5, b"\x7f")]), dict(props=[]), dict(props=[(1, b"\x00\x09")])]

V5_PROPS = [dict(props=[(63, b"\x11"), (40, bytes(64)), (33, bytes(range(10))),
                        (20, b"\xbe\xef"), (12, b"\x12\x34", True), (3, b"\x42"),
                        (2, b"\x99", True)]),
            dict(props=[]), dict(props=[(1, b"\x00\x09")], name_words=0)]


def test_v3_get_prop_values_and_defaults():
    t, _, warn = table(3, V3_PROPS, defaults={9: 0xCAFE})
    assert t.get_prop(1, 10) == 0xABCD          # length 2: a word
    assert t.get_prop(1, 5) == 0x7F             # length 1: the byte
    assert t.get_prop(1, 9) == 0xCAFE           # absent: the default (§12.2)
    assert t.get_prop(2, 31) == 0x1000 + 31
    assert t.get_prop(2, 1) == 0x1000 + 1
    assert t.get_prop(3, 1) == 9
    assert warn.calls == []


def test_v3_prop_addresses_and_lengths():
    t, mem, _ = table(3, V3_PROPS)
    a = t.get_prop_addr(1, 18)
    assert mem[a:a + 4] == b"\x01\x02\x03\x04"
    assert mem[a - 1] == 32 * 3 + 18
    assert t.get_prop_len(a) == 4
    assert t.get_prop_len(t.get_prop_addr(1, 10)) == 2
    assert t.get_prop_len(t.get_prop_addr(1, 5)) == 1
    a7 = t.get_prop_addr(1, 7)
    assert t.get_prop_len(a7) == 8                # the v3 maximum
    assert mem[a7:a7 + 8] == bytes(range(8))
    assert t.get_prop_addr(1, 9) == 0
    assert t.get_prop_addr(2, 18) == 0
    assert t.get_prop_len(0) == 0                 # §15: get_prop_len 0 must return 0


def test_v3_get_next_prop():
    t, _, _ = table(3, V3_PROPS)
    assert t.get_next_prop(1, 0) == 18
    assert t.get_next_prop(1, 18) == 10
    assert t.get_next_prop(1, 10) == 7
    assert t.get_next_prop(1, 7) == 5
    assert t.get_next_prop(1, 5) == 0
    assert t.get_next_prop(2, 0) == 0
    with pytest.raises(ZMachineError):
        t.get_next_prop(1, 9)                     # §15: illegal, halt


def test_v3_put_prop():
    t, mem, _ = table(3, V3_PROPS)
    t.put_prop(1, 10, 0x1234)
    assert t.get_prop(1, 10) == 0x1234
    t.put_prop(1, 5, 0xFFFF)                      # §15: only the low byte
    assert t.get_prop(1, 5) == 255
    a = t.get_prop_addr(1, 5)
    assert mem[a - 1] == 5 and mem[a + 1] == 0    # size byte and terminator intact
    assert t.get_prop(1, 18) == 0x0102            # neighbours untouched
    with pytest.raises(ZMachineError):
        t.put_prop(1, 9, 1)                       # §15: absent property, halt


def test_v3_properties_listing():
    t, _, _ = table(3, V3_PROPS)
    assert [n for n, _ in t.properties(1)] == [18, 10, 7, 5]
    assert t.properties(1)[0][1] == b"\x01\x02\x03\x04"


def test_v5_prop_lengths():
    """§12.4.2: one size byte for 1-2 bytes (bit 6), two for longer; in the
    second byte 0 means 64 (§12.4.2.1.1)."""
    t, mem, _ = table(5, V5_PROPS)
    a40 = t.get_prop_addr(1, 40)
    assert mem[a40 - 2] == 0x80 | 40 and mem[a40 - 1] == 0x80   # stored length 0
    assert t.get_prop_len(a40) == 64
    assert t.get_prop_len(t.get_prop_addr(1, 33)) == 10
    a20 = t.get_prop_addr(1, 20)
    assert mem[a20 - 1] == 0x40 | 20
    assert t.get_prop_len(a20) == 2
    assert t.get_prop_len(t.get_prop_addr(1, 3)) == 1
    assert t.get_prop_len(t.get_prop_addr(1, 12)) == 2          # two-byte form, length 2
    assert t.get_prop_len(t.get_prop_addr(1, 2)) == 1           # two-byte form, length 1
    assert t.get_prop_len(t.get_prop_addr(1, 63)) == 1
    assert t.get_prop_len(0) == 0


def test_v5_get_prop_and_defaults():
    t, _, warn = table(5, V5_PROPS, defaults={50: 0x7777, 63: 0x6363})
    assert t.get_prop(1, 20) == 0xBEEF
    assert t.get_prop(1, 12) == 0x1234
    assert t.get_prop(1, 3) == 0x42
    assert t.get_prop(1, 2) == 0x99
    assert t.get_prop(1, 63) == 0x11
    assert t.get_prop(1, 50) == 0x7777
    assert t.get_prop(2, 63) == 0x6363            # the 63rd default
    assert t.get_prop(3, 1) == 9                  # an object with an empty name
    assert warn.calls == []


def test_v5_get_next_prop_walks_long_properties():
    t, _, _ = table(5, V5_PROPS)
    seen, p = [], t.get_next_prop(1, 0)
    while p:
        seen.append(p)
        p = t.get_next_prop(1, p)
    assert seen == [63, 40, 33, 20, 12, 3, 2]


def test_v5_put_prop():
    t, _, _ = table(5, V5_PROPS)
    t.put_prop(1, 12, 0xA5A5)
    t.put_prop(1, 3, 0x1FF)
    assert t.get_prop(1, 12) == 0xA5A5
    assert t.get_prop(1, 3) == 0xFF
    assert t.get_prop(1, 2) == 0x99 and t.get_prop(1, 20) == 0xBEEF


def test_short_name_header():
    """§12.4: the property table starts with the name's length in words."""
    t, mem, _ = table(5, V5_PROPS)
    assert t.has_name(1) and not t.has_name(3)
    assert t.name_address(1) == t.prop_table(1) + 1
    assert mem[t.prop_table(1)] == 1


# -- object 0 (Appendix A: survivable) --------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_object_zero_is_survivable(version):
    t, mem, warn = table(version, V3_PROPS if version == 3 else V5_PROPS)
    before = bytes(mem)
    assert t.parent(0) == 0
    assert t.sibling(0) == 0
    assert t.child(0) == 0
    assert t.test_attr(0, 3) is False
    t.set_attr(0, 3)
    t.clear_attr(0, 3)
    assert t.get_prop(0, 1) == 0
    assert t.get_prop_addr(0, 1) == 0
    assert t.get_next_prop(0, 0) == 0
    t.put_prop(0, 1, 5)
    t.remove(0)
    t.insert(0, 1)
    t.insert(1, 0)
    assert bytes(mem) == before
    assert len(warn.calls) == 13
    assert all("object 0" in w for w in warn.calls)


# -- Zork I ----------------------------------------------------------------------------------


def test_zork1_mailbox_in_west_of_house():
    story = loader.load(str(shared_story("zork1.z3")))
    h = story.header
    mem = bytearray(story.data)
    warn = Recorder()
    t = ObjectTable(mem, 3, h.objects, warn)
    codec = TextCodec(mem, 3, h.abbreviations, 0, 0, h.static_base)
    by_name: dict[str, list[int]] = {}
    for n in range(1, t.count() + 1):
        by_name.setdefault(codec.decode(t.name_address(n))[0], []).append(n)
    [house] = by_name["West of House"]
    [mailbox] = by_name["small mailbox"]
    assert t.parent(mailbox) == house
    assert mailbox in children(t, house)
    assert warn.calls == []
