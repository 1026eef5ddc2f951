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

from itertools import repeat

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

STYLE_MARK = "\x01"            # a style change inside a buffered word, then the bits
HIDDEN = 0x100                 # cell style of the status line: never printed
FIXED = 8                      # the fixed-pitch style bit (§8.7.1)

_STYLE_PLAIN_SET = frozenset((0, 1, 8))   # styles dfrotz 2.54 prints
# What dfrotz does not show: control characters and 0x7F-0x9F (for
# str.translate: each to nothing).
_UNPRINTABLE = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])
# XOR of two latin-1 strings to change marks: a zero byte (the same
# character) is an unmarked cell, any other a marked one.
_MARK_OF_XOR = b" " + b"x" * 255
# Bytes of latin-1 text to 1 where the character is not a space, else 0.
_NOT_BLANK = b"\x01" * 32 + b"\x00" + b"\x01" * 223


def printable(text: str) -> str:
    """``text`` without the characters dfrotz does not show."""
    # Python's printable characters are a subset of dfrotz's (it shows
    # everything from 0xA0 on), so the usual text needs no translating.
    return text if text.isprintable() else text.translate(_UNPRINTABLE)


def changes(old: str, new: str) -> str:
    """The change marks of writing ``new`` over ``old`` (as long) in the
    cells' own style: ``x`` where the character differs, else a space."""
    if old == new:
        return " " * len(new)
    try:
        a, b = old.encode("latin-1"), new.encode("latin-1")
    except UnicodeEncodeError:
        return "".join([" " if p == q else "x" for p, q in zip(old, new, strict=True)])
    size = len(a)
    xor = int.from_bytes(a, "little") ^ int.from_bytes(b, "little")
    return xor.to_bytes(size, "little").translate(_MARK_OF_XOR).decode("ascii")


def _marked(chars: str, marks: str) -> bool:
    """Whether a cell of ``chars`` is not blank and has its mark set in
    ``marks`` (as long)."""
    try:
        a, b = chars.encode("latin-1"), marks.encode("latin-1")
    except UnicodeEncodeError:
        return any([c != " " != m for c, m in zip(chars, marks, strict=True)])
    return (int.from_bytes(a.translate(_NOT_BLANK), "little")
            & int.from_bytes(b.translate(_NOT_BLANK), "little")) != 0


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
        if isinstance(styles, int):
            if styles != 0:
                self.styles[row] = [styles] * (end - extra) + [0] * extra
        else:
            styles.extend([0] * extra)

    def _recount(self, row: int, col: int, end: int) -> None:
        """Whether the row has a marked cell that is not blank, after a
        write to cells col..end-1 only: the other cells are looked at only
        when the written ones have none and the row had one before."""
        chars, marks = self.chars[row], self.marks[row]
        if _marked(chars[col:end], marks[col:end]):
            self.changed[row] = True
        elif self.changed[row]:
            self.changed[row] = _marked(chars, marks)

    def _restyle(self, row: int, col: int, end: int, style: int) -> str:
        """Give cells col..end-1 of the row ``style``; the marks of the
        style change: ``x`` for a cell whose style was another."""
        styles = self.styles[row]
        if isinstance(styles, int):    # one style, another (callers see to it)
            marks = "x" * (end - col)
        else:
            marks = "".join([" " if s == style else "x" for s in styles[col:end]])
        size = len(self.chars[row])
        if col == 0 and end == size:
            self.styles[row] = style
        else:
            if isinstance(styles, int):
                styles = self.styles[row] = [styles] * size
            styles[col:end] = [style] * (end - col)
        return marks

    def set_cell(self, row: int, col: int, ch: str, style: int) -> None:
        """Write one cell (the rare, cell-by-cell paths use this)."""
        self.put(row, col, ch, style)

    def put(self, row: int, col: int, text: str, style: int) -> None:
        """Write ``text`` into one row from ``col`` on, all in ``style``,
        marking each cell the write changed. Cells past the right edge are
        dropped (with width 0 the row grows instead)."""
        if not 0 <= row < self.height or col < 0 or not text:
            return
        end = col + len(text)
        if end > self.width:           # past the edge, or a row that grows
            if self.width:
                if col >= self.width:
                    return
                end = self.width
                text = text[:end - col]
            elif end > len(self.chars[row]):
                self._grow(row, end)
        chars, marks = self.chars[row], self.marks[row]
        old = chars[col:end]
        self.chars[row] = chars[:col] + text + chars[end:]
        if self.styles[row] == style:           # (a list is never an int)
            if old.count(" ") == len(old):     # onto blank cells: the usual case
                self.marks[row] = marks[:col] + text + marks[end:]
                if not self.changed[row] and text.count(" ") != len(text):
                    self.changed[row] = True
                return
            new = changes(old, text)
        else:
            new = self._restyle(row, col, end, style)
            if " " in new:             # some cells had the style already
                new = "".join([" " if a == b == " " else "x"
                               for a, b in zip(changes(old, text), new, strict=True)])
        self.marks[row] = marks[:col] + new + marks[end:]
        self._recount(row, col, end)

    def _blanking(self, row: int) -> str:
        """The change marks of blanking the row in the drawing style: set
        where a cell held anything else."""
        chars, styles, style = self.chars[row], self.styles[row], self.style
        if styles == style:
            return chars                       # a mark where a character was
        if isinstance(styles, int):
            return "x" * len(chars)
        return "".join([" " if c == " " and s == style else "x"
                        for c, s in zip(chars, styles, strict=True)])

    def blank_row(self, row: int) -> None:
        """Blank one row in the drawing style; cells that held anything
        else count as changed."""
        self.marks[row] = self._blanking(row)
        size = len(self.chars[row])
        self.chars[row] = self.blank if size == self.width else " " * size
        self.styles[row] = self.style
        self.changed[row] = False

    def erase_rows(self, top: int, bottom: int) -> None:
        """Blank 0-based rows top..bottom (inclusive) in the drawing style."""
        for row in range(max(top, 0), min(bottom, self.height - 1) + 1):
            self.blank_row(row)

    def scroll(self, top: int, bottom: int) -> None:
        """Move 0-based rows top+1..bottom up one, change marks included;
        the new bottom row is the old one blanked (``blank_row``), so cells
        that held text count as changed (to blank), as in dfrotz."""
        chars, style = self.chars[bottom], self.style
        marks = chars if self.styles[bottom] == style else self._blanking(bottom)
        size = len(chars)
        self.chars.insert(bottom + 1, self.blank if size == self.width else " " * size)
        del self.chars[top]
        self.marks.insert(bottom + 1, marks)
        del self.marks[top]
        self.styles.insert(bottom + 1, style)
        del self.styles[top]
        self.changed.insert(bottom + 1, False)
        del self.changed[top]

    def feed(self, top: int, bottom: int, lines: list[str]) -> None:
        """Each line in turn onto the bottom row, blank in the drawing
        style, which then scrolls up (``scroll``): what the lower window's
        plain text does line after line, done for all lines at once. The
        lines are printable and fit in the width."""
        style, blank = self.style, self.blank
        if not lines:
            return
        if self.styles[bottom] != style or self.chars[bottom] != blank:
            for line in lines:             # not the state assumed: one by one
                self.put(bottom, 0, line, style)
                self.scroll(top, bottom)
            return
        # Written onto a blank row of its own style a line is its own marks
        # over those of the cells after it, which blanking the row gave
        # (the line before, padded; the bottom row's marks for the first).
        padded = list(map(str.ljust, lines, repeat(self.width)))
        before = [self.marks[bottom], *padded]
        marks = [line + prev[len(line):] for line, prev in zip(lines, before, strict=False)]
        marks.append(padded[-1])
        changed = list(map(bool, map(str.strip, lines, repeat(" "))))
        changed.append(False)
        padded.append(blank)
        # The bottom row becomes the new rows, and as many rows as there
        # are lines leave at the top.
        count = len(lines)
        self.chars[bottom:bottom + 1] = padded
        del self.chars[top:top + count]
        self.marks[bottom:bottom + 1] = marks
        del self.marks[top:top + count]
        self.changed[bottom:bottom + 1] = changed
        del self.changed[top:top + count]
        self.styles[bottom:bottom + 1] = [style] * (count + 1)
        del self.styles[top:top + count]

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
            self.draw(printable(word))
            return
        pos, end = 0, len(word)
        while pos < end:
            mark = word.find(STYLE_MARK, pos)
            if mark < 0:
                mark = end
            self.draw(printable(word[pos:mark]))
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
            if self.styles[row] != 0:
                self._restyle(row, col, end, 0)
            self._recount(row, col, end)
            col = end
        self.row, self.col = row, col

    # -- printing -----------------------------------------------------------
    def _shown(self, style: int) -> bool:
        """Whether dfrotz prints cells of this style."""
        if style & HIDDEN:
            return False
        return not self.drop_styled or style in _STYLE_PLAIN_SET

    def row_text(self, row: int, upto: int | None = None) -> str:
        """The row's text up to column ``upto`` (default: without its
        trailing blanks), leaving out the cells that are not printed."""
        chars, styles = self.chars[row], self.styles[row]
        text = chars.rstrip(" ") if upto is None else chars[:upto]
        if not text:
            return text
        if isinstance(styles, int):
            return text if self._shown(styles) else ""
        kinds = set(styles[:len(text)])
        shown = [self._shown(style) for style in kinds]
        if False not in shown:
            return text
        if True not in shown:
            return ""
        return "".join([ch for ch, style in zip(text, styles, strict=False)
                        if self._shown(style)])

    def _texts(self, start: int, end: int) -> list[str]:
        """``row_text`` of rows start..end-1."""
        styles = self.styles[start:end]
        if styles.count(0) == len(styles):     # all plain (the usual case)
            return [chars.rstrip(" ") for chars in self.chars[start:end]]
        return [self.row_text(row) for row in range(start, end)]

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
        first = changed.index(True)
        last = self.height - 1 - changed[::-1].index(True)
        if show_cursor and self.row == last:
            tail = self.chars[last][self.col:]
            if tail.count(" ") == len(tail):
                last -= 1
        changed = [*changed, False]
        lines: list[str] = []
        r = first
        while r <= last:
            if changed[r]:             # a run of changed rows
                end = min(changed.index(False, r), last + 1)
                lines += self._texts(r, end)
                r = end
            elif changed[r + 1]:       # one unchanged row between
                lines.append(self.row_text(r))
                r += 1
            else:                      # two or more unchanged rows: one empty line
                lines.append("")
                r = changed.index(True, r + 1)
        if show_cursor and self.row > last + 1:
            lines.append(self.row_text(last + 1) if self.row == last + 2 else "")
        if lines:
            lines.append("")
            self.stdout.write("\n".join(lines))
        if self.width:
            self.marks = [self.blank] * self.height
        else:
            self.marks = [" " * len(chars) for chars in self.chars]
        self.changed = [False] * self.height

    def show_prompt(self) -> None:
        """Print the cursor's row up to the cursor (no newline)."""
        self.stdout.write(self.row_text(self.row, self.col))
