"""Build the one-file binary: ``python tools/build_dist.py [DISTDIR]``
(``make dist`` runs it; DISTDIR defaults to dist/).

PyInstaller freezes tools/launcher.py with everything zvm needs at run
time: the frontends and tools (found by name, so collected explicitly),
the bundled stories, zvm's own metadata (its entry points), and blessed's
terminal definitions (``jinxed.terminfo``). ``--strip`` halves the size.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    return [
        "--onefile", "--strip", "--name", "zvm", "--noconfirm", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work / "pyinstaller"), "--specpath", str(work),
        "--collect-submodules", "jinxed.terminfo",
        "--collect-submodules", "zvm",
        "--collect-data", "zvm.stories",
        "--copy-metadata", "zvm-interpreter",      # the distribution (pyproject.toml)
        str(ROOT / "tools" / "launcher.py"),
    ]


def build(dist: Path, work: Path | None = None) -> Path:
    """Build dist/zvm; returns its path. Raises CalledProcessError on failure."""
    work = work or ROOT / "build"
    subprocess.run([sys.executable, "-m", "PyInstaller", *pyinstaller_args(dist, work)],
                   cwd=ROOT, check=True)
    return dist / "zvm"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "dist"
    path = build(target)
    print(f"built {path} ({path.stat().st_size / 1e6:.1f} MB)")
