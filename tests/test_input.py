"""Line input details (§15 read): characters left over from an interrupted
input are kept once, with the player's new typing after them."""

from __future__ import annotations

from helpers import ROOT, run_zvm


def test_preloaded_input_is_extended_not_repeated():
    result = run_zvm(["--headless", ROOT / "tests" / "stories" / "preload.z5"], input="k\n")
    assert result.returncode == 0, result.stderr
    assert "[4:look]" in result.stdout
