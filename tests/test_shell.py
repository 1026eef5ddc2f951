"""zvm as a good citizen of the shell (issue 14, items 8 and 11-14, and
issue 13 item 13): output that cannot be written, the help, the version,
the configuration file, file names typed at the prompt, the prompt after
a restore, and the interpreter number."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import ROOT, run_zvm, shared_story

STORIES = ROOT / "tests" / "stories"
BUNDLED = ROOT / "stories" / "hollinbrook.z5"
REGTEST = ROOT / "tests" / "regtest" / "timer.regtest"


def _zvm(args, stdout, stdin=subprocess.DEVNULL, cwd=ROOT, env=None):
    full = {**os.environ, "BLESSED_QUERY_TIMEOUT_SECONDS": "0.1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "zvm", *map(str, args)], stdin=stdin,
                          stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=full,
                          timeout=300)


def _commands(tmp_path):
    path = tmp_path / "commands.txt"
    path.write_text("look\n")
    return [
        ["--list"],
        ["--info", BUNDLED],
        ["--help"],
        ["--version"],
        ["--headless", BUNDLED],
        ["dis", BUNDLED],
        ["dump", BUNDLED, "--header"],
        ["record", BUNDLED, path],
        ["test", REGTEST],
        ["test", "--help"],
        ["dis", "--help"],
    ]


def _one_line_failure(result):
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, (result.returncode, err)
    assert err.count("\n") == 1 and err.startswith("zvm: cannot write the output: "), err
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("index", range(11))
def test_a_closed_pipe_gives_one_line_and_a_failing_status(tmp_path, index):
    args = _commands(tmp_path)[index]
    read, write = os.pipe()
    os.close(read)                        # nobody reads: every write fails (EPIPE)
    try:
        result = _zvm(args, stdout=write, stdin=subprocess.PIPE if "--headless" in args
                      else subprocess.DEVNULL)
    finally:
        os.close(write)
    _one_line_failure(result)
    assert "the reading end of the pipe was closed" in result.stderr.decode()


@pytest.mark.parametrize("index", range(11))
def test_a_full_disk_gives_one_line_and_a_failing_status(tmp_path, index):
    if not os.path.exists("/dev/full"):
        pytest.skip("/dev/full is absent")
    args = _commands(tmp_path)[index]
    with open("/dev/full", "wb") as full:
        result = _zvm(args, stdout=full)
    _one_line_failure(result)
    assert "No space left on device" in result.stderr.decode()


def test_list_into_head_gives_its_first_line_and_one_line_of_complaint():
    result = subprocess.run(f"{sys.executable} -m zvm --list | head -1", shell=True,
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout == "hollinbrook.z5\n"
    assert "Traceback" not in result.stderr


# -- item 14: help and version ---------------------------------------------------------------

def test_help_lists_the_subcommands_and_the_keys():
    out = run_zvm(["--help"]).stdout
    for command in ("zvm test", "zvm record", "zvm dis", "zvm dump"):
        assert command in out
    for key in ("Page Up", "Ctrl-Z", "Ctrl-C", "Ctrl-L", "--fg", "--interpreter",
                "config.toml"):
        assert key in out


def test_version_names_python_and_the_standard():
    out = run_zvm(["--version"]).stdout
    assert "Z-Machine Standard 1.1" in out
    assert f"{sys.version_info.major}.{sys.version_info.minor}." in out and "Python" in out


# -- item 11: the configuration file -------------------------------------------------------------

def test_the_config_file_holds_defaults_the_command_line_overrides(tmp_path):
    folder = tmp_path / "config" / "zvm"      # not ./zvm: python -m zvm would import it
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('width = 40\nno-meta = true\nsave-dir = "saves"\n'
                                        'interpreter = "2:B"\n')
    (tmp_path / "saves").mkdir()
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = _zvm([STORIES / "bzcodes.z5"], subprocess.PIPE, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert b"interpreter 2 B" in out.stdout
    long = _zvm(["--headless", BUNDLED], subprocess.PIPE, cwd=tmp_path, env=env,
                stdin=subprocess.DEVNULL)
    assert max(len(line) for line in long.stdout.decode().split("\n")) <= 40
    wide = _zvm(["--width", "100", "--headless", BUNDLED], subprocess.PIPE, cwd=tmp_path,
                env=env)
    assert max(len(line) for line in wide.stdout.decode().split("\n")) > 40


@pytest.mark.parametrize("text, says", [
    ("widht = 40\n", "'widht' is not an option"),
    ("width = \"wide\"\n", "width takes a number"),
    ("no-colour = 1\n", "no-colour takes true or false"),
    ("fg = \"mauve\"\n", "is not a colour"),
    ("width = \n", "not TOML"),
])
def test_a_bad_config_file_is_one_line_and_status_2(tmp_path, text, says):
    (tmp_path / "zvm").mkdir()
    (tmp_path / "zvm" / "config.toml").write_text(text)
    result = _zvm(["--list"], subprocess.PIPE, env={"XDG_CONFIG_HOME": str(tmp_path)})
    err = result.stderr.decode()
    assert result.returncode == 2 and err.count("\n") == 1 and says in err, err


def test_a_missing_save_folder_from_the_config_file_names_the_file(tmp_path):
    (tmp_path / "zvm").mkdir()
    config = tmp_path / "zvm" / "config.toml"
    config.write_text('save-dir = "~/no-such-saves"\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    result = _zvm(["--headless", BUNDLED], subprocess.PIPE, env=env, stdin=subprocess.DEVNULL)
    err = result.stderr.decode()
    assert result.returncode == 2 and err.count("\n") == 1, err
    assert f"{tmp_path}/no-such-saves (set in {config})" in err, err
    typed = _zvm(["--headless", "--save-dir", "elsewhere", BUNDLED], subprocess.PIPE, env=env,
                 cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert "--save-dir elsewhere: no such folder" in typed.stderr.decode()


# -- item 13: file names typed at the prompt -------------------------------------------------------

def test_restore_reads_where_the_path_names_and_save_adds_qzl(tmp_path):
    story = shared_story("zork1.z3")
    saves, elsewhere = tmp_path / "saves", tmp_path / "elsewhere"
    saves.mkdir()
    elsewhere.mkdir()
    made = run_zvm(["--save-dir", saves, story], input="open mailbox\n/save turn\n")
    assert (saves / "turn.qzl").exists(), made.stdout
    os.replace(saves / "turn.qzl", elsewhere / "moved.qzl")
    # The game's own restore and /restore both read a path as typed ...
    played = run_zvm(["--save-dir", saves, story],
                     input=f"restore\n{elsewhere / 'moved.qzl'}\nlook\n"
                           f"/restore {elsewhere / 'moved'}\nlook\n")
    assert played.stdout.count("The small mailbox contains:") == 2, played.stdout
    # ... but a save written with a path still lands in the save folder.
    run_zvm(["--save-dir", saves, story], input=f"save\n{elsewhere / 'out.qzl'}\n")
    assert (saves / "out.qzl").exists() and not (elsewhere / "out.qzl").exists()


# -- item 8: the prompt after a restore, headless --------------------------------------------------

def test_restore_at_start_matches_dfrotz_and_turn_saves_show_the_prompt(tmp_path):
    dfrotz = "/usr/games/dfrotz"
    if not os.path.exists(dfrotz):
        pytest.skip(f"{dfrotz} is absent")
    story = shared_story("zork1.z3")
    run_zvm(["--save-dir", tmp_path, story], input="open mailbox\nsave\ngame.qzl\n")
    assert (tmp_path / "game.qzl").exists()
    ours = run_zvm(["--seed", "1", "--restore", tmp_path / "game.qzl", story], input="look\n")
    theirs = subprocess.run([dfrotz, "-m", "-p", "-q", "-w", "80", "-h", "24", "-Z", "0",
                             "-s", "1", "-L", str(tmp_path / "game.qzl"), str(story)],
                            input="look\n", capture_output=True, text=True, timeout=60)
    assert ours.stdout == theirs.stdout
    # A save made at the prompt (/save, the autosave) shows the prompt too.
    run_zvm(["--save-dir", tmp_path, story], input="open mailbox\n/save turn\n")
    turn = run_zvm(["--restore", tmp_path / "turn.qzl", story], input="look\n")
    before_look = turn.stdout.split("West of House")[0]
    assert before_look.rstrip("\n").endswith(">"), repr(before_look)
    assert before_look.startswith(theirs.stdout.split("Ok.")[0])


# -- issue 13 item 13 (and item 10): --interpreter and Beyond Zork's line codes --------------------

def test_interpreter_number_and_beyond_zork_line_drawing():
    pc = run_zvm([STORIES / "bzcodes.z5"])
    assert pc.stdout.startswith("interpreter 6 Z\n┌──┐\n│ab│\n└──┘\nUse the ↑ and ↓ keys.")
    apple = run_zvm(["--interpreter", "2:B", STORIES / "bzcodes.z5"])
    assert apple.stdout.startswith("interpreter 2 B\n") and "┌" not in apple.stdout
    bad = run_zvm(["--interpreter", "12", STORIES / "bzcodes.z5"])
    assert bad.returncode == 2 and "interpreter number is 1-11" in bad.stderr
