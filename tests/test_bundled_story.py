"""The bundled story, stories/hollinbrook.z5, can be won from its
walkthrough under zvm (headless) and, when it is installed, under dfrotz."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STORY = ROOT / "stories" / "hollinbrook.z5"
WALKTHROUGH = ROOT / "stories" / "hollinbrook.walkthrough"
DFROTZ = Path("/usr/games/dfrotz")

WIN_TEXT = "The Night Mail thunders through"
FINAL_SCORE = "In that game you scored 5 out of a possible 5"
ARROW = "\u2192"          # printed with @print_unicode after @check_unicode
E_ACUTE = "caf\u00e9"     # ZSCII 169 in the default Unicode table


def _walkthrough() -> str:
    return WALKTHROUGH.read_text(encoding="utf-8")


def test_walkthrough_is_short():
    commands = [line for line in _walkthrough().splitlines() if line.strip()]
    assert 5 <= len(commands) <= 25


def test_zvm_wins_the_bundled_story():
    result = subprocess.run(
        [sys.executable, "-m", "zvm", "--headless", str(STORY.relative_to(ROOT))],
        input=_walkthrough(), capture_output=True, text=True, encoding="utf-8",
        cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert WIN_TEXT in out
    assert "*** You have won ***" in out
    assert FINAL_SCORE in out
    assert ARROW in out
    assert E_ACUTE in out


def test_dfrotz_wins_the_bundled_story():
    if not DFROTZ.exists():
        pytest.skip(f"{DFROTZ} is absent")
    result = subprocess.run(
        [str(DFROTZ), "-m", "-q", "-w", "80", "-h", "24", str(STORY)],
        input=_walkthrough(), capture_output=True, text=True, encoding="utf-8",
        cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # dfrotz 2.54 drops bold text, so "*** You have won ***" is not shown.
    assert WIN_TEXT in out
    assert FINAL_SCORE in out
    assert ARROW in out


@pytest.mark.skipif(shutil.which("inform6") is None
                    or not Path("/usr/share/inform6/library").is_dir(),
                    reason="inform6 or its library is absent")
def test_source_compiles(tmp_path):
    out = tmp_path / "hollinbrook.z5"
    result = subprocess.run(
        ["inform6", "-v5", "+include_path=/usr/share/inform6/library",
         str(ROOT / "stories" / "hollinbrook.inf"), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Error" not in result.stdout
    assert out.read_bytes() == STORY.read_bytes(), "stories/hollinbrook.z5 is stale"
