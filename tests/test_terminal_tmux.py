"""The terminal UI in a real terminal: zvm runs inside a detached tmux
session (a private server, ``tmux -L``), keys go in with ``send-keys`` and
the screen comes back with ``capture-pane -p`` (``-e`` keeps the escape
sequences of text attributes). Every check polls until a deadline instead
of sleeping for a fixed time.

zvm runs as ``bash -c 'python -m zvm STORY; echo ZVM-EXITED $?; sleep 5'``
so the tests can see the terminal after the game ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from helpers import ROOT, shared_story, shared_transcript
from tmux import Pane

pytestmark = pytest.mark.slow


LONG_INF = r"""
Array buf -> 40;
Array parse -> 20;
[ Main i;
  @split_window 1;
  @set_window 1;
  @set_text_style 1;
  print "UPPER BAR @:a";
  @set_text_style 0;
  @set_window 0;
  for (i = 1 : i <= 60 : i++) print "Line ", i, " of the long reply.^";
  print "All done.^>";
  buf->0 = 30; parse->0 = 4;
  @aread buf parse -> i;
  print "Bye.^";
];
"""

TIMED_INF = r"""
Array buf -> 40;
Array parse -> 20;
[ Main r;
  print "Waiting.^>";
  buf->0 = 30; parse->0 = 4;
  @aread buf parse 10 Tick -> r;
  print "ended with ", r, "^";
  @read_char 1 -> r;
];
[ Tick; print "tick^"; rfalse; ];
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """Compile the tiny test stories with inform6 (skip when absent)."""
    if shutil.which("inform6") is None:
        pytest.skip("inform6 is absent")
    out = tmp_path_factory.mktemp("stories")
    stories = {}
    for name, source in (("long", LONG_INF), ("timed", TIMED_INF)):
        src = out / f"{name}.inf"
        src.write_text(source)
        dest = out / f"{name}.z5"
        subprocess.run(["inform6", "-v5", str(src), str(dest)], check=True,
                       capture_output=True, cwd=out)
        stories[name] = dest
    return stories


@pytest.fixture
def pane():
    if shutil.which("tmux") is None:
        pytest.skip("tmux is absent")
    panes = []

    def start(story, width=80, height=24, args=()):
        p = Pane(story, width, height, args)
        panes.append(p)
        return p

    yield start
    for p in panes:
        p.kill()


def _zork():
    return shared_story("zork1.z3")


def hit_any_key(p: Pane) -> Pane:
    """The story has ended: its last screen stays with "[Hit any key to
    exit.]" below it until a key is pressed."""
    p.wait_text("[Hit any key to exit.]")
    p.keys("Space")
    return p


def _prompt_line(screen: str) -> str:
    return [line for line in screen.rstrip("\n").split("\n") if line.strip()][-1]


OPENING = ("You are standing in an open field west of a white house, "
           "with a boarded front door.")


def test_zork_status_line_command_history_and_quit(pane):
    p = pane(_zork())
    screen = p.wait_text("There is a small mailbox here.", escapes=True)
    first = screen.split("\n")[0]
    assert "\x1b[7m" in first and "West of House" in first and "Score: 0" in first
    p.type("open mailbox")
    p.keys("Enter")
    p.wait_text("Opening the small mailbox reveals a leaflet.")
    p.wait_text("Moves: 1")
    p.keys("Up")
    p.wait(lambda s: _prompt_line(s) == ">open mailbox", "the recalled command")
    p.keys("C-u")
    p.type("quit")
    p.keys("Enter")
    p.wait_text("affirmative")
    p.type("y")
    p.keys("Enter")
    screen = hit_any_key(p).wait_text("ZVM-EXITED 0")
    assert "Moves:" not in screen          # the game's screen is gone
    assert "West of House" not in screen


def test_ctrl_c_asks_and_quits_cleanly(pane):
    p = pane(_zork())
    p.wait_text("There is a small mailbox here.")
    p.keys("C-c")
    p.wait_text("Quit the game? (y/n)")
    p.keys("n")
    p.wait(lambda s: "Quit the game" not in s and _prompt_line(s) == ">", "the prompt back")
    p.keys("C-c")
    p.wait_text("Quit the game? (y/n)")
    p.keys("y")
    screen = p.wait_text("ZVM-EXITED 0")
    assert "Moves:" not in screen and "mailbox" not in screen


def test_sigterm_restores_terminal(pane):
    p = pane(_zork())
    p.wait_text("There is a small mailbox here.")
    shell = p.tmux("display-message", "-p", "#{pane_pid}").stdout.strip()
    children = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
    assert len(children) == 1, children
    os.kill(int(children[0]), 15)
    screen = p.wait_text("ZVM-EXITED 143")
    assert "Moves:" not in screen and "mailbox" not in screen


@pytest.mark.parametrize("width", [60, 100])
def test_word_wrap_at_width(pane, width):
    p = pane(_zork(), width=width)
    screen = p.wait_text("There is a small mailbox here.")
    lines = screen.split("\n")
    assert all(len(line.rstrip()) <= width for line in lines)
    if width == 60:
        assert "You are standing in an open field west of a white house," in lines
        assert "with a boarded front door." in lines
    else:
        assert OPENING in lines


def test_resize_reflows(pane):
    p = pane(_zork(), width=100)
    p.wait(lambda s: OPENING in s.split("\n"), "the opening on one line")
    p.tmux("resize-window", "-x", "60", "-y", "24")
    screen = p.wait(lambda s: "with a boarded front door." in s.split("\n"), "reflowed text")
    first = screen.split("\n")[0]
    assert first.rstrip().endswith("Moves: 0") and len(first.rstrip()) <= 60


def test_more_prompt_and_upper_window(pane, compiled):
    p = pane(compiled["long"], width=60, height=12)
    screen = p.wait_text("[MORE]", escapes=True)
    first = screen.split("\n")[0]
    assert "\x1b[7m" in first and "UPPER BAR ä" in first
    plain = p.capture()
    assert "Line 1 of" in plain and "Line 60 of" not in plain
    for _ in range(10):
        p.keys("Space")
        if "All done." in p.capture():
            break
        time.sleep(0.1)
    screen = p.wait_text("All done.")
    assert "Line 60 of the long reply." in screen
    assert screen.split("\n")[0].startswith("UPPER BAR")
    p.type("bye")
    p.keys("Enter")
    hit_any_key(p).wait_text("ZVM-EXITED 0")


def test_timed_input_calls_routine(pane, compiled):
    p = pane(compiled["timed"], width=60, height=12)
    p.wait_text("Waiting.")
    p.wait(lambda s: s.count("tick") >= 2, "two ticks without input")
    p.type("go")
    p.keys("Enter")
    p.wait_text("ended with 13")
    p.keys("x")
    hit_any_key(p).wait_text("ZVM-EXITED 0")


# -- the bundled story's colours and bold -----------------------------------------

BUNDLED = ROOT / "stories" / "hollinbrook.z5"


def test_bundled_story_shows_bold_and_colours(pane):
    """The Hollin Brook Signal uses bold and colours only when the header
    says the interpreter has them (Flags 1 bits 0 and 2), so seeing them
    also checks the terminal UI's ``features``. The opening's "dark" is
    bold; ``about`` prints "colour" a letter at a time in red, green,
    yellow, cyan; the walkthrough's ``pull red lever`` (in the signal box)
    turns the signal "green" in green."""
    p = pane(BUNDLED)
    screen = p.wait_text("No driver will run past a dark signal", escapes=True)
    assert "\x1b[1mdark" in screen
    # The quote box stays where it was drawn and the text printed after it
    # is below it, not under it.
    lines = [line.rstrip() for line in p.capture().split("\n")]
    box = [i for i, line in enumerate(lines) if "The levers wait in a row" in line]
    text = [i for i, line in enumerate(lines) if line.startswith("The stationmaster has gone")]
    assert box and text and box[0] < text[0], lines
    p.type("about")
    p.keys("Enter")
    screen = p.wait_text("Copyright (c)", escapes=True)
    assert "\x1b[1mThe Hollin Brook Signal" in screen
    assert "\x1b[31mc\x1b[32mo\x1b[33ml\x1b[36mo\x1b[32mu\x1b[31mr" in screen
    p.type("quit")
    p.keys("Enter")
    p.wait_text("Are you sure you want to quit?")
    p.type("y")
    p.keys("Enter")
    hit_any_key(p).wait_text("ZVM-EXITED 0")


# -- Zork I from start to finish -------------------------------------------------------

FINAL_SCORE = "Your score is 350 (total of 350 points), in 394 moves."
PLAY_DEADLINE = 240.0         # the whole game; it takes ~20-40 s on an idle machine


def _last_line(screen: str) -> tuple[int, str]:
    """(row, text) of the screen's last non-empty line."""
    lines = screen.split("\n")
    for row in range(len(lines) - 1, -1, -1):
        if lines[row].strip():
            return row, lines[row].rstrip()
    return -1, ""


def _play(p: Pane, command: str, end: float) -> str:
    """Type ``command``, see it echoed after the prompt, press Enter, and
    wait for the next prompt (">" as the last line with the cursor after
    it), answering [MORE] with Space. Returns the screen at the prompt."""
    p.type(command)
    typed = ">" + command
    while True:
        screen, x, y = p.state()
        row, last = _last_line(screen)
        if last == typed and (y, x) == (row, len(typed)):
            break
        if time.monotonic() > end:
            raise AssertionError(f"{command!r} never echoed; screen:\n{screen}")
        time.sleep(0.01)
    p.keys("Enter")
    spaced = None                       # the [MORE] screen we answered
    while True:
        screen, x, y = p.state()
        row, last = _last_line(screen)
        if last == ">" and (y, x) == (row, 1):
            return screen
        if "[MORE]" in last and screen != spaced:
            p.keys("Space")
            spaced = screen             # press again only once the page changed
        if time.monotonic() > end:
            raise AssertionError(f"no prompt after {command!r}; screen:\n{screen}")
        time.sleep(0.01)


def test_zork_plays_to_the_end(pane):
    """All of zork1.cmd (seed 12), a command at a time, waiting for the
    prompt each time: the final score of dfrotz's transcript is on screen."""
    commands = shared_transcript("zork1.cmd").read_text().split("\n")
    commands = [c for c in commands if c.strip()]
    reference = shared_transcript("zork1.seed12.out").read_text()
    assert FINAL_SCORE in reference
    p = pane(_zork(), args=("--seed", "12"))
    end = time.monotonic() + PLAY_DEADLINE
    p.wait(lambda s: _last_line(s)[1] == ">", "the first prompt", timeout=60)
    screen = ""
    for command in commands:
        screen = _play(p, command, end)
    assert FINAL_SCORE in screen
    assert "This gives you the rank of Master Adventurer." in screen
    assert "(Type RESTART, RESTORE, or QUIT):" in screen
    p.type("quit")
    p.keys("Enter")
    hit_any_key(p).wait_text("ZVM-EXITED 0", timeout=60)


# -- headless play never imports blessed ------------------------------------------------

def test_headless_does_not_import_blessed():
    """``zvm --headless`` (and zvm on a pipe) plays without loading blessed:
    ``-X importtime`` lists every module imported."""
    for extra in (["--headless"], []):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "zvm", *extra, str(BUNDLED)],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "Hollin Brook Platform" in proc.stdout
        imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                    if line.startswith("import time:")]
        assert "zvm.vm.machine" in imported
        assert not [m for m in imported if m.split(".")[0] == "blessed"], extra
        assert "zvm.ui.terminal" not in imported and "zvm.ui.render" not in imported
