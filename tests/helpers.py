"""Helpers shared by the test modules: ``from helpers import run_zvm, shared_story``.

``pythonpath = ["tests"]`` in pyproject.toml puts this directory on sys.path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
"""The repository's top directory."""

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
"""Test data beside the project (../shared): other people's stories and
dfrotz transcripts. Never copied into the project."""


def _shared(sub: str, name: str) -> Path:
    path = SHARED / sub / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def shared_story(name: str) -> Path:
    """``../shared/stories/NAME``, or skip the test naming the missing path."""
    return _shared("stories", name)


def shared_transcript(name: str) -> Path:
    """``../shared/transcripts/NAME``, or skip the test naming the missing path."""
    return _shared("transcripts", name)


def run_zvm(args, input: str = "", timeout: float = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m zvm ARGS`` from the repository root with ``input`` on
    standard input; returns the CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    full_env["BLESSED_QUERY_TIMEOUT_SECONDS"] = "0.1"
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "zvm", *map(str, args)],
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=ROOT,
        env=full_env,
        timeout=timeout,
    )
