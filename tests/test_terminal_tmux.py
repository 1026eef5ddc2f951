"""The terminal UI in a real terminal: zvm runs inside a detached tmux
session (a private server, ``tmux -L``), keys go in with ``send-keys`` and
the screen comes back with ``capture-pane -p`` (``-e`` keeps the escape
sequences of text attributes). Every check polls until a deadline instead
of sleeping for a fixed time.

zvm runs as ``bash -c 'python -m zvm STORY; echo ZVM-EXITED $?; sleep 5'``
so the tests can see the terminal after the game ends.
"""

from __future__ import annotations

import itertools
import os
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from helpers import ROOT, shared_story

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is absent"),
]

DEADLINE = 10.0
_ids = itertools.count()

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


class Pane:
    """zvm in a detached tmux session of its own."""

    def __init__(self, story, width=80, height=24):
        self.socket = f"zvmtest-{os.getpid()}-{next(_ids)}"
        inner = (f"{shlex.quote(sys.executable)} -m zvm {shlex.quote(str(story))}; "
                 "echo ZVM-EXITED $?; sleep 5")
        cmd = ("env TERM=xterm-256color BLESSED_QUERY_TIMEOUT_SECONDS=0.1 "
               f"bash -c {shlex.quote(inner)}")
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), cmd)

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              cwd=ROOT, capture_output=True, text=True, check=check)

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def type(self, text):
        self.tmux("send-keys", "-l", text)

    def capture(self, escapes=False) -> str:
        args = ["capture-pane", "-p"] + (["-e"] if escapes else [])
        return self.tmux(*args).stdout

    def lines(self) -> list[str]:
        return self.capture().split("\n")

    def wait(self, predicate, what="", escapes=False, timeout=DEADLINE) -> str:
        end = time.monotonic() + timeout
        while True:
            screen = self.capture(escapes)
            if predicate(screen):
                return screen
            if time.monotonic() > end:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{screen}")
            time.sleep(0.05)

    def wait_text(self, text, **kw) -> str:
        return self.wait(lambda s: text in s, repr(text), **kw)

    def kill(self):
        self.tmux("kill-server", check=False)


@pytest.fixture
def pane():
    panes = []

    def start(story, width=80, height=24):
        p = Pane(story, width, height)
        panes.append(p)
        return p

    yield start
    for p in panes:
        p.kill()


def _zork():
    return shared_story("zork1.z3")


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
    screen = p.wait_text("ZVM-EXITED 0")
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
    p.wait_text("ZVM-EXITED 0")


def test_timed_input_calls_routine(pane, compiled):
    p = pane(compiled["timed"], width=60, height=12)
    p.wait_text("Waiting.")
    p.wait(lambda s: s.count("tick") >= 2, "two ticks without input")
    p.type("go")
    p.keys("Enter")
    p.wait_text("ended with 13")
    p.keys("x")
    p.wait_text("ZVM-EXITED 0")
