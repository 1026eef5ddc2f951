"""The command line's handling of failures that are not the story's fault."""

from __future__ import annotations

import io
import sys

import pytest

from helpers import ROOT

import zvm.cli.main
from zvm.vm.machine import Machine

STORY = str(ROOT / "tests" / "stories" / "warn_object0.z5")


def run_main(monkeypatch, capsys, args):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exit_info:
        zvm.cli.main.main(args)
    return exit_info.value.code, capsys.readouterr()


def test_a_fault_of_zvm_gives_one_line_and_a_crash_report(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)

    def broken(self):
        raise RuntimeError("something inside zvm broke")

    monkeypatch.setattr(Machine, "run", broken)
    status, out = run_main(monkeypatch, capsys, ["--headless", STORY])
    assert status == 1
    lines = out.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("zvm: internal error: RuntimeError: something inside zvm broke")
    assert "Traceback" not in out.err
    reports = list(tmp_path.glob("zvm-crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in lines[0]
    assert "Traceback" in reports[0].read_text()


def test_undecodable_and_overlong_input_is_not_an_error():
    import subprocess
    from helpers import shared_story
    story = shared_story("zork1.z3")
    commands = b"\xff\xfe\x80 look\n" + b"x" * 100_000 + b"\nlook\n"
    result = subprocess.run([sys.executable, "-m", "zvm", "--headless", str(story)],
                            input=commands, capture_output=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0
    # Issue 16 item 5: a line past the story's 255-character buffer is cut,
    # and that is said once (one line on standard error), nothing more.
    assert result.stderr.decode().splitlines() == [
        "zvm: input lines longer than 255 characters are cut"]
    assert result.stdout.count(b"West of House") >= 2      # the last "look" was played


def test_list_names_the_bundled_story():
    from helpers import run_zvm
    result = run_zvm(["--list"])
    assert result.returncode == 0
    assert "hollinbrook.z5" in result.stdout
    assert "Hollin Brook Signal" in result.stdout


def test_no_story_named_plays_the_bundled_story():
    from helpers import run_zvm
    result = run_zvm(["--headless"], input="look\n")
    assert result.returncode == 0, result.stderr
    assert "THE HOLLIN BROOK SIGNAL" in result.stdout
    assert result.stdout.count("Hollin Brook Platform") >= 2   # banner room, then look


@pytest.mark.parametrize("argv", [
    ["story.z5"], [], ["--headless", "story.z5"], ["story.z5", "--echo"],
    ["--warnings", "story.z5"], ["--warnings-mode=always", "story.z5"],
    ["--width", "5", "--seed=3", "--height=0", "story.z5"],
    ["--no-color", "--fg", "red", "--bg=7", "story.z5"], ["--interpreter", "2:B", "story.z5"],
    ["--save-dir", "/tmp", "--transcript=t.txt", "--record", "r.txt", "--replay", "p.txt",
     "--restore", "s.qzl", "story.z5"],
    ["--list"], ["--info", "story.z5"], ["--stats", "--no-cache", "--no-meta", "--autosave",
                                         "--overwrite", "--no-mouse", "story.z5"],
])
def test_a_plain_command_line_is_read_as_argparse_reads_it(argv):
    """zvm reads a plain command line without argparse (start-up time);
    what it reads must be what argparse, given the same table, reads."""
    from zvm.cli import options
    quick = options.quick_parse(argv, {})
    assert quick is not None
    assert vars(quick) == vars(options.build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [
    ["--help"], ["--version"], ["--wid", "5", "s"], ["--width", "x", "s"], ["--fg", "purple", "s"],
    ["--warnings-mode=loud", "s"], ["a", "b"], ["--seed", "-1", "s"], ["--headless=yes", "s"],
    ["--", "s"], ["-h"],
])
def test_anything_else_is_left_to_argparse(argv):
    from zvm.cli import options
    assert options.quick_parse(argv, {}) is None


def test_line_input_splits_a_pipe_and_knows_when_a_line_has_arrived():
    import os
    from zvm.cli.stdio import MAX_LINE, LineInput
    read_end, write_end = os.pipe()
    with open(read_end, encoding="utf-8", errors="replace") as stream:
        lines = LineInput(stream)
        assert not lines.ready()                  # nothing written: readline would wait
        os.write(write_end, b"look\nopen the \xff box\r\n" + b"y" * 300 + b"\nlast")
        assert lines.readline() == "look\n"
        assert lines.ready()                      # the rest came in the same read
        assert lines.readline() == "open the \ufffd box\r\n"
        assert lines.readline() == "y" * MAX_LINE + "\n"     # cut to the story's buffer
        assert not lines.ready()                  # "last" has no end yet
        os.close(write_end)
        assert lines.readline() == "last"
        assert lines.readline() == ""


def test_a_driver_that_waits_for_each_prompt_gets_it():
    """Output is held back only while the next command has already arrived:
    a program that sends a command only after it sees the prompt (a pipe,
    one line at a time) gets each prompt, and the answer to each command."""
    import os
    import select
    import subprocess
    from helpers import shared_story
    proc = subprocess.Popen([sys.executable, "-m", "zvm", "--headless",
                             str(shared_story("zork1.z3"))],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdin is not None and proc.stdout is not None

    def until_prompt() -> bytes:
        got = b""
        while not got.endswith(b"\n>"):
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            assert ready, f"no prompt within 30 s; got {got[-200:]!r}"
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, f"zvm ended; got {got[-200:]!r}"
            got += chunk
        return got

    try:
        assert b"West of House" in until_prompt()
        for command, answer in ((b"open mailbox", b"leaflet"), (b"north", b"North of House")):
            proc.stdin.write(command + b"\n")
            proc.stdin.flush()
            assert answer in until_prompt()
    finally:
        proc.kill()
        proc.wait()


def test_the_command_leaves_what_the_run_made_to_the_system_and_loses_nothing(tmp_path):
    """``zvm.cli.guard.main`` freezes the objects a run made before the
    process exits (Python's collections at exit would walk them all);
    the transcript and the disk cache are still whole afterwards."""
    import os
    import subprocess
    transcript = tmp_path / "t.txt"
    probe = ("import gc, sys\nfrom zvm.cli.guard import main\n"
             "status = main(sys.argv[1:])\n"
             "print('frozen', gc.get_freeze_count(), file=sys.stderr)\n"
             "sys.exit(status)\n")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-c", probe, "--headless", "--transcript", str(transcript),
         str(ROOT / "stories" / "hollinbrook.z5")],
        input="look\ninventory\n", capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=60)
    assert result.returncode == 0, result.stderr
    frozen = int(result.stderr.split("frozen ")[1])
    assert frozen > 1000                       # the run's code, instructions, history
    lines = transcript.read_text().splitlines()
    reply = [line for line in result.stdout.splitlines() if line.strip(" >")][-1]
    assert ">inventory" in lines and lines.index(">inventory") < lines.index(reply)
    kept = list((tmp_path / "cache" / "zvm").rglob("*"))
    assert any(p.is_file() for p in kept)      # the atexit handlers wrote the cache
