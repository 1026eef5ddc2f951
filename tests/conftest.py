"""Fixtures shared by every test module. The plain functions live in
``helpers.py`` so test modules can import them directly."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

import helpers
from helpers import ROOT, SHARED, run_zvm, shared_story, shared_transcript  # noqa: F401


@pytest.fixture(name="shared_story")
def _shared_story_fixture():
    """The ``helpers.shared_story`` function: ``shared_story("zork1.z3")``."""
    return helpers.shared_story


@pytest.fixture(name="shared_transcript")
def _shared_transcript_fixture():
    """The ``helpers.shared_transcript`` function."""
    return helpers.shared_transcript


@pytest.fixture(name="run_zvm")
def _run_zvm_fixture():
    """The ``helpers.run_zvm`` function."""
    return helpers.run_zvm


_CACHE = tempfile.mkdtemp(prefix="zvm-test-cache-")


def pytest_configure(config):
    """Compiled code goes to a cache folder of this run's own (zvm keeps
    it in $XDG_CACHE_HOME/zvm), so tests never meet a user's cache."""
    os.environ["XDG_CACHE_HOME"] = _CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)
