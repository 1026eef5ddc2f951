"""Golden transcripts: ``zvm test`` (tools/regtest.py), ``zvm record``
(tools/record.py), the pytest plugin (tools/pytest_regtest.py) and the
headless frontend's virtual clock for timed input.

The regtest files in tests/regtest/ are collected and run by the plugin
(one pytest item per ``* test``); this module runs ``zvm test`` itself on a
few of them, and on broken copies that must fail readably.
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from helpers import ROOT, run_zvm

REGTEST = ROOT / "tests" / "regtest"
HOLLIN = ROOT / "stories" / "hollinbrook.z5"
TIMER = ROOT / "tests" / "stories" / "timer.z5"


def zvm_test(*args):
    return run_zvm(["test", *map(str, args)], timeout=120)


@pytest.mark.parametrize("name", ["hollinbrook", "hollinbrook-golden", "opcodes", "timer",
                                  "praxix", "czech"])
def test_zvm_test_passes_our_files(name):
    """Every file passes through ``zvm test`` as well as through the pytest
    plugin (which collects tests/regtest/ itself); Zork I's walkthrough
    runs through the plugin only, and its short tests below."""
    if name in ("praxix", "czech"):
        from helpers import shared_story
        shared_story("praxix.z5" if name == "praxix" else "czech.z3")
    result = zvm_test(REGTEST / f"{name}.regtest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed:" in result.stdout
    assert "FAILED" not in result.stdout


def test_zvm_test_zork_seeded(shared_story):
    shared_story("zork1.z3")
    result = zvm_test(REGTEST / "zork1.regtest", "troll", "status*")
    assert result.returncode == 0, result.stdout
    assert "* troll" in result.stdout and "* status line" in result.stdout
    # The troll's death is a matter of the seed.
    result = zvm_test("--seed", 1, REGTEST / "zork1.regtest", "troll")
    assert result.returncode == 1
    assert "The fatal blow strikes the troll" in result.stdout


def broken_copy(tmp_path, text: str, name: str = "broken.regtest"):
    path = tmp_path / name
    path.write_text(f"** game: {HOLLIN}\n\n" + text, encoding="utf-8")
    return path


BROKEN = {
    "wrong text": ("> north\nStation Cafe with a piano\n",
                   "check (line 5): Station Cafe with a piano", "not found"),
    "negated check that matches": ("> north\n!Station Café\n",
                                   "check (line 5): !Station Café",
                                   "found, and it should not be"),
    "regex that fails": ("> north\n/^Station (Bar|Pub)$\n",
                         "check (line 5): /^Station (Bar|Pub)$", "not found"),
    "wrong count": ("> north\n{count=3} Station Café\n",
                    "check (line 5): {count=3} Station Café", "only found 2 times"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_copies_fail_readably(tmp_path, case):
    body, check, reason = BROKEN[case]
    path = broken_copy(tmp_path, "* broken\n" + body)
    result = zvm_test(path)
    assert result.returncode == 1, result.stdout
    out = result.stdout
    assert "FAILED: broken" in out
    assert "command: > north (line 4)" in out
    assert check in out
    assert reason in out
    # The actual output is shown.
    assert "| Chairs stand upside down on the tables" in out
    assert "FAILED: 1 error in 1 of 1 tests (broken)" in out


def test_failures_of_one_command_show_its_output_once(tmp_path):
    path = broken_copy(tmp_path, "* two\n> north\nbanana\napple\n")
    out = zvm_test(path).stdout
    assert out.count("| Chairs stand upside down") == 1
    assert "check (line 5): banana" in out and "check (line 6): apple" in out


def test_vital_check_stops_the_test(tmp_path):
    text = "* v\n> north\n{vital} banana\n> south\napple\n"
    result = zvm_test(broken_copy(tmp_path, text))
    assert result.returncode == 1
    assert "banana" in result.stdout and "apple" not in result.stdout
    # --vital makes every check vital.
    text = "* v\n> north\nbanana\n> south\napple\n"
    result = zvm_test("--vital", broken_copy(tmp_path, text))
    assert "banana" in result.stdout and "apple" not in result.stdout
    result = zvm_test(broken_copy(tmp_path, text))
    assert "banana" in result.stdout and "apple" in result.stdout


def test_status_checks_read_the_upper_window(tmp_path):
    text = ("* s\n{status} Hollin Brook Platform\n{status} Moves: 0\n"
            "> north\n{status} Station Café\n!{status} Platform\n{status} Score: 9\n")
    result = zvm_test(broken_copy(tmp_path, text))
    assert result.returncode == 1
    assert "check (line 9): {status} Score: 9" in result.stdout
    assert "actual status line:" in result.stdout
    assert "|  Station Café" in result.stdout
    assert result.stdout.count("-> ") == 1


def test_opening_checks_include_and_globs(tmp_path):
    text = ("* _walk\n> north\nStation Café\n\n"
            "* first\nTHE HOLLIN BROOK SIGNAL\n>{include} _walk\n> take matches\nTaken.\n\n"
            "* second\nno such opening\n")
    path = broken_copy(tmp_path, text)
    result = zvm_test(path, "f*")
    assert result.returncode == 0, result.stdout
    assert "* first" in result.stdout and "* second" not in result.stdout
    assert "_walk" not in result.stdout            # hidden: only run when named
    result = zvm_test(path)
    assert result.returncode == 1
    assert "command: (the story's opening text)" in result.stdout
    listing = zvm_test("--list", path)
    assert listing.stdout.split() == ["first", "second"]


def test_verbose_shows_the_transcript(tmp_path):
    path = broken_copy(tmp_path, "* v\n> north\nStation Café\n")
    result = zvm_test("-v", path)
    assert result.returncode == 0
    assert "> north" in result.stdout
    assert "Chairs stand upside down" in result.stdout


def test_missing_game_is_skipped(tmp_path):
    path = tmp_path / "absent.regtest"
    path.write_text("** game: no/such/story.z5\n* a\n> look\nx\n", encoding="utf-8")
    result = zvm_test(path)
    assert result.returncode == 0
    assert "skipped: game not found:" in result.stdout
    assert "story.z5" in result.stdout


def test_bad_files_are_usage_errors(tmp_path):
    cases = {
        "unknown option": "** colour: red\n* a\n",
        "bad regex": f"** game: {HOLLIN}\n* a\n> look\n/([a-\n",
        "unknown modifier": f"** game: {HOLLIN}\n* a\n> look\n{{bold}} x\n",
        "twice": f"** game: {HOLLIN}\n* a\n* a\n",
    }
    for what, text in cases.items():
        path = tmp_path / "bad.regtest"
        path.write_text(text, encoding="utf-8")
        result = zvm_test(path)
        assert result.returncode == 2, what
        assert "bad.regtest:" in result.stderr, what
    assert zvm_test(tmp_path / "none.regtest").returncode == 2


def test_include_loop_fails(tmp_path):
    path = broken_copy(tmp_path, "* a\n>{include} b\n* b\n>{include} a\n")
    result = zvm_test(path, "a")
    assert result.returncode == 1
    assert "includes itself" in result.stdout


def test_key_for_a_line_read_fails(tmp_path):
    path = broken_copy(tmp_path, "* k\n>{char} x\n")
    result = zvm_test(path)
    assert result.returncode == 1
    assert "waiting for a line, not a key" in result.stdout


def test_seed_header_and_interpreter_seed():
    from zvm.tools.regtest import file_seed, parse_text
    rf = parse_text("** zvm-seed: 5\n* a\n* b\n** zvm-seed: 7\n")
    assert file_seed(rf, rf.tests[0]) == 5 and file_seed(rf, rf.tests[1]) == 7
    rf = parse_text("** interpreter: python -m zvm --headless --seed 12\n* a\n")
    assert file_seed(rf, rf.tests[0]) == 12
    rf = parse_text("** interpreter: dfrotz -s 12\n* a\n")
    assert file_seed(rf, rf.tests[0]) is None


def test_subprocess_mode_runs_the_interpreter_line():
    result = zvm_test("--subprocess", REGTEST / "hollinbrook.regtest")
    assert result.returncode == 0, result.stdout
    result = zvm_test("--subprocess", REGTEST / "timer.regtest", "timer")
    assert result.returncode == 1
    assert "needs the in-process runner" in result.stdout


# -- zvm record -----------------------------------------------------------------

def test_record_then_test(tmp_path):
    commands = tmp_path / "walk.txt"
    commands.write_text((ROOT / "stories" / "hollinbrook.walkthrough").read_text())
    out = tmp_path / "sub" / "golden.regtest"
    out.parent.mkdir()
    result = run_zvm(["record", HOLLIN, commands])
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"** game: {HOLLIN}" in text
    assert "* walk" in text
    assert "> pull red lever" in text
    # "*** You have won ***" would start a test: it is written as a regex.
    assert "/\\*\\*\\* You have won \\*\\*\\*" in text
    out.write_text(text, encoding="utf-8")
    result = zvm_test(out)
    assert result.returncode == 0, result.stdout
    # -o writes the game's path relative to the file.
    rel = run_zvm(["record", "--seed", 3, "--status", "-o", out,
                   "stories/hollinbrook.z5", commands])
    assert rel.returncode == 0, rel.stderr
    written = out.read_text(encoding="utf-8")
    assert "** game: ../../../../" in written or "** game: " in written
    assert "** zvm-seed: 3" in written and "{status} " in written
    result = zvm_test(out)
    assert result.returncode == 0, result.stdout
    # A changed story output makes the golden file fail.
    out.write_text(written.replace("Taken.", "Took it."), encoding="utf-8")
    assert zvm_test(out).returncode == 1


def test_record_keys_and_timer(tmp_path):
    commands = tmp_path / "t.txt"
    commands.write_text("{timer}\nhello\n{timer}\n{char} x\n{timer}\n{char} left\nquit\n")
    out = tmp_path / "t.regtest"
    result = run_zvm(["record", "-o", out, TIMER, commands])
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert ">{timer}\n" in text and ">{char} left\nKey: 131." in text
    assert zvm_test(out).returncode == 0


def test_record_escapes_special_lines():
    from zvm.tools.record import check_for
    from zvm.tools.regtest import parse_text
    for line in ["/usr/bin", "!bang", "{count=2} x", "* star", "> prompt", "# hash",
                 "a (b) [c] $d ^e"]:
        check = check_for(line)
        rf = parse_text(f"* t\n> x\n{check}\n")
        parsed = rf.tests[0].commands[0].checks[0]
        assert not parsed.inverse and not parsed.status
        assert parsed.evaluate([line]) is None, line
        assert parsed.evaluate(["other"]) is not None, line
    assert check_for("   ") is None


# -- the pytest plugin --------------------------------------------------------

def test_pytest_plugin_collects_and_reports(tmp_path):
    (tmp_path / "good.regtest").write_text(
        f"** game: {HOLLIN}\n* one\n> north\nStation Café\n* two\n> look\nHollin Brook Platform\n"
        "* _hidden\n> look\n", encoding="utf-8")
    (tmp_path / "bad.regtest").write_text(
        f"** game: {HOLLIN}\n* wrong\n> north\nthe moon\n", encoding="utf-8")
    (tmp_path / "absent.regtest").write_text(
        "** game: ../nowhere/story.z5\n* gone\n> look\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rfs", "-p", "no:cacheprovider",
         str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    out = result.stdout
    assert result.returncode == 1, out
    assert "2 passed" in out and "1 failed" in out and "1 skipped" in out
    assert "bad.regtest::wrong" in out
    assert "command: > north (line 3)" in out
    assert "check (line 4): the moon" in out
    assert "| Chairs stand upside down" in out
    assert "game not found" in out and "story.z5" in out


# -- the headless frontend's virtual clock ------------------------------------

def _frontend(lines: str, **kw):
    from zvm.ui.headless import HeadlessFrontend
    return HeadlessFrontend(stdin=io.StringIO(lines), stdout=io.StringIO(), **kw)


def test_virtual_clock_ticks_once_per_timer_line():
    from zvm.screen.protocol import CharRequest, LineRequest
    from zvm.vm.ops.input import ask
    calls = []
    fe = _frontend("{timer}\n{timer}\nhello\n", virtual_clock=True)
    result = ask(fe.read_line, LineRequest(max_len=20, timeout=5),
                 lambda: calls.append(1) and False)
    assert (result.text, result.terminator) == ("hello", 13)
    assert len(calls) == 2 and fe.clock == 10
    fe = _frontend("{timer}\n", virtual_clock=True)
    result = ask(fe.read_line, LineRequest(max_len=20, preloaded="ab", timeout=5),
                 lambda: True)
    assert (result.text, result.terminator) == ("ab", 0)
    fe = _frontend("{timer}\nx\n", virtual_clock=True)
    assert ask(fe.read_char, CharRequest(timeout=3), lambda: True) == 0
    assert ask(fe.read_char, CharRequest(timeout=3), lambda: True) == "x"
    # Untimed reads let no time pass; without the option {timer} is text.
    fe = _frontend("{timer}\nok\n", virtual_clock=True)
    assert fe.read_line(LineRequest(max_len=20)).text == "ok" and fe.clock == 0
    fe = _frontend("{timer}\n")
    assert ask(fe.read_line, LineRequest(max_len=20, timeout=5),
               lambda: True).text == "{timer}"
