"""The one seam between the machine and whatever shows it (§7, §8, §10).

Calls go one way: the machine calls its ``Frontend``; a frontend never calls
the machine and holds no reference to it. What a frontend has to say comes
back as the value of the call that asked: a line or a key, the answer to a
question, a timer that ran out (§10.5.3, §15 read: the machine then runs the story's
interrupt routine itself and asks again).

The machine keeps the screen model (``zvm.screen.model``): the selected
window, the upper window's grid of cells and its cursor, the current style.
It hands the frontend lower-window text with its style, a copy of the upper
window whenever it changes, the status line (versions 1-3, §8.2) and input
requests. Frontends: ``zvm.ui.headless`` (text shaped as dfrotz prints it),
``zvm.ui.terminal`` (a full-screen terminal UI drawn with blessed) and the
library's (``zvm.research.game``).

The frontend's size and abilities are its ``features``; the machine reads
them when it starts and after each input (a terminal may have been resized,
§8.4.1) and turns them into header fields (§11.1).

Version 6 (§8.8) has a screen model of its own (``zvm.screen.v6``): it lays
text out in eight windows itself and hands the frontend the results as
drawing operations on a grid of cells, each cell one font unit
(``Features.font_width`` x ``font_height``): ``v6_text``, ``v6_erase``,
``v6_scroll`` and ``v6_picture`` (a picture with its place and size in
screen units, §8.8.6), ``v6_more`` when a window's line count says the
player should read before more text scrolls past (§8.8.3.2.6), and
``v6_refresh`` for buffer_screen -1 (§8.8.7.2). Input requests then say
where the cursor is (``InputPlace``), and a mouse click can answer them
(``Click``, §10.3).
"""

from __future__ import annotations

from collections import deque

from zvm.records import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from zvm.story.pictures import RGB, Picture

GATHERED_PIECES = 4096      # pieces of text ``Frontend.gathered`` takes between writes

# Text style bits (§8.7.1, set_text_style).
REVERSE = 1
BOLD = 2
ITALIC = 4
FIXED = 8

# What read_line and read_char return when the request's timer ran out
# (§10.5.3) before the player finished; never a ZSCII code.
TIMED_OUT = -1


# The records below are named tuples or small classes rather than
# dataclasses: every run builds them, and the dataclasses module costs
# more to import than the rest of the frontend protocol.

class Style(NamedTuple):
    """What text looks like: style bits, colours as 15-bit true colours
    (§8.3.7; -1 = the frontend's default), and the font (§8.1.2)."""

    bits: int = 0
    fg: int = -1
    bg: int = -1
    font: int = 1


PLAIN = Style()

# One cell of the upper window: a character and its style.
Cell = tuple[str, Style]


class Features(NamedTuple):
    """What a frontend can do and how big it is; the machine turns this
    into header flags and sizes (§11.1) at start, restart, restore and
    after a resize. ``features._replace(width=...)`` makes a changed copy."""

    width: int = 80
    height: int = 24
    status_line: bool = True   # v1-3: can show the status line (Flags 1 bit 4 clear)
    split: bool = True         # upper window available (v3 Flags 1 bit 5)
    colour: bool = False
    bold: bool = False
    italic: bool = False
    fixed: bool = True
    timed_input: bool = False
    pictures: bool = False
    sound: bool = False
    default_fg: int = 9        # §8.3.1 colour numbers for the header (white on black)
    default_bg: int = 2
    graphics_font: bool = False    # can show font 3, character graphics (§16, set_font 3)
    # Version 6 (§8.8.1, §11.1): a cell is font_width x font_height screen
    # units, so the screen is width * font_width units across.
    font_width: int = 1
    font_height: int = 1
    mouse: bool = False            # clicks can reach the story (§10.3, Flags 2 bit 5)


class Click(NamedTuple):
    """A mouse click (§10.3): the screen cell clicked (row, column, from 0)
    and whether it was the second click of a double click. It answers a
    read as the terminating character 254 (253 for a double click) or
    read_char as that key."""

    row: int
    col: int
    double: bool = False


class InputPlace(NamedTuple):
    """Version 6: where a read takes place (§8.8.3, §15 read): the screen
    cell (row, column, from 0) where the input line starts (preloaded text
    included), the cells left from there to the window's right margin, the
    window's text style and the window's number; ``cursor``: whether the
    story wants the cursor shown (set_cursor -1 hides it, -2 shows it, §15).
    """

    row: int
    col: int
    room: int
    style: Style = PLAIN
    window: int = 0
    cursor: bool = True


class LineRequest:
    """A request for a line of input (§15 read, sread/aread).

    ``preloaded``: text the game already printed before the cursor that
    counts as typed (§15 read, v5+); it cannot be edited away. ``typed``:
    what the player had typed when the timer last ran out and the game's
    interrupt routine ran; it is shown after ``preloaded`` and editing
    goes on from its end. ``continued`` is True on such a request: the
    line is the same one, asked for again. ``timeout``: tenths of a second,
    0 = none; when it passes the read returns ``TIMED_OUT``. ``terminators``:
    ZSCII codes besides 13 that end input (§10.5.2.1). ``max_len``: the most
    characters the buffer holds, preloaded text included. ``upper_cursor``:
    when the story reads with the upper window selected, the cursor's place
    there as (row, column), 0-based; None in the lower window. ``place``:
    in version 6, where in which window the line is read (``InputPlace``);
    a click then ends the line when 254 or 253 is a terminator."""

    __slots__ = ("max_len", "preloaded", "timeout", "terminators", "typed", "continued",
                 "upper_cursor", "place")

    def __init__(self, max_len: int, preloaded: str = "", timeout: int = 0,
                 terminators: frozenset[int] = frozenset(), typed: str = "",
                 continued: bool = False, upper_cursor: tuple[int, int] | None = None,
                 place: InputPlace | None = None) -> None:
        self.max_len = max_len
        self.preloaded = preloaded
        self.timeout = timeout
        self.terminators = terminators
        self.typed = typed
        self.continued = continued
        self.upper_cursor = upper_cursor
        self.place = place

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"LineRequest({fields})"


class LineResult(NamedTuple):
    """The whole input line (without the terminator), the request's
    preloaded text included as the player left it, and what ended it: 13
    for Enter, another terminator's ZSCII code, or ``TIMED_OUT``. A mouse
    click that ended the line (terminator 254 or 253) is ``click``."""

    text: str
    terminator: int = 13
    click: Click | None = None


class CharRequest:
    """A request for one keypress (§15 read_char); ``timeout``,
    ``continued``, ``upper_cursor`` and ``place`` as in ``LineRequest``."""

    __slots__ = ("timeout", "continued", "upper_cursor", "place")

    def __init__(self, timeout: int = 0, continued: bool = False,
                 upper_cursor: tuple[int, int] | None = None,
                 place: InputPlace | None = None) -> None:
        self.timeout = timeout
        self.continued = continued
        self.upper_cursor = upper_cursor
        self.place = place

    def __repr__(self) -> str:
        return (f"CharRequest(timeout={self.timeout!r}, continued={self.continued!r}, "
                f"upper_cursor={self.upper_cursor!r}, place={self.place!r})")


class FrontendUnavailable(Exception):
    """A frontend cannot work here (a terminal that cannot move the
    cursor); the message says why, and the caller plays another way."""


class InputEnded(Exception):
    """The frontend has no more input (end of standard input, a closed
    terminal, the player chose to quit): the run ends normally."""


class Frontend:
    """Base of every frontend: what the machine may call. Subclasses
    override what they show; every method returns what the machine needs
    and nothing calls back."""

    features = Features()
    # A frontend that gathers the lower window's text may let the machine
    # append it straight onto ``gathered`` (a list it keeps, emptied in
    # place) when ``write`` would only do that: when the text's style is
    # ``gathered_style``, the style of the latest write (``OutputStreams``
    # checks the rest). None: every piece goes through ``write``. Once
    # it holds GATHERED_PIECES pieces, the next goes through ``write``,
    # which must lay them out or bound them: a story that prints without
    # end and never asks for input must not fill memory.
    gathered_style: Style | None = None
    gathered: list[str] | None = None

    def __init__(self) -> None:
        self.scripted: deque[str] = deque()
        self.line_was_scripted = False       # the last line read came from script()

    # -- lifecycle ------------------------------------------------------
    def start(self, version: int) -> None:
        """The story is about to run; its version decides the layout
        (a status line in versions 1-3, §8.2; the lower window's cursor
        starts at the bottom before version 5, §8.7.2.1)."""

    def close(self) -> None:
        """Restore whatever the frontend changed (the terminal)."""

    def message(self, text: str) -> None:
        """A line from the interpreter itself (warnings, meta-commands)."""

    # -- output ---------------------------------------------------------
    def write(self, text: str, style: Style) -> None:
        """Append text (which may contain newlines) to the lower window."""
        raise NotImplementedError(f"{type(self).__name__}.write")

    def word_break(self) -> None:
        """The story did something at which a word being buffered for
        wrapping ends (§8.7.2.2: a change of window, cursor, colour,
        stream or buffering); frontends that wrap as Frotz's core does
        send the word to the screen here."""

    def set_buffering(self, on: bool) -> None:
        """buffer_mode (§8.7.2.2): wrap lower-window text at word breaks
        (True) or print it as it comes."""

    def upper_changed(self, cells: list[list[Cell]],
                      touched: list[tuple[int, int]]) -> None:
        """The upper window (§8.7.2): ``cells`` is all of it, a row per
        line of its height; ``touched`` lists the (row, column) cells
        (0-based) that the latest operation wrote, whether or not they
        changed. The frontend must not modify ``cells`` and must copy what
        it keeps."""

    def split_changed(self, height: int) -> None:
        """split_window (§8.6.1): the story made the upper window ``height``
        rows tall. The next ``upper_changed`` may hold more rows than that
        when the story moved the cursor below the window (the screen model
        grows the window to keep what is written there); a frontend may show
        those rows where the story put them, over the lower window, as Frotz
        does, instead of giving them room."""

    def erase_lower(self, which: int = 0) -> None:
        """erase_window's argument: 0 the lower window; -1 the whole screen,
        unsplit (also at restart); -2 the whole screen, split kept (§8.7.3.3)."""

    def status_line(self, left: str, right: str) -> None:
        """Versions 1-3: show the status line (§8.2)."""

    def sound_effect(self, number: int) -> None:
        """Bleeps 1 and 2 (§9.2); other sounds need sound resources."""

    # -- version 6 (§8.8) --------------------------------------------------
    # Cells are counted from 0; a cell is one font unit (Features.font_width
    # x font_height screen units). The model clips what it hands over to the
    # window it was done in and to the screen. A frontend without a screen
    # of its own for version 6 gets the text as running text (below).

    def v6_text(self, row: int, col: int, text: str, style: Style,
                typed: bool = False) -> None:
        """Draw ``text`` from cell (row, col) along the row, a character a
        cell. ``typed``: the player's input, left where it was typed (the
        frontend showed it while it was typed). This default passes the
        text on to ``write``, starting a line when the row changes."""
        if typed:
            return
        last = getattr(self, "_v6_row", None)
        if last is not None and row != last:
            self.write("\n", PLAIN)
        self._v6_row = row
        self.write(text, style)

    def v6_erase(self, row: int, col: int, rows: int, cols: int, style: Style) -> None:
        """Paint a rectangle of cells blank in ``style``'s background
        (erase_window, erase_line, erase_picture, §8.8.5)."""

    def v6_scroll(self, row: int, col: int, rows: int, cols: int, lines: int,
                  style: Style) -> None:
        """Move the rectangle's contents up ``lines`` rows (down when
        negative); the rows left behind are blank in ``style``'s background
        (a window scrolling, §8.8.3.6)."""

    def v6_picture(self, picture: Picture, y: int, x: int, width: int, height: int,
                   clip: tuple[int, int, int, int],
                   palette: tuple[RGB | None, ...] | None = None) -> None:
        """Draw a picture (§8.8.6, draw_picture) with its top left pixel at
        screen unit (y, x) (from 1), ``width`` x ``height`` units (scaled,
        Blorb §11.2), showing only inside ``clip`` (row, col, rows, cols:
        the window's cells). ``palette``: for an adaptive picture, the
        colours to draw it in (Blorb §11.3)."""

    def v6_preload(self, pictures: list[Picture]) -> list[str]:
        """picture_table (§8.8.6.2): these pictures will be drawn soon; a
        frontend may decode them now (and forget others). Returns a line
        for each that cannot be drawn."""
        return []

    def v6_more(self) -> None:
        """A window has scrolled a screenful since the player last read it
        (its line count, §8.8.3.2.6): show the screen and let the player
        read it before the story goes on."""

    def v6_refresh(self) -> None:
        """Show the screen as it is now (buffer_screen -1, §8.8.7.2)."""

    # -- input ----------------------------------------------------------
    def read_line(self, request: LineRequest) -> LineResult:
        raise NotImplementedError(f"{type(self).__name__}.read_line")

    def read_char(self, request: CharRequest) -> int | str | Click:
        """One key: a typed character as a one-character string (the
        machine turns it into ZSCII with the story's tables, §3.8), or the
        ZSCII code of a key that is not a character (§10.7: 8 delete,
        13 newline, 27 escape, 129-154 cursor, function and keypad keys),
        ``TIMED_OUT``, or a mouse click (§10.3, where ``features.mouse``)."""
        raise NotImplementedError(f"{type(self).__name__}.read_char")

    def ask_filename(self, default: str, saving: bool) -> str:
        """The file name the player wants for a save or restore (§15 save):
        asked in the lower window as Frotz asks it; Enter takes the default."""
        self.write(f"Please enter a filename [{default}]: ", PLAIN)
        answer = self.read_line(LineRequest(max_len=255)).text.strip()
        return answer or default

    def confirm(self, question: str, default: bool) -> bool:
        """A yes/no question from the interpreter (overwrite a file?). The
        base answers with default; an interactive frontend asks."""
        return default

    def script(self, lines: list[str]) -> None:
        """Lines to take as the player's next commands before reading the
        keyboard (replay, input stream 1, §10.2); they are shown as typed."""
        self.scripted.extend(lines)

    def next_scripted(self) -> str | None:
        """The next scripted command, or None (the frontend then reads the
        keyboard). ``line_was_scripted`` keeps which it was, so that a
        replayed ``/replay`` can be refused: a file that replays itself
        would queue itself for ever."""
        self.line_was_scripted = bool(self.scripted)
        return self.scripted.popleft() if self.line_was_scripted else None
