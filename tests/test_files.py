"""Where game files go (§7.6, §15 save): one folder, names cleaned, no
escapes, existing files kept unless the player agrees."""

from __future__ import annotations

import os

import pytest

from helpers import run_zvm, shared_story
from zvm.story.files import FileNameError, auxiliary_file, player_file, player_read_file


@pytest.mark.parametrize("typed,expected", [
    ("game.qzl", "game.qzl"),
    ("../../escape.qzl", "escape.qzl"),
    ("/etc/passwd", "passwd"),
    ("..\\windows\\x.qzl", "x.qzl"),
    ('a<b>c:d"e|f?g*h.qzl', "abcdefgh.qzl"),
    ("  spaced.qzl  ", "spaced.qzl"),
])
def test_player_names_stay_in_the_folder(typed, expected):
    assert player_file("/saves", typed) == os.path.join("/saves", expected)


@pytest.mark.parametrize("typed", ["", "   ", ".", "..", "dir/", "???"])
def test_unusable_names_are_refused(typed):
    with pytest.raises(FileNameError):
        player_file("/saves", typed)


@pytest.mark.parametrize("typed", ["/tmp/a\x00b.qzl", "a\x00b", "~/x\x1b.qzl", "dir/\x7f"])
def test_names_to_read_with_control_characters_are_refused(typed):
    """A save to restore may be named by its path, but no file's name
    holds a control character (and a NUL cannot be passed to the system)."""
    with pytest.raises(FileNameError):
        player_read_file("/saves", typed)


def test_a_restore_name_holding_a_nul_is_one_line_and_the_game_goes_on(tmp_path):
    """The fuzzer's case: a path with a NUL typed at restore's prompt
    raised ValueError from open() and ended the run with a traceback."""
    result = run_zvm(["--headless", "--save-dir", tmp_path, shared_story("zork1.z3")],
                     input="restore\n/x\x00y.qzl\nlook\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "is not a usable file name" in result.stderr
    assert "West of House" in result.stdout.split("filename", 1)[1]


@pytest.mark.parametrize("given,expected", [
    ("scores", "SCORES.AUX"),          # §7.6.1.1: upper case, .AUX appended
    ("my.data", "MY.AUX"),             # §7.6.1.3: cut at the first full stop
    ("a/b\\c", "ABC.AUX"),             # illegal characters deleted
    ("", "NULL.AUX"),                  # nothing left: NULL
])
def test_auxiliary_names_follow_7_6(given, expected):
    assert auxiliary_file("/saves", given) == os.path.join("/saves", expected)


def test_a_typed_path_cannot_escape_the_save_folder(tmp_path):
    story = shared_story("zork1.z3")
    folder = tmp_path / "saves"
    folder.mkdir()
    result = run_zvm(["--headless", "--save-dir", folder, story],
                     input="save\n../outside.qzl\n")
    assert result.returncode == 0
    assert (folder / "outside.qzl").exists()
    assert not (tmp_path / "outside.qzl").exists()


def test_an_existing_save_is_replaced_only_when_allowed(tmp_path):
    story = shared_story("zork1.z3")
    existing = tmp_path / "zork1.qzl"
    existing.write_bytes(b"precious")
    kept = run_zvm(["--headless", "--save-dir", tmp_path, story], input="save\n\nno\n")
    assert existing.read_bytes() == b"precious"
    assert "not overwritten" in kept.stderr
    assert "Failed." in kept.stdout or "Ok." not in kept.stdout.split("filename", 1)[1]
    replaced = run_zvm(["--headless", "--overwrite", "--save-dir", tmp_path, story],
                       input="save\n\n")
    assert replaced.returncode == 0
    assert existing.read_bytes()[:4] == b"FORM"


def test_a_missing_save_folder_is_a_usage_error(tmp_path):
    result = run_zvm(["--headless", "--save-dir", tmp_path / "nope", "x.z5"])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--save-dir" in result.stderr


def test_auxiliary_files_round_trip_in_the_save_folder(tmp_path):
    from helpers import ROOT
    story = ROOT / "tests" / "stories" / "auxfile.z5"
    result = run_zvm(["--headless", "--save-dir", tmp_path, story])
    assert result.returncode == 0, result.stderr
    assert "saved=1" in result.stdout
    assert "restored=10 bytes: 0 3 6 9 12 15 18 21 24 27" in result.stdout
    assert (tmp_path / "HISCORE.AUX").read_bytes() == bytes(range(0, 30, 3))
    # The story names the file and asks no one (prompt 0): it is the story's
    # own to replace, the next run too, as Frotz does.
    (tmp_path / "HISCORE.AUX").write_bytes(b"old scores")
    again = run_zvm(["--headless", "--save-dir", tmp_path, story])
    assert "saved=1" in again.stdout and "not overwritten" not in again.stderr
    assert (tmp_path / "HISCORE.AUX").read_bytes() == bytes(range(0, 30, 3))


def test_an_existing_save_is_replaced_when_the_player_says_so_as_dfrotz_asks(tmp_path):
    """Saving over a file the player named asks "Overwrite existing file?"
    as dfrotz asks it, reading the answer from the input (yes when it
    starts with y), so that a transcript recorded with dfrotz plays the
    same; --overwrite answers yes without asking."""
    import shutil
    import subprocess
    story = shared_story("zork1.z3")
    commands = "save\nx1\nnorth\nsave\nx1\ny\nsouth\nsave\nx1\nn\nlook\n"
    ours = tmp_path / "zvm"
    ours.mkdir()
    result = run_zvm(["--headless", "--seed", 1, "--save-dir", ours, story], input=commands)
    assert result.stdout.count("Overwrite existing file? ") == 2
    assert result.stdout.count("Ok.") == 2 and result.stdout.count("Failed.") == 1
    run_zvm(["--headless", "--seed", 1, "--save-dir", tmp_path, story], input="north\nsave\nx2\n")
    assert (ours / "x1").read_bytes() == (tmp_path / "x2").read_bytes()   # the "y" one
    dfrotz = shutil.which("dfrotz") or "/usr/games/dfrotz"
    if shutil.os.path.exists(dfrotz):
        theirs = tmp_path / "dfrotz"
        theirs.mkdir()
        reference = subprocess.run(
            [dfrotz, "-m", "-p", "-q", "-w", "80", "-h", "24", "-Z", "0", "-s", "1", str(story)],
            input=commands, capture_output=True, text=True, timeout=60, cwd=theirs).stdout
        assert result.stdout == reference
