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

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
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

    # A row is kept as strings, so that the usual writes are a few string
    # operations rather than work per cell:
    #
    # * ``chars[r]``: its characters, one per cell;
    # * ``styles[r]``: its cells' style bits, one int when every cell has
    #   the same style (the usual case), else a list with one per cell;
    # * ``marks[r]``: a string as long as the row whose character is not a
    #   space where the cell's change mark is set: the last write to the
    #   cell changed it (character or style), as in dfrotz. Text written
    #   onto blank cells of its own style is its own marks (a letter marks
    #   a changed cell, a space an unchanged one), and a row blanked from
    #   text in its own style has that text for marks;
    # * ``changed[r]``: whether a cell has its mark set and is not blank:
    #   such rows are the ones ``show`` prints. A set mark on a blank cell
    #   counts only when the typed input lands on it (``put_input``).

    def __init__(self, width: int, height: int, stdout: TextIO,
                 drop_styled: bool = False) -> None:
        self.width = width
        self.height = height
        self.stdout = stdout
        self.drop_styled = drop_styled
        self.blank = " " * width
        self.chars = [self.blank] * height
        self.styles: list[int | list[int]] = [0] * height
        self.marks = [self.blank] * height
        self.changed = [False] * height
        self.row = 0                   # the grid's own cursor (0-based)
        self.col = 0
        self.style = 0                 # style of the cells being drawn

    # -- writing ------------------------------------------------------------
    def _grow(self, row: int, end: int) -> None:
        """Width 0: make the row ``end`` cells long (new cells blank, in
        style 0, unmarked)."""
        extra = end - len(self.chars[row])
        if extra <= 0:
            return
        self.chars[row] += " " * extra
        self.marks[row] += " " * extra
        styles = self.styles[row]
        if styles.__class__ is int:
            if styles != 0:
                self.styles[row] = [styles] * (end - extra) + [0] * extra
        else:
            styles.extend([0] * extra)

    def _recount(self, row: int) -> None:
        """Whether the row has a marked cell that is not blank."""
        self.changed[row] = "".join(
            compress(self.chars[row], map(" ".__ne__, self.marks[row]))).strip(" ") != ""

    def set_cell(self, row: int, col: int, ch: str, style: int) -> None:
        """Write one cell (the rare, cell-by-cell paths use this)."""
        self.put(row, col, ch, style)

    def put(self, row: int, col: int, text: str, style: int) -> None:
        """Write ``text`` into one row from ``col`` on, all in ``style``,
        marking each cell the write changed. Cells past the right edge are
        dropped (with width 0 the row grows instead)."""
        if not text or not 0 <= row < self.height or col < 0:
            return
        end = col + len(text)
        if self.width:
            if end > self.width:
                if col >= self.width:
                    return
                end = self.width
                text = text[:end - col]
        elif end > len(self.chars[row]):
            self._grow(row, end)
        chars = self.chars[row]
        old = chars[col:end]
        styles = self.styles[row]
        if styles.__class__ is int and styles == style:
            if old.count(" ") == len(old):     # onto blank cells: the usual case
                self.chars[row] = chars[:col] + text + chars[end:]
                marks = self.marks[row]
                self.marks[row] = marks[:col] + text + marks[end:]
                if not self.changed[row] and text.count(" ") != len(text):
                    self.changed[row] = True
                return
            if old == text:                    # the same text again
                new_marks = " " * len(text)
            else:
                new_marks = "".join([" " if a == b else "x" for a, b in zip(old, text)])
        else:
            if styles.__class__ is int:
                old_styles = [styles] * len(text)
            else:
                old_styles = styles[col:end]
            new_marks = "".join([" " if a == b and s == style else "x"
                                 for a, b, s in zip(old, text, old_styles)])
            if col == 0 and end == len(chars):
                self.styles[row] = style
            else:
                if styles.__class__ is int:
                    styles = self.styles[row] = [styles] * len(chars)
                styles[col:end] = [style] * (end - col)
        self.chars[row] = chars[:col] + text + chars[end:]
        marks = self.marks[row]
        self.marks[row] = marks[:col] + new_marks + marks[end:]
        self._recount(row)

    def blank_row(self, row: int) -> None:
        """Blank one row in the drawing style; cells that held anything
        else count as changed."""
        chars, styles, style = self.chars[row], self.styles[row], self.style
        if styles.__class__ is int:
            self.marks[row] = chars if styles == style else "x" * len(chars)
        else:
            self.marks[row] = "".join([" " if c == " " and s == style else "x"
                                       for c, s in zip(chars, styles)])
        self.chars[row] = self.blank if len(chars) == self.width else " " * len(chars)
        self.styles[row] = style
        self.changed[row] = False

    def erase_rows(self, top: int, bottom: int) -> None:
        """Blank 0-based rows top..bottom (inclusive) in the drawing style."""
        for row in range(max(top, 0), min(bottom, self.height - 1) + 1):
            self.blank_row(row)

    def scroll(self, top: int, bottom: int) -> None:
        """Move 0-based rows top+1..bottom up one, change marks included;
        the new bottom row is the old one blanked, so cells that held text
        count as changed (to blank), as in dfrotz."""
        for rows in (self.chars, self.styles, self.marks, self.changed):
            rows.insert(bottom + 1, rows[bottom])
            del rows[top]
        # Rows bottom-1 and bottom now share their strings and style list;
        # blanking replaces the bottom row's.
        self.blank_row(bottom)

    def feed(self, top: int, bottom: int, lines: list[str]) -> None:
        """Each line in turn onto the bottom row, blank in the drawing
        style, which then scrolls up (``scroll``): what the lower window's
        plain text does line after line, done for all lines at once. The
        lines are printable and fit in the width."""
        style, blank = self.style, self.blank
        if self.styles[bottom] != style or self.chars[bottom] != blank:
            for line in lines:             # not the state assumed: one by one
                self.put(bottom, 0, line, style)
                self.scroll(top, bottom)
            return
        # Written onto a blank row of its own style a line is its own marks;
        # the cells after it keep the marks blanking the row above gave.
        ghost = self.marks[bottom]
        chars, marks, changed = [], [], []
        for line in lines:
            size = len(line)
            marks.append(line + ghost[size:])
            ghost = line + blank[size:]
            chars.append(ghost)
            changed.append(line.count(" ") != size)
        chars.append(blank)
        marks.append(ghost)
        changed.append(False)
        keep = bottom - top + 1
        self.chars[top:bottom + 1] = (self.chars[top:bottom] + chars)[-keep:]
        self.marks[top:bottom + 1] = (self.marks[top:bottom] + marks)[-keep:]
        self.changed[top:bottom + 1] = (self.changed[top:bottom] + changed)[-keep:]
        styles = self.styles[top:bottom] + [style] * (len(lines) + 1)
        self.styles[top:bottom + 1] = styles[-keep:]

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
        marked as changed (dfrotz never prints it); a cell it lands on keeps
        its mark, so a set mark left on a blank cell makes the typed letter
        there count as changed, as in dfrotz."""
        row, col, width = self.row, self.col, self.width
        while typed:
            if width and col >= width:
                row, col = row + 1, 0
            if not 0 <= row < self.height:
                break
            piece = typed[:width - col] if width else typed
            typed = typed[len(piece):]
            end = col + len(piece)
            if not width:
                self._grow(row, end)
            chars = self.chars[row]
            self.chars[row] = chars[:col] + piece + chars[end:]
            styles = self.styles[row]
            if styles.__class__ is int:
                if styles != 0:
                    styles = self.styles[row] = [styles] * len(chars)
            if styles.__class__ is not int:
                styles[col:end] = [0] * (end - col)
            self._recount(row)
            col = end
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
            text = chars.rstrip(" ")
            upto = len(text)
        else:
            text = chars[:upto]
            upto = len(text)
        if styles.__class__ is int:
            return text if upto == 0 or self._cell_text("x", styles) else ""
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
        return self.chars[top:top + count]

    def show_row(self, row: int) -> None:
        """Print one row and a newline (-1: an empty line)."""
        self.stdout.write(("" if row < 0 else self.row_text(row)) + "\n")

    def show(self, show_cursor: bool) -> None:
        """Print the rows with changed non-blank cells, dfrotz's way (see
        the module docstring), and clear the change marks. With nothing to
        print the marks stay, as in dfrotz."""
        changed = self.changed
        if True not in changed:
            return
        changed = changed + [False]
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
        if self.width:
            self.marks = [self.blank] * self.height
        else:
            self.marks = [" " * len(chars) for chars in self.chars]
        self.changed = [False] * self.height

    def show_prompt(self) -> None:
        """Print the cursor's row up to the cursor (no newline)."""
        self.stdout.write(self.row_text(self.row, self.col))
