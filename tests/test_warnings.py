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
