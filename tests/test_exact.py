"""The corners of the Standard that real stories reach (issue 13), each on
a small story of ours in tests/stories/ and compared with what dfrotz 2.54
does with it (the expected texts are dfrotz's, checked again in the test
when dfrotz is installed).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from dfrotz_ref import dfrotz_output
from helpers import ROOT

STORIES = ROOT / "tests" / "stories"


def run(story: str, stdin: str = "", *args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zvm", "--headless", *args,
                           str(STORIES / story)], input=stdin, capture_output=True,
                          text=True, cwd=cwd, timeout=120)


# -- §15 save/restore with a table at address 0 --------------------------------

def test_save_and_restore_with_a_table_at_address_0_use_an_auxiliary_file(tmp_path):
    result = run("auxfile0.z5", "", "--save-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "saved=1\nrestored=64\n"
    assert [p.name for p in tmp_path.iterdir()] == ["HEADER.AUX"]
    data = (tmp_path / "HEADER.AUX").read_bytes()
    story = (STORIES / "auxfile0.z5").read_bytes()
    assert len(data) == 64
    # The header's addresses are the story's own (the interpreter fills in
    # other fields, §11.1).
    assert data[0] == 5 and data[4:16] == story[4:16]


# -- §10.7: keys reach read_char as their ZSCII codes ---------------------------

def test_control_keys_reach_read_char_as_their_codes():
    """dfrotz hands read_char the bytes of a line: Escape 27, Backspace 8
    and Tab 9 as those codes; byte 127 is no key (skipped); the shared
    etude-keys and unicode inputs show the same in the conformance tests."""
    import io

    from zvm.screen.protocol import CharRequest
    from zvm.ui.headless import HeadlessFrontend

    f = HeadlessFrontend(io.StringIO("\x1b\n\x08\n\x7f\n\tx\n\n"), io.StringIO(), version=5)
    keys = [f.read_char(CharRequest()) for _ in range(5)]
    assert keys == [27, 8, 9, "x", 13]


# -- §3.8: codes with no output meaning print nothing ---------------------------

def zscii_out_expected() -> str:
    """dfrotz's output of zscii_out.z5, written out from its rules."""
    shown = {9: " ", 11: "  ", 250: "?", 251: "?", 255: "?"}
    codes = [*range(3, 13), *range(14, 32), *range(127, 155), *range(250, 256)]
    lines = [f"[{c}]{shown.get(c, '')}|" for c in codes] + ["str:|||||| |  |end"]
    # A full screen (23 new lines) is where a MORE prompt would be: dfrotz
    # prints an empty line instead.
    for at in (46, 23):
        lines.insert(at, "")
    return "\n".join(lines) + "\n"


def test_codes_with_no_output_meaning_print_nothing():
    result = run("zscii_out.z5")
    assert result.returncode == 0, result.stderr
    assert result.stdout == zscii_out_expected()


def test_zscii_out_story_matches_dfrotz():
    assert dfrotz_output(STORIES / "zscii_out.z5") == zscii_out_expected()


# -- text buffered at @restart -----------------------------------------------------

RESTART_TEXT = "Start of test.\n>Start of test.\n>Start of test.\n>"


def test_text_buffered_at_restart_goes_to_the_screen_before_it_is_erased():
    result = run("restart_text.z5", "a\nb\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == RESTART_TEXT


def test_restart_text_story_matches_dfrotz():
    assert dfrotz_output(STORIES / "restart_text.z5", b"a\nb\n") == RESTART_TEXT


# -- file-name prompts: queued keys kept, the last name offered --------------------

KEYS_RESTORE = ("key: r\nPlease enter a filename [keys_restore.qzl]: save: 1\n"
                "key: x\nkey: y\nkey: a\nPlease enter a filename [game1]: save: 2\n"
                "key: b\n")


def test_queued_keys_survive_a_file_name_prompt_which_offers_the_last_name(tmp_path):
    result = run("keys_restore.z5", "rxy\ngame1\nab\n\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == KEYS_RESTORE
    assert [p.name for p in tmp_path.iterdir()] == ["game1"]


def test_keys_restore_story_matches_dfrotz(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dfrotz_output(STORIES / "keys_restore.z5", b"rxy\ngame1\nab\n\n") == KEYS_RESTORE


# -- input with the cursor in the upper window ------------------------------------

UPPER_INPUT = ("Status: ready\n    Key?\n\nLower text before the form.\n"
               "    Key?    Key?[a]    Key?[a][b]\nName: afters: ready\n\n"
               "You typed: zed\nDone: q\n")


def test_input_in_the_upper_window_shows_its_row_as_the_prompt():
    """The row up to the cursor is the prompt, again at each input; after
    Enter on the upper window's last row its cursor wraps to the top."""
    result = run("upper_input.z5", "a\nb\nZed\nq\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == UPPER_INPUT


def test_upper_input_story_matches_dfrotz():
    assert dfrotz_output(STORIES / "upper_input.z5", b"a\nb\nZed\nq\n") == UPPER_INPUT


# -- a quote box taller than its split ----------------------------------------------

QUOTE_BOX = (" Room                                                     Score: 0\n"
             "Opening text.\n\n"
             ">                   +------------------+\n"
             ">a                 | A quoted line.   |\n"
             "                   | -- Somebody      |\n"
             "The turn goes on.  +------------------+\n\n"
             ">Next turn.\n\n>")


def test_quote_box_rows_below_the_split_land_over_the_lower_window():
    result = run("quote_box.z5", "a\nb\nc\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == QUOTE_BOX


def test_quote_box_story_matches_dfrotz():
    assert dfrotz_output(STORIES / "quote_box.z5", b"a\nb\nc\n") == QUOTE_BOX


# Its status line is 70 columns: on a 60-column screen Frotz drops every other
# character past the right edge and puts the rest at the start of the next row
# (both its ports do; the lower window's text then covers them at first).
QUOTE_BOX_60 = (" Room                                                     Sc\n"
                "Opening text.\n\n"
                ">r:0 ing text.\n"
                "                   +------------------+\n"
                ">a                 | A quoted line.   |\n"
                "                   | -- Somebody      |\n"
                "The turn goes on.  +------------------+\n\n"
                ">Next turn.\n\n>")


def test_upper_window_text_past_the_right_edge_spills_as_in_frotz():
    result = run("quote_box.z5", "a\nb\nc\n", "--width", "60", "--height", "20")
    assert result.returncode == 0, result.stderr
    assert result.stdout == QUOTE_BOX_60


def test_quote_box_story_on_60_columns_matches_dfrotz():
    assert dfrotz_output(STORIES / "quote_box.z5", b"a\nb\nc\n",
                         width=60, height=20) == QUOTE_BOX_60


# -- §16: font 3 drawn as Unicode, headless too (issue 13, item 10) ---------------

def test_headless_draws_font_3_as_unicode_in_both_windows():
    """set_font 3 succeeds headless (as in the terminal UI) and its codes
    print as line drawing, blocks and runes in the upper and lower windows;
    dfrotz has no font 3 (the conformance test names that difference)."""
    result = run("font3.z5", "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == ["┌────┐: 1", "│█▀▄▌│ ᚪᛒᛇ", "done"]


# -- get_prop of property 0: as Frotz ------------------------------------------

PROPERTY_0 = """
Attribute light;
Property number;
Property size;
Object lamp "brass lamp" with number 7, size 300, has light;
Object coin "gold coin" with number 9;
[ Main x;
  @get_prop lamp 0 -> x; print "lamp: ", x, "^";
  @get_prop coin 0 -> x; print "coin: ", x, "^";
];
"""


@pytest.mark.parametrize("version", [3, 5])
def test_get_prop_of_property_0_reads_as_frotz_does(tmp_path, version):
    """There is no property 0 (§12.4); Frotz takes the list's terminating 0
    for it and gives the byte after. zvm gives the same, so that a damaged
    story's loop ends where it ends under Frotz (a fuzz case looped for
    ever on zvm's default value)."""
    import shutil
    from dfrotz_ref import zvm_output
    if shutil.which("inform6") is None:
        pytest.skip("inform6 is absent")
    (tmp_path / "p0.inf").write_text(PROPERTY_0)
    story = tmp_path / f"p0.z{version}"
    made = subprocess.run(["inform6", f"-v{version}", "p0.inf", story.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout
    ours = zvm_output(story)
    assert ours == dfrotz_output(story)
    assert "lamp: " in ours and "coin: " in ours
