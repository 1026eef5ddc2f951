"""Issue 16, "Never a traceback": one test (or a few) per numbered item,
each built from the issue's reproduction. A run must end with an exit
status of 0, 1 or 2, at most the lines the item allows on standard error,
no traceback, no "internal error" and no crash report in its TMPDIR.

Bounds are failure conditions, never measurements: every run has an
address-space limit and a generous wall-clock limit (``BOUND``), and output
is capped; a run stopped by one of them fails its test as unbounded.
Story bytes are patched in temporary copies, never in ../shared.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import ROOT, shared_story

from zvm.tools import fuzz_saves
from zvm.tools.fuzz_run import Limits, ReadOnly, execute

# About sixty runs of zvm, each a second or so: make test runs them, make quick does not.
pytestmark = pytest.mark.slow

BUNDLED = ROOT / "stories" / "hollinbrook.z5"
BOUND = Limits(seconds=60, memory_mb=1024, output=16 << 20)


@dataclass
class Run:
    status: int | None
    out: str
    err: str
    stopped: str
    crashes: list

    def where(self) -> str:
        return (f"exit {self.status}, stopped: {self.stopped or 'no'}\n"
                f"stderr: {self.err[-2000:]!r}\nstdout end: {self.out[-800:]!r}")


def zvm(tmp_path: Path, args, lines: bytes = b"", *, stdin="lines", stdout="pipe",
        stderr="pipe", disk_limit=None, readonly=False, limits=BOUND) -> Run:
    """python -m zvm ARGS in tmp_path/save (also the working directory), with
    TMPDIR = tmp_path/tmpdir, lines on standard input, under limits."""
    tmp, save = tmp_path / "tmpdir", tmp_path / "save"
    tmp.mkdir(exist_ok=True)
    save.mkdir(exist_ok=True)
    given = tmp_path / "input.txt"
    given.write_bytes(lines)
    cmd = [sys.executable, "-m", "zvm", *map(str, args)]
    if readonly:
        guard = ReadOnly()
        if not guard.works:
            pytest.skip("read-only folders cannot be made here")
        cmd = guard.wrap(str(save), cmd)
    env = dict(os.environ, TMPDIR=str(tmp), BLESSED_QUERY_TIMEOUT_SECONDS="0.1")
    status, _, out, err, stopped = execute(cmd, str(save), env, limits, stdin, str(given),
                                           stdout, stderr, disk_limit)
    return Run(status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               stopped, sorted(tmp.glob("zvm-crash-*.txt")))


def assert_clean(run: Run, status, *, most_lines: int = 1) -> list[str]:
    """No traceback, internal error or crash report; within its bounds;
    exit status as given (one value or a tuple); at most most_lines on
    standard error. The lines of standard error."""
    assert not run.stopped, "unbounded: " + run.where()
    assert "Traceback" not in run.err and "Exception ignored" not in run.err, run.where()
    assert "internal error" not in run.err, run.where()
    assert not run.crashes, run.where()
    assert run.status in (status if isinstance(status, tuple) else (status,)), run.where()
    lines = run.err.splitlines()
    assert len(lines) <= most_lines, run.where()
    return lines


def patched(tmp_path: Path, source: Path, changes: dict[int, bytes], name="story.z5") -> Path:
    data = bytearray(source.read_bytes())
    for offset, new in changes.items():
        data[offset:offset + len(new)] = new
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def word(value: int) -> bytes:
    return struct.pack(">H", value)


def initial_pc(path: Path) -> int:
    return struct.unpack(">H", path.read_bytes()[6:8])[0]


# -- 1. an instruction with the wrong number of operands --------------------------
@pytest.mark.parametrize("source, at, code", [
    ("zork1.z3", 0x50D5, "D5 7F 01 10"),           # sub given one operand
    ("zork1.z3", 0x50D5, "F3 FF"),                 # output_stream given none
    ("bundled", None, "DC 55 01 02 03 04"),        # throw given four
], ids=["zork-sub-1", "zork-output_stream-0", "bundled-throw-4"])
def test_1_wrong_operand_count_is_a_fatal_error(tmp_path, source, at, code):
    base = BUNDLED if source == "bundled" else shared_story(source)
    at = initial_pc(base) if at is None else at
    story = patched(tmp_path, base, {at: bytes.fromhex(code)})
    run = zvm(tmp_path, ["--headless", story], b"look\n")
    lines = assert_clean(run, 1)
    assert len(lines) == 1 and lines[0].startswith("zvm: fatal: "), run.where()
    assert "(PC = $" in lines[0], run.where()


class _Overtime(Exception):
    """The crafted instruction's game ran on (a loop is no fault)."""


def test_1_every_opcode_with_every_operand_count_stops_cleanly():
    """Each opcode of version 5, in variable (or extended) form, given 0-4
    operands at the bundled story's first instruction: the game runs on or
    stops with a ZMachineError, never another exception (§4.3-4.4, §14).
    In-process, each game bounded by a timer (running on is no fault)."""
    import io
    import signal
    from zvm.errors import Quit, Restart, ZMachineError
    from zvm.screen.protocol import InputEnded
    from zvm.story.loader import parse
    from zvm.ui.headless import HeadlessFrontend
    from zvm.vm.machine import Machine

    def overtime(signum, frame):
        raise _Overtime

    data = BUNDLED.read_bytes()
    pc = initial_pc(BUNDLED)
    faults = []
    previous = signal.signal(signal.SIGALRM, overtime)
    try:
        for first, numbers in ((0xC0, range(32)), (0xE0, range(32)), (0xBE, range(30))):
            for number in numbers:
                for count in range(5):
                    types = bytes([((0x55 << (8 - 2 * count)) | (0xFF >> (2 * count))) & 0xFF])
                    if first == 0xBE:
                        code = bytes([0xBE, number]) + types
                    elif first == 0xE0 and number in (12, 26):
                        code = bytes([first | number]) + types + b"\xff"
                    else:
                        code = bytes([first | number]) + types
                    code += bytes(range(1, count + 1)) + b"\x10\x40\x00\x00"
                    story = parse("crafted.z5", data[:pc] + code + data[pc + len(code):])
                    frontend = HeadlessFrontend(stdin=io.StringIO(""), stdout=io.StringIO())
                    frontend.message = lambda text: None
                    signal.setitimer(signal.ITIMER_REAL, 3.0)
                    try:
                        Machine(story, frontend, seed=1).run()
                    except (ZMachineError, Quit, Restart, InputEnded, _Overtime):
                        pass
                    except Exception as e:             # what the issue found 13 times
                        faults.append(f"{code.hex(' ')}: {type(e).__name__}: {e}")
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert not faults, f"{len(faults)} instructions broke zvm:\n" + "\n".join(faults[:40])


# -- 2. header fields pointing outside memory ---------------------------------------
# On a story under 64K (praxix.z5, 31K) a word of $ffff points past its end.
BROKEN_TABLES = {
    "unicode-table-ffff": {0x108: word(0xFFFF)},        # header extension ($102) word 3
    "alphabet-table-flipped": {0x34: word(0xFFFF)},     # 0 with every bit flipped
    "terminating-table-ffff": {0x2E: word(0xFFFF)},
    "extension-ffff": {0x36: word(0xFFFF)},
}


def praxix() -> Path:
    story = shared_story("praxix.z5")
    data = story.read_bytes()
    assert data[0x36:0x38] == word(0x102) and data[0x102:0x104] >= word(3)
    return story


@pytest.mark.parametrize("changes", BROKEN_TABLES.values(), ids=BROKEN_TABLES.keys())
def test_2_a_broken_optional_table_is_dropped_in_one_line(tmp_path, changes):
    """zvm's choice (see zvm.story.loader): play without the table, as dfrotz
    plays such stories, and say so in one line: the game's text is the text
    of the story without that table."""
    original = praxix()
    story = patched(tmp_path, original, changes)
    run = zvm(tmp_path, ["--headless", "--seed", "1", story], b"all\n")
    lines = assert_clean(run, 0)
    assert len(lines) == 1 and "warning" in lines[0] and "playing without it" in lines[0]
    plain = zvm(tmp_path, ["--headless", "--seed", "1", original], b"all\n")
    assert run.out == plain.out
    info = zvm(tmp_path, ["--info", story])
    assert_clean(info, 0, most_lines=0)
    assert "playing without it" in info.out


@pytest.mark.parametrize("changes", BROKEN_TABLES.values(), ids=BROKEN_TABLES.keys())
def test_2_the_library_reads_such_a_story(tmp_path, changes):
    import zvm as library
    original = library.Game(str(praxix()), seed=1)
    game = library.Game(str(patched(tmp_path, praxix(), changes)), seed=1)
    assert game.reset() == original.reset()
    assert game.objects() == original.objects() and len(game.objects()) > 10
    assert game.dictionary() == original.dictionary() and "all" in game.dictionary()


def test_2_the_library_reads_objects_whose_property_table_runs_off_the_end(tmp_path):
    # A damaged story (fuzz case 3:355): object 1's property table starts at
    # the last byte of memory, and that byte says its short name is 255 words
    # long. The story may never run into it; the library and the tools must
    # still list the objects, with that one's name and properties empty.
    import zvm as library
    data = praxix().read_bytes()
    objects = struct.unpack(">H", data[0x0A:0x0C])[0]
    entry = objects + 63 * 2                        # v5: 63 default words (§12.2)
    last = len(data) - 1
    story = patched(tmp_path, praxix(), {entry + 12: word(last), last: b"\xff"})
    game = library.Game(str(story), seed=1)
    first = game.object(1)
    assert first.name == "" and first.properties == {}
    # (the object count, found from where the lowest property table starts,
    # now runs on into memory that is not objects: those come after)
    original = library.Game(str(praxix()), seed=1).objects()
    assert game.objects()[1:len(original)] == original[1:]


@pytest.mark.parametrize("offset, what", [(0x08, "dictionary"), (0x0A, "objects"),
                                          (0x0C, "globals"), (0x18, "abbreviations")])
@pytest.mark.parametrize("where", ["ffff", "end"])
def test_2_an_essential_table_outside_the_file_is_refused(tmp_path, offset, what, where):
    """Tables no story plays without: refused in one line, exit 2."""
    source = ROOT / "tests" / "stories" / "auxfile.z5"
    size = source.stat().st_size
    story = patched(tmp_path, source, {offset: word(0xFFFF if where == "ffff" else size - 2)})
    for args in (["--headless", story], ["--info", story]):
        run = zvm(tmp_path, args)
        lines = assert_clean(run, 2)
        assert len(lines) == 1 and what in lines[0] and "corrupt" in lines[0], run.where()


# -- 3. the PC running off the end of memory --------------------------------------
@pytest.mark.parametrize("tail", ["B4", "E0", "B2 11"], ids=["nop", "call-cut", "print-cut"])
def test_3_the_pc_running_off_the_end_is_a_fatal_error(tmp_path, tail):
    """The story's first instruction is its last bytes (a v5 initial PC is a
    word: a small story of ours, so that it can point at the end)."""
    code = bytes.fromhex(tail)
    source = ROOT / "tests" / "stories" / "auxfile.z5"
    size = 4 * struct.unpack(">H", source.read_bytes()[0x1A:0x1C])[0]   # §11.1.6
    story = patched(tmp_path, source, {0x06: word(size - len(code)), size - len(code): code})
    run = zvm(tmp_path, ["--headless", story], b"look\n")
    lines = assert_clean(run, 1)
    assert len(lines) == 1 and lines[0].startswith("zvm: fatal: "), run.where()


# -- 4. saves that pass the story check but hold a bad PC or bad frames ------------
@pytest.fixture(scope="module")
def good_save(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("good-save")
    subprocess.run([sys.executable, "-m", "zvm", "--headless", "--seed", "1", "--save-dir",
                    str(folder), str(BUNDLED)], input=b"look\n/save good.qzl\n",
                   capture_output=True, timeout=120, cwd=folder)
    return (folder / "good.qzl").read_bytes()


def bad_saves(good: bytes) -> dict[str, bytes]:
    parts = fuzz_saves.chunks(good)
    frames = fuzz_saves.frames(fuzz_saves.get(parts, b"Stks"))
    size = BUNDLED.stat().st_size

    def with_ifhd_pc(pc):
        hd = bytearray(fuzz_saves.get(parts, b"IFhd"))
        hd[10:13] = pc.to_bytes(3, "big")
        return fuzz_saves.build(fuzz_saves.replace(parts, b"IFhd", bytes(hd)))

    def with_frames(fr):
        body = b"".join(fuzz_saves.frame_bytes(f) for f in fr)
        return fuzz_saves.build(fuzz_saves.replace(parts, b"Stks", body))

    far = dict(frames[-1], pc=size + 0x100)
    flags = dict(frames[-1], flags=0xFF)
    return {
        "pc-past-the-end": with_ifhd_pc(size + 10),
        "return-address-outside": with_frames(frames[:-1] + [far]),
        "flags-ff": with_frames(frames[:-1] + [flags]),
        "deeper-than-the-call-limit": with_frames(
            frames[:1] + [frames[-1]] * (fuzz_saves.CALL_DEPTH + 1)),
        "million-empty-frames": fuzz_saves.build(
            fuzz_saves.replace(parts, b"Stks", bytes(8 * 1_000_000))),
    }


SAVE_KINDS = ["pc-past-the-end", "return-address-outside", "flags-ff",
              "deeper-than-the-call-limit", "million-empty-frames"]
LIMITS_4 = Limits(seconds=60, memory_mb=400, output=1 << 20)


@pytest.mark.parametrize("kind", SAVE_KINDS)
def test_4_restore_option_refuses_a_bad_save_in_one_line(tmp_path, good_save, kind):
    (tmp_path / "save").mkdir()
    (tmp_path / "save" / "bad.qzl").write_bytes(bad_saves(good_save)[kind])
    run = zvm(tmp_path, ["--headless", "--restore", "bad.qzl", BUNDLED], b"look\n",
              limits=LIMITS_4)
    lines = assert_clean(run, 2)
    assert len(lines) == 1 and lines[0].startswith("zvm: cannot restore bad.qzl"), run.where()


@pytest.mark.parametrize("kind", SAVE_KINDS)
def test_4_restore_command_refuses_a_bad_save_and_play_goes_on(tmp_path, good_save, kind):
    (tmp_path / "save").mkdir()
    (tmp_path / "save" / "bad.qzl").write_bytes(bad_saves(good_save)[kind])
    run = zvm(tmp_path, ["--headless", BUNDLED], b"/restore bad.qzl\nlook\n", limits=LIMITS_4)
    assert_clean(run, 0)
    assert "[Not restored.]" in run.out, run.where()
    after = run.out.split("[Not restored.]", 1)[1]
    assert "Hollin Brook Platform" in after, run.where()        # "look" was played


def test_4_a_save_with_more_than_15_locals_is_invalid():
    from zvm.story import quetzal
    state = quetzal.SavedState(release=1, serial=b"000000", checksum=0, pc=0x100, memory=b"",
                               frames=[quetzal.StackFrame(0, [], []),
                                       quetzal.StackFrame(0x100, [0] * 16, [])])
    with pytest.raises(quetzal.SaveError, match="16 locals"):
        quetzal.validate(state, 0x1000)
    with pytest.raises(quetzal.SaveError, match="16 locals"):
        quetzal.encode(state, b"")


# -- 5. unbounded input -------------------------------------------------------------
# A normal run of these takes about half a second: 15 s is a bound, not a measure.
LIMITS_5 = Limits(seconds=15, memory_mb=400, output=4 << 20)


def test_5_dev_zero_on_standard_input_ends_in_one_line(tmp_path):
    run = zvm(tmp_path, ["--headless", BUNDLED], stdin="zero", limits=LIMITS_5)
    lines = assert_clean(run, 0)
    assert len(lines) == 1 and "input" in lines[0], run.where()


def test_5_replay_option_refuses_dev_zero(tmp_path):
    run = zvm(tmp_path, ["--headless", "--replay", "/dev/zero", BUNDLED], b"look\n",
              limits=LIMITS_5)
    lines = assert_clean(run, 2)
    assert len(lines) == 1 and "/dev/zero" in lines[0], run.where()


def test_5_replay_command_refuses_dev_zero_and_play_goes_on(tmp_path):
    run = zvm(tmp_path, ["--headless", BUNDLED], b"/replay /dev/zero\nlook\n", limits=LIMITS_5)
    assert_clean(run, 0)
    assert "[Not replayed.]" in run.out and run.out.count("Hollin Brook Platform") >= 2, \
        run.where()


def test_5_a_long_line_is_cut_and_said_once(tmp_path):
    run = zvm(tmp_path, ["--headless", BUNDLED], b"x" * 5000 + b"\n" + b"y" * 5000 + b"\nlook\n")
    lines = assert_clean(run, 0)
    assert len(lines) == 1 and "cut" in lines[0], run.where()
    assert run.out.count("Hollin Brook Platform") >= 2, run.where()


# -- 6. replay files that replay themselves ---------------------------------------
@pytest.mark.parametrize("how", ["--replay", "/replay"])
@pytest.mark.parametrize("files", [{"self.rec": b"look\n/replay self.rec\n"},
                                   {"a.rec": b"look\n/replay b.rec\n",
                                    "b.rec": b"wait\n/replay a.rec\n"}],
                         ids=["itself", "each-other"])
def test_6_a_replay_that_replays_itself_stops(tmp_path, how, files):
    (tmp_path / "save").mkdir()
    for name, content in files.items():
        (tmp_path / "save" / name).write_bytes(content)
    first = sorted(files)[0]
    args = ["--headless", "--replay", first, BUNDLED] if how == "--replay" \
        else ["--headless", BUNDLED]
    lines = b"" if how == "--replay" else f"/replay {first}\n".encode()
    run = zvm(tmp_path, args, lines, limits=LIMITS_5)
    assert_clean(run, 0, most_lines=2)


# -- 7. standard output unwritable, standard input closed --------------------------
@pytest.mark.parametrize("stdout", ["closed", "full"])
def test_7_unwritable_standard_output_is_one_line_and_exit_1(tmp_path, stdout):
    run = zvm(tmp_path, ["--headless", BUNDLED], b"look\n", stdout=stdout)
    lines = assert_clean(run, 1)
    assert len(lines) == 1 and "standard output" in lines[0], run.where()


def test_7_closed_standard_input_is_no_input(tmp_path):
    run = zvm(tmp_path, ["--headless", BUNDLED], stdin="closed")
    assert_clean(run, 0, most_lines=0)
    assert "THE HOLLIN BROOK SIGNAL" in run.out, run.where()


# -- 8. transcripts and records that cannot be written ---------------------------------
@pytest.mark.parametrize("option", ["--transcript", "--record"])
def test_8_an_unwritable_stream_file_is_said_and_play_goes_on(tmp_path, option):
    run = zvm(tmp_path, ["--headless", option, "/dev/full", BUNDLED], b"look\nwait\nlook\n")
    lines = assert_clean(run, 0)
    assert len(lines) == 1 and "/dev/full" in lines[0], run.where()
    assert run.out.count("Hollin Brook Platform") >= 3, run.where()


@pytest.mark.parametrize("option", ["--transcript", "--record"])
def test_8_a_stream_into_a_read_only_folder_is_said_and_play_goes_on(tmp_path, option):
    run = zvm(tmp_path, ["--headless", option, "out.txt", BUNDLED], b"look\nlook\n",
              readonly=True)
    lines = assert_clean(run, 0)
    assert len(lines) == 1 and "out.txt" in lines[0], run.where()
    assert run.out.count("Hollin Brook Platform") >= 3, run.where()


@pytest.mark.parametrize("command", [b"/script on", b"/record on"])
def test_8_meta_streams_on_a_full_disk_are_said_and_play_goes_on(tmp_path, command):
    run = zvm(tmp_path, ["--headless", "--save-dir", ".", BUNDLED],
              command + b"\nlook\nwait\nlook\n", disk_limit=0)
    lines = assert_clean(run, 0)
    assert len(lines) == 1, run.where()
    assert run.out.count("Hollin Brook Platform") >= 3, run.where()


# -- 9. stale temporary files of ours --------------------------------------------------
def test_9_stale_temporaries_of_ours_are_cleaned_at_start(tmp_path):
    save = tmp_path / "save"
    save.mkdir()
    import random
    stale = fuzz_saves.stale_names(random.Random(9))
    foreign = fuzz_saves.foreign_names(random.Random(9))
    old = 1_000_000_000
    for name in stale + foreign:
        (save / name).write_bytes(b"partial")
        os.utime(save / name, (old, old))
    run = zvm(tmp_path, ["--headless", "--save-dir", ".", BUNDLED], b"look\n")
    assert_clean(run, 0, most_lines=0)
    left = set(os.listdir(save))
    assert not left & set(stale), f"kept: {sorted(left & set(stale))}"
    assert set(foreign) <= left, f"removed: {sorted(set(foreign) - left)}"


# -- 10. one exception family for the library, direct and isolated --------------------
@pytest.mark.parametrize("isolated", [False, True], ids=["direct", "isolated"])
@pytest.mark.parametrize("kind", ["not-a-save"] + SAVE_KINDS[:3])
def test_10_library_errors_are_one_family(good_save, isolated, kind):
    import zvm as library
    data = b"not a save at all" if kind == "not-a-save" else bad_saves(good_save)[kind]
    game = library.Game(str(BUNDLED), seed=1, isolated=isolated, timeout=60)
    try:
        game.reset()
        with pytest.raises(library.GameError):
            game.restore(data)
    finally:
        if isolated:
            game.close()


# -- 11. a usage error with standard error closed ---------------------------------
@pytest.mark.parametrize("args", [["--bogus"], ["--width", "x"]])
def test_11_usage_error_with_stderr_closed_exits_2(tmp_path, args):
    run = zvm(tmp_path, args, stderr="closed")
    assert_clean(run, 2, most_lines=0)


# -- 12. text without end, and no input asked for -------------------------------
def test_12_text_printed_without_end_comes_out_as_it_is_printed(tmp_path):
    """print_loop.z5, key 2, prints without end and never reads again: its
    text reaches standard output as it is printed, as dfrotz's does, in
    bounded memory; only the output cap stops the run."""
    story = ROOT / "tests" / "stories" / "print_loop.z5"
    run = zvm(tmp_path, ["--headless", story], b"2\n",
              limits=Limits(seconds=30, memory_mb=512, output=1 << 20))
    assert run.stopped == "output", run.where()
    assert run.out.startswith("ready\n" + "&&&&&&& " * 9 + "&&&&&&&\n"), run.where()
