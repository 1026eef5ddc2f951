"""Every § citation in the code names a section that exists in the Z-Machine Standard 1.1.

The code cites the Standard by section in docstrings and comments (§8.7.2.1,
§15 save, Appendix A ...). These tests scan every .py file under zvm/, ui/ and
tools/ (and README.md, ARCHITECTURE.md when present) and check each citation
against tests/data/standard_1_1_sections.txt, the list of the Standard's
section identifiers (see its header for where it comes from).

Forms understood:
  §8.7.2.1   § 8.7.2.1   (§14)   §4.6-4.8   §3.8.2.3-4 (= 3.8.2.3 to 3.8.2.4)
  §5-§6   §15 save   §15 read/sread/aread   Appendix A
After "§15", a known opcode entry, a name with "_" or "/", or a word that ends
the phrase ("§15 sav.") names an opcode entry, which must exist; "§15 inline
text" and "§15 and §6" cite the chapter. A range is checked at both ends, which must come in the Standard's order.
Citations of other specifications are recognised and left out: a spec name
right before the citation or group of citations (``Quetzal §5.8``, ``the
Quetzal standard, §5-§6 and §8``), right after the § (``§Quetzal 4.6``), or
after it as ``§5 of the Quetzal spec``. A "§" followed by neither a number nor
a spec name (``§ references``) is not a citation.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS_FILE = Path(__file__).resolve().parent / "data" / "standard_1_1_sections.txt"
SCANNED_DIRS = ("zvm", "ui", "tools")
SCANNED_DOCS = ("README.md", "ARCHITECTURE.md")

OTHER_SPECS = r"Quetzal|Blorb|Treaty\s+of\s+Babel|Babel|IFF"
NUMBER = r"\d+(?:\.\d+)*"
CITATION = re.compile(
    rf"§\s?(?:(?P<spec>{OTHER_SPECS})\s+)?(?P<start>{NUMBER})"
    rf"(?:\s?[-–]\s?§?\s?(?P<end>{NUMBER}))?"
    r"(?:[ \t]+(?P<names>[a-z][a-z0-9_]*(?:/[a-z][a-z0-9_]*)*))?"
)
APPENDIX = re.compile(r"\bAppendix (?P<letter>[A-Z])\b")
# Between two citations of one group: "§5-§6 and §8", "§13, §15 tokenise".
GROUP_GAP = re.compile(r"\s*(?:,|and|or|/|;)?\s*")
# A spec name (and an optional version or "standard"/"spec") ending just before a group.
SPEC_BEFORE = re.compile(
    rf"(?:{OTHER_SPECS})(?:'s)?(?:\s+\d+(?:\.\d+)*)?"
    r"(?:\s+(?:standard|spec|specification))?,?\s*$"
)
SPEC_AFTER = re.compile(rf"\s+of\s+the\s+(?:{OTHER_SPECS})\b")
# Words that may follow a chapter number without naming an opcode ("§15 and §6").
NOT_OPCODES = frozenset("a an and as at by for from gives in is of on or the to with".split())
PROSE_AFTER = re.compile(r"[ \t]+[A-Za-z]")


@dataclass(frozen=True)
class Citation:
    path: str
    line: int
    text: str                  # as written, e.g. "§3.8.2.3-4"
    sections: tuple[str, ...]  # the identifiers it names: ("3.8.2.3", "3.8.2.4")
    other_spec: bool           # a citation of Quetzal, Blorb, the Treaty of Babel ...
    is_range: bool = False


def load_sections(path: Path = SECTIONS_FILE) -> list[str]:
    """The Standard's identifiers, in the document's order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.startswith("#")]


OPCODE_ENTRIES = frozenset(s[3:] for s in load_sections() if s.startswith("15 "))


def _expand_end(start: str, end: str) -> str:
    """The end of a range written short: 3.8.2.3-4 ends at 3.8.2.4."""
    head, tail = start.split("."), end.split(".")
    if len(tail) < len(head):
        return ".".join(head[: len(head) - len(tail)] + tail)
    return end


def _names_opcodes(text: str, m: re.Match, names: str) -> bool:
    """Whether the words after "§15" name opcode entries ("§15 save:", "§15
    read/sread/aread", "§15 save_undo") rather than start prose ("§15 inline
    text", "§15 and §6"): a known entry, or a word not followed by another."""
    first = names.split("/")[0]
    if first in NOT_OPCODES:
        return False
    if first in OPCODE_ENTRIES or "_" in names or "/" in names:
        return True
    return not PROSE_AFTER.match(text, m.end("names"))


def parse_line(text: str, path: str = "<text>", line: int = 0) -> list[Citation]:
    """The citations on one line of text."""
    found: list[Citation] = []
    group: list[Citation] = []           # citations joined by "-", ",", "and" ...
    group_start = previous_end = -1
    for m in CITATION.finditer(text):
        if previous_end < 0 or not GROUP_GAP.fullmatch(text, previous_end, m.start()):
            found += group
            group, group_start = [], m.start()
        start, end, names = m.group("start"), m.group("end"), m.group("names")
        if end:
            sections = (start, _expand_end(start, end))
            cite_end = m.end("end")
        elif start == "15" and names and _names_opcodes(text, m, names):
            sections = tuple(f"15 {name}" for name in names.split("/"))
            cite_end = m.end("names")
        else:
            sections = (start,)
            cite_end = m.end("start")
        other = bool(m.group("spec")) or bool(SPEC_BEFORE.search(text, 0, group_start))
        group.append(Citation(path, line, text[m.start():cite_end], sections, other,
                              is_range=bool(end)))
        if other or SPEC_AFTER.match(text, cite_end):
            group = [replace(c, other_spec=True) for c in group]
        previous_end = cite_end
    found += group
    for m in APPENDIX.finditer(text):
        found.append(Citation(path, line, m.group(0), (m.group(0),), False))
    return found


def parse_text(text: str, path: str = "<text>") -> list[Citation]:
    """The citations of a whole file, with their line numbers (from 1)."""
    return [c for n, line in enumerate(text.splitlines(), 1) for c in parse_line(line, path, n)]


def problems(citations: list[Citation], sections: list[str]) -> list[str]:
    """One ``path:line: citation: why`` for each citation of the Standard that is wrong."""
    order = {s: i for i, s in enumerate(sections)}
    out = []
    for c in citations:
        if c.other_spec:
            continue
        missing = [s for s in c.sections if s not in order]
        if missing:
            out.append(f"{c.path}:{c.line}: {c.text}: no section {', '.join(missing)} "
                       "in Standard 1.1")
        elif c.is_range and order[c.sections[0]] >= order[c.sections[1]]:
            out.append(f"{c.path}:{c.line}: {c.text}: the range runs backwards")
    return out


def scanned_files(root: Path = ROOT) -> list[Path]:
    """The .py files under zvm/, ui/, tools/ (not following the links zvm/ui,
    zvm/tools, zvm/stories, so nothing is read twice) and the top-level docs."""
    files = []
    for name in SCANNED_DIRS:
        for folder, dirs, names in os.walk(root / name):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files += [Path(folder) / n for n in sorted(names) if n.endswith(".py")]
    files += [root / n for n in SCANNED_DOCS if (root / n).is_file()]
    return files


def code_citations(root: Path = ROOT) -> list[Citation]:
    cites = []
    for f in scanned_files(root):
        cites += parse_text(f.read_text(encoding="utf-8"), str(f.relative_to(root)))
    return cites


# -- the tests -----------------------------------------------------------------

def test_the_section_list_holds_the_standard_1_1():
    sections = set(load_sections())
    # Chapters, appendices, opcode entries and the deepest numbering are there.
    assert {str(n) for n in range(1, 17)} <= sections
    assert {f"Appendix {a}" for a in "ABCDEF"} <= sections
    assert {"15 save", "15 read", "15 aread", "15 tokenise", "15 set_true_colour"} <= sections
    assert {"8.8.3.1.2.1", "3.8.2.3", "3.8.2.4", "3.8.4", "7.1.2.1.1", "8.3.1",
            "10.5.3", "11.1.7.4.1", "13.3", "16.1"} <= sections
    # Numbers that 1.1 does not have (the first two were cited in the code).
    assert not {"13.2.4", "15.4", "12.4.3", "8.9"} & sections


def test_every_citation_in_the_code_names_a_section_of_standard_1_1():
    cites = code_citations()
    wrong = problems(cites, load_sections())
    assert not wrong, "citations of sections that do not exist in Standard 1.1:\n" + \
        "\n".join(wrong)


def test_the_scan_reaches_every_folder():
    cites = code_citations()
    for name in SCANNED_DIRS:
        mine = [c for c in cites if c.path.startswith(name + "/") and not c.other_spec]
        assert mine, f"no citations found under {name}/: is the scan broken?"
    # zvm/ui and zvm/tools are links to ui/ and tools/: each file is read once.
    paths = [f.resolve() for f in scanned_files()]
    assert len(paths) == len(set(paths))


def test_the_checker_fails_on_a_wrong_citation():
    text = "\n".join([
        '"""Module docstring (§3.8, §15 save, Appendix A).',
        "tab and sentence space (§3.8.2.3-4); timed input, §10.5.3.",
        "unsorted dictionaries (§13.2.4); the colour table (§8.3.1).",
        "preloaded text (§15.4 aread); §15 read/sread/aread; §15 sav.",
        "(§14) and §4.6-4.8 and §5-§6 and §8.7.2.1, § references are fine.",
        "print_ret carries §15 inline text; §15 and §6; §15 jump.",
        "backwards §4.8-4.6; short range §3.8.2.3–9; no such Appendix Q.",
        "CMem (Quetzal §3.2), §Quetzal 4.6 bit 4, §5 of the Quetzal spec,",
        "(the Quetzal standard, §5-§6 and §99) but then §99.1 is ours.",
        '"""',
    ])
    cites = parse_text(text, "made_up.py")
    wrong = problems(cites, load_sections())
    assert wrong == [
        "made_up.py:3: §13.2.4: no section 13.2.4 in Standard 1.1",
        "made_up.py:4: §15.4: no section 15.4 in Standard 1.1",
        "made_up.py:4: §15 sav: no section 15 sav in Standard 1.1",
        "made_up.py:7: §4.8-4.6: the range runs backwards",
        "made_up.py:7: §3.8.2.3–9: no section 3.8.2.9 in Standard 1.1",
        "made_up.py:7: Appendix Q: no section Appendix Q in Standard 1.1",
        "made_up.py:9: §99.1: no section 99.1 in Standard 1.1",
    ]
    # What each form was read as.
    named = {c.text: (c.sections, c.other_spec) for c in cites}
    assert named["§3.8.2.3-4"] == (("3.8.2.3", "3.8.2.4"), False)
    assert named["§15 read/sread/aread"] == (("15 read", "15 sread", "15 aread"), False)
    assert named["§14"] == (("14",), False)
    assert named["§Quetzal 4.6"] == (("4.6",), True)
    assert named["§3.2"] == (("3.2",), True)
    assert named["§5"] == (("5",), True)
    assert named["§99"] == (("99",), True)
    assert [c.sections for c in cites if c.line == 5] == [
        ("14",), ("4.6", "4.8"), ("5", "6"), ("8.7.2.1",)]
    assert [c.sections for c in cites if c.line == 6] == [("15",), ("15",), ("6",), ("15 jump",)]


def test_a_wrong_citation_added_to_a_module_is_caught(tmp_path):
    for name in SCANNED_DIRS:
        (tmp_path / name).mkdir()
    (tmp_path / "zvm" / "good.py").write_text('"""Packed addresses (§1.2.3)."""\n')
    (tmp_path / "ui" / "bad.py").write_text('"""x"""\n# stream-3 nesting (§7.1.2.1.2)\n')
    (tmp_path / "README.md").write_text("The screen model (§8) and Appendix B.\n")
    wrong = problems(code_citations(tmp_path), load_sections())
    assert wrong == ["ui/bad.py:2: §7.1.2.1.2: no section 7.1.2.1.2 in Standard 1.1"]
