"""The screen model (§8): windows, the upper window's cells, cursor,
style, colours and font, kept as state for any frontend to draw.

Text for the lower window goes straight to the frontend with its style;
text for the upper window lands in ``cells`` here, and the frontend is
given the new cells. Versions 1-3 get the status line (§8.2). Every call
goes to the frontend (``zvm.screen.protocol``); nothing comes back but
return values.
"""

from __future__ import annotations

from zvm.screen.protocol import FIXED, PLAIN, Cell, Frontend, Style

# §8.3.1 colour numbers 2-12 and the true colours (§8.3.7) they stand for:
# black, red, green, yellow, blue, magenta, cyan, white, light, medium and
# dark grey. 2-9 are also the ANSI colours 0-7, in that order.
TRUE_COLOURS = {2: 0x0000, 3: 0x001D, 4: 0x0340, 5: 0x03BD, 6: 0x59A0,
                7: 0x7C1F, 8: 0x77A0, 9: 0x7FFF, 10: 0x5AD6, 11: 0x4631, 12: 0x2D6B}


class Screen:
    """The windows of versions 1-5, 7 and 8 (§8.5-8.7): the lower window
    (0), whose text and cursor belong to the frontend, and the upper
    window (1), a grid of ``upper_height`` rows kept here."""

    def __init__(self, version: int, frontend: Frontend) -> None:
        self.version = version
        self.frontend = frontend
        f = frontend.features
        self.width = f.width or 80
        self.height = f.height or 24
        # Flags 2 bit 1 (§11.1.2.1): the story asks for fixed-pitch text;
        # lower-window text then has the fixed style, as in Frotz.
        self.fixed_pitch = False
        self.reset()

    def reset(self, restart: bool = False) -> None:
        """The state at start and restart (§8.5.2, §8.6.3, §8.7.3.3). At a restart the
        word being buffered goes to the screen before it is erased, as in
        Frotz (whose restart flushes its buffer first)."""
        if restart:
            self.word_break()
            self.frontend.erase_lower(-1)
        self.frontend.split_changed(0)
        self.window = 0
        self.upper_height = 0
        self.cells: list[list[Cell]] = []
        self.cursor = [1, 1]             # upper window: row, column (1-based)
        # Where Frotz's port puts the next character, when a print went past
        # the right edge and the cursor has not moved since (see ``print``).
        self._spill: tuple[list[int], int, int] | None = None
        self.style = PLAIN
        self.set_buffering(True)

    def transcribed(self) -> bool:
        """Whether printed text goes to the transcript too: the lower
        window's (§7.1.1.1)."""
        return self.window == 0

    def word_break(self) -> None:
        """Where Frotz's core ends a buffered word: the story changed
        window, cursor, colour, stream or buffering (§8.7.2.2)."""
        self.frontend.word_break()

    def set_buffering(self, on: bool) -> None:
        """buffer_mode (§7.2.1, §15 buffer_mode): word-wrap the lower window or not."""
        self.word_break()
        self.buffering = on
        self.frontend.set_buffering(on)

    def _show_upper(self, touched: list[tuple[int, int]]) -> None:
        self.frontend.upper_changed(self.cells, touched)

    # -- output ------------------------------------------------------------
    def print(self, text: str) -> None:
        if self.window == 0:
            style = self.style
            if self.fixed_pitch and not style.bits & FIXED:
                style = Style(style.bits | FIXED, style.fg, style.bg, style.font)
            self.frontend.write(text, style)
            return
        row, col = self.cursor
        width, style = self.width, self.style
        touched: list[tuple[int, int]] = []
        # Past the right edge Frotz (both its ports) neither wraps nor
        # simply clips: its core drops one character and steps back to the
        # last column, so the next one has room; its port's cursor, which
        # wrapped to the next row when a character filled the last column,
        # puts that one there. Every other character past the edge lands
        # at the start of the next row. (srow, scol) is the port's cursor.
        spill = self._spill
        srow, scol = (spill[1], spill[2]) if spill and spill[0] is self.cursor else (row, col)
        for ch in text:
            if ch == "\n":
                # The upper window never scrolls: past its last row the
                # cursor goes back to the top, as in Frotz.
                row = row + 1 if row < self.upper_height else 1
                col = 1
                srow, scol = row, col
                continue
            if col > width:
                col = width
                continue
            if srow > self.upper_height and self.version >= 4 and srow <= self.height:
                self.split(srow, story=False)           # (a row below: see set_cursor)
            if 1 <= srow <= self.upper_height and 1 <= scol <= width:
                self.cells[srow - 1][scol - 1] = (ch, style)
                touched.append((srow - 1, scol - 1))
            col += 1
            scol += 1
            if scol > width:
                srow, scol = (srow + 1, 1) if srow < self.height else (srow, width)
        self.cursor = [row, col]
        self._spill = (self.cursor, srow, scol) if (srow, scol) != (row, col) else None
        self._show_upper(touched)

    def _all_cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r in range(self.upper_height) for c in range(self.width)]

    @property
    def upper_rows(self) -> list[str]:
        """The upper window's text, one string of ``width`` chars per row."""
        return ["".join(c for c, _ in row) for row in self.cells]

    # -- windows (§8.6, §8.7) -------------------------------------------
    def _blank_row(self) -> list[Cell]:
        blank = (" ", Style(0, self.style.fg, self.style.bg, 1))
        return [blank] * self.width

    def split(self, lines: int, story: bool = True) -> None:
        """split_window (§8.6.1): the upper window is ``lines`` tall. With
        ``story`` False the upper window only grows to hold the cursor (see
        ``set_cursor``): the frontend is told the story's own split, and
        may show the rows beyond it over the lower window."""
        lines = max(0, min(lines, self.height))
        if story:
            self.frontend.split_changed(lines)
        old = self.upper_height
        self.upper_height = lines
        if lines > old:
            self.cells.extend(self._blank_row() for _ in range(lines - old))
        else:
            del self.cells[lines:]
        touched: list[tuple[int, int]] = []
        if self.version == 3:                       # §8.6.1.1.2
            self.cells = [self._blank_row() for _ in range(lines)]
            touched = self._all_cells()
        if self.cursor[0] > lines:
            self.cursor = [1, 1]
        self._show_upper(touched)

    def set_window(self, window: int) -> None:
        self.word_break()
        self.window = 1 if window == 1 else 0
        if self.window == 1:
            self.cursor = [1, 1]                    # §8.7.2

    def erase_window(self, window: int) -> None:
        """§8.7.3.3: -1 unsplits and clears all, -2 clears all."""
        if window == -1:
            self.frontend.split_changed(0)
            self.upper_height = 0
            self.cells = []
            self.cursor = [1, 1]
            self.window = 0
            self.frontend.erase_lower(-1)
        elif window == -2:
            self.cells = [self._blank_row() for _ in range(self.upper_height)]
            self.frontend.erase_lower(-2)
        elif window == 0:
            self.frontend.erase_lower(0)
        elif window == 1:
            self.cells = [self._blank_row() for _ in range(self.upper_height)]
            self.cursor = [1, 1]
            self._show_upper(self._all_cells())

    def erase_line(self, value: int) -> None:
        self.word_break()
        if value != 1 or self.window != 1:
            return
        row, col = self.cursor
        if 1 <= row <= self.upper_height:
            blank = self._blank_row()
            r = self.cells[row - 1]
            r[col - 1:] = blank[col - 1:]
            self._show_upper([(row - 1, c) for c in range(col - 1, self.width)])

    def set_cursor(self, line: int, column: int) -> None:
        """§15 set_cursor (line and column signed). A place outside the
        window is illegal (§8.8.3.5); zvm does what Frotz, the reference,
        does, which is §15's rule for version 6: a negative line (the
        cursor on or off, in version 6) moves nothing, 0 keeps that
        coordinate, and a column outside the window is column 1."""
        self.word_break()
        if self.window != 1 or line < 0:
            return                                   # §8.7.2.3.1: no effect in the lower window
        if line == 0:
            line = self.cursor[0]
        if column == 0:
            column = self.cursor[1]
        if not 1 <= column <= self.width:
            column = 1
        if line > self.upper_height and self.version >= 4:
            # A cursor below the upper window grows it, as quote boxes
            # drawn without a large enough split_window expect; the split
            # the story made stays as it was (a story that never splits
            # draws where it put the cursor, over the lower window).
            self.split(min(line, self.height), story=False)
        self.cursor = [line, column]

    def resize(self, width: int, height: int) -> None:
        """The display is now width x height: the upper window's rows are
        padded or cut to the new width and it keeps within the height."""
        self.width, self.height = max(1, width), max(1, height)
        blank = self._blank_row()
        self.cells = [(row + blank)[:self.width] for row in self.cells[:self.height]]
        self.upper_height = len(self.cells)
        self._show_upper([])

    def get_cursor(self) -> tuple[int, int]:
        self.word_break()
        if self.window == 1:
            return self.cursor[0], self.cursor[1]
        return self.height, 1

    # -- style (§8.7.1), colours (§8.3), fonts (§8.1) ------------------------
    def set_text_style(self, bits: int) -> None:
        s = self.style
        self.style = Style(0 if bits == 0 else (s.bits | bits), s.fg, s.bg, s.font)

    def set_colour(self, fg: int, bg: int) -> None:
        """§8.3.1: 0 keeps the current colour, 1 is the default."""
        self.word_break()
        s = self.style
        new_fg = s.fg if fg == 0 else (-1 if fg == 1 else TRUE_COLOURS.get(fg, s.fg))
        new_bg = s.bg if bg == 0 else (-1 if bg == 1 else TRUE_COLOURS.get(bg, s.bg))
        self.style = Style(s.bits, new_fg, new_bg, s.font)

    def set_true_colour(self, fg: int, bg: int) -> None:
        """§8.3.7 / set_true_colour: -1 default, -2 current, else 15-bit."""
        self.word_break()
        s = self.style

        def pick(value: int, current: int) -> int:
            value = value - 0x10000 if value & 0x8000 else value
            if value == -2:
                return current
            if value < 0:
                return -1
            return value & 0x7FFF

        self.style = Style(s.bits, pick(fg, s.fg), pick(bg, s.bg), s.font)

    def set_font(self, font: int) -> int:
        """The previous font, or 0 when font is unavailable (§15 set_font); font 3
        (§16, character graphics) where the frontend can show it."""
        previous = self.style.font
        if font == 0:
            return previous
        if font not in (1, 4) and not (font == 3 and self.frontend.features.graphics_font):
            return 0
        if font == 4 and not self.frontend.features.fixed:
            return 0                    # no fixed-pitch text (dfrotz's dumb interface)
        s = self.style
        self.style = Style(s.bits, s.fg, s.bg, font)
        return previous

    def status_line(self, left: str, right: str) -> None:
        self.frontend.status_line(left, right)
