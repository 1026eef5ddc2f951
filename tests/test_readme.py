"""The README's library example runs as written (issue: the library).

The example names "zork1.z3" and "story.z5" in the current folder: the
test runs it in a folder of its own holding Zork I (from ../shared) and
the bundled story under those names, and checks what it prints."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT, shared_story


def library_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## zvm as a library"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_the_library_example_runs_as_written(tmp_path):
    shutil.copy(shared_story("zork1.z3"), tmp_path / "zork1.z3")
    shutil.copy(ROOT / "stories" / "hollinbrook.z5", tmp_path / "story.z5")
    p = subprocess.run([sys.executable, "-c", library_example()], cwd=tmp_path,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "West of House" in p.stdout                     # the opening text
    assert "leaflet" in p.stdout and "Traceback" not in p.stderr
