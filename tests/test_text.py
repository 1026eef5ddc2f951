"""Z-character text (§3): ``zvm.text.TextCodec`` decoding and dictionary
encoding.

Strings are assembled by hand from z-characters in a synthetic memory; the
expected text comes from the alphabet tables and rules of §3.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import shared_story
from zvm.story import loader
from zvm.vm.dictionary import Dictionaries
from zvm.vm.objects import ObjectTable
from zvm.vm.text import TextCodec

# §3.5.3 / §3.5.4, transcribed from the Standard: A2 from z-char 7 on (z-char 6
# is the escape; in versions 2+ z-char 7 is newline).
STD_A0 = "abcdefghijklmnopqrstuvwxyz"
STD_A1 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The first character of each A2 row (z-char 6) stands for the escape.
STD_A2_V2 = " \n0123456789.,!?_#'\"/\\-:()"     # z-chars 6..31
STD_A2_V1 = " 0123456789.,!?_#'\"/\\<-:()"       # z-chars 6..31

# §3.8.5.3 Table 1, the default Unicode translations for ZSCII 155..223.
STD_TABLE1 = [
    0x0E4, 0x0F6, 0x0FC, 0x0C4, 0x0D6, 0x0DC, 0x0DF, 0x0BB, 0x0AB, 0x0EB, 0x0EF,
    0x0FF, 0x0CB, 0x0CF, 0x0E1, 0x0E9, 0x0ED, 0x0F3, 0x0FA, 0x0FD, 0x0C1, 0x0C9,
    0x0CD, 0x0D3, 0x0DA, 0x0DD, 0x0E0, 0x0E8, 0x0EC, 0x0F2, 0x0F9, 0x0C0, 0x0C8,
    0x0CC, 0x0D2, 0x0D9, 0x0E2, 0x0EA, 0x0EE, 0x0F4, 0x0FB, 0x0C2, 0x0CA, 0x0CE,
    0x0D4, 0x0DB, 0x0E5, 0x0C5, 0x0F8, 0x0D8, 0x0E3, 0x0F1, 0x0F5, 0x0C3, 0x0D1,
    0x0D5, 0x0E6, 0x0C6, 0x0E7, 0x0C7, 0x0FE, 0x0F0, 0x0DE, 0x0D0, 0x0A3, 0x153,
    0x152, 0x0A1, 0x0BF,
]

MEM_SIZE = 0x1000
STR = 0x200          # where test strings go
ABBREV = 0x40        # abbreviation table (96 words)
ABBREV_STRINGS = 0x100


def pack(zchars: list[int], pad: int = 5) -> bytes:
    """Z-characters as 2-byte words (§3.2), padded, end bit on the last."""
    zs = list(zchars)
    while len(zs) % 3:
        zs.append(pad)
    out = bytearray()
    for i in range(0, len(zs), 3):
        w = (zs[i] << 10) | (zs[i + 1] << 5) | zs[i + 2]
        if i + 3 == len(zs):
            w |= 0x8000
        out += struct.pack(">H", w)
    return bytes(out)


def unpack(data: bytes) -> list[int]:
    out = []
    for i in range(0, len(data), 2):
        w = (data[i] << 8) | data[i + 1]
        out += [(w >> 10) & 31, (w >> 5) & 31, w & 31]
    return out


def codec(version: int, *, alphabet: int = 0, unicode_table: int = 0,
          mem: bytearray | None = None) -> TextCodec:
    if mem is None:
        mem = bytearray(MEM_SIZE)
    return TextCodec(mem, version, ABBREV, alphabet, unicode_table, len(mem))


def decode(c: TextCodec, zchars: list[int], pad: int = 5) -> str:
    data = pack(zchars, pad)
    c.mem[STR:STR + len(data)] = data
    text, end = c.decode(STR)
    assert end == STR + len(data)
    return text


def z(ch: str, alphabet: str) -> int:
    """The z-character of ch in an alphabet row that starts at z-char 6."""
    return alphabet.index(ch) + 6


# -- the basics ------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2, 3, 5])
def test_a0_and_space(version):
    c = codec(version)
    zs = [z(ch, STD_A0) for ch in "hello"] + [0] + [z(ch, STD_A0) for ch in "world"]
    assert decode(c, zs) == "hello world"


def test_end_bit_stops_decoding():
    c = codec(3)
    data = pack([z("a", STD_A0)] * 3) + pack([z("b", STD_A0)] * 3)
    c.mem[STR:STR + len(data)] = data
    assert c.decode(STR) == ("aaa", STR + 2)


def test_every_a0_a1_zchar_v3():
    """§3.5.3: z-char 6..31 in A0 and (after shift 4) in A1."""
    c = codec(3)
    assert decode(c, list(range(6, 32))) == STD_A0
    zs = []
    for zc in range(6, 32):
        zs += [4, zc]
    assert decode(c, zs) == STD_A1


@pytest.mark.parametrize("version", [2, 3, 5])
def test_every_a2_zchar_v2_plus(version):
    """§3.5.3: A2 from z-char 7 (newline) to 31."""
    c = codec(version)
    shift = 5 if version >= 3 else 3
    zs = []
    for zc in range(7, 32):
        zs += [shift, zc]
    assert decode(c, zs) == STD_A2_V2[1:]


def test_every_a2_zchar_v1():
    """§3.5.4: version 1's A2 has '<' and no newline."""
    c = codec(1)
    zs = []
    for zc in range(7, 32):
        zs += [3, zc]
    assert decode(c, zs) == STD_A2_V1[1:]


def test_v3_shifts_last_one_character():
    """§3.2.3: 4 and 5 shift for the next character only."""
    c = codec(3)
    assert decode(c, [4, z("h", STD_A0), z("i", STD_A0)]) == "Hi"
    assert decode(c, [5, 9, z("a", STD_A0)]) == "1a"      # z-char 9 in A2 is '1'


def test_v3_shift_sequence_prints_nothing():
    """§3.2.4: an indefinite sequence of shifts is legal and prints nothing."""
    c = codec(3)
    assert decode(c, [4, 5, 4, 4, z("x", STD_A0)]).lower() == "x"
    assert decode(c, [4, 4, 5, 5, 5]) == ""


# -- versions 1 and 2: newline, shift and shift lock (§3.2.2, §3.5.2) ---------------


def test_v1_zchar1_is_newline():
    c = codec(1)
    assert decode(c, [z("a", STD_A0), 1, z("b", STD_A0)]) == "a\nb"


@pytest.mark.parametrize("version", [1, 2])
def test_v1_v2_single_shifts_from_a0(version):
    """From A0, 2 -> A1 and 3 -> A2 for one character."""
    c = codec(version)
    a2 = STD_A2_V1 if version == 1 else STD_A2_V2
    assert decode(c, [2, z("q", STD_A0), z("q", STD_A0)]) == "Qq"
    assert decode(c, [3, z("5", a2), z("q", STD_A0)]) == "5q"


@pytest.mark.parametrize("version", [1, 2])
def test_v1_v2_shift_lock(version):
    """4 and 5 change the alphabet permanently, per the §3.2.2 table."""
    c = codec(version)
    a2 = STD_A2_V1 if version == 1 else STD_A2_V2
    # A0 --4--> A1 (locked)
    assert decode(c, [4, z("a", STD_A0), z("b", STD_A0), z("c", STD_A0)]) == "ABC"
    # A0 --5--> A2 (locked)
    assert decode(c, [5, z("1", a2), z("2", a2), z("3", a2)]) == "123"
    # A0 --4--> A1 --4--> A2 (locked)
    assert decode(c, [4, z("a", STD_A0), 4, z("7", a2), z("8", a2)]) == "A78"
    # A1 locked, shift 2 -> A2 for one char, then back to A1
    assert decode(c, [4, z("a", STD_A0), 2, z("9", a2), z("b", STD_A0)]) == "A9B"
    # A1 locked, shift 3 -> A0 for one char
    assert decode(c, [4, z("a", STD_A0), 3, z("b", STD_A0), z("c", STD_A0)]) == "AbC"
    # A2 locked, shift 2 -> A0, shift 3 -> A1
    assert decode(c, [5, z("1", a2), 2, z("x", STD_A0), 3, z("y", STD_A0),
                      z("2", a2)]) == "1xY2"
    # A2 locked, 5 -> A1 locked
    assert decode(c, [5, 5, z("m", STD_A0), z("n", STD_A0)]) == "MN"


def test_v2_zchar1_is_abbreviation_but_2_3_shift():
    """§3.3: in version 2 only z-char 1 is an abbreviation."""
    c = codec(2)
    put_abbrev(c.mem, 3, [z(ch, STD_A0) for ch in "the"])
    assert decode(c, [1, 3, 0, z("e", STD_A0)]) == "the e"
    assert decode(c, [2, z("e", STD_A0), z("e", STD_A0)]) == "Ee"


# -- the ZSCII escape (§3.4) -----------------------------------------------------------


@pytest.mark.parametrize("version,shift", [(1, 3), (2, 3), (3, 5), (5, 5)])
def test_zscii_escape(version, shift):
    c = codec(version)
    # '@' is ZSCII 64 = 2*32 + 0; '{' is 123 = 3*32 + 27.
    assert decode(c, [shift, 6, 2, 0, shift, 6, 3, 27]) == "@{"


def test_zscii_escape_reaches_ten_bits():
    """The top 5 bits can exceed 7: 155 = 4*32 + 27 (a-diaeresis)."""
    c = codec(3)
    assert decode(c, [5, 6, 4, 27]) == "\u00e4"


def test_incomplete_escape_is_ignored():
    """§3.6.1: a string may end inside a multi-z-char construction."""
    c = codec(3)
    a, b, c_ = (z(ch, STD_A0) for ch in "abc")
    assert decode(c, [a, 5, 6]) == "a"                 # escape, no code at all
    assert decode(c, [a, b, c_, 5, 6, 3]) == "abc"     # only the top half


# -- abbreviations (§3.3) --------------------------------------------------------------


def put_abbrev(mem: bytearray, index: int, zchars: list[int]) -> None:
    addr = ABBREV_STRINGS + 8 * index         # even: a word address
    data = pack(zchars)
    assert len(data) <= 8
    mem[addr:addr + len(data)] = data
    struct.pack_into(">H", mem, ABBREV + 2 * index, addr // 2)


def test_v3_abbreviations_all_three_banks():
    """Entry 32(z-1)+x for z-chars 1, 2, 3 followed by x."""
    c = codec(3)
    put_abbrev(c.mem, 5, [z(ch, STD_A0) for ch in "the"])
    put_abbrev(c.mem, 32 + 1, [4, z("a", STD_A0), z("b", STD_A0)])
    put_abbrev(c.mem, 64 + 31, [5, 9, 0])
    assert decode(c, [1, 5, 0, 2, 1, 0, 3, 31, z("z", STD_A0)]) == "the Ab 1 z"


def test_v3_abbreviation_at_end_is_ignored():
    c = codec(3)
    put_abbrev(c.mem, 0, [z("x", STD_A0)])
    # A string ending on z-char 1 alone: the incomplete construction prints nothing.
    assert decode(c, [z("a", STD_A0), z("b", STD_A0), 1]) == "ab"


def test_text_in_dynamic_memory_is_decoded_afresh_when_written():
    """Decodings are kept, but a story may rewrite a string in dynamic
    memory (an object's name) or an abbreviation it uses: the next
    decoding shows the change."""
    c = codec(3)
    put_abbrev(c.mem, 5, [z(ch, STD_A0) for ch in "the"])
    assert decode(c, [1, 5, 0, z("c", STD_A0)]) == "the c"
    assert c.decode(STR)[0] == "the c"
    put_abbrev(c.mem, 5, [z(ch, STD_A0) for ch in "an"])        # the abbreviation's text
    assert c.decode(STR)[0] == "an c"
    put_abbrev(c.mem, 6, [z(ch, STD_A0) for ch in "ye"])        # where the entry points
    c.mem[ABBREV + 2 * 5:ABBREV + 2 * 5 + 2] = c.mem[ABBREV + 2 * 6:ABBREV + 2 * 6 + 2]
    assert c.decode(STR)[0] == "ye c"
    assert decode(c, [z(ch, STD_A0) for ch in "lamp"]) == "lamp"  # the string itself
    assert c.decode(STR)[0] == "lamp"


def test_static_text_is_decoded_once():
    mem = bytearray(MEM_SIZE)
    data = pack([z(ch, STD_A0) for ch in "door"])
    mem[0x800:0x800 + len(data)] = data
    c = TextCodec(mem, 3, ABBREV, 0, 0, 0x800)
    assert c.decode(0x800)[0] == "door"
    assert c.decode(0x800) is c.decode(0x800)


def test_codecs_of_one_story_share_decodings_made_with_the_same_abbreviations():
    """Machines of one story share decoded text (``TextCodec.share``), one
    set for each state of the abbreviations: a machine whose story rewrites
    an abbreviation decodes with its own, the others keep theirs."""
    from zvm.vm.text import SHARED_STATES
    mems = [bytearray(MEM_SIZE), bytearray(MEM_SIZE)]
    for mem in mems:
        put_abbrev(mem, 5, [z(ch, STD_A0) for ch in "the"])
        data = pack([1, 5, 0, z("c", STD_A0)])
        mem[0x800:0x800 + len(data)] = data
    shared: dict = {}
    a, b = (TextCodec(mem, 3, ABBREV, 0, 0, 0x800) for mem in mems)
    a.share(shared)
    b.share(shared)
    assert a.decode(0x800)[0] == "the c"
    assert b.decode(0x800) is a.decode(0x800)             # decoded once, for both
    for n, word in enumerate(["an", "ye", "my", "up", "on", "to", "of", "at", "it", "is"]):
        put_abbrev(a.mem, 5, [z(ch, STD_A0) for ch in word])
        assert a.decode(0x800)[0] == f"{word} c", n
        assert b.decode(0x800)[0] == "the c", n             # its own abbreviations
    assert len(shared) == SHARED_STATES                     # bounded: later states kept apart
    put_abbrev(a.mem, 5, [z(ch, STD_A0) for ch in "the"])
    assert a.decode(0x800) is b.decode(0x800)


# -- version 5 alphabet table (§3.5.5) --------------------------------------------------


def test_v5_custom_alphabet_table():
    mem = bytearray(MEM_SIZE)
    table = 0x300
    a0 = "zyxwvutsrqponmlkjihgfedcba"
    a1 = "0123456789ABCDEFGHIJKLMNOP"
    a2 = "**" + "abcdefghijklmnopqrstuvwx"  # 6 and 7 are overridden by the Standard
    mem[table:table + 78] = (a0 + a1 + a2).encode("ascii")
    c = codec(5, alphabet=table, mem=mem)
    assert decode(c, [6, 7, 31]) == "zya"
    assert decode(c, [4, 6, 4, 31]) == "0P"
    # §3.5.5.1: A2 z-char 7 is still newline, 6 still the escape.
    assert decode(c, [5, 7, 5, 8, 5, 31]) == "\nax"
    assert decode(c, [5, 6, 2, 0]) == "@"


def test_v5_custom_alphabet_with_extra_characters():
    """§3.8.5.4: extra characters may appear in the alphabet table."""
    mem = bytearray(MEM_SIZE)
    table = 0x300
    rows = bytearray(STD_A0.encode() + STD_A1.encode() + b"  " + b"0123456789.,!?_#'\"/\\-:()")
    rows[0] = 155                                 # A0 z-char 6 -> ZSCII 155 -> a-umlaut
    mem[table:table + 78] = rows
    c = codec(5, alphabet=table, mem=mem)
    assert decode(c, [6, 7]) == "\u00e4b"
    # the dictionary encoder uses it too: one z-char for the umlaut
    assert unpack(c.encode("\u00e4b")) == [6, 7, 5, 5, 5, 5, 5, 5, 5]


def test_v5_zero_alphabet_table_is_default():
    c = codec(5, alphabet=0)
    assert decode(c, list(range(6, 32))) == STD_A0


# -- ZSCII and Unicode (§3.8) ------------------------------------------------------------


@pytest.mark.parametrize("version", [3, 5])
def test_default_unicode_table(version):
    """§3.8.5.3 Table 1 for ZSCII 155..223, and 32..126 are ASCII."""
    c = codec(version)
    for i, cp in enumerate(STD_TABLE1):
        assert c.zscii_to_unicode(155 + i) == chr(cp), 155 + i
        assert c.unicode_to_zscii(chr(cp)) == 155 + i
    for code in range(32, 127):
        assert c.zscii_to_unicode(code) == chr(code)
    assert c.zscii_to_unicode(13) == "\n"


def test_default_unicode_table_via_escape():
    c = codec(5)
    zs = []
    for code in (161, 219, 220, 223):             # sz, pound, oe, inverted ?
        zs += [5, 6, code >> 5, code & 31]
    assert decode(c, zs) == "\u00df\u00a3\u0153\u00bf"


def test_custom_unicode_table():
    """§3.8.5.2: N, then N words for ZSCII 155..155+N-1."""
    mem = bytearray(MEM_SIZE)
    table = 0x380
    mem[table] = 3
    struct.pack_into(">HHH", mem, table + 1, 0x0416, 0x263A, 0x00E9)
    c = codec(5, unicode_table=table, mem=mem)
    assert c.zscii_to_unicode(155) == "\u0416"
    assert c.zscii_to_unicode(156) == "\u263a"
    assert c.zscii_to_unicode(157) == "\u00e9"
    assert c.zscii_to_unicode(158) != "\u00c4"        # not the default table's
    assert c.unicode_to_zscii("\u0416") == 155
    assert decode(c, [5, 6, 4, 27, 5, 6, 4, 28]) == "\u0416\u263a"
    # Encoding a word with a translated character uses the escape (§3.7).
    assert unpack(c.encode("\u263a")) == [5, 6, 4, 28, 5, 5, 5, 5, 5]


# -- dictionary encoding (§3.7) ------------------------------------------------------------


def test_encode_i_v5_standard_example():
    """§3.7: "i" is encrypted as 14, 5, 5, 5, 5, 5, 5, 5, 5. (The Standard
    prints the first word as $48a5, but 14 << 10 | 5 << 5 | 5 is $38a5; its
    z-characters and the other two words, $14a5 $94a5, agree with each other.)"""
    assert unpack(codec(5).encode("i")) == [14, 5, 5, 5, 5, 5, 5, 5, 5]
    assert codec(5).encode("i") == bytes.fromhex("38a514a594a5")


def test_encode_i_v3():
    """6 z-chars, 4 bytes: 14, 5, 5, 5, 5, 5."""
    assert codec(3).encode("i") == bytes.fromhex("38a594a5")


@pytest.mark.parametrize("version,nbytes", [(1, 4), (2, 4), (3, 4), (5, 6)])
def test_encode_size_and_end_bit(version, nbytes):
    c = codec(version)
    for word in ("a", "mailbox", "abcdefghijklmnop", ""):
        data = c.encode(word)
        assert len(data) == nbytes
        words = [data[i] for i in range(0, nbytes, 2)]
        assert all(b & 0x80 == 0 for b in words[:-1]), word
        assert words[-1] & 0x80, word


def test_encode_truncates_to_resolution():
    assert unpack(codec(3).encode("mailbox")) == [z(ch, STD_A0) for ch in "mailbo"]
    assert unpack(codec(5).encode("lighthouses")) == [z(ch, STD_A0) for ch in "lighthous"]


def test_encode_a2_and_escape_v3():
    # '1' is A2 z-char 9, shifted by 5; '@' (64) needs the 10-bit escape.
    assert unpack(codec(3).encode("1a")) == [5, 9, z("a", STD_A0), 5, 5, 5]
    assert unpack(codec(3).encode("@")) == [5, 6, 2, 0, 5, 5]


def test_encode_leaves_constructions_incomplete():
    """§3.7: cut multi-z-char constructions short rather than omit them."""
    assert unpack(codec(3).encode("abcd@")) == [6, 7, 8, 9, 5, 6]
    assert unpack(codec(3).encode("abcde@")) == [6, 7, 8, 9, 10, 5]
    assert unpack(codec(5).encode("abcdefg@")) == [6, 7, 8, 9, 10, 11, 12, 5, 6]


def test_encode_v1_v2_uses_shift_3_for_a2():
    """In versions 1-2, 3 shifts A0 -> A2 (5 would be a shift lock)."""
    assert unpack(codec(2).encode("a1")) == [6, 3, z("1", STD_A2_V2), 5, 5, 5]
    assert unpack(codec(1).encode("a<")) == [6, 3, z("<", STD_A2_V1), 5, 5, 5]


def test_encode_v1_v2_shift_lock_for_runs():
    """§3.7.1: "12" in version 2 is 5 (lock A2), '1', '2', then padding."""
    assert unpack(codec(2).encode("12")) == [5, z("1", STD_A2_V2), z("2", STD_A2_V2), 5, 5, 5]


# -- round trip (hypothesis) ------------------------------------------------------------------

# Characters the dictionary can hold in one or two z-chars (A0, and A2 minus
# the escape and newline) -- per version.
A2_CHARS = {v: (STD_A2_V1[1:] if v == 1 else STD_A2_V2[2:]) for v in (1, 2, 3, 5)}


def zchar_costs(word: str, version: int) -> list[int]:
    """Z-chars each character takes in a dictionary word: one for A0, and
    a shift before a character of another alphabet -- in versions 1-2 a
    shift lock when the next character shares its alphabet, after which
    that alphabet needs no shift (§3.7, §3.7.1; rows: 0 = A0, 2 = A2)."""
    rows = [0 if ch in STD_A0 else 2 for ch in word]
    costs, locked = [], 0
    for i, row in enumerate(rows):
        n = 1
        if row != locked:
            n += 1
            if version <= 2 and i + 1 < len(rows) and rows[i + 1] == row:
                locked = row
        costs.append(n)
    return costs


def truncated(word: str, version: int) -> str:
    """What survives the dictionary's resolution: whole characters only
    (a shift left dangling at the end prints nothing, §3.6.1)."""
    limit = 6 if version <= 3 else 9
    out, used = "", 0
    for ch, n in zip(word, zchar_costs(word, version)):
        used += n
        if used > limit:
            break
        out += ch
    return out


@pytest.mark.parametrize("version", [1, 2, 3, 5])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_encode_decode_round_trip(version, data):
    alphabet = STD_A0 + A2_CHARS[version]
    word = data.draw(st.text(alphabet=alphabet, min_size=0, max_size=12))
    c = codec(version)
    encoded = c.encode(word)
    c.mem[STR:STR + len(encoded)] = encoded
    assert c.decode(STR)[0] == truncated(word, version)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=STD_A0, min_size=1, max_size=12))
def test_encode_lowercase_is_one_zchar_per_letter(word):
    zs = unpack(codec(5).encode(word))
    n = min(len(word), 9)
    assert zs[:n] == [z(ch, STD_A0) for ch in word[:n]]
    assert zs[n:] == [5] * (9 - n)


# -- Zork I ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zork1():
    story = loader.load(str(shared_story("zork1.z3")))
    h = story.header
    mem = bytearray(story.data)
    c = TextCodec(mem, 3, h.abbreviations, 0, 0, h.static_base)
    return story, mem, c


def test_zork1_west_of_house(zork1):
    story, mem, c = zork1
    objects = ObjectTable(mem, 3, story.header.objects, lambda what: None)
    names = [c.decode(objects.name_address(n))[0] for n in range(1, objects.count() + 1)]
    assert "West of House" in names
    assert "small mailbox" in names


def test_zork1_dictionary_has_mailbox(zork1):
    story, mem, c = zork1
    d = Dictionaries(mem, 3, c, story.header.static_base, story.header.dictionary)
    entry = d.lookup("mailbox")
    assert entry != 0
    # The entry decodes (at dictionary resolution) to the word's first 6 letters.
    assert c.decode(entry)[0] == "mailbo"
    assert d.lookup("xyzzy") != 0
    assert d.lookup("qqqqq") == 0


def test_zork1_dictionary_entries_reencode(zork1):
    """Every dictionary word decodes to text that encodes back to its bytes."""
    story, mem, c = zork1
    a = story.header.dictionary
    a += 1 + mem[a]
    entry_len = mem[a]
    count = (mem[a + 1] << 8) | mem[a + 2]
    assert count > 600
    for i in range(count):
        e = a + 3 + i * entry_len
        word = c.decode(e)[0]
        assert c.encode(word) == bytes(mem[e:e + 4]), word
