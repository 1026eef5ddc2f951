"""Survivable errors (Appendix A): handled as the Standard recommends, and
reported only when asked with --warnings (once per kind, always, or fatal)."""

from __future__ import annotations

import re

from helpers import ROOT, run_zvm

STORY = ROOT / "tests" / "stories" / "warn_object0.z5"
WARNING = re.compile(r"^zvm: warning: .*object 0.* \(PC = \$[0-9a-f]{4,5}\)$")


def test_silent_by_default():
    result = run_zvm(["--headless", STORY])
    assert result.returncode == 0
    assert "parent=0" in result.stdout and "done" in result.stdout
    assert result.stderr == ""


def test_once_reports_each_kind_once():
    result = run_zvm(["--headless", "--warnings", STORY])
    assert result.returncode == 0
    assert "done" in result.stdout
    lines = result.stderr.splitlines()
    # get_parent twice (reported once) and print_obj once.
    assert len(lines) == 2, lines
    assert all(WARNING.match(line) for line in lines), lines


def test_always_reports_every_instance():
    result = run_zvm(["--headless", "--warnings=always", STORY])
    assert len(result.stderr.splitlines()) == 3, result.stderr


def test_fatal_stops_the_game():
    result = run_zvm(["--headless", "--warnings=fatal", STORY])
    assert result.returncode == 1
    assert "done" not in result.stdout
    assert re.match(r"^zvm: fatal: get_parent of object 0 \(PC = \$[0-9a-f]{4,5}\)$",
                    result.stderr.strip())


def test_windows_that_do_not_exist_are_survivable_errors_at_their_instruction():
    """set_window 5 and erase_window 35 outside version 6 (warn_window.z5):
    the game goes on (Frotz stops with "Illegal window"), each is reported
    with --warnings at its own instruction, and --warnings=fatal stops
    there, as Frotz does."""
    story = ROOT / "tests" / "stories" / "warn_window.z5"
    quiet = run_zvm(["--headless", story])
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout.split() == ["lower", "done"]
    told = run_zvm(["--headless", "--warnings", story])
    lines = told.stderr.splitlines()
    assert [re.sub(r"\$[0-9a-f]+", "$", line) for line in lines] == [
        "zvm: warning: set_window 5: no such window (0 or 1) (PC = $)",
        "zvm: warning: erase_window 35: no such window (0, 1, -1 or -2) (PC = $)"]
    first, second = (int(line.rsplit("$", 1)[1].rstrip(")"), 16) for line in lines)
    assert second > first
    fatal = run_zvm(["--headless", "--warnings=fatal", story])
    assert fatal.returncode == 1 and "lower" not in fatal.stdout
    assert fatal.stderr.strip() == f"zvm: fatal: set_window 5: no such window (0 or 1) " \
                                   f"(PC = ${first:04x})"
