"""The terminal UI as a good citizen of the terminal (issue 14, items 3-10,
and issue 13, items 11-12): zvm runs in tmux, started from an interactive
bash where job control matters (``Pane.shell``), otherwise as in
``test_terminal_tmux``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from helpers import ROOT, shared_story
from tmux import Pane

pytestmark = pytest.mark.slow

STORIES = ROOT / "tests" / "stories"
MAILBOX = "There is a small mailbox here."
OPENING = "ZORK I: The Great Underground Empire"


@pytest.fixture
def panes():
    if shutil.which("tmux") is None:
        pytest.skip("tmux is absent")
    started: list[Pane] = []

    def start(story, shell=False, **kw):
        p = Pane.shell(story, **kw) if shell else Pane(story, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()


def last_line(screen: str) -> str:
    lines = [line for line in screen.rstrip("\n").split("\n") if line.strip()]
    return lines[-1] if lines else ""


def at_prompt(p: Pane, typed: str = "") -> tuple[str, int, int]:
    """Wait until the last line is ">" plus ``typed`` with the cursor after it."""
    end = time.monotonic() + 15
    while True:
        screen, x, y = p.state()
        rows = screen.split("\n")
        if last_line(screen) == ">" + typed and rows[y].rstrip() == ">" + typed \
                and x == 1 + len(typed):
            return screen, x, y
        if time.monotonic() > end:
            raise AssertionError(f"no prompt '>{typed}'; screen:\n{screen}")
        time.sleep(0.05)


# -- item 5: Ctrl-Z and fg ------------------------------------------------------------

def test_suspend_gives_the_terminal_back_and_fg_redraws_everything(panes):
    p = panes(shared_story("zork1.z3"), shell=True)
    p.wait_text(MAILBOX)
    p.type("open mai")
    before = at_prompt(p, "open mai")
    p.keys("C-z")
    stopped = p.wait_text("Stopped")
    assert MAILBOX not in stopped                # the game's screen is gone
    assert "West of House" not in stopped
    p.type("stty -a | grep -o -- '-\\?icanon' | head -1")   # the shell's own modes
    p.keys("Enter")
    assert p.wait(lambda s: "\nicanon" in s, "canonical mode restored")
    p.type("fg")
    p.keys("Enter")
    after = at_prompt(p, "open mai")
    assert after == before                       # the same screen, cursor and half-typed line
    p.type("lbox")
    p.keys("Enter")
    p.wait_text("Opening the small mailbox reveals a leaflet.")
    p.keys("C-d")                                # an empty line: asked, never an EOFError
    p.wait_text("Quit the game? (y/n)")
    p.keys("y")
    assert p.exit_status() == 0


# -- item 3: NO_COLOR ----------------------------------------------------------------------

def test_no_color_keeps_layout_reverse_video_and_echo(panes):
    p = panes(shared_story("zork1.z3"), shell=True, env=[("NO_COLOR", "1")])
    screen = p.wait_text(MAILBOX, escapes=True)
    first = screen.split("\n")[0]
    assert "\x1b[7m" in first and "West of House" in first and "Moves: 0" in first
    assert MAILBOX in p.lines()                   # a line of its own, not run together
    p.type("abc")
    at_prompt(p, "abc")                           # echoed once, at the prompt
    p.keys("C-c")
    p.wait_text("Quit the game? (y/n)")
    p.keys("y")
    assert p.exit_status() == 0


def test_colours_are_dropped_under_no_color(panes):
    story = ROOT / "stories" / "hollinbrook.z5"
    p = panes(story, shell=True, env=[("NO_COLOR", "1")])
    p.wait_text("No driver will run past a dark signal")
    p.type("about")
    p.keys("Enter")
    screen = p.wait_text("Copyright (c)", escapes=True)
    assert "\x1b[1mThe Hollin Brook Signal" in screen   # bold stays
    assert "\x1b[31m" not in screen and "\x1b[32m" not in screen   # colour goes


# -- item 4: TERM=dumb -------------------------------------------------------------------------

def test_dumb_terminal_plays_in_line_mode_and_says_so_once(panes):
    p = panes(shared_story("zork1.z3"), shell=True, term="dumb")
    screen = p.wait_text(MAILBOX, escapes=True)
    assert screen.count("playing in line mode") == 1
    assert "\x1b[7m" not in screen                 # no full-screen codes
    p.type("open mailbox")
    p.keys("Enter")
    p.wait_text("Opening the small mailbox reveals a leaflet.")
    p.keys("C-d")                                  # end of input: a quiet end
    assert p.exit_status() == 0
    assert p.capture().count("playing in line mode") == 1


# -- item 6: hangup --------------------------------------------------------------------------------

def test_hangup_is_a_normal_end_with_the_autosave_kept(tmp_path):
    """Closing the terminal (tmux kill-server: SIGHUP) while zvm waits for
    a command: status 0, no crash file, nothing on standard error, and the
    autosave continues the game."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is absent")
    story = shared_story("zork1.z3")
    (tmp_path / "tmp").mkdir()
    zvm = shlex.join([sys.executable, "-m", "zvm", "--autosave", str(story)])
    script = (f"trap '' HUP; TMPDIR={tmp_path / 'tmp'} {zvm} 2>{tmp_path / 'err'}; "
              f"echo $? > {tmp_path / 'status'}")
    socket = f"zvmhup-{os.getpid()}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run([*tmux, "new-session", "-d", "-x", "80", "-y", "24",
                    f"env TERM=xterm-256color PYTHONPATH={ROOT} bash -c {shlex.quote(script)}"],
                   cwd=tmp_path, check=True)
    try:
        pane = Pane.__new__(Pane)
        pane.socket, pane.cwd = socket, tmp_path
        pane.wait_text(MAILBOX)
        pane.type("open mailbox")
        pane.keys("Enter")
        pane.wait_text("Opening the small mailbox reveals a leaflet.")
        pane.type("nor")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    status = tmp_path / "status"
    end = time.monotonic() + 15
    while not status.exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert status.read_text().strip() == "0"
    assert list((tmp_path / "tmp").iterdir()) == []            # no crash file
    assert (tmp_path / "err").read_text() == ""
    assert (tmp_path / "zork1.autosave.qzl").exists()
    again = subprocess.run([sys.executable, "-m", "zvm", "--autosave", str(story)],
                           input="look\n", capture_output=True, text=True, cwd=tmp_path,
                           timeout=60)
    assert "The small mailbox contains:" in again.stdout       # the turn after "open mailbox"


# -- item 7: a terminal that never answers ---------------------------------------------------------

def _script_run(tmp_path, story, keys, env_extra=()):
    """zvm under ``script`` (a terminal that answers no query) with keys
    written to its input at the given times; (status, output)."""
    if shutil.which("script") is None:
        pytest.skip("script is absent")
    env = {k: v for k, v in os.environ.items() if k != "BLESSED_QUERY_TIMEOUT_SECONDS"}
    env.update({"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), **dict(env_extra)})
    command = shlex.join([sys.executable, "-m", "zvm", str(story)])
    proc = subprocess.Popen(["script", "-qec", command, "/dev/null"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
                            env=env)
    for delay, data in keys:
        time.sleep(delay)
        proc.stdin.write(data)
        proc.stdin.flush()
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, out.decode("utf-8", "replace")


def test_unanswered_queries_do_not_hold_the_game(tmp_path):
    """Without BLESSED_QUERY_TIMEOUT_SECONDS blessed would wait 5 s per
    query (about 10 s in all): the opening must be on the screen well
    within the few seconds before the commands are typed."""
    status, out = _script_run(tmp_path, shared_story("zork1.z3"),
                              [(4.0, b"quit\r"), (1.0, b"y\r"), (1.0, b" ")])
    assert status == 0, out[-2000:]
    assert out.index(MAILBOX) < out.index("Your score is")


def test_ctrl_c_while_waiting_for_the_terminal_ends_cleanly(tmp_path):
    status, out = _script_run(tmp_path, shared_story("zork1.z3"), [(1.5, b"\x03")],
                              env_extra=[("BLESSED_QUERY_TIMEOUT_SECONDS", "5")])
    assert status == 130
    assert "Traceback" not in out and "KeyboardInterrupt" not in out


# -- item 8: the prompt after a restore ------------------------------------------------------------

def test_prompt_after_restore_and_after_continuing_the_autosave(panes, tmp_path):
    story = shared_story("zork1.z3")
    p = panes(story, shell=True, cwd=tmp_path)
    p.wait_text(MAILBOX)
    p.type("/save turn")
    p.keys("Enter")
    p.wait_text("[Saved to ./turn.qzl.]")
    p.keys("C-c")
    p.wait_text("Quit the game? (y/n)")
    p.keys("y")
    assert p.exit_status() == 0
    p.type(shlex.join([sys.executable, "-m", "zvm", "--restore", "turn.qzl", str(story)]))
    p.keys("Enter")
    at_prompt(p)
    p.keys("C-c")
    p.wait_text("Quit the game? (y/n)")
    p.keys("y")
    p.exit_status()
    # The autosave: one game to make it, one to continue it.
    for _ in range(2):
        p.type(shlex.join([sys.executable, "-m", "zvm", "--autosave", str(story)]))
        p.keys("Enter")
        screen = p.wait(lambda s: MAILBOX in s or "Continue the game" in s, "a start")
        if "Continue the game" in screen:
            p.keys("Enter")
        at_prompt(p)
        p.keys("C-c")
        p.wait_text("Quit the game? (y/n)")
        p.keys("y")
        p.exit_status()


# -- item 9: Ctrl-D and /restart ask ---------------------------------------------------------------

def test_ctrl_d_and_restart_ask_first(panes):
    p = panes(shared_story("zork1.z3"))
    p.wait_text(MAILBOX)
    p.type("open mailbox")
    p.keys("Enter")
    p.wait_text("Opening the small mailbox")
    p.keys("C-d")
    p.wait_text("Quit the game? (y/n)")
    p.keys("n")
    at_prompt(p)
    p.type("/restart")
    p.keys("Enter")
    p.wait_text("Restart the story from the beginning? (Y/n)")
    p.type("n")
    p.keys("Enter")
    p.wait_text("[Not restarted.]")
    p.type("/restart")
    p.keys("Enter")
    p.wait_text("Restart the story from the beginning? (Y/n)")
    p.keys("Enter")
    screen = p.wait(lambda s: "Opening the small mailbox" not in s and MAILBOX in s,
                    "the story from the beginning")
    assert "Moves: 0" in screen


# -- item 10: scrollback and the last screen -------------------------------------------------------

def test_scrollback_reaches_the_opening_after_40_moves(panes):
    p = panes(shared_story("zork1.z3"))
    p.wait_text(MAILBOX)
    for i in range(40):
        p.type("look")
        p.keys("Enter")
        p.wait(lambda s: s.split("\n")[0].rstrip().endswith(f"Moves: {i + 1}"), f"move {i + 1}")
        at_prompt(p)
    assert OPENING not in p.capture()
    for _ in range(100):                          # Page Up until the opening shows
        p.keys("PageUp")
        time.sleep(0.05)
        screen = p.capture()
        if OPENING in screen:
            break
    assert OPENING in screen and "Scrollback: lines 1-" in screen
    assert "West of House" in screen.split("\n")[0]          # the status line stays
    p.keys("PageDown")
    p.wait(lambda s: OPENING not in s, "paged down")
    p.keys("x")                                    # any other key returns to the game
    at_prompt(p)
    p.type("\x1b[<64;10;10M")                      # the mouse wheel, as xterm reports it
    p.wait_text("Scrollback: lines")
    p.type("\x1b[<65;10;10M")
    p.wait(lambda s: "Scrollback" not in s, "the wheel back to the end")
    at_prompt(p)


def test_story_end_keeps_its_last_screen_until_a_key(panes):
    p = panes(shared_story("zork1.z3"))
    p.wait_text(MAILBOX)
    p.type("quit")
    p.keys("Enter")
    p.wait_text("affirmative")
    p.type("y")
    p.keys("Enter")
    screen = p.wait_text("[Hit any key to exit.]")
    assert "Your score is 0" in screen and "ZVM-EXITED" not in screen
    time.sleep(0.5)
    assert "ZVM-EXITED" not in p.capture()         # still waiting
    p.keys("q")
    screen = p.wait_text("ZVM-EXITED 0")
    assert "Your score is" not in screen and "Hit any key" not in screen   # left clean


# -- item 11: options: colours and the window title ------------------------------------------------

def test_fg_bg_and_window_title(panes):
    p = panes(ROOT / "stories" / "hollinbrook.z5", args=("--fg", "yellow", "--bg", "blue"))
    screen = p.wait_text("No driver will run past a dark signal", escapes=True)
    assert "\x1b[33m" in screen and "\x1b[44m" in screen
    title = p.tmux("display-message", "-p", "#{pane_title}").stdout.strip()
    assert title == "hollinbrook.z5"          # no iFiction title: the file name


# -- issue 13 items 11 and 12: where the story puts the upper window -------------------------------

def test_a_field_drawn_below_an_unsplit_window_stays_where_it_was_put(panes):
    p = panes(STORIES / "field.z5", height=16)
    screen = p.wait(lambda s: "ticks: 8" in s, "eight ticks")
    rows = screen.split("\n")
    assert rows[0] == "Press q to quit."
    assert rows[2].startswith(" " * 9 + "+----")            # row 3, column 10
    assert rows[11].startswith(" " * 9 + "+----")
    assert "*" in rows[6]
    assert "[MORE]" not in screen
    p.keys("q")
    screen = hit_any_key_screen(p)
    assert "Moved" in screen


def hit_any_key_screen(p: Pane) -> str:
    return p.wait_text("[Hit any key to exit.]")


def test_an_upper_window_as_tall_as_the_screen_shows_its_last_row(panes):
    p = panes(STORIES / "tall.z5", height=16)
    screen = p.wait_text("LAST ROW: STATUS 16")
    rows = screen.split("\n")
    assert rows[0].startswith("TOP ROW OF THE UPPER WINDOW")
    assert rows[15].startswith("LAST ROW: STATUS 16")
