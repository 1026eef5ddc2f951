"""Fixtures shared by every test module. The plain functions live in
``helpers.py`` so test modules can import them directly."""

from __future__ import annotations

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
