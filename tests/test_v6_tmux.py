"""Version 6 in a real terminal (tmux, tests/tmux.py): our opcode stories
pass under the terminal UI, the demo's pictures appear as half-block cells
in many colours, are drawn again after a resize, and quitting leaves the
terminal as it was."""

from __future__ import annotations

import re
import shutil
import sys
import time

import pytest

from helpers import ROOT
from tmux import Pane

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is absent")]

HALF = "\u2580"
ZVM = [sys.executable, "-m", "zvm"]


@pytest.fixture
def pane():
    made = []

    def make(story, **kw):
        p = Pane(story, program=ZVM, **kw)
        made.append(p)
        return p
    yield make
    for p in made:
        p.kill()


@pytest.mark.parametrize("name, count", [("v6screen", 125), ("v6pictures", 41)])
def test_the_opcode_stories_pass_in_the_terminal_ui(pane, name, count):
    p = pane(ROOT / "tests" / "stories" / f"{name}.z6")
    screen = p.wait_text("[Hit any key to exit.]", timeout=30)
    assert f"{count} passed, 0 failed" in screen
    p.keys("Space")
    p.wait_text("ZVM-EXITED 0")


def colours(screen: str) -> set[str]:
    return set(re.findall(r"\x1b\[[0-9;]*[34]8;5;(\d+)", screen))


def picture_rows(screen: str) -> list[int]:
    return [i for i, line in enumerate(screen.split("\n")) if line.count(HALF) >= 30]


def test_the_demo_shows_its_picture_redraws_it_at_a_new_size_and_leaves_cleanly(pane):
    p = pane(ROOT / "stories" / "v6demo.z6", width=80, height=24)
    screen = p.wait(lambda s: "You can go" in s and s.count(HALF) > 400, "the pictures",
                    timeout=30)
    assert picture_rows(screen) == list(range(1, 11))        # 160 units: 10 rows of 16
    assert screen.split("\n")[1].index(HALF * 40) == 20      # centred: column 20 of 80
    escaped = p.capture(escapes=True)
    assert len(colours(escaped)) >= 16                       # a landscape, not a block

    p.tmux("resize-window", "-x", "100", "-y", "30")
    # At once: the screen is drawn again, 30 rows, the pictures in their cells.
    assert p.tmux("display-message", "-p", "#{pane_width}x#{pane_height}").stdout.strip() \
        == "100x30"
    screen = p.wait(lambda s: s.count(HALF) > 400 and "You can go east or south." in s,
                    "the screen drawn again at 100x30")
    assert picture_rows(screen) == list(range(1, 11))
    p.type("look")
    p.keys("Enter")
    # The story hears of the new size at its next input and lays out again:
    # the status line spans 100 columns, the scene is centred in them.
    screen = p.wait(lambda s: "Moves: 0" in s.split("\n")[0]
                    and s.split("\n")[0].rstrip().endswith("Moves: 0")
                    and len(s.split("\n")[0].rstrip()) > 90, "the layout at 100 columns")
    screen = p.wait(lambda s: HALF * 40 in s.split("\n")[1]
                    and s.split("\n")[1].index(HALF * 40) == 30, "the scene centred in 100")
    assert len(colours(p.capture(escapes=True))) >= 16

    p.type("quit")
    p.keys("Enter")
    p.wait_text("[Hit any key to exit.]")
    p.keys("Space")
    screen = p.wait_text("ZVM-EXITED 0")
    assert HALF not in screen and "Moves:" not in screen
    time.sleep(0.2)
    flags = p.tmux("display-message", "-p",
                   "#{alternate_on} #{mouse_any_flag} #{mouse_standard_flag} "
                   "#{keypad_flag} #{cursor_flag}").stdout.split()
    assert flags == ["0", "0", "0", "0", "1"]         # screen, mouse, keypad back; cursor on


def test_a_click_on_the_compass_rose_walks_east(pane):
    """A left click (an SGR mouse report, ``ESC [ < 0 ; x ; y M``) on the
    east of the rose ends the read as terminating character 254 (§10.3)."""
    p = pane(ROOT / "stories" / "v6demo.z6", width=80, height=24)
    p.wait(lambda s: "You can go" in s and s.count(HALF) > 400, "the pictures", timeout=30)
    p.type("\x1b[<0;79;4M\x1b[<0;79;4m")          # press and release: column 79, row 4
    screen = p.wait_text("You walk east.")
    assert screen.split("\n")[0].startswith("The Lake at Night")
