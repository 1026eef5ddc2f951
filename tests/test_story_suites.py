"""Run the Inform-built test stories in tests/stories/ under zvm.

Opcode stories (tests/stories/opcodes.inf, compiled to opcodes.z3/.z5/.z7/.z8)
check every opcode of their version against the Z-Machine Standard 1.1 and
print, as their last line, "<passed> passed, <failed> failed".  The number of
checks per story is part of the test contract and is hard-coded below.

Fatal stories print "before" and then trigger a fatal runtime error; zvm must
exit with status 1 and report exactly one line on stderr:

    zvm: fatal: <message> (PC = $<hex address>)

The stories are rebuilt from their sources with tools/build_stories.py; when
a source changes, update the expected counts here (run the story under a
reference interpreter such as dfrotz to get the number).
"""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
STORIES = ROOT / "tests" / "stories"
TIMEOUT = 120  # seconds per story

# Number of checks in each opcode story (tools/build_stories.py rebuilds the
# stories; keep these in step with tests/stories/opcodes.inf).
#
# dfrotz 2.54 reports one check fewer as passed ("257 passed, 1 failed" for
# v3, "362 passed, 1 failed" for v5/v8): for an object whose short name is the
# empty Z-string, print_obj must print nothing, but Frotz prints "object#N"
# instead.  The Standard wins; the counts below are the full check counts.
OPCODE_STORIES = {
    "opcodes.z3": 270,
    "opcodes.z5": 375,
    "opcodes.z7": 375,
    "opcodes.z8": 375,
}

# Fatal-error stories: the text each prints before failing, and what the
# error message must name.
FATAL_STORIES = {
    "fatal_div0.z5": ("before", "division by zero"),
    "fatal_underflow.z5": ("before", "stack underflow"),
    "fatal_jump.z5": ("before", "outside memory"),
    "fatal_illegal.z3": ("before", "call_vn"),
    "fatal_storew.z3": ("before", "outside dynamic memory"),
    "fatal_storew.z5": ("before", "outside dynamic memory"),
}

SUMMARY_RE = re.compile(r"^(\d+) passed, 0 failed$")
FATAL_RE = re.compile(r"^zvm: fatal: .+ \(PC = \$[0-9a-f]{4,5}\)$")


def story_path(name: str) -> pathlib.Path:
    path = STORIES / name
    if not path.is_file():
        pytest.skip(f"story file {path.relative_to(ROOT)} is missing; "
                    f"build it with: python3 tools/build_stories.py")
    return path


def run_zvm(story: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zvm", "--headless", str(story)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=TIMEOUT,
    )


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize("name,expected", sorted(OPCODE_STORIES.items()))
def test_opcode_story(name, expected):
    story = story_path(name)
    proc = run_zvm(story)
    lines = [line.rstrip() for line in proc.stdout.splitlines() if line.strip()]
    context = (f"exit status {proc.returncode}\n"
               f"--- stdout (tail) ---\n{tail(proc.stdout)}\n"
               f"--- stderr (tail) ---\n{tail(proc.stderr)}")
    assert lines, f"{name}: no output\n{context}"
    match = SUMMARY_RE.match(lines[-1])
    assert match, (f"{name}: last line {lines[-1]!r} is not "
                   f"'N passed, 0 failed'\n{context}")
    assert int(match.group(1)) == expected, (
        f"{name}: {match.group(1)} checks passed, expected {expected}\n{context}")


@pytest.mark.parametrize("name,expected", sorted(FATAL_STORIES.items()))
def test_fatal_story(name, expected):
    before, what = expected
    story = story_path(name)
    proc = run_zvm(story)
    context = (f"--- stdout ---\n{tail(proc.stdout)}\n"
               f"--- stderr ---\n{tail(proc.stderr)}")
    assert proc.returncode == 1, (
        f"{name}: exit status {proc.returncode}, expected 1\n{context}")
    err_lines = proc.stderr.splitlines()
    assert len(err_lines) == 1, (
        f"{name}: expected exactly one line on stderr, got {len(err_lines)}\n"
        f"{context}")
    assert FATAL_RE.match(err_lines[0]), (
        f"{name}: stderr line {err_lines[0]!r} does not match "
        f"'zvm: fatal: <message> (PC = $xxxx)'\n{context}")
    assert what in err_lines[0], f"{name}: the error should name {what!r}"
    assert before in proc.stdout, (
        f"{name}: text printed before the error ({before!r}) missing from "
        f"stdout\n{context}")
