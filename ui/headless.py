"""Headless frontend: plain text on standard output, shaped like dfrotz.

The reference is the dumb interface of Frotz 2.54 run as
``dfrotz -m -p -q -w 80 -h 24``. That program does not print text as it
arrives. It keeps a character grid of the whole screen (``height`` rows of
``width`` cells) and remembers which cells changed; only when it waits for
input (or when a MORE prompt would appear, or at exit) does it print the
rows that gained new non-blank characters since the last time, followed by
the part of the cursor's row before the cursor as the prompt. To give the
same bytes, three modules model the same things, as Frotz splits them:

* ``zvm.ui.headless_text``: the interpreter core's word buffer and word
  wrapping, the lower window's cursor, scrolling and MORE-prompt line
  counter (Frotz's ``buffer.c`` and ``screen.c``);
* ``zvm.ui.headless_grid``: the screen grid with per-cell change marks and
  the "spans" way of printing it (dfrotz's ``dumb-output.c``);
* this module: the frontend the machine talks to (the status line, the
  upper window, input, the end of the story).

Consequences that surprise: after the player's command nothing is printed
at once; whatever changes next decides what follows the prompt. In a
version 1-3 story the status line is a row of the grid whose text is never
shown (dfrotz draws it in reverse fixed-width style, which its plain
output drops), so each turn that changes it prints an empty line - that is
the blank line seen after each ``>`` prompt in the Zork transcripts.
Without a status line the game's reply follows the prompt on the same
line, as in ``>All tests:`` of the Praxix transcript.

Not modelled: dfrotz's backslash escapes and ``\\`` commands in the input,
timed input (timeouts are ignored: piped input never times out in dfrotz
either; but see ``virtual_clock``). Version 6 has a half of its own,
``zvm.ui.headless_v6``. dfrotz ignores ``-p``
(a fault of 2.54: the option never reaches its output code), so characters
beyond ASCII are written as they are, in the stream's encoding; give it a
UTF-8 stream for byte-identical output.
"""

from __future__ import annotations

import sys

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import (
    GATHERED_PIECES,
    TIMED_OUT,
    Cell,
    CharRequest,
    Features,
    Frontend,
    InputEnded,
    LineRequest,
    LineResult,
    Style,
)
from zvm.screen.font3 import graphics
from zvm.ui.headless_grid import FIXED, HIDDEN, Grid
from zvm.ui.headless_text import CoreText
from zvm.ui.headless_v6 import KEY_BASE, NO_KEY, HeadlessV6, key_of

if TYPE_CHECKING:
    from typing import Protocol, TextIO

    from zvm.screen.protocol import Click

    class LineSource(Protocol):
        """Where the commands come from: a text stream, or anything that
        gives lines as one does (tools.regtest_run's CommandFeed)."""

        def readline(self) -> str: ...

_MIN_PROMPT_SPACE = 10         # columns the core wants free before line input

TIMER_INPUT = "{timer}"        # with virtual_clock: one interval of a timed read passes
_NO_KEY = NO_KEY
__all__ = ["HeadlessFrontend", "KEY_BASE", "TIMER_INPUT"]


class HeadlessFrontend(HeadlessV6, Frontend):
    """Writes the story's text to ``stdout`` exactly as dfrotz 2.54 does
    (``-m -p -q -w WIDTH -h HEIGHT``) and reads commands, one per line,
    from ``stdin``.

    ``width`` 0 means lines are never wrapped. ``echo`` writes each command
    and a newline after its prompt (the output then no longer matches
    dfrotz, which never echoes). ``version`` is the story's version; by
    default it is the one ``start`` is given (3 until then).
    ``drop_styled`` copies a fault of dfrotz 2.54: text in any style other
    than roman, reverse or fixed (bold, italic and combinations) is not
    printed at all. ``close()`` at a normal end of the story prints what
    is pending, as dfrotz does when the story quits.

    ``virtual_clock``: timed input becomes deterministic. Time passes only
    when an input line is exactly ``{timer}`` (regtest.py's timer event):
    during a timed read (read, read_char with a routine, §15) that is one
    interval of the read's timer: the read returns ``TIMED_OUT`` and the
    machine runs the game's routine once; when it returns true the read
    ends, otherwise the machine asks for the same read again and the screen
    is shown again. During an
    untimed read ``{timer}`` does nothing. ``clock`` counts the tenths of a
    second that passed on the virtual clock. Without the option timeouts
    are ignored, as in dfrotz, and ``{timer}`` is an ordinary line.

    ``waiting_for`` is what the latest input request asks for, ``"line"``
    or ``"char"``: a program that feeds ``stdin`` (``zvm test``) reads it
    when asked for the next line.
    """

    def __init__(self, stdin: LineSource | None = None, stdout: TextIO | None = None,
                 width: int = 80, height: int = 24, echo: bool = False, *,
                 version: int | None = None, drop_styled: bool = False,
                 virtual_clock: bool = False, pictures: bool = True) -> None:
        super().__init__()
        self.show_pictures = pictures      # version 6: pictures as lines (--no-pictures)
        self.stdin = sys.stdin if stdin is None else stdin
        self.stdout = sys.stdout if stdout is None else stdout
        self.width = max(0, int(width))
        self.height = max(1, int(height))
        self.echo = echo
        self.drop_styled = drop_styled
        self.virtual_clock = virtual_clock
        self.clock = 0                 # tenths of a second on the virtual clock
        self.last_status: tuple[str, str] | None = None
        self.features = Features(
            width=self.width if self.width else 255,
            height=self.height,
            colour=False, bold=False, italic=False, fixed=False,
            timed_input=True, pictures=False, sound=False, graphics_font=True)
        self.waiting_for = "line"
        self.gathered: list[str] = []      # text gathered by write, in one style
        self._gathered_bits = 0
        self.gathered_style: Style | None = None  # a style whose bits are those
        self._ended = False
        self._version = version
        self._buffering = True
        self._setup(version if version is not None else 3)

    # -- set-up -----------------------------------------------------------
    def start(self, version: int) -> None:
        if self._version is None:
            self._setup(version)
        if version == 6:
            self.gathered_style = None
            self._v6_setup()

    def _setup(self, version: int) -> None:
        """The screen as the core leaves it at the start of a story: all
        blank, no upper window, lower cursor at the bottom (versions 1-4)
        or the top (5+)."""
        self.version = version
        self._grid = Grid(self.width, self.height, self.stdout, self.drop_styled)
        self._text = CoreText(self._grid, version)
        self._text.buffering = self._buffering
        self._key_buffer: list[int] = []
        # The story's own split (``split_changed``), once the machine tells.
        self._story_split: int | None = None

    # -- output -------------------------------------------------------------
    def write(self, text: str, style: Style = Style()) -> None:
        """Lower window text, through the core's word buffer (or straight
        to the screen with buffering off). Tabs print as spaces.

        Text in one style is gathered and laid out in one piece when
        anything else happens (every other call drains it first): the
        core's word buffer gives the same result for a text in one piece
        or in parts, and long pieces are much cheaper to lay out."""
        if style is self.gathered_style:      # as the piece before (the usual case)
            self.gathered.append(text)
            if len(self.gathered) >= GATHERED_PIECES:   # (a story that never stops printing)
                self._drain()
            return
        if self.v6 is not None:               # version 6: the interpreter's own lines
            self.stdout.write(text)
            return
        bits = style.bits & 0xF
        if bits != self._gathered_bits:
            self._drain()
            self._gathered_bits = bits
        if style.font == 3:                   # character graphics (§16) as Unicode
            text = graphics(text)
            self.gathered_style = None        # (each piece is drawn again)
        else:
            self.gathered_style = style
        self.gathered.append(text)

    def _drain(self) -> None:
        """Lay out the text gathered by ``write``."""
        gathered = self.gathered
        if gathered:
            text = "".join(gathered)
            gathered.clear()                  # the same list: see Frontend.gathered
            self._text.write(text, self._gathered_bits)

    def word_break(self) -> None:
        """Send the word buffer to the grid (the core's flush_buffer, where
        Frotz flushes: set_window, set_cursor, buffer_mode ...). Nothing
        is printed until input."""
        self._drain()
        self._text.flush()

    def set_buffering(self, on: bool) -> None:
        self._drain()
        self._buffering = self._text.buffering = on

    def status_line(self, left: str, right: str) -> None:
        """Draw the version 1-3 status line into the grid's top row. dfrotz
        never prints its text, but a changed status line makes its row
        print as an empty line at the next input."""
        self._drain()
        self._text.flush()
        self.last_status = (left, right)
        if not self._text.status_rows:
            return
        self._grid.put(0, 0, self.status_text(left, right), HIDDEN | 9)
        self._text.update_cursor()

    def status_text(self, left: str, right: str) -> str:
        """The status row as Frotz lays it out: the location after one
        space, the score at column width-30 and the moves at width-14
        (or the time at width-20)."""
        cols = self.width or 80
        text = " " + left
        words = right.split()          # (ljust(cols - n): blanks up to column cols - n)
        if len(words) == 4 and words[0] == "Score:" and words[2] == "Moves:":
            text = text.ljust(cols - 30) + "Score: " + words[1]
            text = text.ljust(cols - 14) + "Moves: " + words[3]
        elif words[:1] == ["Time:"]:
            text = text.ljust(cols - 20) + "Time: " + " ".join(words[1:])
        elif right:
            text = text.ljust(cols - len(right) - 1) + right
        return text.ljust(cols)[:cols]

    def upper_changed(self, cells: list[list[Cell]],
                      touched: list[tuple[int, int]]) -> None:
        """Copy the cells the machine's latest operation on the upper
        window wrote into the grid: exactly those, so spaces and erasures
        cover what was there. dfrotz marks a cell changed whenever a write
        differs from what the cell held just before, so erasing and
        redrawing the same text counts as a change. Rows beyond the
        story's own split (``split_changed``) land over the lower window,
        which keeps its size, as in dfrotz."""
        self._drain()
        text = self._text
        text.flush()
        height = len(cells)
        if self._story_split is None and height != text.upper_height:
            text.split(height)
        top = text.status_rows
        limit = min(height, self.height - top)
        # A print writes cells left to right: each run of neighbouring cells
        # in one style goes to the grid as one write (which marks each cell
        # as a write of that cell alone would: the cells are all different).
        run: list[str] = []
        row = start = -1
        last = Style()                 # (any: the first cell starts a run)
        for r, c in touched:
            if r < limit and c < self.width:
                ch, style = cells[r][c]
                if r != row or c != start + len(run) or style != last:
                    if run:
                        self._put_run(top + row, start, run, last)
                    run, row, start, last = [], r, c, style
                run.append(ch)
        if run:
            self._put_run(top + row, start, run, last)
        text.update_cursor()

    def _put_run(self, row: int, col: int, run: list[str], style: Style) -> None:
        chars = "".join(run)
        self._grid.put(row, col, graphics(chars) if style.font == 3 else chars,
                       (style.bits & 0xF) | FIXED)

    def split_changed(self, height: int) -> None:
        """split_window: the story's own upper window height, which the
        lower window's place follows; the screen model may hand over more
        rows than that when the story writes below its split (a quote box
        one row taller than the split it made), and dfrotz draws those
        over the lower window without moving it."""
        self._drain()
        text = self._text
        text.flush()
        self._story_split = height
        if height != text.upper_height:
            text.split(height)
            text.update_cursor()

    def erase_lower(self, which: int = 0) -> None:
        """erase_window 0 (the lower window; cursor to its home row),
        -1 (whole screen, unsplit, cursor home) or -2 (whole screen; the
        cursor stays). dfrotz does not flush the word buffer first."""
        self._drain()
        text = self._text
        if which in (-1, -2):
            self._grid.erase_rows(0, self.height - 1)
            if which == -1:
                # Frotz unsplits (which flushes the word buffer at the old
                # cursor position) and then homes the cursor.
                text.flush()
                text.split(0)
                if self._story_split is not None:
                    self._story_split = 0
                text.y, text.x = text.home_row(), 1
                text.update_cursor()
        else:
            text.erase()
        text.line_count = 0

    def sound_effect(self, number: int) -> None:
        """Bleeps 1 and 2: dfrotz writes its visual bell straight away,
        ahead of any rows it has not shown yet."""
        self._drain()
        if number in (1, 2):
            pitch = "HIGH" if number == 1 else "LOW"
            self.stdout.write(f"[{pitch}-PITCHED BEEP]\n")

    def message(self, text: str) -> None:
        self._drain()
        try:
            self.stdout.flush()             # what came before shows first
        except (OSError, ValueError):
            pass
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    # -- input --------------------------------------------------------------
    def _flush_before_input(self) -> None:
        """Show what is written before the read waits for a line; when the
        line has already arrived (``ready()`` of ``zvm.cli.stdio.LineInput``)
        nobody is waiting for this prompt, and the output stays buffered
        until a read would wait, a message, or the end."""
        ready = getattr(self.stdin, "ready", None)
        if ready is None or not ready():
            self.stdout.flush()

    def _read_raw_line(self) -> str:
        line = self.stdin.readline()
        if not line:
            self._ended = True
            try:
                self.stdout.flush()
            except (OSError, ValueError):
                pass
            raise InputEnded()
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        return line

    def _timer_passes(self, request: LineRequest | CharRequest) -> bool:
        """Virtual clock: an input line ``{timer}``. During a timed read one
        interval passes (True: the read returns ``TIMED_OUT``); during an
        untimed one nothing happens."""
        if request.timeout <= 0:
            return False
        self.clock += request.timeout
        return True

    def read_line(self, request: LineRequest) -> LineResult:
        """Show what changed and the prompt, then read one line. The typed
        text extends ``request.preloaded``. Timeouts are ignored (unless
        ``virtual_clock``: see the class). With the cursor in the upper
        window the prompt is its row up to the cursor, and the typed text
        lands there (the machine moves that cursor on)."""
        if self.v6 is not None:
            return self._v6_read_line(request)
        self._drain()
        self.waiting_for = "line"
        self._key_buffer = []
        text, grid = self._text, self._grid
        upper = request.upper_cursor
        if request.continued:
            text.line_count = 0            # the game's routine ran: as after input
        preloaded = request.preloaded or ""
        while True:
            text.flush()
            if upper is not None:
                self._cursor_to_upper(upper)
            elif text.units_left() + len(preloaded) < _MIN_PROMPT_SPACE:
                text.screen_new_line()
            grid.show(True)
            grid.show_prompt()
            self._flush_before_input()
            typed = self.next_scripted()
            if typed is not None:
                self.stdout.write(typed + "\n")  # replayed: shown as --echo shows it
                break
            typed = self._read_raw_line()
            if self.virtual_clock and typed == TIMER_INPUT:
                if self._timer_passes(request):
                    if upper is not None:
                        text.update_cursor()
                    return LineResult(preloaded[:max(0, request.max_len)], TIMED_OUT)
                continue
            if self.echo:
                self.stdout.write(typed + "\n")
            break
        grid.put_input(typed)
        line = (preloaded + typed)[:max(0, request.max_len)]
        text.line_count = 0
        if upper is not None:
            text.update_cursor()
        else:
            text.x += len(typed)
            text.screen_new_line()
            text.need_newline = False
        return LineResult(line, 13)

    def _cursor_to_upper(self, cursor: tuple[int, int]) -> None:
        """The grid's cursor to the upper window's (row, column), where
        dfrotz's one cursor is when the story reads there."""
        row, col = cursor
        grid = self._grid
        grid.row = min(max(0, self._text.status_rows + row), self.height - 1)
        grid.col = max(0, min(col, self.width - 1) if self.width else col)

    def read_char(self, request: CharRequest) -> int | str | Click:
        """One key: dfrotz reads a whole line and hands out its characters
        one per request; an empty line is Enter (13). Only when the line is
        used up is the screen shown and the next line read. Control
        characters are the keys of their codes (§10.7: 27 escape, 8 delete;
        dfrotz passes the others on as they are), except 127, which dfrotz
        takes for no key at all and skips."""
        if self.v6 is not None:
            return self._v6_read_char(request)
        self._drain()
        self.waiting_for = "char"
        text = self._text
        if request.continued:
            text.line_count = 0
        text.flush()
        while True:
            while not self._key_buffer:
                if request.upper_cursor is not None:
                    self._cursor_to_upper(request.upper_cursor)
                self._grid.show(True)
                self._grid.show_prompt()
                self._flush_before_input()
                line = self._read_raw_line()
                if self.virtual_clock and line == TIMER_INPUT:
                    if self._timer_passes(request):
                        if request.upper_cursor is not None:
                            text.update_cursor()
                        return TIMED_OUT
                    text.flush()
                    continue
                if self.echo:
                    self.stdout.write(line + "\n")
                self._key_buffer = [ord(c) for c in line] if line else [13]
            code = self._key_buffer.pop(0)
            if code != _NO_KEY:
                break
        if request.upper_cursor is not None:
            text.update_cursor()
        text.line_count = 0
        return key_of(code)

    def ask_filename(self, default: str, saving: bool) -> str:
        """The file name for a save or restore, asked as dfrotz asks it
        (``_ask``)."""
        if self.v6 is not None:
            return self._v6_ask_filename(default)
        return self._ask(f"Please enter a filename [{default}]: ").strip() or default

    def confirm(self, question: str, default: bool) -> bool:
        """A question whose answer is not yes by default (overwrite a
        file? unless ``--overwrite``) is asked as dfrotz asks it (``_ask``):
        yes when the line starts with y."""
        if default or self.v6 is not None:      # (version 6: no such question)
            return default
        return self._ask(question + " ").strip()[:1] in ("y", "Y")

    def _ask(self, prompt: str) -> str:
        """A line read as dfrotz reads one outside the story: the screen is
        shown, then the prompt is written straight out (it never enters the
        screen, nor does the answer), and the keys still queued for
        read_char stay where they are."""
        self._drain()
        self._text.flush()
        self._grid.show(False)
        self.stdout.write(prompt)
        self._flush_before_input()
        answer = self.next_scripted()
        if answer is not None:
            self.stdout.write(answer + "\n")  # replayed: shown as --echo shows it
        else:
            answer = self._read_raw_line()
            if self.echo:
                self.stdout.write(answer + "\n")
        return answer

    @property
    def upper_rows(self) -> list[str]:
        """The upper window's rows of text as the grid holds them."""
        self._drain()
        return self._grid.rows(self._text.status_rows, self._text.upper_height)

    # -- lifecycle ----------------------------------------------------------
    def close(self) -> None:
        """At a normal end of the story: finish the pending line and print
        what has changed (dfrotz at quit). After the input ran out dfrotz
        prints nothing more, and neither does this."""
        self._drain()
        if self._ended:
            return
        self._ended = True
        if self.v6 is not None:
            self._v6_close()
        else:
            if self._text.need_newline:
                self._text.new_line()
            self._grid.show(False)
        try:
            self.stdout.flush()
        except (OSError, ValueError):
            pass
