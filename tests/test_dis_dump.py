"""``zvm dis`` (tools/disassemble.py) and ``zvm dump`` (tools/dump.py).

The disassembler's round trip: the instructions it decodes for a routine
cover it exactly (§5.2-5.3: header, then instructions one after another),
and every branch (§4.7) or jump (§15) lands on one of them. The dump is
checked against facts about Zork I (release 88, serial 880429): 250
objects (§12), the mailbox at West of House (§12.5), the dictionary (§13)
and abbreviations (§3.3).
"""

from __future__ import annotations

import re

import pytest

from helpers import ROOT, run_zvm, shared_story
from zvm.tools import disassemble as dis, dump
from zvm.vm.decoder import VARIABLE
from zvm.story.loader import load

LOCAL = [ROOT / "tests" / "stories" / f"opcodes.z{v}" for v in (3, 5, 7, 8)]
LOCAL.append(ROOT / "stories" / "hollinbrook.z5")


def jump_and_branch_targets(ins) -> list[int]:
    """Worked out here from the Instruction, not from the disassembler:
    §4.7.2 branch offsets, §15 jump (a signed offset, less 2)."""
    out = []
    if ins.branch is not None and ins.branch[1] not in (0, 1):
        out.append(ins.next + ins.branch[1] - 2)
    if ins.name == "jump" and ins.operands[0][0] != VARIABLE:
        v = ins.operands[0][1]
        out.append(ins.next + (v - 0x10000 if v & 0x8000 else v) - 2)
    return out


def check_round_trip(story) -> list:
    routines = dis.disassemble(story)
    assert routines, "no routines found"
    h = story.header
    addresses = [r.address for r in routines]
    assert addresses == sorted(set(addresses))
    assert any(r.start == h.initial_pc and r.main for r in routines)
    for r in routines:
        ins = r.instructions
        assert ins, f"routine ${r.address:x} has no instructions"
        # §5.2: the header is one byte of locals, then (v1-4) their values.
        # The start of the program (§5.5) may have no header.
        header = 1 + (2 * r.locals if h.version <= 4 else 0)
        assert r.start == r.address + header or (r.main and r.start == r.address)
        assert 0 <= r.locals <= 15
        assert ins[0].addr == r.start
        for a, b in zip(ins, ins[1:]):
            assert a.next == b.addr, f"gap or overlap at ${a.addr:x} in ${r.address:x}"
        assert ins[-1].next == r.end
        assert ins[-1].name in dis.ENDS or r.notes
        addrs = {i.addr for i in ins}
        for i in ins:
            for t in jump_and_branch_targets(i):
                assert t in addrs, f"${i.addr:x} in ${r.address:x} goes to ${t:x}"
        assert not r.notes, (hex(r.address), r.notes)
    for r, after in zip(routines, routines[1:]):
        assert r.end <= after.address, f"${r.address:x} overlaps ${after.address:x}"
    # Every routine a constant call names was found (§6.4, §1.2.3).
    for r in routines:
        for i in r.instructions:
            if i.name in dis.CALLS and i.operands[0][0] != VARIABLE and i.operands[0][1]:
                assert h.routine_address(i.operands[0][1]) in set(addresses)
    # The routines reached from the start through calls are all there.
    reachable = dis.disassemble(story, scan=False)
    assert {r.address for r in reachable} <= set(addresses)
    assert {r.address for r in reachable} == {r.address for r in routines
                                              if r.found_by in ("main", "call")}
    return routines


def test_dis_zork1_lists_every_routine(tmp_path):
    path = shared_story("zork1.z3")
    result = run_zvm(["dis", path])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "release 119, serial 880429" in result.stdout
    routines = check_round_trip(load(str(path)))
    for r in routines:
        assert re.search(rf"^(Main r|R)outine R{r.address:04x}\b", result.stdout, re.M)
    # A sanity bound, not this program's own count: the routines (gaps
    # allowed only for alignment padding, §5.1) fill the code between the
    # first and the last nearly completely, and Zork I's ~48K of code at
    # ~100 bytes a routine makes some hundreds of them.
    span = routines[-1].end - routines[0].address
    covered = sum(r.end - r.address for r in routines)
    assert covered / span > 0.98
    assert span > 40_000
    assert 350 <= len(routines) <= 650
    reachable = [r for r in routines if r.found_by in ("main", "call")]
    assert 40 <= len(reachable) < len(routines)
    # The start of the program (§5.5) is listed with its first instructions.
    main = next(r for r in routines if r.main)
    assert f"{main.start:05x}:" in result.stdout


@pytest.mark.parametrize("path", LOCAL, ids=lambda p: p.name)
def test_dis_round_trip_on_our_stories(path, capsys):
    routines = check_round_trip(load(str(path)))
    assert dis.main([str(path)]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert f"Routines: {len(routines)} " in out.out


def test_dis_round_trip_on_czech_z8(capsys):
    path = shared_story("czech.z8")
    check_round_trip(load(str(path)))
    assert dis.main([str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_dis_inline_text_labels_and_variables(capsys):
    path = shared_story("zork1.z3")
    story = load(str(path))
    assert dis.main([str(path), "--no-strings"]) == 0
    out = capsys.readouterr().out
    assert re.search(r'print_ret +".+"', out)                # §15 inline text
    assert re.search(r"\?~?L\d{4}$", out, re.M)              # branch to a label
    assert re.search(r"^L\d{4} +[0-9a-f]{5}:", out, re.M)    # ... which is shown
    assert re.search(r"\?~?r(true|false)$", out, re.M)       # §4.7.1 return branches
    assert re.search(r"-> (sp|L\d\d|G[0-9a-f]{2})$", out, re.M)
    assert "Strings named by print_paddr" not in out
    # Deterministic: the same again.
    assert dis.main([str(path), "--no-strings"]) == 0
    assert capsys.readouterr().out == out
    # --routine: the start of the program alone.
    main = next(r for r in dis.disassemble(story) if r.main)
    assert dis.main([str(path), "--routine", f"${main.address:x}"]) == 0
    one = capsys.readouterr().out
    assert one.startswith(f"Main routine R{main.address:04x}")
    assert one.count("outine R") == 1


def test_dis_lists_the_strings_print_paddr_names(capsys):
    path = ROOT / "stories" / "hollinbrook.z5"
    assert dis.main([str(path)]) == 0
    assert "Strings named by print_paddr" in capsys.readouterr().out


def dump_zork(capsys, *options) -> str:
    path = shared_story("zork1.z3")
    assert dump.main([str(path), *options]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    return out.out


def test_dump_tree_puts_the_mailbox_at_west_of_house(capsys):
    lines = dump_zork(capsys, "--tree").splitlines()

    def indent(line):
        return len(line) - len(line.lstrip(" "))

    house = next(i for i, s in enumerate(lines) if s.strip().endswith('"West of House"'))
    mailbox = next(i for i, s in enumerate(lines) if s.strip().endswith('"small mailbox"'))
    assert mailbox > house
    assert indent(lines[mailbox]) == indent(lines[house]) + 2
    # Nothing between them is back at West of House's level or above.
    assert all(indent(s) > indent(lines[house]) for s in lines[house + 1:mailbox])
    assert re.match(r"^ *\[ *64\] \"West of House\"$", lines[house])


def test_dump_header_objects_dict_abbrevs(capsys):
    from zvm.vm.dictionary import Dictionaries
    from zvm.vm.objects import ObjectTable

    story = load(str(shared_story("zork1.z3")))
    objects = ObjectTable(bytearray(story.data), 3, story.header.objects, lambda m: None)
    assert objects.count() == 250

    header = dump_zork(capsys, "--header")
    assert "serial 880429" in header and "'880429'" in header
    assert re.search(r"^  release +119 ", header, re.M)

    out = dump_zork(capsys, "--objects")
    assert out.startswith("Objects (§12): 250\n")
    assert re.search(r'^\[250\] "', out, re.M) and "[251]" not in out
    assert re.search(r'^\[230\] "small mailbox"\n    Attributes: .*\n    Parent: 64 ', out, re.M)

    words = dump_zork(capsys, "--dict")
    # §3.7: a version 3 dictionary keeps 6 z-characters: "mailbox" is "mailbo".
    codec = dis.make_codec(story, bytearray(story.data))
    entry = Dictionaries(bytearray(story.data), 3, codec, story.header.static_base,
                         story.header.dictionary).lookup("mailbox")
    assert entry
    assert re.search(rf"^  \[ *\d+\] \${entry:05x}  mailbo ", words, re.M)
    assert "Word separators: '.' ',' '\"'" in words

    abbrevs = dump_zork(capsys, "--abbrevs")
    assert abbrevs.startswith("Abbreviations (§3.3): 96\n")
    assert f'  [ 0] "{codec.abbreviation(0)}"' in abbrevs
    assert '"the "' in abbrevs

    both = dump_zork(capsys, "--abbrevs", "--header")
    assert both.index("Header") < both.index("Abbreviations")   # a fixed order


@pytest.mark.parametrize("command", ["dis", "dump"])
def test_bad_story_is_one_line_and_status_2(command, tmp_path):
    bad = tmp_path / "bad.z5"
    bad.write_bytes(b"this is not a story file at all" * 4)
    args = [command, bad] + (["--tree"] if command == "dump" else [])
    result = run_zvm(args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"zvm: {bad}: ")


@pytest.mark.parametrize("command", ["dis", "dump"])
def test_missing_story_is_one_line_and_status_2(command, tmp_path, capsys):
    main = dis.main if command == "dis" else dump.main
    missing = tmp_path / "none.z3"
    assert main([str(missing)] + (["--header"] if command == "dump" else [])) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == f"zvm: {missing}: no such file\n"


def test_dis_python_shows_the_code_a_routine_compiles_to():
    """Issue 10 item 10: the Python zvm runs for a routine can be read. Zork
    I's routine at $6076 copies a table backwards in a loop: its unit runs
    the loop as a Python while loop, one comment per instruction."""
    result = run_zvm(["dis", "--python", "--routine", "0x6076", shared_story("zork1.z3")])
    assert result.returncode == 0, result.stderr
    source = result.stdout
    assert source.startswith("# zvm: the unit at $06077, routine $06076\n")
    assert "def unit(m, _=None):" in source and "while True:" in source
    assert [line.split()[-1] for line in source.splitlines() if line.strip().startswith("# $")] \
        == ["loadb", "sub", "loadb", "storeb", "dec_chk", "rtrue"]
    compile(source, "<unit>", "exec")
    bad = run_zvm(["dis", "--python", shared_story("zork1.z3")])
    assert bad.returncode == 2 and "--python needs --routine" in bad.stderr


def test_dis_python_at_an_address_that_is_not_a_routine_says_so_in_one_line():
    """$5d22 is inside a routine of Zork I: read as a routine's header, its
    code runs into an illegal opcode. That is one line on standard error,
    not a traceback."""
    result = run_zvm(["dis", "--python", "--routine", "0x5d22", shared_story("zork1.z3")])
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "$5d22: no routine's code here: illegal opcode" in result.stderr
    near_end = run_zvm(["dis", "--python", "--routine", "0x15330", shared_story("zork1.z3")])
    assert near_end.returncode == 1 and near_end.stderr.count("\n") == 1
    assert "$15330: no routine's code here: its code runs off the end of memory" \
        in near_end.stderr
