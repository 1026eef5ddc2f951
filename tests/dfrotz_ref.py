"""Frotz 2.54's dumb interpreter as a reference, run in the test itself.

``dfrotz_output`` runs ``/usr/games/dfrotz`` with the options of the shared
transcripts (``../shared/README.md``) and returns its output; when dfrotz is
not installed the test is skipped, naming it. ``zvm_output`` runs zvm's
headless frontend in process with the same input and, with ``drop_styled``,
dfrotz 2.54's fault of dropping bold and italic text copied.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

DFROTZ = "/usr/games/dfrotz"


def dfrotz_output(story: Path, commands: bytes = b"", seed: int = 1,
                  width: int = 80, height: int = 24) -> str:
    """dfrotz's standard output for the story on these commands."""
    if not os.access(DFROTZ, os.X_OK):
        pytest.skip(f"{DFROTZ} is absent")
    proc = subprocess.run(
        [DFROTZ, "-m", "-p", "-q", "-w", str(width), "-h", str(height), "-Z", "0",
         "-s", str(seed), str(story)],
        input=commands, capture_output=True, timeout=300)
    return proc.stdout.decode("utf-8", "replace")


def zvm_output(story: Path, commands: bytes = b"", seed: int = 1, *,
               drop_styled: bool = True, width: int = 80, height: int = 24,
               cwd: Path | None = None) -> str:
    """zvm's headless output for the story on these commands, in process;
    a fatal error ends it with its ``zvm: fatal:`` line."""
    from zvm.errors import ZMachineError
    from zvm.story.loader import load
    from zvm.ui.headless import HeadlessFrontend
    from zvm.vm.machine import Machine

    out = io.StringIO()
    frontend = HeadlessFrontend(io.StringIO(commands.decode("utf-8", "replace")), out,
                                width=width, height=height, drop_styled=drop_styled)
    machine = Machine(load(str(story)), frontend, seed=seed,
                      save_dir=str(cwd) if cwd else ".")
    try:
        machine.run()
    except ZMachineError as e:
        out.write(f"zvm: fatal: {e}\n")
    frontend.close()
    return out.getvalue()
