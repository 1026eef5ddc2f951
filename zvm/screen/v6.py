"""The screen model of version 6 (§8.8): eight windows on a screen of
units, text laid out in them, and what the frontend is asked to draw.

The screen is ``width`` x ``height`` cells of the frontend (its features),
a cell being one font unit, ``fw`` x ``fh`` screen units (§8.8.1, §11.1:
the header's font size), so every character is one cell wide (§8.8.3.2.5).
The windows (``zvm.screen.windows6.Window``) keep their places, cursors
and properties in units; the model lays text out in the current window
itself - word buffering, wrapping at the margins, newlines, scrolling, the
newline interrupt countdown and the line count (§8.8.3.1, §8.8.3.2) - and
hands the frontend what lands on the screen as cells: ``v6_text``,
``v6_erase``, ``v6_scroll`` (zvm.screen.protocol). Whatever is drawn is
clipped to the window it is drawn in (§8.8.3). Text, once drawn, belongs
to no window (§8.8.3): moving or resizing a window moves nothing.

How a unit maps to a cell: the cell holding it, ``((y-1) // fh, (x-1) //
fw)``; a window covers the cells its units touch.

Pictures, the mouse and input places are ``zvm.screen.v6media``'s
(``Media``, which this class extends).

The layout follows Frotz (its screen.c and buffer.c), the reference: the
word buffer sends a word on at a space and after a hyphen; a word that
does not fit the line goes to the next one without the space before it,
and with wrapping off text stops at the right margin (§8.8.3.1.1).
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.screen.model import TRUE_COLOURS
from zvm.screen.protocol import BOLD, ITALIC, REVERSE, FIXED, Frontend, Style
from zvm.screen.v6media import Media
from zvm.screen.windows6 import (BUFFERED, COLOUR, NEVER_MORE, SCROLLING, TRANSCRIPT,
                                 WRAPPING, Window, signed)
from zvm.records import TYPE_CHECKING
from zvm.story.header import OFFSET

if TYPE_CHECKING:
    from typing import Any, Callable

    from zvm.story.loader import Story

CURRENT = -3            # the window number meaning "the current window" (§8.8.3)
FLAGS1 = OFFSET["flags1"]


class V6Screen(Media):
    """The version 6 screen (see the module's docstring). ``call_routine``
    runs a routine of the story to its return, given its packed address
    (the machine sets it: newline interrupts, §8.8.3.2.2)."""

    version = 6

    def __init__(self, frontend: Frontend, story: Story | None = None,
                 interpreter: int = 6) -> None:
        self.frontend = frontend
        f = frontend.features
        self.fw, self.fh = max(1, f.font_width), max(1, f.font_height)
        self.width, self.height = f.width or 255, f.height or 255    # in cells
        self.fixed_pitch = False       # Flags 2 bit 1: no meaning of its own in version 6
        self.call_routine: Callable[[int], object] | None = None
        Media.__init__(self, story, interpreter)
        self.reset()

    # -- sizes ----------------------------------------------------------------
    @property
    def units(self) -> tuple[int, int]:
        """The screen's (width, height) in units (§11.1 $22, $24)."""
        return self.width * self.fw, self.height * self.fh

    def font_size(self) -> int:
        """Font height in the upper byte, width in the lower (§8.8.3.2.5)."""
        return (self.fh << 8) | self.fw

    def write_header(self, mem: bytearray) -> None:
        """Version 6's screen fields of the header (§11.1): picture support
        in Flags 1 bit 1, the screen in characters and in units, a cell's
        size as the font's (height at $26, width at $27), and the default
        colours (black and white without colours, §8.3.2)."""
        if self.shows_pictures:
            mem[FLAGS1] |= 0x02
        else:
            mem[FLAGS1] &= ~0x02
        sw, sh = self.units
        mem[OFFSET["screen_height"]] = min(self.height, 255)
        mem[OFFSET["screen_width"]] = min(self.width, 255)
        for field, value in (("screen_width_units", sw), ("screen_height_units", sh)):
            at = OFFSET[field]
            mem[at], mem[at + 1] = (min(value, 0xFFFF) >> 8) & 255, min(value, 0xFFFF) & 255
        mem[OFFSET["font_width"]] = self.fh          # $26: the font's height in version 6
        mem[OFFSET["font_height"]] = self.fw         # $27: its width
        mem[OFFSET["default_bg"]] = self.default_bg
        mem[OFFSET["default_fg"]] = self.default_fg

    def reset(self, restart: bool = False) -> None:
        """All windows as §8.8.3.3 begins them, window 0 selected, the screen
        erased (at start and restart)."""
        if restart:
            self.word_break()
        f = self.frontend.features
        self.default_fg = f.default_fg if f.colour else 9
        self.default_bg = f.default_bg if f.colour else 2
        sw = self.units[0]
        self.windows = [Window(n, sw, self.font_size(), self.default_fg, self.default_bg)
                        for n in range(8)]
        self.windows[0].height = self.units[1]
        self.window = 0
        self.cursor_on = True
        self.buffering_screen = 0
        self.redraw_wanted = False
        self._word: list[tuple[str, Style]] = []
        self._prev = ""
        self._flushing = False
        self.reset_media()
        self._erase_cells(0, 0, self.height, self.width, self.windows[0])

    def resize(self, width: int, height: int) -> None:
        """The display is now width x height cells. Windows that reached
        the old screen's right or bottom edge reach the new one, and the
        story is asked to redraw (Flags 2 bit 2, §8.8.2)."""
        self.word_break()
        old_w, old_h = self.units
        self.width, self.height = max(1, width), max(1, height)
        new_w, new_h = self.units
        for w in self.windows:
            if w.width and w.x + w.width - 1 == old_w:
                w.width = max(0, new_w - w.x + 1)
            if w.height and w.y + w.height - 1 == old_h:
                w.height = max(0, new_h - w.y + 1)
            if w.cursor_y > max(1, w.height) or w.cursor_x > max(1, w.width):
                self._home(w)
        self.redraw_wanted = True

    # -- windows by number ------------------------------------------------------
    def win(self, number: int, what: str = "window") -> Window:
        """Window ``number`` (-3: the current one, §8.8.3)."""
        number = signed(number)
        if number == CURRENT:
            return self.windows[self.window]
        if not 0 <= number <= 7:
            raise ZMachineError(f"{what}: there is no window {number} (0-7, §8.8.3)")
        return self.windows[number]

    def cells_of(self, w: Window) -> tuple[int, int, int, int]:
        """The screen cells a window covers (row, col, rows, cols), inside
        the screen."""
        return self.cells_of_rect(w.y, w.x, w.height, w.width)

    def cells_of_rect(self, y: int, x: int, height: int, width: int) -> tuple[int, int, int, int]:
        """The cells that a rectangle of units touches, inside the screen."""
        if height <= 0 or width <= 0:
            return 0, 0, 0, 0
        fh, fw = self.fh, self.fw
        top, left = max(0, (y - 1) // fh), max(0, (x - 1) // fw)
        bottom = min(self.height, (y - 1 + height + fh - 1) // fh)
        right = min(self.width, (x - 1 + width + fw - 1) // fw)
        if bottom <= top or right <= left:
            return 0, 0, 0, 0
        return top, left, bottom - top, right - left

    def line_width(self, number: int) -> int:
        """A window's width between its margins, in units (the lines of
        formatted output stream 3, §15 output_stream)."""
        w = self.win(number, "output_stream")
        return w.width - w.left - w.right

    def snapshot(self) -> dict[str, Any]:
        """The model's state as plain values that JSON can hold (the
        research library keeps and puts back snapshots of the machine)."""
        return {"window": self.window, "cursor_on": self.cursor_on,
                "buffer_screen": self.buffering_screen, "prev": self._prev,
                "windows": [[getattr(w, name) for name in Window.__slots__]
                            for w in self.windows],
                "word": [[ch, list(style)] for ch, style in self._word],
                "mouse": [self.mouse_window, self.mouse_y, self.mouse_x],
                "palette": [list(rgb) if rgb else None for rgb in self.adaptive.current]}

    def restore_snapshot(self, state: dict[str, Any]) -> None:
        self.window, self.cursor_on = state["window"], state["cursor_on"]
        self.buffering_screen, self._prev = state["buffer_screen"], state["prev"]
        for w, values in zip(self.windows, state["windows"], strict=False):
            for name, value in zip(Window.__slots__, values, strict=False):
                setattr(w, name, value)
        self._word = [(ch, Style(*style)) for ch, style in state["word"]]
        self.mouse_window, self.mouse_y, self.mouse_x = state["mouse"]
        self.adaptive.current = [tuple(rgb) if rgb else None for rgb in state["palette"]]

    @property
    def upper_rows(self) -> list[str]:
        """The upper window's text, as ``zvm.screen.model.Screen`` gives it:
        none here, where the frontend keeps what was drawn (§8.8.3: text
        belongs to no window once printed)."""
        return []

    def style_of(self, w: Window) -> Style:
        return Style(w.style, w.true_fg, w.true_bg, w.font)

    def transcribed(self) -> bool:
        """Whether text printed now goes to the transcript too (the
        window's attribute 2, §8.8.3.1)."""
        return bool(self.windows[self.window].attributes & TRANSCRIPT)

    # -- text (§8.8.3.1, §7.2.2) -----------------------------------------------
    def print(self, text: str) -> None:
        """Text for the current window: through the word buffer when the
        window buffers, else a character at a time."""
        w = self.windows[self.window]
        style = self.style_of(w)
        if w.attributes & BUFFERED:
            word, prev = self._word, self._prev
            for ch in text:
                if ch == "\n":
                    self._prev = prev
                    self.word_break()
                    self._new_line()
                    word, prev = self._word, ""
                    continue
                if ch == " " or (prev == "-" and ch != "-"):
                    self._prev = prev
                    self.word_break()
                    word = self._word
                word.append((ch, style))
                prev = ch
            self._prev = prev
            return
        for ch in text:
            if ch == "\n":
                self._new_line()
            else:
                self._screen_char(ch, style)

    def word_break(self) -> None:
        """Send the buffered word to the screen (Frotz's flush_buffer: at a
        change of window, cursor, colour, font or stream, before input). A
        flush that a newline interrupt routine starts waits for the one
        running."""
        if not self._word or self._flushing:
            return
        word, self._word, self._prev = self._word, [], ""
        self._flushing = True
        try:
            self._screen_word(word)
        finally:
            self._flushing = False

    def set_buffering(self, on: bool) -> None:
        """buffer_mode: in version 6 each window's attribute 3 decides
        (§7.2.2); Infocom's stories use buffer_mode only to show text at
        once, so it only flushes (as in Frotz)."""
        self.word_break()

    def _wraps(self, w: Window) -> bool:
        return bool(w.attributes & WRAPPING) or \
            (self.infocom.wraps_window_0 and w is self.windows[0])

    def _units_left(self, w: Window) -> int:
        return w.width - w.right - w.cursor_x + 1

    def _screen_word(self, word: list[tuple[str, Style]]) -> None:
        w = self.windows[self.window]
        width = len(word) * self.fw
        if self._units_left(w) < width:
            if not self._wraps(w):
                for ch, style in word:
                    self._screen_char(ch, style)
                return
            if word[0][0] == " ":
                word = word[1:]
                width -= self.fw
            self._new_line()
            w = self.windows[self.window]
            if self._units_left(w) < width:         # longer than a line: cut it
                for ch, style in word:
                    self._screen_char(ch, style)
                return
        self._draw(w, word)
        w.cursor_x += width

    def _screen_char(self, ch: str, style: Style) -> None:
        w = self.windows[self.window]
        if self._units_left(w) < self.fw:
            if not self._wraps(w):
                w.cursor_x = w.width - w.right       # at the margin; the rest is lost
                return
            self._new_line()
            w = self.windows[self.window]
        self._draw(w, [(ch, style)])
        w.cursor_x += self.fw

    def _draw(self, w: Window, chars: list[tuple[str, Style]], typed: bool = False) -> None:
        """Put characters on the screen from the window's cursor, those in
        the window's cells only (§8.8.3: plotting is clipped to it)."""
        top, left, rows, cols = self.cells_of(w)
        row = (w.y + w.cursor_y - 2) // self.fh
        col = (w.x + w.cursor_x - 2) // self.fw
        if not top <= row < top + rows:
            return
        first, last = max(col, left), min(col + len(chars), left + cols)
        if first >= last:
            return
        shown = chars[first - col:last - col]
        run: list[str] = []
        start, style = first, shown[0][1]
        for ch, st in shown:
            if st != style:
                self.frontend.v6_text(row, start, "".join(run), style, typed)
                start += len(run)
                run, style = [], st
            run.append(ch)
        self.frontend.v6_text(row, start, "".join(run), style, typed)

    def _new_line(self) -> None:
        """A newline in the current window (§8.8.3.2.1, 8.8.3.2.2, 8.8.3.2.6)."""
        late = self.infocom.late_interrupts
        if not late:
            self._countdown()
        w = self.windows[self.window]
        w.cursor_x = w.left + 1
        fh = self.fh
        if w.cursor_y + 2 * fh - 1 > w.height:
            if w.attributes & SCROLLING:
                self._scroll(w, 1)
            else:
                w.cursor_y = 1
        else:
            w.cursor_y += fh
        if w.attributes & SCROLLING and w.line_count != NEVER_MORE:
            above = (w.cursor_y - 1) // fh
            below = (w.height - w.cursor_y + 1) // fh
            w.line_count += 1
            if above + below - 1 > 0 and w.line_count >= above + below - 1:
                self.frontend.v6_more()
                w.line_count = 0
        if late:
            self._countdown()

    def _countdown(self) -> None:
        """§8.8.3.2.2: the countdown runs down a newline at a time; at 0 the
        window's newline interrupt routine runs."""
        w = self.windows[self.window]
        if w.countdown:
            w.countdown -= 1
            if w.countdown == 0 and w.routine and self.call_routine is not None:
                self.call_routine(w.routine)

    def _scroll(self, w: Window, rows: int) -> None:
        top, left, n, cols = self.cells_of(w)
        if n and cols and rows:
            self.frontend.v6_scroll(top, left, n, cols, rows, self.style_of(w))

    def _erase_cells(self, row: int, col: int, rows: int, cols: int, w: Window) -> None:
        if rows > 0 and cols > 0:
            self.frontend.v6_erase(row, col, rows, cols, self.style_of(w))

    def _home(self, w: Window) -> None:
        """The cursor to the left margin of the top line (§8.8.3.4)."""
        w.cursor_y = 1
        w.cursor_x = w.left + 1

    # -- windows (§8.8.3, §8.8.4, §8.8.5, §15) ---------------------------------
    def split(self, units: int) -> None:
        """split_window: windows 0 and 1 tile the screen, window 1 ``units``
        tall at the top; each cursor keeps its place on the screen, or goes
        to its window's origin when its window no longer holds it."""
        self.word_break()
        sh = self.units[1]
        units = max(0, min(signed(units), sh))
        w1, w0 = self.windows[1], self.windows[0]
        w1.cursor_y += w1.y - 1
        w1.y, w1.height = 1, units
        w0.cursor_y += w0.y - 1 - units
        w0.y, w0.height = 1 + units, sh - units
        # (Frotz homes window 1's cursor only below its window, and window
        # 0's only above it: a cursor below window 0 would stay off it.)
        for w in (w1, w0):
            if not 1 <= w.cursor_y <= w.height:
                self._home(w)

    def set_window(self, number: int) -> None:
        self.word_break()
        self.window = self.windows.index(self.win(number, "set_window"))

    def erase_window(self, number: int) -> None:
        """§8.8.5.3: -1 erases the screen to window 0's background, unsplits
        and selects window 0; -2 erases the screen to the current
        background; otherwise one window, whose cursor goes home."""
        self.word_break()
        if number in (-1, -2):
            w = self.windows[0] if number == -1 else self.windows[self.window]
            self._erase_cells(0, 0, self.height, self.width, w)
            if number == -1:
                self.split(0)
                self.window = 0
                self._home(self.windows[0])
            for w in self.windows:
                w.line_count = 0
            return
        w = self.win(number, "erase_window")
        self._erase_cells(*self.cells_of(w), w)
        self._home(w)
        w.line_count = 0

    def erase_line(self, value: int) -> None:
        """§15 erase_line: 1 erases to the right margin, n erases n-1 units
        (no further than the margin); the cursor stays."""
        self.word_break()
        w = self.windows[self.window]
        left_units = self._units_left(w)
        units = (value & 0xFFFF) - 1
        if units <= 0 or units > left_units:
            units = left_units
        top, left, rows, cols = self.cells_of(w)
        row = (w.y + w.cursor_y - 2) // self.fh
        col = (w.x + w.cursor_x - 2) // self.fw
        end = (w.x + w.cursor_x - 2 + units + self.fw - 1) // self.fw
        first, last = max(col, left), min(end, left + cols)
        if top <= row < top + rows and first < last:
            self._erase_cells(row, first, 1, last - first, w)

    def set_cursor(self, y: int, x: int, window: int = CURRENT) -> None:
        """§15 set_cursor: -1 hides the cursor, -2 shows it; 0 keeps that
        coordinate; a column inside a margin becomes the left margin."""
        self.word_break()
        if y < 0:
            if y in (-1, -2):
                self.cursor_on = y == -2
            return
        w = self.win(window, "set_cursor")
        if y == 0:
            y = w.cursor_y
        if x == 0:
            x = w.cursor_x
        if x <= w.left or x > w.width - w.right:
            x = w.left + 1
        w.cursor_y, w.cursor_x = y, x

    def get_cursor(self) -> tuple[int, int]:
        """The current window's cursor, after the buffer (§8.8.3.2.7)."""
        self.word_break()
        w = self.windows[self.window]
        return w.cursor_y, w.cursor_x

    def window_size(self, number: int, height: int, width: int) -> None:
        self.word_break()
        w = self.win(number, "window_size")
        w.height, w.width = height, width
        if w.cursor_y > height or w.cursor_x > width:
            self._home(w)                      # §8.8.3.4

    def move_window(self, number: int, y: int, x: int) -> None:
        self.word_break()
        w = self.win(number, "move_window")
        w.y, w.x = signed(y), signed(x)

    def window_style(self, number: int, flags: int, operation: int = 0) -> None:
        """§15 window_style: set (0), set bits (1), clear bits (2) or flip
        them (3)."""
        self.word_break()
        w = self.win(number, "window_style")
        if operation == 0:
            w.attributes = flags
        elif operation == 1:
            w.attributes |= flags
        elif operation == 2:
            w.attributes &= ~flags
        elif operation == 3:
            w.attributes ^= flags
        w.attributes &= 0xFFFF

    def get_property(self, number: int, prop: int) -> int:
        self.word_break()
        w = self.win(number, "get_wind_prop")
        return w.get(prop, w.style & self.styles_shown(), self.true_colours(w))

    def put_property(self, number: int, prop: int, value: int) -> None:
        self.word_break()
        w = self.win(number, "put_wind_prop")
        w.put(prop, value)
        if prop == COLOUR:
            w.true_fg = self._true_of(w.fg, w.true_fg, w.fg == self.default_fg)
            w.true_bg = self._true_of(w.bg, w.true_bg, w.bg == self.default_bg)

    def scroll_window(self, number: int, units: int) -> None:
        """§15 scroll_window: up by ``units`` (down when negative), in whole
        lines of cells."""
        self.word_break()
        w = self.win(number, "scroll_window")
        units = signed(units)
        rows = int(units / self.fh)
        self._scroll(w, rows)

    def set_margins(self, left: int, right: int, window: int = CURRENT) -> None:
        """§15 set_margins: a cursor now outside them goes to the left one."""
        self.word_break()
        w = self.win(window, "set_margins")
        w.left, w.right = signed(left), signed(right)
        if w.cursor_x <= w.left or w.cursor_x > w.width - w.right:
            w.cursor_x = w.left + 1

    def next_table_row(self, column: int) -> None:
        """print_table: the next row starts one line down at ``column``."""
        self.word_break()
        w = self.windows[self.window]
        w.cursor_y += self.fh
        w.cursor_x = column

    # -- style, colours, fonts (§8.8.3.2.3-5, §8.3) ------------------------------
    def styles_shown(self) -> int:
        """The style bits the frontend can show (§8.8.3.2.4 [1.1])."""
        f = self.frontend.features
        return REVERSE | (BOLD if f.bold else 0) | (ITALIC if f.italic else 0) | \
            (FIXED if f.fixed else 0)

    def set_text_style(self, bits: int) -> None:
        w = self.windows[self.window]
        w.style = 0 if bits == 0 else (w.style | bits) & 0xF

    def true_colours(self, w: Window) -> tuple[int, int]:
        """Properties 16 and 17: the colours shown (§8.8.2.8 [1.1])."""
        fg = w.true_fg if w.true_fg >= 0 else TRUE_COLOURS.get(self.default_fg, 0x7FFF)
        bg = w.true_bg if w.true_bg >= 0 else TRUE_COLOURS.get(self.default_bg, 0)
        return fg, bg

    def _true_of(self, number: int, current: int, default: bool) -> int:
        if default:
            return -1
        return TRUE_COLOURS.get(number, current)

    def set_colour(self, fg: int, bg: int, window: int = CURRENT) -> None:
        """§8.3.1: 0 keeps, 1 is the default, 2-12 the standard colours;
        -1 (the colour under the cursor) and 15 (transparent) are not
        offered and keep the colour, as do the reserved numbers."""
        self.word_break()
        w = self.win(window, "set_colour")
        for which, value in (("fg", signed(fg)), ("bg", signed(bg))):
            if value == 1:
                number, true = (self.default_fg if which == "fg" else self.default_bg), -1
            elif 2 <= value <= 12:
                number, true = value, TRUE_COLOURS[value]
            else:
                continue
            setattr(w, which, number)
            setattr(w, "true_" + which, true)

    def set_true_colour(self, fg: int, bg: int, window: int = CURRENT) -> None:
        """§8.3.7: -1 default, -2 current, -3 (under the cursor) and -4
        (transparent) keep the colour; else a 15-bit colour, whose colour
        number is a standard one's or 16 (§8.3.5)."""
        self.word_break()
        w = self.win(window, "set_true_colour")
        for which, value in (("fg", signed(fg)), ("bg", signed(bg))):
            if value == -1:
                number, true = (self.default_fg if which == "fg" else self.default_bg), -1
            elif value < 0:
                continue
            else:
                true = value & 0x7FFF
                number = next((n for n, t in TRUE_COLOURS.items() if t == true), 16)
            setattr(w, which, number)
            setattr(w, "true_" + which, true)

    def set_font(self, font: int, window: int = CURRENT) -> int:
        """The window's previous font, or 0 when ``font`` is not available
        (§8.1.2, §15 set_font); 0 asks for the current font."""
        self.word_break()
        w = self.win(window, "set_font")
        previous = w.font
        if font == 0:
            return previous
        f = self.frontend.features
        if font not in (1, 3, 4) or (font == 3 and not f.graphics_font) \
                or (font == 4 and not f.fixed):
            return 0
        w.font = font
        w.font_size = self.font_size()
        return previous

    def status_line(self, left: str, right: str) -> None:
        """Versions 1-3 only (§8.2)."""

    def buffer_screen(self, mode: int) -> int:
        """§8.8.7 [1.1]: 1 lets changes wait for input, 0 shows them as they
        come (the frontends show the screen at input anyway), -1 shows it
        now; the old state is returned."""
        old = self.buffering_screen
        mode = signed(mode)
        if mode == -1:
            self.frontend.v6_refresh()
        elif mode in (0, 1):
            self.buffering_screen = mode
        return old
