"""Headless frontend: plain text on standard output, shaped like dfrotz.

The reference is the dumb interface of Frotz 2.54 run as
``dfrotz -m -p -q -w 80 -h 24``. That program does not print text as it
arrives. It keeps a character grid of the whole screen (``height`` rows of
``width`` cells) and remembers which cells changed; only when it waits for
input (or when a MORE prompt would appear, or at exit) does it print the
rows that gained new non-blank characters since the last time, followed by
the part of the cursor's row before the cursor as the prompt. To give the
same bytes, this module models the same things:

* the interpreter core's word buffer and word wrapping (a word is sent to
  the screen at a space, before the character after a hyphen, at a
  newline and whenever the buffer is flushed; a word that does not fit on
  the line goes to the next one and the space in front of it is dropped);
* the lower window's cursor, scrolling and MORE-prompt line counter
  (MORE prompts are turned off, but at the moment one would appear the
  changed rows are printed followed by one empty line);
* the screen grid with per-cell change marks and the "spans" way of
  printing it (runs of unchanged rows between changed ones shrink to a
  single empty line; trailing blanks of a row are never printed).

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
either; but see ``virtual_clock``), version 6 windows, pictures and
margins. dfrotz ignores ``-p``
(a fault of 2.54: the option never reaches its output code), so characters
beyond ASCII are written as they are, in the stream's encoding; give it a
UTF-8 stream for byte-identical output.
"""

from __future__ import annotations

import re
import sys
from itertools import compress

from zvm.screen.protocol import (
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

# Codes inside the word buffer (the same values the core uses).
_NEW_STYLE = 1          # followed by the style bits
_SPACE = 0x20
_HYPHEN = 0x2D

_STYLE_MARK = chr(_NEW_STYLE)  # the same code in a buffered word (a str)

_STYLE_PLAIN_SET = frozenset((0, 1, 8))   # styles dfrotz 2.54 prints
_HIDDEN = 0x100                # cell style of the status line: never printed
_FIXED = 8

_MIN_PROMPT_SPACE = 10         # columns the core wants free before line input
_CONTEXT_LINES = 0             # lines kept after a (suppressed) MORE prompt
_BUFFER_LIMIT = 275            # the core's word buffer size

TIMER_INPUT = "{timer}"        # with virtual_clock: one interval of a timed read passes
# read_char: a character KEY_BASE + n in the input is the key whose ZSCII
# code is n (§10.7), how a program feeding input names keys such as the
# cursor keys that no character stands for.
KEY_BASE = 0xE000

# A word as the core's buffer flushes it: an optional space (a space always
# flushes), then anything up to the next space or the end of a run of
# hyphens (the character after a hyphen flushes, unless it is a hyphen).
_WORD = re.compile(r" ?[^ -]*-*")
# Codes that ``_print_code`` treats specially (skipped, style change,
# newline), so text holding them takes the code-by-code path; and the tab,
# which prints as a space.
_SPECIAL = re.compile("[\x00\x01\r\t]")
# Characters dfrotz does not show (controls and 0x7F-0x9F).
_UNPRINTABLE = re.compile("[^\x20-\x7e\xa0-\U0010ffff]")




class HeadlessFrontend(Frontend):
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
    """

    def __init__(self, stdin=None, stdout=None, width: int = 80,
                 height: int = 24, echo: bool = False, *,
                 version: int | None = None, drop_styled: bool = False,
                 virtual_clock: bool = False):
        super().__init__()
        self.stdin = sys.stdin if stdin is None else stdin
        self.stdout = sys.stdout if stdout is None else stdout
        self.width = max(0, int(width))
        self.height = max(1, int(height))
        self.echo = echo
        self.drop_styled = drop_styled
        self.virtual_clock = virtual_clock
        self.clock = 0                 # tenths of a second on the virtual clock
        self.buffering = True
        self.last_status: tuple[str, str] | None = None
        self.features = Features(
            width=self.width if self.width else 255,
            height=self.height,
            colour=False, bold=False, italic=False, fixed=False,
            timed_input=True, pictures=False, sound=False)
        self._ended = False
        self._version = version
        self._setup(version if version is not None else 3)

    # -- set-up -----------------------------------------------------------
    def start(self, version: int) -> None:
        if self._version is None:
            self._setup(version)

    def _setup(self, version: int) -> None:
        """The screen as the core leaves it at the start of a story: all
        blank, no upper window, lower cursor at the bottom (versions 1-4)
        or the top (5+)."""
        self.version = version
        self._status_rows = 1 if version <= 3 else 0
        rows, cols = self.height, self.width
        self._ch = [[" "] * cols for _ in range(rows)]
        self._st = [[0] * cols for _ in range(rows)]
        self._chg = [[False] * cols for _ in range(rows)]
        self._dirty = [False] * rows
        self._crow = 0                 # the grid's own cursor (0-based)
        self._ccol = 0
        self._dstyle = 0               # style of the cells being drawn
        self._buf: list[str] = []      # the core's word buffer, in pieces
        self._buf_len = 0              # ... and its length in codes
        self._prev = 0
        self._style_flag = False
        self._style = 0                # style of the text being written
        self._need_newline = False
        self._key_buffer: list[int] = []
        self._upper_height = 0
        self._lower_top = 1 + self._status_rows     # 1-based screen row
        self._lower_rows = rows - self._status_rows
        self._line_count = 0
        self._x = 1                    # lower window cursor, 1-based
        self._y = self._home_row()
        self._update_cursor()

    def _home_row(self) -> int:
        return self._lower_rows if self.version <= 4 else 1

    # -- the grid ---------------------------------------------------------
    # Each row is three parallel lists: its characters, their style bits
    # and their change marks. A cell's mark says whether the last write to
    # it changed it (character or style), as in dfrotz. Rows are separate
    # list objects, so scrolling moves rows instead of copying cells;
    # blanking a row replaces its three lists, writing text into a row
    # changes them in place, a slice at a time. ``_dirty`` says per row
    # whether it may hold a change mark, so that showing the screen looks
    # only at the rows written since the marks were last cleared.

    def _fit(self, row: int, col: int) -> bool:
        """Make sure the cell exists (rows grow when width is 0)."""
        if not 0 <= row < self.height or col < 0:
            return False
        if self.width:
            return col < self.width
        line = self._ch[row]
        if col >= len(line):
            extra = col + 1 - len(line)
            line.extend(" " * extra)
            self._st[row].extend([0] * extra)
            self._chg[row].extend([False] * extra)
        return True

    def _set_cell(self, row: int, col: int, ch: str, style: int) -> None:
        """Write one cell (the rare, cell-by-cell paths use this)."""
        if not self._fit(row, col):
            return
        self._chg[row][col] = (self._ch[row][col] != ch
                               or self._st[row][col] != style)
        self._dirty[row] = True
        self._ch[row][col] = ch
        self._st[row][col] = style

    def _put(self, row: int, col: int, text: str, style: int) -> None:
        """Write ``text`` into one row from ``col`` on, all in ``style``,
        marking each cell the write changed. Cells past the right edge are
        dropped (with width 0 the row grows instead)."""
        if not text or not 0 <= row < self.height or col < 0:
            return
        chars = self._ch[row]
        end = col + len(text)
        if self.width:
            if end > self.width:
                end = self.width
                text = text[:end - col]
                if not text:
                    return
        elif end > len(chars):
            extra = end - len(chars)
            chars.extend(" " * extra)
            self._st[row].extend([0] * extra)
            self._chg[row].extend([False] * extra)
        styles = self._st[row]
        old = chars[col:end]
        old_styles = styles[col:end]
        count = end - col
        if old_styles.count(style) != count:
            marks = [a != b or s != style
                     for a, b, s in zip(old, text, old_styles)]
        elif old.count(" ") == count:          # onto blank cells
            if " " in text:
                marks = [c != " " for c in text]
            else:
                marks = [True] * count
        elif "".join(old) == text:             # the same text again
            marks = [False] * count
        else:
            marks = [a != b for a, b in zip(old, text)]
        chars[col:end] = text
        styles[col:end] = [style] * count
        self._chg[row][col:end] = marks
        self._dirty[row] = True

    def _blank_row(self, row: int) -> None:
        """Blank one row in the drawing style; cells that held anything
        else count as changed."""
        chars, styles = self._ch[row], self._st[row]
        style, count = self._dstyle, len(chars)
        if styles.count(style) != count:
            marks = [c != " " or s != style for c, s in zip(chars, styles)]
            self._dirty[row] = True
        else:
            used = len("".join(chars).rstrip(" "))
            marks = [c != " " for c in chars[:used]]
            marks += [False] * (count - used)
            self._dirty[row] = used > 0
        self._ch[row] = [" "] * count
        self._st[row] = [style] * count
        self._chg[row] = marks

    def _erase_rows(self, top: int, bottom: int) -> None:
        """Blank 0-based rows top..bottom (inclusive) in the drawing style."""
        for row in range(max(top, 0), min(bottom, self.height - 1) + 1):
            self._blank_row(row)

    def _scroll_lower(self) -> None:
        """Move the lower window's rows up one, change marks included; the
        new bottom row is the old one blanked, so cells that held text
        count as changed (to blank), as in dfrotz."""
        top = self._lower_top - 1
        bottom = top + self._lower_rows - 1
        for grid in (self._ch, self._st, self._chg, self._dirty):
            grid.insert(bottom + 1, grid[bottom])
            del grid[top]
        # Rows bottom-1 and bottom now share lists; blanking replaces them.
        self._blank_row(bottom)

    def _draw(self, text: str) -> None:
        """Put printable text at the grid cursor in the drawing style and
        advance the cursor. At the right edge the grid cursor moves to the
        next row by itself (the core's cursor does not know, which matters
        for over-long words); on the bottom row it stays in the last cell,
        which every further character overwrites."""
        if not text:
            return
        width = self.width
        if not width:
            self._put(self._crow, self._ccol, text, self._dstyle)
            self._ccol += len(text)
            return
        while text:
            col = self._ccol
            if col >= width:
                # Past the edge (after typed input filled the row): nothing
                # lands, and the cursor never meets the edge again.
                self._ccol += len(text)
                return
            room = width - col
            self._put(self._crow, col, text[:room], self._dstyle)
            if len(text) < room:
                self._ccol = col + len(text)
                return
            text = text[room:]
            if self._crow == self.height - 1:
                self._ccol = width - 1
                for ch in text:
                    self._set_cell(self._crow, width - 1, ch, self._dstyle)
                return
            self._crow += 1
            self._ccol = 0

    def _display(self, code: int) -> None:
        if code >= 0xA0 or 32 <= code <= 126:
            self._draw(chr(code))

    def _display_string(self, word: str) -> None:
        """Draw a word from the buffer: its printable characters, with the
        style changes (``_NEW_STYLE`` and the bits) inside it."""
        if _STYLE_MARK not in word:
            self._draw(_UNPRINTABLE.sub("", word))
            return
        pos, end = 0, len(word)
        while pos < end:
            mark = word.find(_STYLE_MARK, pos)
            if mark < 0:
                mark = end
            self._draw(_UNPRINTABLE.sub("", word[pos:mark]))
            if mark + 1 < end:
                self._dstyle = ord(word[mark + 1])
            pos = mark + 2

    # -- printing the grid --------------------------------------------------
    def _cell_text(self, ch: str, style: int) -> str:
        if style & _HIDDEN:
            return ""
        if self.drop_styled and style not in _STYLE_PLAIN_SET:
            return ""
        return ch

    def _row_text(self, row: int, upto: int | None = None) -> str:
        """The row's text up to column ``upto`` (default: without its
        trailing blanks), leaving out the cells that are not printed."""
        chars, styles = self._ch[row], self._st[row]
        if upto is None:
            text = "".join(chars).rstrip(" ")
            upto = len(text)
        else:
            upto = min(upto, len(chars))
            text = "".join(chars[:upto])
        kinds = set(styles[:upto])
        if len(kinds) == 1:            # one style: all shown or none
            return text if self._cell_text("x", kinds.pop()) else ""
        shown = [self._cell_text("x", style) != "" for style in kinds]
        if False not in shown:
            return text
        if True not in shown:
            return ""
        return "".join(self._cell_text(chars[c], styles[c])
                       for c in range(upto))

    def _show_row(self, row: int) -> None:
        self.stdout.write(("" if row < 0 else self._row_text(row)) + "\n")

    def _show_screen(self, show_cursor: bool) -> None:
        """Print the rows with changed non-blank cells, dfrotz's way (see
        the module docstring), and clear the change marks."""
        # A row counts as changed when it has a changed cell not blank.
        changed = [dirty and True in marks
                   and "".join(compress(chars, marks)).lstrip(" ") != ""
                   for chars, marks, dirty
                   in zip(self._ch, self._chg, self._dirty)]
        changed.append(False)
        if True not in changed:
            return
        first = changed.index(True)
        last = self.height - 1 - changed[-2::-1].index(True)
        if show_cursor and self._crow == last:
            tail = self._ch[last][self._ccol:]
            if tail.count(" ") == len(tail):
                last -= 1
        r = first
        while r <= last:
            if changed[r] or changed[r + 1]:
                self._show_row(r)
            else:
                while not changed[r + 1]:
                    r += 1
                self._show_row(-1)
            r += 1
        if show_cursor and self._crow > last + 1:
            self._show_row(last + 1 if self._crow == last + 2 else -1)
        for row, dirty in enumerate(self._dirty):
            if dirty:
                self._chg[row] = [False] * len(self._chg[row])
                self._dirty[row] = False

    def _show_prompt(self) -> None:
        self.stdout.write(self._row_text(self._crow, self._ccol))

    # -- the core's lower window --------------------------------------------
    def _units_left(self) -> int:
        if not self.width:
            return 1 << 30
        return self.width - self._x + 1

    def _update_cursor(self) -> None:
        self._crow = min(self._lower_top + self._y - 2, self.height - 1)
        self._ccol = self._x - 1

    def _screen_new_line(self) -> None:
        self._x = 1
        if self._y + 1 > self._lower_rows:
            if self._lower_rows > 0:
                self._scroll_lower()
        else:
            self._y += 1
        self._update_cursor()
        above = self._y - 1
        below = self._lower_rows - self._y + 1
        self._line_count += 1
        if self._line_count >= above + below - 1:
            # A MORE prompt with MORE prompts off: show, then a blank line.
            self._show_screen(False)
            self._show_row(-1)
            self._line_count = _CONTEXT_LINES

    @staticmethod
    def _width_of(word: str, start: int = 0) -> int:
        """Columns the word takes: style changes (two codes) take none."""
        if _STYLE_MARK not in word:
            return max(0, len(word) - start)
        width, i = 0, start
        while i < len(word):
            if word[i] == _STYLE_MARK:
                i += 2
                continue
            width += 1
            i += 1
        return width

    def _screen_word(self, word: str) -> None:
        """Send one buffered word to the lower window: if it does not fit
        in the columns left, drop its leading space and start a new line
        first."""
        width = self._width_of(word)
        start = 0
        if self._units_left() < width:
            last_is_space = width >= 1 and word[width - 1] == " "
            if word and word[0] == " ":
                start = 1
                width = self._width_of(word, 1)
            if not last_is_space:
                self._screen_new_line()
        self._display_string(word[start:] if start else word)
        self._x += width

    def _screen_char(self, code: int) -> None:
        if self._units_left() < 1:
            self._screen_new_line()
        self._display(code)
        self._x += 1

    def _flush_buffer(self) -> None:
        if not self._buf:
            return
        word = "".join(self._buf)
        self._buf = []
        self._buf_len = 0
        self._prev = 0
        self._screen_word(word)

    def _new_line(self) -> None:
        self._flush_buffer()
        self._screen_new_line()
        self._need_newline = False

    def _print_code(self, code: int) -> None:
        """The core's character output, one code at a time: buffer words,
        break them at a space and after a hyphen that is not followed by
        another one. ``write`` does the same a word at a time; this is the
        path for unbuffered output and unusual characters."""
        self._need_newline = True
        if not self.buffering:
            if code == 13:
                self._new_line()
            elif code == _NEW_STYLE:
                pass
            else:
                self._screen_char(code)
            return
        if not self._style_flag:
            if code == 13:
                self._new_line()
                return
            if code == 0:
                return
            if code == _SPACE or (self._prev == _HYPHEN and code != _HYPHEN):
                self._flush_buffer()
            if code == _NEW_STYLE:
                self._style_flag = True
            self._prev = code
        else:
            self._style_flag = False
        self._buf.append(chr(code))
        self._buf_len += 1
        if self._buf_len >= _BUFFER_LIMIT:
            self._flush_buffer()

    def _buffer_words(self, line: str, ended: bool = False) -> None:
        """Buffered output of text without newlines or special codes, with
        the same breaks as ``_print_code`` but a word at a time: each piece
        ``_WORD`` finds starts where the core would flush, except perhaps
        the first, which may continue the word in the buffer. All words but
        the last go to the screen and the last stays in the buffer - unless
        a newline ``ended`` the line, which flushes that one too."""
        if " " in line or "-" in line:
            words = _WORD.findall(line)
            words.pop()                # the empty match at the end
        else:
            words = [line]             # one word (a common case)
        if self._buf_len + max(map(len, words)) >= _BUFFER_LIMIT:
            # The buffer may fill up inside a word: code by code.
            for ch in line:
                self._print_code(ord(ch))
            if ended:
                self._flush_buffer()
            return
        first = words[0][0]
        if first == " " or (self._prev == _HYPHEN and first != "-"):
            self._flush_buffer()
        if self._buf:
            # The first word completes the one in the buffer.
            self._buf.append(words[0])
            words[0] = "".join(self._buf)
        if ended:
            stop = len(words)
            self._buf = []
            self._buf_len = 0
            self._prev = 0             # as flushing a non-empty buffer does
        else:
            stop = len(words) - 1
            last = words[-1]
            self._buf = [last]
            self._buf_len = len(last)
            self._prev = ord(last[-1])
        if _STYLE_MARK in words[0] and stop:
            self._screen_word(words[0])
            self._screen_words(words, 1, stop)
        else:
            self._screen_words(words, 0, stop)

    def _screen_words(self, words: list[str], start: int, stop: int) -> None:
        """``_screen_word`` for ``words[start:stop]``, words without style
        changes: the words that fit where they are drawn as one run."""
        width = self.width
        x = self._x
        run_start = start
        for i in range(start, stop):
            word = words[i]
            if width and width - x + 1 < len(word):
                if run_start < i:
                    self._x = x
                    self._draw(_UNPRINTABLE.sub(
                        "", "".join(words[run_start:i])))
                self._screen_word(word)
                x = self._x
                run_start = i + 1
            else:
                x += len(word)
        self._x = x
        if run_start < stop:
            self._draw(_UNPRINTABLE.sub("", "".join(words[run_start:stop])))

    def _set_style(self, bits: int) -> None:
        if bits == self._style:
            return
        self._style = bits
        if self.buffering:
            self._print_code(_NEW_STYLE)
            self._print_code(bits)
        else:
            self._dstyle = bits

    # -- output -------------------------------------------------------------
    def write(self, text: str, style: Style = Style()) -> None:
        """Lower window text, through the core's word buffer (or straight
        to the screen with buffering off). Tabs print as spaces."""
        if not text:
            return
        bits = style.bits & 0xF
        if bits != self._style:
            self._set_style(bits)
        if _SPECIAL.search(text) is not None:
            text = text.replace("\t", " ")
            if _SPECIAL.search(text) is not None:
                self._print_codes(text)
                return
        if not self.buffering or self._style_flag:
            self._print_codes(text)
            return
        if "\n" not in text:
            self._buffer_words(text)
            self._need_newline = True
            return
        lines = text.split("\n")
        last = lines.pop()
        for line in lines:
            if line:
                self._buffer_words(line, ended=True)
            else:
                self._flush_buffer()
            self._screen_new_line()
        if last:
            self._buffer_words(last)
        self._need_newline = last != ""

    def _print_codes(self, text: str) -> None:
        """``write`` code by code (the general, slow path)."""
        for ch in text:
            self._print_code(13 if ch == "\n" else ord(ch))

    def word_break(self) -> None:
        """Send the word buffer to the grid (the core's flush_buffer, where
        Frotz flushes: set_window, set_cursor, buffer_mode ...). Nothing
        is printed until input."""
        self._flush_buffer()

    def set_buffering(self, on: bool) -> None:
        self.buffering = on

    def status_line(self, left: str, right: str) -> None:
        """Draw the version 1-3 status line into the grid's top row. dfrotz
        never prints its text, but a changed status line makes its row
        print as an empty line at the next input."""
        self._flush_buffer()
        self.last_status = (left, right)
        if not self._status_rows:
            return
        self._put(0, 0, self.status_text(left, right), _HIDDEN | 9)
        self._update_cursor()

    def status_text(self, left: str, right: str) -> str:
        """The status row as Frotz lays it out: the location after one
        space, the score at column width-30 and the moves at width-14
        (or the time at width-20)."""
        cols = self.width or 80
        text = " " + left

        def pad(column: int) -> None:
            nonlocal text
            if len(text) < cols - column:
                text += " " * (cols - column - len(text))

        words = right.split()
        if len(words) == 4 and words[0] == "Score:" and words[2] == "Moves:":
            pad(30)
            text += "Score: " + words[1]
            pad(14)
            text += "Moves: " + words[3]
        elif words[:1] == ["Time:"]:
            pad(20)
            text += "Time: " + " ".join(words[1:])
        elif right:
            pad(len(right) + 1)
            text += right
        pad(0)
        return text[:cols]

    def upper_changed(self, cells: list[list[Cell]],
                      touched: list[tuple[int, int]]) -> None:
        """Copy the cells the machine's latest operation on the upper
        window wrote into the grid: exactly those, so spaces and erasures
        cover what was there. dfrotz marks a cell changed whenever a write
        differs from what the cell held just before, so erasing and
        redrawing the same text counts as a change."""
        self._flush_buffer()
        height = len(cells)
        if height != self._upper_height:
            self._split(height)
        top = self._status_rows
        limit = min(height, self.height - top)
        for r, c in touched:
            if r < limit and c < self.width:
                ch, style = cells[r][c]
                self._set_cell(top + r, c, ch, (style.bits & 0xF) | _FIXED)
        self._update_cursor()

    def _split(self, height: int) -> None:
        height = max(0, min(height, self.height - self._status_rows))
        old_top = self._lower_top
        self._upper_height = height
        self._lower_top = 1 + self._status_rows + height
        self._lower_rows = self.height - self._status_rows - height
        self._y += old_top - self._lower_top
        if self._y < 1:
            self._y = self._home_row()
            self._x = 1
        if self.version == 3 and height:
            top = self._status_rows
            self._erase_rows(top, top + height - 1)

    def erase_lower(self, which: int = 0) -> None:
        """erase_window 0 (the lower window; cursor to its home row),
        -1 (whole screen, unsplit, cursor home) or -2 (whole screen; the
        cursor stays). dfrotz does not flush the word buffer first."""
        if which in (-1, -2):
            self._erase_rows(0, self.height - 1)
            if which == -1:
                # Frotz unsplits (which flushes the word buffer at the old
                # cursor position) and then homes the cursor.
                self._flush_buffer()
                self._split(0)
                self._y, self._x = self._home_row(), 1
                self._update_cursor()
        else:
            top = self._lower_top - 1
            self._erase_rows(top, top + self._lower_rows - 1)
            self._y, self._x = self._home_row(), 1
            self._update_cursor()
        self._line_count = 0

    def sound_effect(self, number: int) -> None:
        """Bleeps 1 and 2: dfrotz writes its visual bell straight away,
        ahead of any rows it has not shown yet."""
        if number in (1, 2):
            pitch = "HIGH" if number == 1 else "LOW"
            self.stdout.write(f"[{pitch}-PITCHED BEEP]\n")

    def message(self, text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    # -- input --------------------------------------------------------------
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
        ``virtual_clock``: see the class)."""
        self._key_buffer = []
        if request.continued:
            self._line_count = 0           # the game's routine ran: as after input
        preloaded = request.preloaded or ""
        while True:
            self._flush_buffer()
            if self._units_left() + len(preloaded) < _MIN_PROMPT_SPACE:
                self._screen_new_line()
            self._show_screen(True)
            self._show_prompt()
            self.stdout.flush()
            typed = self.next_scripted()
            if typed is not None:
                self.stdout.write(typed + "\n")  # replayed: shown as --echo shows it
                break
            typed = self._read_raw_line()
            if self.virtual_clock and typed == TIMER_INPUT:
                if self._timer_passes(request):
                    return LineResult(preloaded[:max(0, request.max_len)], TIMED_OUT)
                continue
            if self.echo:
                self.stdout.write(typed + "\n")
            break
        self._put_input(typed)
        text = (preloaded + typed)[:max(0, request.max_len)]
        self._x += len(typed)
        self._line_count = 0
        self._screen_new_line()
        self._need_newline = False
        return LineResult(text, 13)

    def _put_input(self, typed: str) -> None:
        """The typed text goes into the grid after the cursor without being
        marked as changed (dfrotz never prints it)."""
        row, col = self._crow, self._ccol
        for ch in typed:
            if self.width and col >= self.width:
                row, col = row + 1, 0
            if not self._fit(row, col):
                break
            self._ch[row][col] = ch
            self._st[row][col] = 0
            col += 1
        self._crow, self._ccol = row, col

    def read_char(self, request: CharRequest) -> int | str:
        """One key: dfrotz reads a whole line and hands out its characters
        one per request; an empty line is Enter (13). Only when the line is
        used up is the screen shown and the next line read."""
        if request.continued:
            self._line_count = 0
        self._flush_buffer()
        while not self._key_buffer:
            self._show_screen(True)
            self._show_prompt()
            self.stdout.flush()
            line = self._read_raw_line()
            if self.virtual_clock and line == TIMER_INPUT:
                if self._timer_passes(request):
                    return TIMED_OUT
                self._flush_buffer()
                continue
            if self.echo:
                self.stdout.write(line + "\n")
            self._key_buffer = [ord(c) for c in line] if line else [13]
        code = self._key_buffer.pop(0)
        self._line_count = 0
        if code == 10 or code == 13:
            return 13
        if KEY_BASE < code <= KEY_BASE + 255:
            return code - KEY_BASE
        return chr(code)

    @property
    def upper_rows(self) -> list[str]:
        """The upper window's rows of text as the grid holds them."""
        top = self._status_rows
        return ["".join(self._ch[r]) for r in range(top, top + self._upper_height)]

    # -- lifecycle ----------------------------------------------------------
    def close(self) -> None:
        """At a normal end of the story: finish the pending line and print
        what has changed (dfrotz at quit). After the input ran out dfrotz
        prints nothing more, and neither does this."""
        if self._ended:
            return
        self._ended = True
        if self._need_newline:
            self._new_line()
        self._show_screen(False)
        try:
            self.stdout.flush()
        except (OSError, ValueError):
            pass
