"""The story's own grammar: which sentences its parser understands.

Infocom's and Inform's compilers leave the grammar in the story file, at
the start of static memory (header word $0E, §11.1): a table of word
pointers, one per verb number, each to that verb's grammar lines. A verb's
words are the dictionary entries (§13) flagged as verbs, whose data byte
holds 255 minus the verb number. The lines come in four layouts, told apart
here by which one tiles the table exactly:

* Infocom, fixed: 8 bytes a line: object count, two preposition numbers,
  four bytes of object hints, the action number.
* Infocom, variable (later games): the object count in the top two bits of
  the first byte with the first preposition in its low six, the action, and
  2 or 5 more bytes when there are objects.
* Inform 6, grammar version 1: 8 bytes a line: object count, six tokens
  (below $B0 an object token, from $B0 a preposition number), the action.
* Inform 6, grammar version 2: the action word, then 3-byte tokens (type,
  data word: a dictionary address for prepositions) up to the byte 15.

Prepositions and directions: Infocom flags dictionary words as
prepositions ($08) and directions ($10) and numbers them in the data bytes;
Inform flags prepositions ($08). A line becomes a pattern: the verb word,
then words and object slots (``None``). Lines whose slots need a number or
a special token are left out. When no layout fits (Infocom's version 6
games, other compilers), every word flagged as a verb gives the patterns
"VERB" and "VERB OBJ".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from zvm.research.access import Access

# Words a verb is shown by, when the story has them among its synonyms: a
# wording preference only (they do not decide which actions are tried).
PREFERRED_VERBS = ("take", "drop", "open", "close", "examine", "put", "look", "go", "read",
                   "turn", "push", "pull", "give", "attack", "kill", "eat", "drink", "wear",
                   "remove", "inventory", "wait", "enter", "exit", "climb", "search", "move",
                   "light", "unlock", "lock", "tie", "throw", "listen", "smell", "touch")

# Inform token types that an object's name can fill: GV2 elementary tokens
# noun, held, multi, multiheld, multiexcept, multiinside, creature, topic.
GV2_OBJECT_ELEMENTARY = {0, 1, 2, 3, 4, 5, 6, 9}
GV2_OBJECT_TYPES = {3, 4, 5}                     # noun=Routine, attribute, scope=Routine
ENDIT = 15

Pattern = tuple  # (verb word, then str words or None for an object)
# A reader of one grammar line at an address: its pattern (None when it
# names a word the story lacks) and the address after it.
Parse = Callable[[int], tuple[Pattern | None, int]]


@dataclass
class Grammar:
    """The patterns of a story's sentences, its movement words, and how the
    dictionary marks words (for choosing names)."""
    kind: str
    patterns: list[Pattern] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    verbs: dict[int, list[str]] = field(default_factory=dict)
    meta_words: set[str] = field(default_factory=set)
    nouns: set[int] = field(default_factory=set)     # dictionary addresses of nouns


def verb_word(words: list[str]) -> str:
    """The word a verb is shown by: a preferred one, else the shortest of
    three letters or more (abbreviations like "x" read badly), else any."""
    for w in PREFERRED_VERBS:
        if w in words:
            return w
    long = sorted((w for w in words if len(w) >= 3 and w.isalpha()), key=lambda w: (len(w), w))
    if long:
        return long[0]
    return sorted(words, key=lambda w: (len(w), w))[0]


class _Reader:
    def __init__(self, acc: Access) -> None:
        self.acc = acc
        self.mem = acc.mem
        self.inform = bool(acc.inform_version)
        self.entries = acc.dictionary_entries()
        self.addr_word = {a: w for a, w, _ in self.entries}

    def word(self, a: int) -> int:
        return (self.mem[a] << 8) | self.mem[a + 1]

    # -- the dictionary's markings ---------------------------------------------
    def infocom_value(self, data: bytes, flag: int, first: int) -> int | None:
        """An Infocom word's number for one part of speech: in the first data
        byte when its 'first part of speech' bits say so, else the second."""
        if len(data) < 3 or not data[0] & flag:
            return None
        return data[1] if data[0] & 3 == first else data[2]

    def verbs(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for _, w, d in self.entries:
            if not d:
                continue
            if self.inform:
                if d[0] & 1 and len(d) > 1:
                    out.setdefault(255 - d[1], []).append(w)
            else:
                n = self.infocom_value(d, 0x40, 1)
                if n is not None:
                    out.setdefault(255 - n, []).append(w)
        return out

    def prepositions(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for _, w, d in self.entries:
            if not d or not d[0] & 0x08:
                continue
            n = d[2] if self.inform and len(d) > 2 else self.infocom_value(d, 0x08, 0)
            if n is not None and (n not in out or len(w) > len(out[n])):
                out[n] = w
        return out

    def directions(self) -> list[str]:
        if self.inform:
            return []
        by_number: dict[int, str] = {}
        for _, w, d in self.entries:
            n = self.infocom_value(d, 0x10, 3)
            if n is not None and (n not in by_number or len(w) > len(by_number[n])):
                by_number[n] = w
        return sorted(by_number.values())

    def meta_words(self) -> set[str]:
        return {w for _, w, d in self.entries if self.inform and d and d[0] & 2}

    def nouns(self) -> set[int]:
        return {a for a, _, d in self.entries if d and d[0] & 0x80}

    # -- the verb table ----------------------------------------------------------------
    def table(self) -> list[int] | None:
        """The verb table's entries (at the start of static memory, where
        Inform and Infocom put it); None when no table can lie there (in a
        damaged story, one that would run past the end of memory)."""
        base = self.acc.static_base
        if base + 2 > len(self.mem):
            return None
        first = self.word(base)
        if first <= base or (first - base) % 2 or first > len(self.mem):
            return None
        count = (first - base) // 2
        ptrs = [self.word(base + 2 * i) for i in range(count)]
        if any(p < first or p >= len(self.mem) for p in ptrs):
            return None
        return ptrs

    def tiles(self, ptrs: list[int], parse: Parse) -> list[list[Pattern | None]] | None:
        """Each verb's lines read with parse(addr) -> (line, next addr), when
        the entries follow one another exactly; None otherwise."""
        starts = sorted(set(ptrs))
        ends = {a: b for a, b in zip(starts, starts[1:], strict=False)}
        lines: dict[int, list] = {}
        try:
            for a in starts:
                n, p, got = self.mem[a], a + 1, []
                for _ in range(n):
                    line, p = parse(p)
                    got.append(line)
                if a in ends and p != ends[a]:
                    return None
                lines[a] = got
        except IndexError:
            return None
        return [lines[p] for p in ptrs]

    def infocom_fixed(self, preps: dict[int, str]) -> Parse:
        def parse(p: int) -> tuple[Pattern | None, int]:
            m = self.mem
            objs, p1, p2 = m[p], m[p + 1], m[p + 2]
            if objs > 2:
                raise IndexError
            words: list[str | None] = []
            for i, prep in enumerate((p1, p2)):
                if prep >= 0x80:
                    if prep not in preps:
                        return None, p + 8
                    words.append(preps[prep])
                if objs > i:
                    words.append(None)
            return tuple(words), p + 8
        return parse

    def infocom_variable(self, preps: dict[int, str]) -> Parse:
        def parse(p: int) -> tuple[Pattern | None, int]:
            m = self.mem
            b = m[p]
            objs = (b >> 6) & 3
            if objs > 2:
                raise IndexError
            size = (2, 4, 7)[objs]
            words: list[str | None] = []
            firsts = [b & 0x3F, m[p + 4] & 0x3F if objs > 1 else 0]
            for i, prep in enumerate(firsts):
                if prep:
                    if prep | 0xC0 not in preps:
                        return None, p + size
                    words.append(preps[prep | 0xC0])
                if objs > i:
                    words.append(None)
            return tuple(words), p + size
        return parse

    def inform_gv1(self, preps: dict[int, str]) -> Parse:
        def parse(p: int) -> tuple[Pattern | None, int]:
            m = self.mem
            objs = m[p]
            if objs > 6:
                raise IndexError
            words: list[str | None] = []
            ok = True
            for t in m[p + 1:p + 7]:
                if t >= 0xB0:
                    if t not in preps:
                        ok = False
                    words.append(preps.get(t))
                elif t == 0 and objs == 0:
                    break
                else:
                    if not (t <= 6 or 16 <= t < 48 or 80 <= t < 112 or 128 <= t < 176):
                        ok = False
                    words.append(None)
                    objs -= 1
            return (tuple(words) if ok else None), p + 8
        return parse

    def inform_gv2(self, p: int) -> tuple[Pattern | None, int]:
        m = self.mem
        p += 2
        words: list[str | None] = []
        ok = True
        while m[p] != ENDIT:
            kind, data = m[p], self.word(p + 1)
            p += 3
            if kind & 0x10:                      # a later alternative of the last token
                continue
            t = kind & 0x0F
            if t == 2:
                w = self.addr_word.get(data)
                ok = ok and w is not None
                words.append(w)
            elif (t == 1 and data in GV2_OBJECT_ELEMENTARY) or t in GV2_OBJECT_TYPES:
                words.append(None)
            elif t in (1, 6):
                ok = False
            else:
                raise IndexError                 # not a GV2 token: another layout
            if len(words) > 8:
                raise IndexError
        return (tuple(words) if ok else None), p + 1


def read_grammar(acc: Access) -> Grammar:
    """The story's grammar (see the module's docstring)."""
    r = _Reader(acc)
    verbs = r.verbs()
    g = Grammar("none", verbs=verbs, directions=r.directions(), meta_words=r.meta_words(),
                nouns=r.nouns())
    ptrs = r.table()
    preps = r.prepositions()
    lines = None
    if ptrs:
        layouts = ([("inform-gv2", r.inform_gv2), ("inform-gv1", r.inform_gv1(preps))]
                   if r.inform else
                   [("infocom-fixed", r.infocom_fixed(preps)),
                    ("infocom-variable", r.infocom_variable(preps))])
        for kind, parse in layouts:
            lines = r.tiles(ptrs, parse)
            if lines is not None:
                g.kind = kind
                break
    seen: set[Pattern] = set()
    if lines is not None:
        for number, verb_lines in enumerate(lines):
            words = verbs.get(number)
            if not words or all(w in g.meta_words for w in words):
                continue
            v = verb_word([w for w in words if w not in g.meta_words] or words)
            for line in verb_lines:
                if line is not None and (v,) + line not in seen:
                    seen.add((v,) + line)
                    g.patterns.append((v,) + line)
    else:
        for number in sorted(verbs):
            words = verbs[number]
            if all(w in g.meta_words for w in words):
                continue
            v = verb_word(words)
            for pattern in ((v,), (v, None)):
                if pattern not in seen:
                    seen.add(pattern)
                    g.patterns.append(pattern)
    return g
