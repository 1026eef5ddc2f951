"""Dictionaries and lexical analysis (§13, §15 read / tokenise):
``zvm.dictionary.Dictionaries``.

Parse buffer layout (§15 read): byte 0 the maximum number of words, byte 1
the number found, then per word 4 bytes: the dictionary address (word, 0 if
not found), the word's length, and its position in the text buffer (bytes 1+
in versions 1-4, bytes 2+ in version 5 and later).
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import shared_story
from zvm.story import loader
from zvm.vm.dictionary import Dictionaries
from zvm.vm.text import TextCodec


def zscii(text: str) -> list[int]:
    return [ord(c) for c in text]


def words_of(text: str, seps: str = "") -> list[str]:
    d = Dictionaries(bytearray(16), 3, None, 0, 0)
    return [text[s:s + n] for s, n in d.split(zscii(text), frozenset(map(ord, seps)))]


# -- splitting (§13.6.1) -------------------------------------------------------------


def test_split_standard_example():
    """§13.6.1: "fred,go  fishing" is fred / , / go / fishing."""
    assert words_of("fred,go  fishing", ",") == ["fred", ",", "go", "fishing"]


def test_split_positions_and_lengths():
    d = Dictionaries(bytearray(16), 3, None, 0, 0)
    assert d.split(zscii("  open  the box "), frozenset()) == [(2, 4), (8, 3), (12, 3)]


def test_split_separators_are_words():
    assert words_of("a,,b.", ",.") == ["a", ",", ",", "b", "."]
    assert words_of(",", ",") == [","]
    assert words_of(" . ", ".") == ["."]


def test_split_only_spaces():
    assert words_of("", ",") == []
    assert words_of("     ", ",") == []


def test_split_non_separator_punctuation_stays_in_word():
    assert words_of("don't stop", ",") == ["don't", "stop"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab ,.", max_size=30))
def test_split_property(text):
    """Words hold no spaces, each separator is a word of its own, and
    joining the words again without spaces gives the text without spaces."""
    seps = ",."
    found = words_of(text, seps)
    assert "".join(found) == text.replace(" ", "")
    for w in found:
        assert w and " " not in w
        assert len(w) == 1 or not any(c in seps for c in w)


# -- tokenise on Zork I (version 3) -------------------------------------------------------


@pytest.fixture
def zork1():
    story = loader.load(str(shared_story("zork1.z3")))
    h = story.header
    mem = bytearray(story.data) + bytearray(0x200)      # room for the buffers
    codec = TextCodec(mem, 3, h.abbreviations, 0, 0, h.static_base)
    d = Dictionaries(mem, 3, codec, h.static_base, h.dictionary)
    text_buf = len(story.data)
    parse_buf = text_buf + 0x100
    return d, mem, codec, h, text_buf, parse_buf


def put_text_v3(mem, text_buf, text, size=80):
    """§15 read, versions 1-4: byte 0 the size, the text from byte 1, then 0."""
    mem[text_buf] = size
    raw = text.encode("ascii")
    mem[text_buf + 1:text_buf + 1 + len(raw)] = raw
    mem[text_buf + 1 + len(raw)] = 0


def parse_entries(mem, parse_buf):
    n = mem[parse_buf + 1]
    out = []
    for i in range(n):
        b = parse_buf + 2 + 4 * i
        out.append(((mem[b] << 8) | mem[b + 1], mem[b + 2], mem[b + 3]))
    return out


def dictionary_entries(mem, addr):
    """(first entry address, entry length, count) from the §13.2 header."""
    a = addr + 1 + mem[addr]
    return a + 3, mem[a], struct.unpack(">h", bytes(mem[a + 1:a + 3]))[0]


def test_zork1_open_the_mailbox(zork1):
    d, mem, codec, h, text_buf, parse_buf = zork1
    put_text_v3(mem, text_buf, "open the mailbox")
    mem[parse_buf] = 10
    d.tokenise(text_buf, parse_buf)
    entries = parse_entries(mem, parse_buf)
    assert len(entries) == 3
    first, entry_len, count = dictionary_entries(mem, h.dictionary)
    assert entry_len == 7 and count > 600
    for (addr, _, _), word in zip(entries, ["open", "the", "mailbo"]):
        assert addr != 0
        assert first <= addr < first + entry_len * count
        assert (addr - first) % entry_len == 0
        assert codec.decode(addr)[0] == word          # the entry is the typed word
    assert [(n, p) for _, n, p in entries] == [(4, 1), (3, 6), (7, 10)]


def test_zork1_separators_are_words(zork1):
    d, mem, codec, h, text_buf, parse_buf = zork1
    assert d.separators() == frozenset(map(ord, '",.'))
    put_text_v3(mem, text_buf, "take lamp,sword.")
    mem[parse_buf] = 10
    d.tokenise(text_buf, parse_buf)
    entries = parse_entries(mem, parse_buf)
    assert [(n, p) for _, n, p in entries] == [(4, 1), (4, 6), (1, 10), (5, 11), (1, 16)]
    assert all(addr != 0 for addr, _, _ in entries)
    assert codec.decode(entries[2][0])[0] == ","
    assert codec.decode(entries[4][0])[0] == "."


def test_zork1_unknown_words_give_zero(zork1):
    d, mem, codec, h, text_buf, parse_buf = zork1
    put_text_v3(mem, text_buf, "open qwzrtq mailbox")
    mem[parse_buf] = 10
    d.tokenise(text_buf, parse_buf)
    entries = parse_entries(mem, parse_buf)
    assert entries[1] == (0, 6, 6)
    assert entries[0][0] != 0 and entries[2][0] != 0


def test_zork1_skip_unknown_leaves_slots(zork1):
    """§15 tokenise: with the flag, unrecognised words' slots are left unchanged."""
    d, mem, codec, h, text_buf, parse_buf = zork1
    put_text_v3(mem, text_buf, "open qwzrtq mailbox")
    mem[parse_buf] = 10
    mem[parse_buf + 1:parse_buf + 2 + 40] = b"\xee" * 41
    d.tokenise(text_buf, parse_buf, skip_unknown=True)
    assert mem[parse_buf + 1] == 3
    assert mem[parse_buf + 6:parse_buf + 10] == b"\xee" * 4    # slot 2 untouched
    entries = parse_entries(mem, parse_buf)
    assert entries[0][0] == d.lookup("open") and entries[0][1:] == (4, 1)
    assert entries[2][0] == d.lookup("mailbox") and entries[2][1:] == (7, 13)


def test_zork1_max_words(zork1):
    """§15 read: stop before going beyond the maximum number of words."""
    d, mem, codec, h, text_buf, parse_buf = zork1
    put_text_v3(mem, text_buf, "open the small mailbox")
    mem[parse_buf] = 2
    mem[parse_buf + 1:parse_buf + 40] = b"\xee" * 39
    d.tokenise(text_buf, parse_buf)
    assert mem[parse_buf + 1] == 2
    assert [(n, p) for _, n, p in parse_entries(mem, parse_buf)] == [(4, 1), (3, 6)]
    assert mem[parse_buf + 10:parse_buf + 18] == b"\xee" * 8     # no third slot


def test_zork1_text_ends_at_zero(zork1):
    d, mem, codec, h, text_buf, parse_buf = zork1
    put_text_v3(mem, text_buf, "look")
    mem[text_buf + 6:text_buf + 12] = b"around"              # after the terminator
    mem[parse_buf] = 10
    d.tokenise(text_buf, parse_buf)
    assert [(n, p) for _, n, p in parse_entries(mem, parse_buf)] == [(4, 1)]


def test_zork1_lookup(zork1):
    d, mem, codec, h, text_buf, parse_buf = zork1
    assert d.lookup("mailbox") != 0
    assert d.lookup("mailbox") == d.lookup("mailbo") == d.lookup("mailboxes")   # 6 z-chars
    assert d.lookup("qwzrtq") == 0


# -- version 5: a synthetic dictionary -------------------------------------------------------


V5_WORDS = ["apple", "eat", "the", "zebra"]


def v5_memory():
    """A v5 memory with the main dictionary at $100 (separators ',' and '.'),
    a user dictionary at $200 (count -2, unsorted), text buffer $300, parse
    buffer $380."""
    mem = bytearray(0x400)
    codec = TextCodec(mem, 5, 0, 0, 0, 0x400)
    a = 0x100
    mem[a:a + 3] = bytes([2, ord(","), ord(".")])
    a += 3
    mem[a] = 9                                     # 6 bytes of text + 3 of data
    struct.pack_into(">h", mem, a + 1, len(V5_WORDS) + 2)
    a += 3
    for w in V5_WORDS + [",", "."]:                # (sorting is irrelevant here)
        mem[a:a + 6] = codec.encode(w)
        a += 9
    u = 0x200
    mem[u:u + 2] = bytes([1, ord(";")])
    mem[u + 2] = 7
    struct.pack_into(">h", mem, u + 3, -2)         # §15 tokenise: -n = n entries unsorted
    mem[u + 5:u + 11] = codec.encode("zebra")
    mem[u + 12:u + 18] = codec.encode("banana")
    d = Dictionaries(mem, 5, codec, 0x400, 0x100)
    return mem, codec, d


def put_text_v5(mem, text_buf, text, size=60):
    """§15 read, version 5+: byte 0 the size, byte 1 the count, text from byte 2."""
    mem[text_buf] = size
    raw = text.encode("ascii")
    mem[text_buf + 1] = len(raw)
    mem[text_buf + 2:text_buf + 2 + len(raw)] = raw


def entry_addr(i):
    return 0x100 + 3 + 3 + 9 * i


def test_v5_positions_start_at_two():
    mem, codec, d = v5_memory()
    put_text_v5(mem, 0x300, "eat the apple")
    mem[0x380] = 8
    d.tokenise(0x300, 0x380)
    assert parse_entries(mem, 0x380) == [(entry_addr(1), 3, 2), (entry_addr(2), 3, 6),
                                         (entry_addr(0), 5, 10)]


def test_v5_text_length_byte_bounds_text():
    mem, codec, d = v5_memory()
    put_text_v5(mem, 0x300, "eat zebra")
    mem[0x301] = 3                                  # only "eat" was typed
    mem[0x380] = 8
    d.tokenise(0x300, 0x380)
    assert parse_entries(mem, 0x380) == [(entry_addr(1), 3, 2)]


def test_v5_separators_and_unknown():
    mem, codec, d = v5_memory()
    put_text_v5(mem, 0x300, "zebra,kiwi.")
    mem[0x380] = 8
    d.tokenise(0x300, 0x380)
    assert parse_entries(mem, 0x380) == [(entry_addr(3), 5, 2), (entry_addr(4), 1, 7),
                                         (0, 4, 8), (entry_addr(5), 1, 12)]


def test_v5_user_dictionary_unsorted_negative_count():
    """§15 tokenise: a given dictionary is used instead, with its own
    separators; a count of -n means n unsorted entries."""
    mem, codec, d = v5_memory()
    put_text_v5(mem, 0x300, "banana;zebra apple,x")
    mem[0x380] = 8
    d.tokenise(0x300, 0x380, dict_addr=0x200)
    assert parse_entries(mem, 0x380) == [(0x200 + 12, 6, 2), (0, 1, 8), (0x200 + 5, 5, 9),
                                         (0, 7, 15)]     # ',' is not a separator here
    assert d.lookup("banana", 0x200) == 0x200 + 12
    assert d.lookup("banana") == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(V5_WORDS + ["kiwi", ",", "."]), min_size=1, max_size=8),
       st.integers(1, 10))
def test_v5_tokenise_property(words, maxw):
    """Joining words with single spaces, tokenise reports each in order, at
    its offset + 2, with its length, up to the maximum."""
    mem, codec, d = v5_memory()
    text = " ".join(words)
    put_text_v5(mem, 0x300, text)
    mem[0x380] = maxw
    d.tokenise(0x300, 0x380)
    expected = []
    pos = 0
    known = V5_WORDS + [",", "."]
    for w in words:
        addr = entry_addr(known.index(w)) if w in known else 0
        expected.append((addr, len(w), pos + 2))
        pos += len(w) + 1
    assert parse_entries(mem, 0x380) == expected[:maxw]
