"""Infocom's own faults: zvm survives what Frotz survives, the same way.

Interpreter authors keep lists of the faults in Infocom's published
releases that their interpreters work around (Frotz's story table in
``fastmem.c``, Bocfel's ``patches.cpp``, the remarks of the Standard).
Each is covered here by a test, or by the reason it needs none:

* Seastalker r86: ``ret_popped`` on an empty routine stack. Frotz returns
  the routine's last local variable (its stack sits just below the locals);
  so does zvm, with a warning (``tests/stories/infocom_bugs.inf``).
* Sherlock r21/r22/r26/r4: ``set_attr``/``clear_attr`` of attribute 48.
  Frotz ignores them in Sherlock; zvm ignores any attribute out of range,
  with a warning (``infocom_bugs.inf``).
* Wishbringer r23 (Solid Gold): ``show_status`` in version 5 is a nop
  (§15 show_status) (``infocom_bugs.inf``).
* Stationfall r87/r107: ``get_prop`` with its operands swapped asks for a
  property numbered beyond 31; the value comes from where that property's
  default would be, as in Frotz (``infocom_v3.inf``).
* The version 3 releases whose players' questions lose their '?'
  (Zork I-III, Enchanter ... Suspect): Infocom's interpreters dropped the
  question marks, Frotz replaces them with spaces (``infocom_v3.inf``).
* Beyond Zork r47-r57: ``get_prop_addr`` of a dictionary word, which Frotz
  answers with 0 (``infocom_bz.inf``).
* The version 6 releases (``zvm.screen.windows6.InfocomStory``, tested in
  ``test_v6_screen.py``): Zork Zero r393 on interpreter 6 calls the newline
  interrupt after the new line (§8.8.3.2.2.1); Zork Zero r296 uses pictures
  without setting Flags 2 bit 3; Zork Zero r366 and Shogun r≤295 print hints
  in window 0 without turning wrapping on; Zork Zero's border pictures come
  in three parts in the MS-DOS picture sets, and Shogun's border has its
  right edge in a picture of its own.
* No test, with reason: The Lurking Horror's sound repeats and
  Sherlock's sound fading concern sampled sounds, which zvm does not play;
  Trinity's and Beyond Zork's CARRIAGE-RETURNS (Bocfel, Glk only) and
  Bureaucracy's busy-wait pause play on Frotz unpatched, and so on zvm;
  the parse-buffer length 240 of early version 3 releases (§15 read) needs
  nothing, as zvm writes only the words typed; Beyond Zork's character
  graphics and Sherlock's quote-box height belong to the screen (issue 13,
  items 10 and 8).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from dfrotz_ref import dfrotz_output, zvm_output
from helpers import ROOT
from zvm.vm.ops.input import DROPS_QUESTION_MARKS, drops_question_marks

STORIES = ROOT / "tests" / "stories"

# The output of dfrotz 2.54 (``-m -p -q -w 80 -h 24 -Z 0``) on each story.
INFOCOM_BUGS = """\
ret_popped on an empty stack: 7
ret_popped: 11
the caller's stack is intact: 42
attribute 48: ignored
the object is intact: 4
show_status: nop
done
"""
INFOCOM_V3 = "\n\nget_prop 40: 389\n>[what is a grue ] words: 4\n"
INFOCOM_BZ = "get_prop_addr of a word: 0\nthe object: 4\n"

def run(story: str, stdin: str = "", *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zvm", "--headless", *args,
                           str(STORIES / story)], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_ret_popped_on_an_empty_stack_returns_the_last_local():
    result = run("infocom_bugs.z5")
    assert result.returncode == 0, result.stderr
    assert result.stdout == INFOCOM_BUGS
    assert result.stderr == ""


def test_ret_popped_on_an_empty_stack_is_reported_under_warnings():
    result = run("infocom_bugs.z5", "", "--warnings")
    assert result.stdout == INFOCOM_BUGS
    assert "ret_popped with an empty stack" in result.stderr
    assert "attribute 48 out of range" in result.stderr


def test_infocom_bugs_story_matches_dfrotz():
    """The story's expected text is dfrotz's (a check of the test itself)."""
    assert dfrotz_output(STORIES / "infocom_bugs.z5") == INFOCOM_BUGS


def test_ret_popped_without_locals_still_underflows():
    """Frotz stops too when the routine has no locals to take."""
    from zvm.errors import ZMachineError
    from zvm.vm.ops.control import op_ret_popped

    class Routine:
        stack: list[int] = []
        locals: list[int] = []
        frames = [(0, 0, [], [], 0)]

        def warn(self, what: str) -> None:
            raise AssertionError(what)

    with pytest.raises(ZMachineError, match="stack underflow"):
        op_ret_popped(Routine(), None)


def test_question_marks_dropped_for_infocom_releases_as_frotz():
    result = run("infocom_v3.z3", "What is a grue?\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == INFOCOM_V3


def test_infocom_v3_story_matches_dfrotz():
    assert dfrotz_output(STORIES / "infocom_v3.z3", b"What is a grue?\n") == INFOCOM_V3


def test_question_marks_kept_for_other_stories():
    assert drops_question_marks(88, b"840726")
    assert drops_question_marks(5, bytes(6))            # Zork I r5: no serial
    assert not drops_question_marks(89, b"840726")
    assert not drops_question_marks(88, b"840727")
    assert len(DROPS_QUESTION_MARKS) == 92


def test_beyond_zork_property_of_a_word():
    result = run("infocom_bz.z5")
    assert result.returncode == 0, result.stderr
    assert result.stdout == INFOCOM_BZ


def test_infocom_bz_story_matches_dfrotz():
    assert dfrotz_output(STORIES / "infocom_bz.z5") == INFOCOM_BZ


def test_zvm_output_in_process_matches_the_command():
    """The in-process runner the conformance tests use agrees with the
    command line on a story that ends normally."""
    assert zvm_output(STORIES / "infocom_v3.z3", b"What is a grue?\n",
                      drop_styled=False) == INFOCOM_V3
