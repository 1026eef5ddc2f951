"""Drawing tests of the terminal UI without a tty.

A blessed ``Terminal(kind="xterm-256color", stream=io.StringIO(),
force_styling=True)`` records what would be sent; the frontend is made
with ``enter=False`` (no full screen, no cbreak, no signal handlers) and a
fixed ``size``. Keys are fed by replacing ``_next_key``.
"""

from __future__ import annotations

import io

import pytest

blessed = pytest.importorskip("blessed")

from blessed.keyboard import Keystroke  # noqa: E402

from zvm.ui.keys import key_zscii  # noqa: E402
from zvm.ui.render import Painter, ansi8, cells_row, rgb, status_row, xterm256  # noqa: E402
from zvm.ui.terminal import MORE_TEXT, TerminalFrontend  # noqa: E402
from zvm.ui.wrap import break_points, text_width, wrap_runs, wrap_text  # noqa: E402
from zvm.screen.protocol import (  # noqa: E402
    BOLD, ITALIC, PLAIN, REVERSE, TIMED_OUT, CharRequest, InputEnded, LineRequest, Style)
from zvm.ui.render import TRUECOLOUR  # noqa: E402
from zvm.vm.ops.input import ask  # noqa: E402

RED = 0x001D        # §8.3.7 colour 3
WHITE = 0x7FFF      # colour 9


@pytest.fixture(scope="module")
def term():
    t = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    return t


@pytest.fixture(autouse=True)
def _fresh_stream(term):
    term._stream = io.StringIO()
    saved = term.number_of_colors
    yield
    term.number_of_colors = saved


class FakeScreen:
    """An upper window as the screen model keeps it (zvm.screen.model),
    shown to the frontend the way the model shows it."""

    def __init__(self, frontend, width=40, upper=0):
        self.frontend = frontend
        self.width = width
        self.cells = [[(" ", PLAIN)] * width for _ in range(upper)]

    def put(self, row, col, text, style=PLAIN):
        for i, ch in enumerate(text):
            self.cells[row][col + i] = (ch, style)
        self.show()

    def split(self, lines):
        del self.cells[lines:]
        self.cells += [[(" ", PLAIN)] * self.width for _ in range(lines - len(self.cells))]
        self.show()

    def show(self):
        self.frontend.upper_changed(self.cells, [])


def make(term, version=5, size=(40, 8), upper=0, **kw):
    fe = TerminalFrontend(term=term, enter=False, size=size, **kw)
    fe.start(version)
    fe.screen = FakeScreen(fe, size[0], upper)
    if upper:
        fe.screen.show()
    return fe


def screen_text(fe):
    """What the last frame shows, row by row (plain text)."""
    return ["".join(t for t, _ in row).rstrip(" ") if not any(st.bits & REVERSE for _, st in row)
            else "".join(t for t, _ in row) for row in fe.writer.drawn]


def keys(fe, *items):
    """Feed keys: strings of plain characters, or blessed key names."""
    term = fe.term
    seq = []
    for item in items:
        if item is None:
            seq.append(None)
        elif item.startswith("KEY_"):
            seq.append(Keystroke("\x1b[?", code=getattr(term, item), name=item))
        else:
            seq.extend(Keystroke(c) for c in item)
    it = iter(seq)
    fe._next_key = lambda timer, paging=True: next(it)
    fe._wait_key = lambda timeout: next(it)     # questions the UI asks itself


# -- status line (§8.2) --------------------------------------------------------

def test_status_row_padded_to_width():
    row = status_row("West of House", "Score: 0  Moves: 1", 50)
    (text, style), = row
    assert len(text) == 50
    assert text.startswith(" West of House ")
    assert text.endswith("Score: 0  Moves: 1 ")
    assert style.bits & REVERSE


def test_status_row_long_location_is_cut():
    text = status_row("A" * 100, "Time: 9:05 am", 30)[0][0]
    assert len(text) == 30 and text.endswith("Time: 9:05 am ")


def test_status_line_drawn_in_reverse_at_top(term):
    fe = make(term, version=3, size=(60, 6))
    fe.write("West of House\nYou are standing here.\n>", PLAIN)
    fe.status_line("West of House", "Score: 0  Moves: 1")
    out = fe.render()
    line = " West of House" + " " * (60 - 14 - 19) + "Score: 0  Moves: 1 "
    assert term.move_yx(0, 0) + term.normal + term.reverse + line in out
    rows = screen_text(fe)
    assert rows[0] == line
    # versions 1-3: the lower window starts at the bottom (§8.5.2)
    assert rows[-1] == ">" and rows[-2] == "You are standing here."


# -- upper window (§8.7) ---------------------------------------------------------

def test_upper_window_cells_and_style(term):
    fe = make(term, version=5, size=(40, 6), upper=2)
    fe.screen.put(0, 2, "Hello", Style(BOLD))
    fe.screen.put(1, 35, "99")
    fe.write("lower text\n", PLAIN)
    out = fe.render()
    rows = screen_text(fe)
    assert rows[0] == "  Hello"
    assert rows[1] == " " * 35 + "99"
    assert rows[2] == "lower text"          # v5: the lower window starts at the top
    assert term.normal + term.bold + "Hello" in out


def test_upper_window_wide_characters():
    cells = [("日", PLAIN), ("", PLAIN), ("x", PLAIN)] + [(" ", PLAIN)] * 3
    runs = cells_row(cells, 6)
    assert text_width("".join(t for t, _ in runs)) <= 6
    assert runs[0][0].startswith("日x")


# -- styles and colours (§8.7.1, §8.3) ------------------------------------------

def test_styles(term):
    p = Painter(term)
    assert p.sgr(Style(BOLD)) == term.normal + term.bold
    assert p.sgr(Style(REVERSE)) == term.normal + term.reverse
    assert p.sgr(Style(ITALIC)) == term.normal + "\x1b[3m"


def test_italic_falls_back_to_underline(term):
    class NoItalic:
        number_of_colors = 8
        normal = term.normal
        reverse = term.reverse
        bold = term.bold
        italic = ""
        underline = "\x1b[4m"
    assert Painter(NoItalic()).sgr(Style(ITALIC)) == term.normal + "\x1b[4m"


def test_colours_8(term):
    term.number_of_colors = 8
    p = Painter(term)
    assert p.sgr(Style(0, RED, -1)) == term.normal + "\x1b[31m"
    assert p.sgr(Style(0, -1, WHITE)) == term.normal + "\x1b[47m"
    assert ansi8(0x7C00) == 4                    # a pure blue: ANSI blue
    assert p.colour_seq(0x7C00, False) == "\x1b[34m"


def test_colours_256(term):
    term.number_of_colors = 256
    p = Painter(term)
    assert p.sgr(Style(0, RED, -1)) == term.normal + "\x1b[31m"     # standard: ANSI red
    assert xterm256(0x03E0) == 46                                    # pure green
    assert p.colour_seq(0x03E0, False) == "\x1b[38;5;46m"
    assert p.colour_seq(0x2D6B, True) == "\x1b[48;5;%dm" % xterm256(0x2D6B)
    assert 232 <= xterm256(0x2D6B) <= 255 or 16 <= xterm256(0x2D6B) <= 231


def test_colours_truecolour(term):
    term.number_of_colors = 1 << 24
    p = Painter(term)
    assert rgb(RED) == (239, 0, 0)
    assert p.sgr(Style(0, RED, WHITE)) == term.normal + "\x1b[38;2;239;0;0m\x1b[48;2;255;255;255m"
    fe = make(term, size=(30, 4))
    assert fe.features.colour and fe.painter.colours >= TRUECOLOUR


def test_no_colour(term):
    term.number_of_colors = 256
    p = Painter(term, no_colour=True)
    assert p.sgr(Style(BOLD, RED, WHITE)) == term.normal + term.bold
    fe = make(term, size=(30, 4), no_colour=True)
    assert not fe.features.colour


def test_default_colour_emits_nothing(term):
    assert Painter(term).sgr(PLAIN) == term.normal


# -- word wrap (§8.7.2.1) ---------------------------------------------------------

TEXT = ("You are standing in an open field west of a white house, "
        "with a boarded front door.")


def test_wrap_text_at_width():
    assert wrap_text(TEXT, 30) == ["You are standing in an open",
                                   "field west of a white house,",
                                   "with a boarded front door."]
    for w in (10, 17, 40):
        assert all(len(line) <= w for line in wrap_text(TEXT, w))
        assert " ".join(wrap_text(TEXT, w)) == TEXT


def test_wrap_keeps_game_line_breaks_and_long_words():
    assert wrap_text("a\n\nb", 10) == ["a", "", "b"]
    assert wrap_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap_text("well-known words", 8) == ["well-", "known", "words"]


def test_wrap_wide_characters():
    lines = wrap_text("日本語のテキスト", 5)
    assert all(text_width(line) <= 5 for line in lines)
    assert "".join(lines) == "日本語のテキスト"


def test_wrap_runs_keeps_styles():
    runs = [("plain words ", PLAIN), ("bold words here", Style(BOLD))]
    lines = wrap_runs(runs, 12)
    assert lines[0] == [("plain words", PLAIN)]
    assert lines[1] == [("bold words", Style(BOLD))]
    assert break_points("", 5) == [(0, 0)]


def test_lower_window_wraps_at_terminal_width(term):
    fe = make(term, size=(30, 8))
    fe.write(TEXT + "\n>", PLAIN)
    fe.render()
    rows = screen_text(fe)
    assert rows[:4] == wrap_text(TEXT, 30) + [">"]


def test_resize_reflows(term):
    fe = make(term, size=(30, 8))
    fe.write(TEXT + "\n>", PLAIN)
    fe.render()
    fe.resize((60, 8))
    assert fe.size_changed and fe.features.width == 60
    fe.render()
    assert screen_text(fe)[:2] == wrap_text(TEXT, 60)
    assert len(wrap_text(TEXT, 60)) == 2


# -- [MORE] (§8.4.1) -----------------------------------------------------------------

def test_more_pages_long_text(term):
    fe = make(term, size=(30, 6))
    fe.write("".join(f"line {i}\n" for i in range(20)) + ">", PLAIN)
    assert fe.pending_pages() == 5
    out = fe.render_more(5)
    rows = screen_text(fe)
    assert rows == ["line 0", "line 1", "line 2", "line 3", "line 4", MORE_TEXT]
    assert MORE_TEXT in out
    keys(fe, " " * 10)
    fe._present()                       # pages on, one key per page
    assert fe.pending_pages() is None
    fe.render()
    assert screen_text(fe)[-1] == ">"
    assert screen_text(fe)[-2] == "line 19"


def test_no_more_when_text_fits(term):
    fe = make(term, size=(30, 6))
    fe.write("one\ntwo\n>", PLAIN)
    assert fe.pending_pages() is None


# -- line input (§10, §15 read) ------------------------------------------------------

def test_read_line_editing(term):
    fe = make(term)
    fe.write(">", PLAIN)
    keys(fe, "abc", "KEY_LEFT", "KEY_LEFT", "X", "KEY_HOME", "Y", "KEY_END",
         "KEY_BACKSPACE", "\r")
    assert fe.read_line(LineRequest(max_len=50)).text == "YaXb"
    assert screen_text(fe)[0] == ">YaXb"
    keys(fe, "open the box", "\x17", "\x17", "door", "\x01", "\x0b", "go north", "\r")
    assert fe.read_line(LineRequest(max_len=50)).text == "go north"
    keys(fe, "hello world", "KEY_LEFT" , "\x15", "\r")
    assert fe.read_line(LineRequest(max_len=50)).text == "d"


def test_read_line_history(term):
    fe = make(term)
    for cmd in ("first", "second"):
        keys(fe, cmd, "\r")
        fe.read_line(LineRequest(max_len=50))
    keys(fe, "KEY_UP", "KEY_UP", "KEY_DOWN", "\r")
    assert fe.read_line(LineRequest(max_len=50)).text == "second"
    keys(fe, "KEY_UP", "KEY_UP", "\r")
    assert fe.read_line(LineRequest(max_len=50)).text == "first"


def test_read_line_terminators_and_limits(term):
    fe = make(term)
    keys(fe, "ab", "KEY_UP")
    r = fe.read_line(LineRequest(max_len=50, terminators=frozenset({129})))
    assert (r.text, r.terminator) == ("ab", 129)
    keys(fe, "abcdef", "\r")
    # The whole line comes back, preloaded text first (LineResult).
    assert fe.read_line(LineRequest(max_len=5, preloaded="xy")).text == "xyabc"


def test_read_line_ctrl_d_asks_then_ends(term):
    """Ctrl-D on an empty line asks, as Ctrl-C does (issue 14 item 9):
    'n' goes back to the line, 'y' ends the game."""
    fe = make(term)
    keys(fe, "\x04", "n", "ab", "\x01", "\x04", "\r")
    assert fe.read_line(LineRequest(max_len=50)).text == "b"     # Ctrl-D mid-line deletes
    assert "Quit the game? (y/n)" in fe.term.stream.getvalue()          # it was asked
    keys(fe, "\x04", "y")
    with pytest.raises(InputEnded):
        fe.read_line(LineRequest(max_len=50))


def test_read_line_timeout(term):
    fe = make(term)
    fe.write(">", PLAIN)
    calls = []

    def tick():
        calls.append(1)
        fe.write("tick", PLAIN)
        return len(calls) >= 2

    keys(fe, "ab", None, "c", None)
    r = ask(fe.read_line, LineRequest(max_len=50, timeout=5), tick)
    assert (r.text, r.terminator) == ("abc", 0)
    assert len(calls) == 2
    assert "tick" in screen_text(fe)[0]


def test_input_wraps_with_cursor(term):
    fe = make(term, size=(10, 5))
    fe.write(">", PLAIN)
    fe.render("abcdefghijkl")
    rows = screen_text(fe)
    assert rows[:2] == [">abcdefghi", "jkl"]
    assert fe.term.stream.getvalue().endswith(term.move_yx(1, 3))


# -- read_char keys (§10.7) --------------------------------------------------------------

def test_key_zscii(term):
    def k(name):
        return Keystroke("\x1b[?", code=getattr(term, name), name=name)
    assert key_zscii(k("KEY_UP")) == 129
    assert key_zscii(k("KEY_RIGHT")) == 132
    assert key_zscii(k("KEY_F1")) == 133
    assert key_zscii(k("KEY_F12")) == 144
    assert key_zscii(k("KEY_KP_0")) == 145
    assert key_zscii(k("KEY_KP_9")) == 154
    assert key_zscii(k("KEY_ESCAPE")) == 27
    assert key_zscii(Keystroke("a")) == 97
    assert key_zscii(Keystroke("\r")) == 13
    assert key_zscii(Keystroke("\x7f")) == 8
    assert key_zscii(Keystroke("ä")) == 155
    assert key_zscii(Keystroke("€")) == 63


def test_read_char(term):
    fe = make(term)
    keys(fe, "KEY_DOWN")
    assert fe.read_char(CharRequest()) == 130
    keys(fe, None, None)
    hits = []
    assert ask(fe.read_char, CharRequest(timeout=1),
               lambda: hits.append(1) or len(hits) > 1) == 0
    assert len(hits) == 2


# -- quote boxes: rows the upper window gives up stay on screen (§8.6.1) -----------

def test_quote_box_stays_after_upper_window_shrinks(term):
    fe = make(term, version=5, size=(30, 10), upper=1)
    fe.write("".join(f"text {i}\n" for i in range(12)), PLAIN)
    fe.screen.put(0, 0, "Status")
    box = Style(REVERSE)
    fe.screen.split(4)                               # the game splits for a box
    fe.screen.put(2, 5, " A quote ", box)
    fe.screen.split(1)                               # and splits back to 1 line
    fe.write(">", PLAIN)
    fe.render()
    rows = screen_text(fe)
    assert rows[0] == "Status"
    assert " A quote " in rows[2]                   # drawn where it was
    assert rows[-1] == ">"
    fe.write("\n" + "".join(f"more {i}\n" for i in range(12)) + ">", PLAIN)
    fe._mark_seen()
    fe.render()
    assert not any("A quote" in r for r in screen_text(fe))   # scrolled away


def test_save_prompt_offers_the_story_name(term):
    """Save and restore ask for a file name in the lower window, offering
    STORY.qzl as Frotz does; Enter takes it, typing replaces it."""
    fe = make(term)
    keys(fe, "\r")
    assert fe.ask_filename("zork1.qzl", saving=True) == "zork1.qzl"
    assert "Please enter a filename [zork1.qzl]:" in screen_text(fe)
    keys(fe, "mine.qzl", "\r")
    assert fe.ask_filename("zork1.qzl", saving=False) == "mine.qzl"


def test_a_long_output_is_paged_and_typed_after_without_building_the_whole_region(
        term, monkeypatch):
    """Issue 11 item 4, the terminal's drawing of long outputs: each [MORE]
    page and each key typed draws from the display lines it shows, not
    from a list of the whole region built again (which made paging through
    N lines cost N² and each key cost the whole scrollback)."""
    fe = make(term, size=(40, 10))
    fe._next_key = lambda timeout: Keystroke(" ")
    for i in range(3000):
        fe.write(f"line {i} of a long output that wraps onto a second row\n", PLAIN)
    monkeypatch.setattr(fe, "_region", lambda: pytest.fail("the whole region was built"))
    fe._present()
    fe._mark_seen()
    fe.render("take lamp")
    assert screen_text(fe)[-3:] == ["line 2999 of a long output that wraps",
                                    "onto a second row", "take lamp"]


def test_the_kept_display_lines_stay_those_of_the_lines_written(term):
    """The region's display lines are kept between calls (all but the last
    logical line's): after writes, erases, resizes, an upper window giving
    up rows and old scrollback trimmed, they are what wrapping every line
    afresh gives."""
    import random
    rnd = random.Random(7)
    fe = make(term, version=5, size=(30, 8), scrollback=60)
    fe._next_key = lambda timeout: Keystroke(" ")
    words = ["a", "the", "quick", "brown-fox", "x" * 40, "", " "]
    for step in range(600):
        r = rnd.random()
        if r < 0.6:
            text = " ".join(rnd.choice(words) for _ in range(rnd.randrange(1, 9)))
            fe.write(text + "\n" * rnd.choice([0, 0, 1, 2]), PLAIN)
        elif r < 0.67:
            fe.erase_lower(0)
        elif r < 0.75:
            fe._present()
            fe._mark_seen()
        elif r < 0.85:
            rows = rnd.randrange(0, 4)
            fe.upper_changed([[("u", PLAIN)] * 30 for _ in range(rows)], [])
        elif r < 0.9:
            fe.resize((rnd.choice([20, 30, 50]), 8))
        else:
            fe.render("typed " * rnd.randrange(0, 8))
        assert fe._region() == fe._wrapped_lines(fe.erase_mark), step
