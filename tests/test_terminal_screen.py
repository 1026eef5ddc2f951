"""Drawing tests of the terminal UI's newer parts, without a tty (as in
``test_terminal_draw``): opening the terminal (NO_COLOR, TERM=dumb, the
query wait), default colours, the scrollback, the last screen, font 3
(§16) and Beyond Zork's line codes, and upper window rows below the
story's split (issue 13 items 10-12, issue 14 items 3, 4, 7, 10, 11)."""

from __future__ import annotations

import io
import os
import pty

import pytest

blessed = pytest.importorskip("blessed")

from test_terminal_draw import keys, make, screen_text  # noqa: E402

from zvm.screen import font3  # noqa: E402
from zvm.screen.model import Screen  # noqa: E402
from zvm.screen.protocol import PLAIN, REVERSE, Features, Frontend, Style  # noqa: E402
from zvm.ui import pager, session  # noqa: E402
from zvm.ui.render import Painter  # noqa: E402
from zvm.ui.terminput import EXIT_TEXT  # noqa: E402


@pytest.fixture
def term():
    return blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)


@pytest.fixture
def tty_stream():
    """The writing end of a pseudo-terminal: blessed styles for it."""
    main, sub = pty.openpty()
    stream = os.fdopen(sub, "w")
    yield stream
    stream.close()
    os.close(main)


# -- opening the terminal ----------------------------------------------------------

def test_no_color_keeps_cursor_addressing_and_styles(monkeypatch, tty_stream):
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")
    term, no_colour = session.open_terminal(tty_stream)
    assert no_colour is True
    assert term.move_yx(3, 4) and term.reverse and term.bold and term.clear
    assert os.environ["NO_COLOR"] == "1"                 # left as it was
    assert Painter(term, no_colour=no_colour).colour_seq(0x001D, False) == ""


@pytest.mark.parametrize("kind", ["dumb", ""])
def test_a_terminal_without_cursor_addressing_is_refused(monkeypatch, tty_stream, kind):
    monkeypatch.setenv("TERM", kind)
    with pytest.raises(session.Unsuitable, match="cannot move the cursor"):
        session.open_terminal(tty_stream)


def test_the_wait_for_the_terminals_answers_is_short(monkeypatch, tty_stream):
    import blessed.terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("BLESSED_QUERY_TIMEOUT_SECONDS", raising=False)
    monkeypatch.setattr(blessed.terminal, "TERMINAL_QUERY_TIMEOUT_SECONDS", 5.0)
    session.open_terminal(tty_stream)
    assert blessed.terminal.TERMINAL_QUERY_TIMEOUT_SECONDS <= 0.25
    monkeypatch.setenv("BLESSED_QUERY_TIMEOUT_SECONDS", "2")      # the player's own wins
    session.open_terminal(tty_stream)
    assert blessed.terminal.TERMINAL_QUERY_TIMEOUT_SECONDS == 2.0


# -- default colours (--fg, --bg) ------------------------------------------------------

def test_default_colours_paint_text_and_the_cleared_screen(term):
    fe = make(term, fg=4, bg=2)                          # green on black (§8.3.1)
    assert (fe.features.default_fg, fe.features.default_bg) == (4, 2)
    fe.write("hello\n>", PLAIN)
    out = fe.render()
    green, black = term.color(2), term.on_color(0)
    assert green + black + term.clear in out               # the whole screen, cleared in them
    assert fe.painter.sgr(PLAIN).endswith(green + black)
    red = Style(0, 0x001D, -1)                            # the story's own colour wins
    assert term.color(1) in fe.painter.sgr(red) and black in fe.painter.sgr(red)


# -- the scrollback and the last screen --------------------------------------------------

def test_page_up_shows_what_scrolled_away_and_any_key_returns(term):
    fe = make(term, size=(40, 8))
    for i in range(1, 31):
        fe.write(f"line {i}\n", PLAIN)
    fe.write(">", PLAIN)
    fe.render()
    assert "line 1" not in screen_text(fe)
    seen = []
    keys(fe, "KEY_PGUP", "KEY_PGUP", "KEY_PGUP", "KEY_PGUP", "KEY_PGUP", "x")
    real_draw = fe.writer.draw

    def draw(rows, width, cursor):
        out = real_draw(rows, width, cursor)
        seen.append(screen_text(fe))
        return out
    fe.writer.draw = draw
    pager.scrollback(fe, _key(term, "KEY_PGUP"))
    tops = [frame[0] for frame in seen]
    assert "line 1" in tops                               # paged back to the start
    assert all("Scrollback: lines" in frame[-1] for frame in seen)
    assert seen[-1][0] == "line 1"                        # not past the start


def _key(term, name):
    from blessed.keyboard import Keystroke
    return Keystroke("\x1b[?", code=getattr(term, name), name=name)


def test_the_mouse_wheel_is_read_whole(term):
    term.ungetch("\x1b[<64;10;5M")
    assert pager.read_key(term, 0) == pager.WHEEL_UP
    term.ungetch("\x1b[<65;10;5M")
    assert pager.read_key(term, 0) == pager.WHEEL_DOWN
    term.ungetch("\x1b[<0;10;5M")                         # a click: nothing
    assert pager.read_key(term, 0) == pager.IGNORED
    term.ungetch("a")
    assert str(pager.read_key(term, 0)) == "a"


def test_the_story_end_keeps_its_screen_until_a_key(term):
    fe = make(term, size=(40, 8))
    fe.session.active = True                  # as if entered (the test has no tty)
    fe.write("Your score is 0.\n", PLAIN)
    keys(fe, "q")
    fe.story_ended()
    rows = screen_text(fe)
    assert rows[-1] == EXIT_TEXT and "Your score is 0." in rows
    assert fe.seen == len(fe._region())       # nothing is printed again at close
    fe.session.active = False


def test_a_quit_the_player_chose_does_not_wait(term):
    fe = make(term, size=(40, 8))
    fe.session.active = True
    fe._player_quit = True
    keys(fe)                                  # no key to read: it must not ask for one
    fe.story_ended()
    fe.session.active = False


# -- font 3 and Beyond Zork ---------------------------------------------------------------

def test_font3_pictures_as_unicode():
    assert font3.graphics("/''''0") == "┌────┐"
    assert font3.graphics(".''''1") == "└────┘"
    assert font3.graphics("6789:") == "█▀▄▌▐"
    assert font3.graphics("!\"\\]") == "←→↑↓"
    assert font3.graphics("abz") == "ᚪᛒᛟ"
    assert len(font3.FONT3) == 95 and set(font3.FONT3) == {chr(c) for c in range(32, 127)}


def test_beyond_zorks_ibm_pc_codes_only_for_beyond_zork_as_a_pc():
    codes = font3.story_codes(47, "870915", 6)
    assert "".join(codes[c] for c in range(176, 224)) == bytes(range(176, 224)).decode("cp437")
    assert (codes[24], codes[25]) == ("↑", "↓")
    assert font3.story_codes(47, "870915", 4) == {}       # the Amiga: font 3 instead
    assert font3.story_codes(88, "840726", 6) == {}       # another story


class Recorder(Frontend):
    """A frontend that records what the screen model tells it."""

    def __init__(self, graphics=False):
        super().__init__()
        self.features = Features(graphics_font=graphics)
        self.splits: list[int] = []
        self.heights: list[int] = []

    def write(self, text, style):
        pass

    def split_changed(self, height):
        self.splits.append(height)

    def upper_changed(self, cells, touched):
        self.heights.append(len(cells))


def test_font3_is_offered_only_by_a_frontend_that_draws_it():
    assert Screen(5, Recorder(graphics=False)).set_font(3) == 0
    screen = Screen(5, Recorder(graphics=True))
    assert screen.set_font(3) == 1 and screen.style.font == 3


def test_terminal_draws_font3_in_both_windows(term):
    fe = make(term, upper=1)
    fe.screen.put(0, 0, "/''0", Style(font=3))
    fe.write("(6) x", Style(font=3))
    fe.render()
    rows = screen_text(fe)
    assert rows[0].startswith("┌──┐") and rows[1].startswith("│█│ ᛉ")


# -- rows below the split (zsnake) and a full-height upper window ----------------------------

def test_the_cursor_below_an_unsplit_window_keeps_the_split():
    rec = Recorder()
    screen = Screen(5, rec)
    screen.set_window(1)
    screen.set_cursor(10, 5)
    screen.print("*")
    assert rec.splits == [0]                    # told once, at start: never split
    assert rec.heights[-1] == 10                # the cells hold the row written
    screen.split(3)
    assert rec.splits == [0, 3]


def test_the_cursor_set_outside_the_window_goes_where_frotz_puts_it():
    """§15 set_cursor outside the window is illegal (§8.8.3.5); zvm does as
    Frotz does (§15's version 6 rule): 0 keeps that coordinate, a column
    outside the window is column 1, a negative line moves nothing."""
    screen = Screen(5, Recorder())
    screen.split(3)
    screen.set_window(1)
    screen.set_cursor(2, 7)
    screen.set_cursor(0, 9)
    assert screen.cursor == [2, 9]
    screen.set_cursor(3, 0)
    assert screen.cursor == [3, 9]
    screen.set_cursor(1, screen.width + 1)
    assert screen.cursor == [1, 1]
    screen.set_cursor(2, -4)
    assert screen.cursor == [2, 1]
    screen.set_cursor(-1, 5)
    assert screen.cursor == [2, 1]
    screen.print("x" * (screen.width + 2))      # past the right edge (see the next test)
    assert screen.cursor == [2, screen.width + 1]
    screen.set_cursor(3, 0)                     # (the column past the edge: column 1)
    assert screen.cursor == [3, 1]


def test_text_past_the_right_edge_lands_as_frotz_puts_it():
    """Past the right edge every other character is dropped and the rest
    go to the start of the next row, across prints, until the cursor moves;
    the cursor reads as Frotz's does (the last column, or one past it)."""
    screen = Screen(5, Recorder())
    screen.width = 10
    screen.split(3)
    screen.set_window(1)

    def rows() -> list[str]:
        return ["".join(ch for ch, _ in row) for row in screen.cells]
    screen.set_cursor(1, 8)
    screen.print("abcdefg")                   # c fills the last column; d, f dropped
    assert rows()[:2] == ["       abc", "eg        "]
    assert screen.cursor == [1, 11]
    screen.print("hi")                        # h dropped, i after g
    assert rows()[:2] == ["       abc", "egi       "]
    assert screen.cursor == [1, 11]
    screen.set_cursor(1, 10)                  # the cursor moved: a spill of its own
    screen.print("xy")
    assert rows()[:2] == ["       abx", "egi       "]
    assert screen.cursor == [1, 10]
    screen.set_cursor(3, 10)
    screen.print("pqr")                       # r: below the split, over the lower window
    assert screen.upper_height == 4 and rows()[3][0] == "r"


def test_rows_below_the_split_lie_over_the_lower_window(term):
    fe = make(term, size=(30, 10))
    fe.split_changed(0)
    fe.screen.split(6)                           # the model grew the cells to row 6 ...
    fe.screen.put(5, 4, "+--+")
    fe.write("Press q to quit.\n", PLAIN)
    fe.render()
    rows = screen_text(fe)
    assert rows[0] == "Press q to quit."         # ... but the lower window kept its room
    assert rows[5] == "    +--+"
    assert fe._layout()[3] == 0


def test_an_upper_window_as_tall_as_the_screen_shows_its_last_row(term):
    fe = make(term, size=(30, 6))
    fe.split_changed(6)
    fe.screen.split(6)
    fe.screen.put(0, 0, "TOP")
    fe.screen.put(5, 0, "LAST ROW")
    fe.render()
    rows = screen_text(fe)
    assert rows[0] == "TOP" and rows[5] == "LAST ROW"
    assert not any(st.bits & REVERSE for row in fe.writer.drawn for _, st in row)
