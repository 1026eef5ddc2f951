"""``zvm dump STORY --header|--objects|--tree|--dict|--abbrevs``: the
story's tables as text, one section per option, in the order given above.

--header   every header field (§11), as stored in the file.
--objects  each object (§12.3): number, short name (§12.4), attributes,
           parent, sibling, child, and its properties (§12.4) as
           ``number: hex bytes``.
--tree     the object tree (§12.5): from each object without a parent,
           its children indented two spaces under it.
--dict     the dictionary (§13): word separators, entry length, and each
           word with its address.
--abbrevs  the abbreviations (§3.3): index and text.

The number of objects is ``ObjectTable.count()`` (§12.1 gives no count:
the object entries end where the first property table begins).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from zvm.vm.dictionary import Dictionaries
from zvm.errors import ZMachineError
from zvm.vm.objects import ObjectTable

from zvm.tools.disassemble import header_lines, load_story, make_codec
from zvm.cli.main import reader_gone
from zvm.cli.parser import Parser

if TYPE_CHECKING:
    from zvm.story.loader import Story


class Tables:
    """The tables of one story, read from a copy of its memory."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.header = story.header
        self.version = story.header.version
        self.mem = bytearray(story.data)
        self.codec = make_codec(story, self.mem)
        self.objects = ObjectTable(self.mem, self.version, self.header.objects,
                                   lambda message: None)
        self.count = self.objects.count()

    def short_name(self, obj: int) -> str:
        """§12.4: the short name, Z-encoded after its length byte."""
        try:
            if not self.objects.has_name(obj):
                return ""
            return self.codec.decode(self.objects.name_address(obj))[0]
        except (ZMachineError, IndexError):
            return "?"

    def label(self, obj: int) -> str:
        width = len(str(self.count))
        return f"[{obj:>{width}}] \"{self.short_name(obj)}\""

    # -- sections -------------------------------------------------------------
    def header_section(self) -> list[str]:
        h = self.header
        lines = ["Header (§11)"] + ["  " + s for s in header_lines(self.story)]
        for name in h._fields:
            value = getattr(h, name)
            if isinstance(value, bytes):
                shown = "".join(c if c.isprintable() else "?" for c in value.decode("latin-1"))
                lines.append(f"  {name:<20} {shown!r}")
            else:
                lines.append(f"  {name:<20} {value:>6}  ${value:04x}")
        return lines

    def objects_section(self) -> list[str]:
        o = self.objects
        lines = [f"Objects (§12): {self.count}"]
        for n in range(1, self.count + 1):
            attrs = ", ".join(str(a) for a in o.attributes(n)) or "none"
            lines.append(self.label(n))
            lines.append(f"    Attributes: {attrs}")
            lines.append(f"    Parent: {o.parent(n)}  Sibling: {o.sibling(n)}  "
                         f"Child: {o.child(n)}")
            lines.append(f"    Properties at ${o.prop_table(n):04x}:")
            try:
                props = o.properties(n)
            except IndexError:
                props = []
                lines.append("        (the property table runs past the end of memory)")
            for num, data in props:
                lines.append(f"        {num:>2}: {data.hex(' ')}")
        return lines

    def tree_section(self) -> list[str]:
        o = self.objects
        lines = [f"Object tree (§12.5): {self.count} objects"]
        seen: set[int] = set()

        def walk(obj: int, depth: int) -> None:
            while obj and obj not in seen and obj <= self.count:
                seen.add(obj)
                lines.append("  " * depth + self.label(obj))
                walk(o.child(obj), depth + 1)
                obj = o.sibling(obj)

        for n in range(1, self.count + 1):
            if o.parent(n) == 0 and n not in seen:
                seen.add(n)
                lines.append(self.label(n))
                walk(o.child(n), 1)
        return lines

    def dict_section(self) -> list[str]:
        """§13.2: n, n separator codes, entry length, count (negative: an
        unsorted table, §15 tokenise), then the entries."""
        mem = self.mem
        dictionaries = Dictionaries(mem, self.version, self.codec, self.header.static_base,
                                    self.header.dictionary)
        seps, entry_len, entries = dictionaries.layout(self.header.dictionary)
        keylen = dictionaries.key_length
        lines = [f"Dictionary (§13) at ${self.header.dictionary:04x}",
                 "  Word separators: " + " ".join(repr(chr(c)) for c in seps),
                 f"  Entry length: {entry_len}",
                 f"  Words: {len(entries)}"]
        for i, e in enumerate(entries):
            if e + entry_len > len(mem):
                lines.append("  (the dictionary runs past the end of memory)")
                break
            zs = []
            for j in range(0, keylen, 2):
                w = (mem[e + j] << 8) | mem[e + j + 1]
                zs += [(w >> 10) & 31, (w >> 5) & 31, w & 31]
            word = self.codec.decode_zchars(zs, allow_abbrev=False)
            data = bytes(mem[e + keylen:e + entry_len]).hex(" ")
            lines.append(f"  [{i + 1:>4}] ${e:05x}  {word:<12} {data}".rstrip())
        return lines

    def abbrevs_section(self) -> list[str]:
        """§3.3: 32 abbreviations in version 2, 96 from version 3."""
        n = 0 if self.version == 1 else 32 if self.version == 2 else 96
        lines = [f"Abbreviations (§3.3): {n}"]
        for i in range(n):
            try:
                text = self.codec.abbreviation(i)
            except (ZMachineError, IndexError):
                text = "?"
            lines.append(f"  [{i:>2}] \"{text}\"")
        return lines


SECTIONS = [("header", "the header fields (§11)"),
            ("objects", "each object with attributes, links and properties (§12)"),
            ("tree", "the object tree (§12.5)"),
            ("dict", "the dictionary (§13)"),
            ("abbrevs", "the abbreviations (§3.3)")]


def main(argv: list[str]) -> int:
    p = Parser(prog="zvm dump", description="Show a Z-code story's tables.")
    p.add_argument("story")
    for name, what in SECTIONS:
        p.add_argument(f"--{name}", action="store_true", help=what)
    args = p.parse_args(argv)
    chosen = [name for name, _ in SECTIONS if getattr(args, name)]
    if not chosen:
        p.error("name at least one of " + ", ".join(f"--{n}" for n, _ in SECTIONS))
    story = load_story(args.story)
    if story is None:
        return 2
    t = Tables(story)
    out: list[str] = []
    for name in chosen:
        if out:
            out.append("")
        out += getattr(t, f"{name}_section")()
    try:
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone()
    return 0
