"""Real stories against dfrotz's reference transcripts (../shared/transcripts).

Zork I-III must be byte-identical to dfrotz's output with the same seed;
CZECH must pass with dfrotz's counts and print the same text outside its
"Header" block (which reports the interpreter's own identity); Praxix must
pass all its tests.
"""

from __future__ import annotations

import re

import pytest

from helpers import run_zvm, shared_story, shared_transcript


def read_bytes_as_text(path) -> str:
    return path.read_bytes().decode("latin-1")


@pytest.mark.parametrize("game,seed", [("zork1", 12), ("zork2", 0), ("zork3", 0)])
def test_zork_matches_dfrotz_byte_for_byte(game, seed):
    story = shared_story(f"{game}.z3")
    commands = shared_transcript(f"{game}.cmd").read_text()
    expected = shared_transcript(f"{game}.seed{seed}.out").read_bytes()
    result = run_zvm(["--headless", "--seed", seed, story], input=commands)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    actual = result.stdout.encode("utf-8")
    if actual != expected:
        # Show the first differing line rather than two 40 KB blobs.
        a, e = actual.split(b"\n"), expected.split(b"\n")
        for i, (x, y) in enumerate(zip(a, e)):
            assert x == y, f"line {i + 1} differs"
        assert len(a) == len(e), "outputs differ in length"


def without_header_block(text: str) -> str:
    """Drop CZECH's "Header" block: from its title line to the blank line."""
    return re.sub(r"\nHeader \(No tests\)\n.*?\n\n", "\n", text, flags=re.S)


@pytest.mark.parametrize("version,passed", [(3, 349), (4, 367), (5, 406), (8, 406)])
def test_czech(version, passed):
    story = shared_story(f"czech.z{version}")
    expected = shared_transcript(f"czech.z{version}.out").read_text()
    result = run_zvm(["--headless", "--seed", 1, story])
    assert result.returncode == 0, result.stderr
    assert f"Passed: {passed}, Failed: 0" in result.stdout
    assert without_header_block(result.stdout) == without_header_block(expected)
    # The block we ignore really is there, and only it differs.
    assert "Header (No tests)" in result.stdout


def test_praxix_all_tests_pass():
    story = shared_story("praxix.z5")
    result = run_zvm(["--headless", "--seed", 1, story], input="all\n")
    assert result.returncode == 0, result.stderr
    assert "All tests passed." in result.stdout
    assert "FAIL" not in result.stdout
