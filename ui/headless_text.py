"""The headless frontend's lower window: Frotz's word buffer and wrapping.

Frotz's interpreter core (its ``buffer.c`` and ``screen.c``), not its dumb
interface, decides where lower-window text lands (§8.7.2.2, buffer_mode):

* a word buffer: a word is sent to the screen at a space, before the
  character after a hyphen, at a newline and whenever the buffer is
  flushed (a change of window, cursor, style ...); a word that does not fit
  on the line goes to the next one and the space in front of it is dropped;
* the lower window's cursor, scrolling and MORE-prompt line counter (MORE
  prompts are turned off, but at the moment one would appear the changed
  rows are printed followed by one empty line).

``CoreText`` models both and draws into a ``zvm.ui.headless_grid.Grid``.
"""

from __future__ import annotations

from zvm.ui.headless_grid import STYLE_MARK, Grid, printable

# Codes inside the word buffer (the same values the core uses).
NEW_STYLE = 1                  # followed by the style bits
_SPACE = 0x20
_HYPHEN = 0x2D

_CONTEXT_LINES = 0             # lines kept after a (suppressed) MORE prompt
_BUFFER_LIMIT = 275            # the core's word buffer size


def words_of(line: str) -> list[str]:
    """A line (no newline in it) cut where the core's buffer flushes: each
    word but perhaps the first starts with a space (a space always
    flushes) or with the character after a run of hyphens (the character
    after a hyphen flushes, unless it is a hyphen). Together they are the
    line."""
    words = line.replace(" ", "\n ").split("\n")
    if not words[0]:
        del words[0]
    if "-" in line:
        words = [piece for word in words for piece in _after_hyphens(word)]
    return words


def _after_hyphens(word: str) -> list[str]:
    """A word from ``words_of`` cut after each run of hyphens that is
    followed by something."""
    pieces = []
    start, size = 0, len(word)
    at = word.find("-")
    while at >= 0:
        end = at + 1
        while end < size and word[end] == "-":
            end += 1
        if end == size:
            break
        pieces.append(word[start:end])
        start = end
        at = word.find("-", end)
    pieces.append(word[start:])
    return pieces


class CoreText:
    """The core's lower window over ``grid``: the word buffer, the style of
    the text, the cursor (``x``, ``y``: 1-based in the lower window), the
    window's place (``lower_top``: its first 1-based screen row, below
    ``status_rows`` and the upper window's ``upper_height`` rows) and the
    MORE counter (``line_count``). ``version`` decides the cursor's home
    (the bottom row before version 5, §8.7.2.1)."""

    def __init__(self, grid: Grid, version: int) -> None:
        self.grid = grid
        self.width = grid.width
        self.version = version
        self.buffering = True
        self.status_rows = 1 if version <= 3 else 0
        self._buf: list[str] = []      # the core's word buffer, in pieces
        self._buf_len = 0              # ... and its length in codes
        self._prev = 0
        self._style_flag = False
        self.style = 0                 # style of the text being written
        self.need_newline = False
        self.upper_height = 0
        self.lower_top = 1 + self.status_rows     # 1-based screen row
        self.lower_rows = grid.height - self.status_rows
        self.line_count = 0
        self.x = 1                     # lower window cursor, 1-based
        self.y = self.home_row()
        self.update_cursor()

    # -- the lower window ---------------------------------------------------
    def home_row(self) -> int:
        """The row the cursor goes to when the window is erased."""
        return self.lower_rows if self.version <= 4 else 1

    def units_left(self) -> int:
        """Columns left on the cursor's line."""
        if not self.width:
            return 1 << 30
        return self.width - self.x + 1

    def update_cursor(self) -> None:
        """Put the grid's cursor where the lower window's is."""
        grid = self.grid
        row = self.lower_top + self.y - 2
        grid.row = row if row < grid.height else grid.height - 1
        grid.col = self.x - 1

    def screen_new_line(self) -> None:
        """The cursor to the next line, scrolling at the bottom; counts
        lines for the (suppressed) MORE prompt."""
        self.x = 1
        if self.y + 1 > self.lower_rows:
            if self.lower_rows > 0:
                top = self.lower_top - 1
                self.grid.scroll(top, top + self.lower_rows - 1)
        else:
            self.y += 1
        self.update_cursor()
        self.line_count += 1
        # The core's test: the lines above the cursor and below it, less one.
        if self.line_count >= self.lower_rows - 1:
            # A MORE prompt with MORE prompts off: show, then a blank line.
            self.grid.show(False)
            self.grid.show_row(-1)
            self.line_count = _CONTEXT_LINES

    def split(self, height: int) -> None:
        """The upper window becomes ``height`` rows; the lower window's
        cursor keeps its screen row if it can (§8.6.1.1.2)."""
        height = max(0, min(height, self.grid.height - self.status_rows))
        old_top = self.lower_top
        self.upper_height = height
        self.lower_top = 1 + self.status_rows + height
        self.lower_rows = self.grid.height - self.status_rows - height
        self.y += old_top - self.lower_top
        if self.y < 1:
            self.y = self.home_row()
            self.x = 1
        if self.version == 3 and height:
            top = self.status_rows
            self.grid.erase_rows(top, top + height - 1)

    def erase(self) -> None:
        """Blank the lower window and home the cursor."""
        top = self.lower_top - 1
        self.grid.erase_rows(top, top + self.lower_rows - 1)
        self.y, self.x = self.home_row(), 1
        self.update_cursor()

    # -- words to the screen ------------------------------------------------
    @staticmethod
    def _width_of(word: str, start: int = 0) -> int:
        """Columns the word takes: style changes (two codes) take none."""
        if STYLE_MARK not in word:
            return max(0, len(word) - start)
        width, i = 0, start
        while i < len(word):
            if word[i] == STYLE_MARK:
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
        if self.units_left() < width:
            last_is_space = width >= 1 and word[width - 1] == " "
            if word and word[0] == " ":
                start = 1
                width = self._width_of(word, 1)
            if not last_is_space:
                self.screen_new_line()
        self.grid.draw_word(word[start:] if start else word)
        self.x += width

    def _screen_char(self, code: int) -> None:
        if self.units_left() < 1:
            self.screen_new_line()
        self.grid.draw_code(code)
        self.x += 1

    def _screen_words(self, words: list[str], start: int, stop: int) -> None:
        """``_screen_word`` for ``words[start:stop]``, words without style
        changes: the words that fit where they are drawn as one run."""
        width = self.width
        x = self.x
        if start < stop:
            run = "".join(words[start:stop])
            if not width or x + len(run) <= width + 1:     # all fit (the usual case)
                self.x = x + len(run)
                self.grid.draw(printable(run))
                return
        run_start = start
        for i in range(start, stop):
            word = words[i]
            if width and width - x + 1 < len(word):
                if run_start < i:
                    self.x = x
                    self.grid.draw(printable("".join(words[run_start:i])))
                self._screen_word(word)
                x = self.x
                run_start = i + 1
            else:
                x += len(word)
        self.x = x
        if run_start < stop:
            self.grid.draw(printable("".join(words[run_start:stop])))

    def flush(self) -> None:
        """Send the buffered word to the screen (the core's flush_buffer)."""
        if not self._buf:
            return
        word = "".join(self._buf)
        self._buf = []
        self._buf_len = 0
        self._prev = 0
        self._screen_word(word)

    def new_line(self) -> None:
        """A newline: flush the word, then the cursor to the next line."""
        self.flush()
        self.screen_new_line()
        self.need_newline = False

    # -- the word buffer ----------------------------------------------------
    def _print_code(self, code: int) -> None:
        """The core's character output, one code at a time: buffer words,
        break them at a space and after a hyphen that is not followed by
        another one. ``write`` does the same a word at a time; this is the
        path for unbuffered output and unusual characters."""
        self.need_newline = True
        if not self.buffering:
            if code == 13:
                self.new_line()
            elif code == NEW_STYLE:
                pass
            else:
                self._screen_char(code)
            return
        if not self._style_flag:
            if code == 13:
                self.new_line()
                return
            if code == 0:
                return
            if code == _SPACE or (self._prev == _HYPHEN and code != _HYPHEN):
                self.flush()
            if code == NEW_STYLE:
                self._style_flag = True
            self._prev = code
        else:
            self._style_flag = False
        self._buf.append(chr(code))
        self._buf_len += 1
        if self._buf_len >= _BUFFER_LIMIT:
            self.flush()

    def _buffer_words(self, line: str, ended: bool = False) -> None:
        """Buffered output of text without newlines or special codes, with
        the same breaks as ``_print_code`` but a word at a time: each word
        of ``words_of`` starts where the core would flush, except perhaps
        the first, which may continue the word in the buffer. All words but
        the last go to the screen and the last stays in the buffer - unless
        a newline ``ended`` the line, which flushes that one too."""
        words = words_of(line) if " " in line or "-" in line else [line]
        if self._buf_len + max(map(len, words)) >= _BUFFER_LIMIT:
            # The buffer may fill up inside a word: code by code.
            for ch in line:
                self._print_code(ord(ch))
            if ended:
                self.flush()
            return
        first = words[0][0]
        if first == " " or (self._prev == _HYPHEN and first != "-"):
            self.flush()
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
        if STYLE_MARK in words[0] and stop:
            self._screen_word(words[0])
            self._screen_words(words, 1, stop)
        else:
            self._screen_words(words, 0, stop)

    def set_style(self, bits: int) -> None:
        """The style of the text that follows: into the buffer as a style
        change, or straight to the grid with buffering off."""
        if bits == self.style:
            return
        self.style = bits
        if self.buffering:
            self._print_code(NEW_STYLE)
            self._print_code(bits)
        else:
            self.grid.style = bits

    def write(self, text: str, bits: int) -> None:
        """Lower window text in style ``bits``, through the word buffer (or
        straight to the screen with buffering off). A tab prints as a space,
        a sentence space as two."""
        if not text:
            return
        if bits != self.style:
            self.set_style(bits)
        plain = text.isprintable()     # no newline, no code needing care
        if not plain:
            # A tab prints as a space and a sentence space as two
            # (§3.8.2.3-4); codes ``_print_code`` treats specially (skipped,
            # style change, newline) take the code-by-code path.
            if "\t" in text or "\x0b" in text:
                text = text.replace("\t", " ").replace("\x0b", "  ")
            if "\x00" in text or "\x01" in text or "\r" in text:
                self._print_codes(text)
                return
        if not self.buffering or self._style_flag:
            self._print_codes(text)
            return
        if plain or "\n" not in text:
            self._buffer_words(text)
            self.need_newline = True
            return
        lines = text.split("\n")
        last = lines.pop()
        self._line(lines[0])
        if len(lines) > 1:
            # Lines holding what dfrotz does not show go one by one.
            if (self.width and self.width < _BUFFER_LIMIT and self.lower_rows > 1
                    and text.replace("\n", "").isprintable()):
                self._lines(lines)
            else:
                for line in lines[1:]:
                    self._line(line)
        if last:
            self._buffer_words(last)
        self.need_newline = last != ""

    def _line(self, line: str) -> None:
        """A line of text and the newline that ends it."""
        if line:
            self._buffer_words(line, ended=True)
        else:
            self.flush()
        self.screen_new_line()

    def _lines(self, lines: list[str]) -> None:
        """``_line`` for ``lines[1:]``, printable lines after a newline, so
        that each starts with the word buffer empty at the start of a row.
        Where the cursor is on the lower window's last row (each newline
        scrolls) and no word is wider than the screen, the lines are laid
        out here and go to the grid together (``Grid.feed``)."""
        width = self.width
        i, count = 1, len(lines)
        while i < count:
            if self.y != self.lower_rows:
                self._line(lines[i])
                i += 1
                continue
            rows = lines[i:]
            if max(map(len, rows)) <= width:   # all fit (the usual case)
                i = count
            else:
                rows = []
                while i < count:
                    line = lines[i]
                    if len(line) <= width:
                        rows.append(line)
                    elif not self._wrap(line, rows):
                        break
                    i += 1
            if rows:
                self._feed(rows)
            if i < count:
                self._line(lines[i])
                i += 1

    def _wrap(self, line: str, rows: list[str]) -> bool:
        """Lay out a line wider than the screen from the start of a row as
        ``_buffer_words`` and ``_screen_word`` do, adding its rows to
        ``rows``; False (and nothing added) if a word is wider than the
        screen. A word that does not fit starts the next row without its
        space; a lone space that does not fit is dropped."""
        if "-" in line:
            return self._wrap_words(line, rows)
        # Without hyphens a row ends before its last space that fits.
        width = self.width
        done = []
        while len(line) > width:
            cut = line.rfind(" ", 0, width + 1)
            if cut < 0:
                return False
            rest = line[cut:].lstrip(" ")
            if not rest:               # only spaces after: all dropped
                line = line[:cut]
                break
            done.append(line[:cut])
            line = rest
        done.append(line)
        rows += done
        return True

    def _wrap_words(self, line: str, rows: list[str]) -> bool:
        """``_wrap`` a word at a time."""
        width = self.width
        done: list[str] = []
        row: list[str] = []
        used = 0
        for word in words_of(line):
            size = len(word)
            if used + size > width:
                if word == " ":
                    continue           # a space that does not fit is dropped
                if word[0] == " ":
                    word = word[1:]
                    size -= 1
                if size > width:
                    return False
                done.append("".join(row))
                row = [word]
                used = size
            else:
                row.append(word)
                used += size
        done.append("".join(row))
        rows += done
        return True

    def _feed(self, rows: list[str]) -> None:
        """Rows of text, each followed by a newline, from the start of the
        lower window's last row: the grid scrolls them in together, with
        the MORE counter's showing (``screen_new_line``) between."""
        grid = self.grid
        top = self.lower_top - 1
        bottom = top + self.lower_rows - 1
        limit = self.lower_rows - 1
        start, count = 0, len(rows)
        while start < count:
            room = max(1, limit - self.line_count)
            chunk = rows[start:start + room] if start or room < count else rows
            grid.feed(top, bottom, chunk)
            start += len(chunk)
            self.line_count += len(chunk)
            if self.line_count >= limit:
                grid.show(False)
                grid.show_row(-1)
                self.line_count = _CONTEXT_LINES
        self.x = 1
        self.update_cursor()

    def _print_codes(self, text: str) -> None:
        """``write`` code by code (the general, slow path)."""
        for ch in text:
            self._print_code(13 if ch == "\n" else ord(ch))
