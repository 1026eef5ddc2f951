#!/usr/bin/env python3
"""List the section identifiers of the Z-Machine Standard from a checkout of its HTML.

Usage:
    python3 tools/standard_sections.py CHECKOUT > tests/data/standard_1_1_sections.txt

CHECKOUT is a directory holding the Standard's pages (sect01.html ... sect16.html,
appa.html ... appf.html), e.g. the branch 1.1 of
github.com/iftechfoundation/Z-Machine-Standard exported with
``git --git-dir=REPO archive 1.1 | tar -x -C CHECKOUT``.

Output, one identifier a line, in the order of the document:
  * every numbered section at every depth, chapters included ("3", "3.8", "3.8.2.3");
  * "15 NAME" for each opcode entry of the dictionary of opcodes (§15), NAME being
    the entry's anchor ("15 save", "15 extended");
  * "Appendix A" ... "Appendix F".

Each section is a heading (``<h1>`` for a chapter, ``<h2>`` below it) whose text is
its number.  The heading text is preferred to the heading's ``id`` attribute, since
a few ids repeat a neighbour's number (e.g. the heading 4.2.3 carries id "4.2.2");
where the text lacks the chapter prefix (the heading 13.3 reads "3") the id is used.
Only identifiers are printed, never the Standard's text.  Standard library only.
"""

import argparse
import html
import pathlib
import re
import sys

HEADING = re.compile(r"<h([12])([^>]*)>(.*?)</h\1>", re.S | re.I)
ID_ATTR = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""", re.I)
NUMBER = re.compile(r"\d+(?:\.\d+)*")
CHAPTER = re.compile(r"(\d+)\.\s")
APPENDIX = re.compile(r"Appendix ([A-Z])\.")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip().strip('"')


def page_sections(page: str) -> list[str]:
    """The identifiers of one page of the Standard, in order."""
    found: list[str] = []
    chapter = ""
    for level, attrs, inner in HEADING.findall(page):
        text = _text(inner)
        id_match = ID_ATTR.search(attrs)
        anchor = id_match.group(1) if id_match else ""
        if level == "1":
            appendix = APPENDIX.match(text)
            if appendix:
                found.append(f"Appendix {appendix.group(1)}")
                continue
            head = CHAPTER.match(text)
            if head:
                chapter = head.group(1)
                found.append(chapter)
            continue
        if not chapter:
            continue
        if NUMBER.fullmatch(text) and text.split(".")[0] == chapter:
            found.append(text)
        elif NUMBER.fullmatch(anchor) and anchor.split(".")[0] == chapter:
            found.append(anchor)
        elif chapter == "15" and anchor and not NUMBER.fullmatch(text):
            found.append(f"15 {anchor}")
    return found


def standard_sections(checkout: pathlib.Path) -> list[str]:
    """Every identifier of the Standard found under ``checkout``, without repeats."""
    pages = sorted(checkout.glob("sect[0-9][0-9].html")) + sorted(checkout.glob("app[a-z].html"))
    if not pages:
        raise FileNotFoundError(f"no sectNN.html or appX.html pages in {checkout}")
    seen: dict[str, None] = {}
    for page in pages:
        for ident in page_sections(page.read_text(encoding="utf-8", errors="replace")):
            seen.setdefault(ident, None)
    return list(seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=pathlib.Path,
                        help="directory of the Standard's HTML pages")
    args = parser.parse_args(argv)
    try:
        idents = standard_sections(args.checkout)
    except OSError as err:
        print(f"standard_sections: {err}", file=sys.stderr)
        return 1
    sys.stdout.write("".join(f"{ident}\n" for ident in idents))
    return 0


if __name__ == "__main__":
    sys.exit(main())
