"""The headless frontend's screen: dfrotz's character grid and its printing.

Frotz 2.54's dumb interface (``dfrotz``, its ``dumb-output.c``) keeps the
whole screen as a grid of ``height`` rows by ``width`` cells, each a
character and its style, and marks each cell that the last write to it
changed. It prints nothing as text arrives: when it waits for input (or a
MORE prompt would appear, or the story ends) it prints the rows that gained
changed non-blank cells, runs of unchanged rows between them shrunk to one
empty line, trailing blanks never printed, and then the part of the
cursor's row before the cursor as the prompt. ``Grid`` is that grid;
``zvm.ui.headless_text`` writes the lower window into it and
``zvm.ui.headless`` the upper window and the status line (§8.6.1, §8.7.2).
"""

from __future__ import annotations

import re
from itertools import compress
from typing import TextIO

STYLE_MARK = "\x01"            # a style change inside a buffered word, then the bits
HIDDEN = 0x100                 # cell style of the status line: never printed
FIXED = 8                      # the fixed-pitch style bit (§8.7.1)

_STYLE_PLAIN_SET = frozenset((0, 1, 8))   # styles dfrotz 2.54 prints
# Characters dfrotz does not show (controls and 0x7F-0x9F).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f]")          # what dfrotz does not show


def printable(text: str) -> str:
    """``text`` without the characters dfrotz does not show."""
    return _UNPRINTABLE.sub("", text)


class Grid:
    """dfrotz's screen: characters, styles and change marks per cell, a
    cursor (``row``, ``col``, 0-based) and the style new cells are drawn in
    (``style``). ``width`` 0: rows grow as text is written (no wrapping).
    ``drop_styled``: cells in bold or italic (dfrotz 2.54's fault) are never
    printed. The grid prints to ``stdout``."""

    # Each row is three parallel lists: its characters, their style bits
    # and their change marks. A cell's mark says whether the last write to
    # it changed it (character or style), as in dfrotz. Rows are separate
    # list objects, so scrolling moves rows instead of copying cells;
    # blanking a row replaces its three lists, writing text into a row
    # changes them in place, a slice at a time. ``dirty`` says per row
    # whether it may hold a change mark, so that showing the screen looks
    # only at the rows written since the marks were last cleared.

    def __init__(self, width: int, height: int, stdout: TextIO,
                 drop_styled: bool = False) -> None:
        self.width = width
        self.height = height
        self.stdout = stdout
        self.drop_styled = drop_styled
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[0] * width for _ in range(height)]
        self.marks = [[False] * width for _ in range(height)]
        self.dirty = [False] * height
        self.row = 0                   # the grid's own cursor (0-based)
        self.col = 0
        self.style = 0                 # style of the cells being drawn

    # -- writing ------------------------------------------------------------
    def fit(self, row: int, col: int) -> bool:
        """Make sure the cell exists (rows grow when width is 0)."""
        if not 0 <= row < self.height or col < 0:
            return False
        if self.width:
            return col < self.width
        line = self.chars[row]
        if col >= len(line):
            extra = col + 1 - len(line)
            line.extend(" " * extra)
            self.styles[row].extend([0] * extra)
            self.marks[row].extend([False] * extra)
        return True

    def set_cell(self, row: int, col: int, ch: str, style: int) -> None:
        """Write one cell (the rare, cell-by-cell paths use this)."""
        if not self.fit(row, col):
            return
        self.marks[row][col] = (self.chars[row][col] != ch
                                or self.styles[row][col] != style)
        self.dirty[row] = True
        self.chars[row][col] = ch
        self.styles[row][col] = style

    def put(self, row: int, col: int, text: str, style: int) -> None:
        """Write ``text`` into one row from ``col`` on, all in ``style``,
        marking each cell the write changed. Cells past the right edge are
        dropped (with width 0 the row grows instead)."""
        if not text or not 0 <= row < self.height or col < 0:
            return
        chars = self.chars[row]
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
            self.styles[row].extend([0] * extra)
            self.marks[row].extend([False] * extra)
        styles = self.styles[row]
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
        self.marks[row][col:end] = marks
        self.dirty[row] = True

    def blank_row(self, row: int) -> None:
        """Blank one row in the drawing style; cells that held anything
        else count as changed."""
        chars, styles = self.chars[row], self.styles[row]
        style, count = self.style, len(chars)
        if styles.count(style) != count:
            marks = [c != " " or s != style for c, s in zip(chars, styles)]
            self.dirty[row] = True
        else:
            used = len("".join(chars).rstrip(" "))
            marks = [c != " " for c in chars[:used]]
            marks += [False] * (count - used)
            self.dirty[row] = used > 0
        self.chars[row] = [" "] * count
        self.styles[row] = [style] * count
        self.marks[row] = marks

    def erase_rows(self, top: int, bottom: int) -> None:
        """Blank 0-based rows top..bottom (inclusive) in the drawing style."""
        for row in range(max(top, 0), min(bottom, self.height - 1) + 1):
            self.blank_row(row)

    def scroll(self, top: int, bottom: int) -> None:
        """Move 0-based rows top+1..bottom up one, change marks included;
        the new bottom row is the old one blanked, so cells that held text
        count as changed (to blank), as in dfrotz."""
        for grid in (self.chars, self.styles, self.marks, self.dirty):
            grid.insert(bottom + 1, grid[bottom])
            del grid[top]
        # Rows bottom-1 and bottom now share lists; blanking replaces them.
        self.blank_row(bottom)

    def draw(self, text: str) -> None:
        """Put printable text at the grid cursor in the drawing style and
        advance the cursor. At the right edge the grid cursor moves to the
        next row by itself (the core's cursor does not know, which matters
        for over-long words); on the bottom row it stays in the last cell,
        which every further character overwrites."""
        if not text:
            return
        width = self.width
        if not width:
            self.put(self.row, self.col, text, self.style)
            self.col += len(text)
            return
        while text:
            col = self.col
            if col >= width:
                # Past the edge (after typed input filled the row): nothing
                # lands, and the cursor never meets the edge again.
                self.col += len(text)
                return
            room = width - col
            self.put(self.row, col, text[:room], self.style)
            if len(text) < room:
                self.col = col + len(text)
                return
            text = text[room:]
            if self.row == self.height - 1:
                self.col = width - 1
                for ch in text:
                    self.set_cell(self.row, width - 1, ch, self.style)
                return
            self.row += 1
            self.col = 0

    def draw_code(self, code: int) -> None:
        """One character code, if dfrotz shows it."""
        if code >= 0xA0 or 32 <= code <= 126:
            self.draw(chr(code))

    def draw_word(self, word: str) -> None:
        """Draw a word from the core's buffer: its printable characters,
        with the style changes (``STYLE_MARK`` and the bits) inside it."""
        if STYLE_MARK not in word:
            self.draw(_UNPRINTABLE.sub("", word))
            return
        pos, end = 0, len(word)
        while pos < end:
            mark = word.find(STYLE_MARK, pos)
            if mark < 0:
                mark = end
            self.draw(_UNPRINTABLE.sub("", word[pos:mark]))
            if mark + 1 < end:
                self.style = ord(word[mark + 1])
            pos = mark + 2

    def put_input(self, typed: str) -> None:
        """The typed text goes into the grid after the cursor without being
        marked as changed (dfrotz never prints it)."""
        row, col = self.row, self.col
        for ch in typed:
            if self.width and col >= self.width:
                row, col = row + 1, 0
            if not self.fit(row, col):
                break
            self.chars[row][col] = ch
            self.styles[row][col] = 0
            col += 1
        self.row, self.col = row, col

    # -- printing -----------------------------------------------------------
    def _cell_text(self, ch: str, style: int) -> str:
        if style & HIDDEN:
            return ""
        if self.drop_styled and style not in _STYLE_PLAIN_SET:
            return ""
        return ch

    def row_text(self, row: int, upto: int | None = None) -> str:
        """The row's text up to column ``upto`` (default: without its
        trailing blanks), leaving out the cells that are not printed."""
        chars, styles = self.chars[row], self.styles[row]
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

    def rows(self, top: int, count: int) -> list[str]:
        """The text of ``count`` rows from 0-based ``top``, as stored."""
        return ["".join(self.chars[r]) for r in range(top, top + count)]

    def show_row(self, row: int) -> None:
        """Print one row and a newline (-1: an empty line)."""
        self.stdout.write(("" if row < 0 else self.row_text(row)) + "\n")

    def show(self, show_cursor: bool) -> None:
        """Print the rows with changed non-blank cells, dfrotz's way (see
        the module docstring), and clear the change marks."""
        # A row counts as changed when it has a changed cell not blank.
        changed = [dirty and True in marks
                   and "".join(compress(chars, marks)).lstrip(" ") != ""
                   for chars, marks, dirty
                   in zip(self.chars, self.marks, self.dirty)]
        changed.append(False)
        if True not in changed:
            return
        first = changed.index(True)
        last = self.height - 1 - changed[-2::-1].index(True)
        if show_cursor and self.row == last:
            tail = self.chars[last][self.col:]
            if tail.count(" ") == len(tail):
                last -= 1
        r = first
        while r <= last:
            if changed[r] or changed[r + 1]:
                self.show_row(r)
            else:
                while not changed[r + 1]:
                    r += 1
                self.show_row(-1)
            r += 1
        if show_cursor and self.row > last + 1:
            self.show_row(last + 1 if self.row == last + 2 else -1)
        for row, dirty in enumerate(self.dirty):
            if dirty:
                self.marks[row] = [False] * len(self.marks[row])
                self.dirty[row] = False

    def show_prompt(self) -> None:
        """Print the cursor's row up to the cursor (no newline)."""
        self.stdout.write(self.row_text(self.row, self.col))
