"""The terminal UI in version 6 (§8.8): the screen drawn as a grid of
cells, pictures drawn in them, input where the story's cursor is, the
mouse.

``V6Terminal`` is the half of ``zvm.ui.terminal.TerminalFrontend`` that a
version 6 story uses (a mixin). The machine's screen model
(``zvm.screen.v6``) lays text out in its eight windows; this half keeps
the result (``zvm.ui.display6.Display``) and draws it when the story
waits for input, when a window has scrolled a screenful (``[MORE]``,
§8.8.3.2.6) and when the story asks (buffer_screen -1, §8.8.7.2). A
character cell is ``CELL`` = 8 x 16 screen units (the header's font size,
§11.1), so a story's screen of units maps onto the terminal's cells.

Pictures (§8.8.6) are drawn with the best method the terminal offers
(``zvm.ui.graphics.detect``: kitty graphics, sixel, or Unicode half-block
cells in 24-bit, 256 or 16 colours, which any colour terminal shows),
decoded and scaled with Pillow to the cells their place in units covers
(``zvm.ui.pictures``): after the text of a frame, a picture is drawn again
whenever a row under it was. Without colours, or with ``--no-pictures``,
the story is told there are no pictures (Flags 1 bit 1). After a resize
the screen is drawn again at the new size, and the story is asked to lay
it out anew (Flags 2 bit 2, §8.8.2).

A left click, with the mouse on (``--no-mouse`` leaves it to the
terminal), is a click for the story (§10.3): it ends a read whose
terminating characters include 254 (253 for a second click on the same
cell within half a second), or answers read_char.
"""

from __future__ import annotations

import textwrap
import time

from typing import TYPE_CHECKING

from zvm.screen.font3 import graphics as font3_text
from zvm.screen.protocol import (PLAIN, REVERSE, TIMED_OUT, CharRequest, Click, LineRequest,
                                 LineResult, Style)

from .keys import key_zscii
from .lineedit import LineEditor, action_for, typed_text
from .pager import WHEEL_DOWN, WHEEL_UP, Press
from .render import rgb
from .session import Timer
from .terminput import REDRAW, RESIZED

if TYPE_CHECKING:
    from collections.abc import Callable

    from blessed import Terminal

    from zvm.screen.protocol import Features
    from zvm.story.pictures import RGB, Picture

    from .display6 import Display, Placement
    from .graphics import Capabilities
    from .pager import Key
    from .pictures import CellRect
    from .render import FrameWriter, Painter
    from .session import Session
    from .terminput import Mark
    from .wrap import Row

CELL = (8, 16)                 # screen units across and down a character cell
DOUBLE_CLICK = 0.5             # seconds between the clicks of a double click
NOTE_STYLE = Style(REVERSE)
MORE_TEXT = "[MORE]"


class V6Terminal:
    """Version 6 for ``TerminalFrontend`` (see the module's docstring)."""

    v6: Display | None = None

    # What this half uses of the frontend, declared for type checkers:
    # ``TerminalFrontend`` and its input half ``KeyInput`` have them.
    term: Terminal
    session: Session
    writer: FrameWriter
    painter: Painter
    features: Features
    history: list[str]
    show_pictures: bool
    caps: Capabilities | None
    _resized: bool

    if TYPE_CHECKING:
        def next_scripted(self) -> str | None: ...
        def resize(self, size: tuple[int, int] | None = None) -> None: ...
        def _size(self) -> tuple[int, int]: ...
        def _terminal_gone(self, error: OSError) -> None: ...
        def _next_key(self, timer: Timer | None, paging: bool = True) -> Key | Mark | None: ...
        def _confirm_quit(self) -> None: ...

    def _v6_setup(self) -> None:
        """Version 6 starts: find out how pictures can be drawn, and tell
        the story the features it has."""
        import dataclasses

        from .display6 import Display        # Pillow and construct: version 6 alone
        from .graphics import Capabilities, detect
        from .pictures import Decoder
        caps = self.caps or Capabilities(colours=self.painter.colours)
        if self.caps is None and self.show_pictures and self.painter.colours >= 16 \
                and self.session.active:
            try:
                caps = detect(self.term)
            except (OSError, ValueError):
                pass
            if caps.colours > self.painter.colours:
                caps = dataclasses.replace(caps, colours=self.painter.colours)
        if self.painter.colours < 16:                 # no colours: no pictures
            caps = dataclasses.replace(caps, colours=0)
        self.caps = caps
        self.decoder = Decoder()
        pictures = self.show_pictures and caps.method is not None
        self.features = self.features._replace(
            font_width=CELL[0], font_height=CELL[1], pictures=pictures,
            mouse=bool(self.session.mouse))
        width, height = self._size()
        self.v6 = Display(height, width, CELL)
        self.notes: list[str] = []
        self._said: set[str] = set()
        self._painted: dict[int, Placement] = {}    # what is on the screen now
        self._last_click: tuple[float, int, int] = (0.0, -1, -1)

    # -- what the screen model draws -------------------------------------------------
    def v6_text(self, row: int, col: int, text: str, style: Style, typed: bool = False) -> None:
        assert self.v6 is not None
        self.v6.text(row, col, text, style, typed)

    def v6_erase(self, row: int, col: int, rows: int, cols: int, style: Style) -> None:
        assert self.v6 is not None
        self.v6.erase(row, col, rows, cols, style)

    def v6_scroll(self, row: int, col: int, rows: int, cols: int, lines: int,
                  style: Style) -> None:
        assert self.v6 is not None
        self.v6.scroll(row, col, rows, cols, lines, style)

    def v6_picture(self, picture: Picture, y: int, x: int, width: int, height: int,
                   clip: tuple[int, int, int, int],
                   palette: tuple[RGB | None, ...] | None = None) -> None:
        assert self.v6 is not None
        self.v6.picture(picture, y, x, width, height, clip, palette)

    def v6_preload(self, pictures: list[Picture]) -> list[str]:
        return self.decoder.keep(pictures)

    def v6_refresh(self) -> None:
        self._v6_draw()

    def v6_more(self) -> None:
        """[MORE] on the last row until a key (§8.8.3.2.6)."""
        self._v6_wait(MORE_TEXT)

    def _v6_note(self, text: str) -> None:
        """A line of the interpreter's own, shown on the last row until the
        player's next input."""
        if text not in self._said:
            self._said.add(text)
            self.notes.append(text)

    def _v6_write(self, text: str) -> None:
        """Lower-window text from the interpreter (a meta-command's answer)."""
        for line in text.split("\n"):
            if line.strip() and line.strip() != ">":
                self.notes.append(line)

    # -- drawing -----------------------------------------------------------------------
    def _v6_rows(self) -> list[Row]:
        """The rows of text as runs. A cell under a picture is a blank whose
        style names the picture (a negative colour, drawn as the default):
        the frame then differs wherever pictures come or go, and its rows
        are drawn again."""
        d = self.v6
        assert d is not None
        rows = []
        for r in range(d.rows):
            owner = d.owner[r]
            if any(owner):
                styles = [Style(s.bits, -2 - k, s.bg, s.font) if k else s
                          for s, k in zip(d.styles[r], owner, strict=True)]
                runs = _runs(d.chars[r], styles)
            else:
                runs = d.row_runs(r)
            rows.append([(font3_text(t), s) if s.font == 3 else (t, s) for t, s in runs])
        return rows

    def _v6_draw(self, line: tuple[int, int, str, Style] | None = None,
                 cursor: tuple[int, int] | None = None, footer: str | None = None) -> str:
        """Draw the screen: ``line`` (row, col, text, style) over it (the line
        being typed), the notes and ``footer`` on the last rows, the cursor
        at ``cursor``. Pictures are drawn again where their rows were."""
        d = self.v6
        assert d is not None
        if self._resized:
            self.resize()
        width, height = d.cols, d.rows
        rows = self._v6_rows()
        hidden: dict[int, range] = {}          # cells drawn over: no picture there
        if line is not None:
            row, col, text, style = line
            if 0 <= row < height:
                rows[row] = _overlay(rows[row], col, [(text, style)], width)
                hidden[row] = range(col, col + len(text) + 1)
        lines = [part for note in self.notes for part in textwrap.wrap(note, width) or [""]]
        bottom = [*lines[-4:], *([footer] if footer else [])]
        for i, text in enumerate(reversed(bottom)):
            r = height - 1 - i
            if r >= 0:
                rows[r] = _overlay(rows[r], 0, [(text[:width], NOTE_STYLE)], width)
                hidden[r] = range(0, width)
        before = self.writer.drawn
        if before is not None and len(before) != len(rows):
            before = None                      # the whole frame is drawn
        full = before is None
        changed = {y for y, row in enumerate(rows) if before is None or before[y] != row}
        if cursor is None:
            cursor = (height - 1, min(len(footer or ""), width - 1))
        cursor = (max(0, min(cursor[0], height - 1)), max(0, min(cursor[1], width - 1)))
        out = self.writer.draw(rows, width, cursor)
        out += self._v6_pictures(changed, full, cursor, hidden)
        return out

    def _v6_pictures(self, changed: set[int], full: bool, cursor: tuple[int, int],
                     hidden: dict[int, range]) -> str:
        """Draw the pictures whose cells were drawn over, or are new."""
        assert self.caps is not None and self.v6 is not None
        if self.caps.method is None:
            return ""
        from .graphics import draw, kitty_delete, move
        live = self.v6.live()
        redo = [p for p in live if full or self._painted.get(p.key) != p
                or changed.intersection(range(p.rect.row, p.rect.row + p.rect.rows))]
        if not redo:
            self._painted = {p.key: p for p in live}
            return ""
        parts = []
        if self.caps.method == "kitty":
            parts.append(kitty_delete())
            redo = live
        for p in redo:
            parts.append(self._v6_picture_seq(p, draw, hidden))
        self._painted = {p.key: p for p in live}
        parts.append(move(*cursor))
        out = "".join(parts)
        try:
            self.term.stream.write(out)
            self.term.stream.flush()
        except OSError as e:
            self._terminal_gone(e)
        except ValueError:
            pass
        return out

    def _v6_picture_seq(self, p: Placement, draw: Callable[..., str],
                        hidden: dict[int, range]) -> str:
        """The sequences drawing the cells a placement still owns. A picture
        shown whole is scaled to its cells (and kept so by the decoder);
        a part of one is cut from the picture first and only that part is
        scaled, so a picture far larger than the screen costs no more than
        the screen."""
        from zvm.story.pictures import PictureError

        from .graphics import pixel_size
        from .pictures import fit
        assert self.caps is not None and self.v6 is not None
        if p.picture.placeholder:
            return ""
        parts = []
        try:
            for part in self.v6.owned_runs(p.key, hidden):
                if part == p.rect:
                    image = self.decoder.image(p.picture, pixel_size(part, self.caps),
                                               p.palette)
                else:
                    original = self.decoder.original(p.picture, p.palette)
                    image = fit(original.crop(_source_box(original.size, p.rect, part)),
                                pixel_size(part, self.caps))
                bg = self.v6.styles[part.row][part.col].bg
                background = rgb(bg) if bg >= 0 else None
                parts.append(draw(image, part, self.caps, image_id=p.key % 4000 + 1,
                                  background=background))
        except PictureError as e:
            self._v6_note(f"zvm: {e}")
            return ""
        return "".join(parts)

    def _v6_resize(self) -> None:
        """The terminal has a new size: the cells are kept from the top left
        and everything is drawn again."""
        width, height = self._size()
        assert self.v6 is not None
        self.v6.resize(height, width)
        self._painted = {}

    def _v6_close(self) -> None:
        """Pictures of the kitty protocol live outside the cells: they are
        deleted before the terminal is given back."""
        assert self.caps is not None
        if self.caps.method == "kitty" and self.session.active and not self.session.hung_up:
            from .graphics import kitty_delete
            try:
                self.term.stream.write(kitty_delete())
                self.term.stream.flush()
            except (OSError, ValueError):
                pass

    # -- keys --------------------------------------------------------------------------
    def _v6_key(self, timer: Timer | None) -> Key | Mark | None:
        """The next key (a ``Press`` for a click), None when the timer ran
        out, or the ``RESIZED``/``REDRAW`` marks of ``_next_key``. There is
        no scrollback in version 6: the wheel does nothing."""
        while True:
            key = self._next_key(timer, paging=False)
            if key not in (WHEEL_UP, WHEEL_DOWN) or isinstance(key, Press):
                return key

    def _v6_click(self, press: Press) -> Click:
        when, row, col = self._last_click
        now = time.monotonic()
        double = (row, col) == (press.row, press.col) and now - when < DOUBLE_CLICK
        self._last_click = (0.0, -1, -1) if double else (now, press.row, press.col)
        return Click(press.row, press.col, double)

    def _v6_wait(self, footer: str) -> Key:
        """Show the screen with ``footer`` on the last row; the next key."""
        while True:
            self._v6_draw(footer=footer)
            key = self._v6_key(None)
            if key is None or isinstance(key, Press) or key is RESIZED or key is REDRAW:
                continue
            self.notes = []
            return key

    def _v6_read_line(self, request: LineRequest) -> LineResult:
        """Read a line where the story's cursor is (§15 read), editing as in
        the other versions; a click ends it when 254 is a terminator."""
        assert self.v6 is not None
        place = request.place
        self.writer.cursor_shown = True        # typing needs it, whatever the story said
        prefix = request.preloaded or ""
        scripted = self.next_scripted()
        if scripted is not None:
            return LineResult(prefix + scripted, 13)
        room = max(0, request.max_len - len(prefix))
        editor = LineEditor(request.typed, room, self.history)
        timer = Timer(request.timeout) if request.timeout else None
        terminators = request.terminators or frozenset()
        while True:
            text = prefix + editor.text
            pos = len(prefix) + editor.pos
            shown_room = max(1, place.room if place else self.v6.cols)
            start = max(0, pos - shown_room + 1)
            row, col = (place.row, place.col) if place else (self.v6.rows - 1, 0)
            style = place.style if place else PLAIN
            self._v6_draw((row, col, text[start:start + shown_room], style),
                          (row, col + pos - start))
            key = self._v6_key(timer)
            if key is None:
                return LineResult(prefix + editor.text, TIMED_OUT)
            if key is RESIZED or key is REDRAW:
                continue
            if isinstance(key, Press):
                click = self._v6_click(key)
                clicked = 253 if click.double else 254
                if clicked in terminators:
                    return self._v6_done(LineResult(prefix + editor.text, clicked, click))
                continue
            code = key_zscii(key)
            if code is not None and code in terminators and code not in (8, 13, 27):
                return self._v6_done(LineResult(prefix + editor.text, code))
            action = action_for(key)
            if action == "enter":
                return self._v6_done(LineResult(prefix + editor.text, 13))
            if action == "eof" and not editor.buf:
                self._confirm_quit()
            elif action == "eof":
                editor.delete()
            elif action == "redraw":
                self.writer.invalidate()
                self._painted = {}
            elif action is not None:
                editor.apply(action)
            else:
                ch = typed_text(key)
                if ch is not None:
                    editor.insert(ch)

    def _v6_done(self, result: LineResult) -> LineResult:
        typed = result.text
        if result.terminator == 13 and typed.strip() and \
                (not self.history or self.history[-1] != typed):
            self.history.append(typed)
            del self.history[:-200]
        self.notes = []
        return result

    def _v6_read_char(self, request: CharRequest) -> int | str | Click:
        """One key (§10.7), or a click."""
        timer = Timer(request.timeout) if request.timeout else None
        place = request.place
        # A key read, unlike a line, shows the cursor only if the story wants it.
        self.writer.cursor_shown = place.cursor if place else True
        while True:
            self._v6_draw(cursor=(place.row, place.col) if place else None)
            key = self._v6_key(timer)
            if key is None:
                return TIMED_OUT
            if key is RESIZED or key is REDRAW:
                continue
            self.notes = []
            if isinstance(key, Press):
                return self._v6_click(key)
            text = str(key)
            if text == "\x0c":
                self.writer.invalidate()
                self._painted = {}
                continue
            code = key_zscii(key)
            if code is not None:
                if len(text) == 1 and text >= " " and text != "\x7f" \
                        and not getattr(key, "is_sequence", False):
                    return text
                return code

    def _v6_ask(self, question: str, room: int = 255) -> str:
        """A line typed on the last row after ``question`` (a file name)."""
        assert self.v6 is not None
        editor = LineEditor("", room, [])
        while True:
            text = question + editor.text
            width = self.v6.cols
            start = max(0, len(text) + 1 - width)
            self._v6_draw((self.v6.rows - 1, 0, text[start:], NOTE_STYLE),
                          (self.v6.rows - 1, len(text) - start))
            key = self._v6_key(None)
            if key is None or key is RESIZED or key is REDRAW or isinstance(key, Press):
                continue
            action = action_for(key)
            if action == "enter":
                self.writer.invalidate()
                return editor.text
            if action == "eof" and not editor.buf:
                self._confirm_quit()
            elif action is not None and action not in ("redraw", "eof"):
                editor.apply(action)
            else:
                ch = typed_text(key)
                if ch is not None:
                    editor.insert(ch)

    def _v6_ask_filename(self, default: str) -> str:
        return self._v6_ask(f"Please enter a filename [{default}]: ").strip() or default

    def _v6_confirm(self, question: str, default: bool) -> bool:
        answer = self._v6_ask(f"{question} ({'Y/n' if default else 'y/N'}) ", 8)
        answer = answer.strip().lower()
        return default if not answer else answer.startswith("y")


def _source_box(size: tuple[int, int], full: CellRect,
                part: CellRect) -> tuple[int, int, int, int]:
    """The pixels of a picture of ``size`` drawn over the cells ``full``
    that fall in the cells ``part``."""
    fx, fy = size[0] / full.cols, size[1] / full.rows
    left, top = (part.col - full.col) * fx, (part.row - full.row) * fy
    box = (int(left), int(top), round(left + part.cols * fx), round(top + part.rows * fy))
    return box[0], box[1], max(box[2], box[0] + 1), max(box[3], box[1] + 1)


def _runs(chars: list[str], styles: list[Style]) -> Row:
    out: Row = []
    for ch, st in zip(chars, styles, strict=True):
        if out and out[-1][1] == st:
            out[-1] = (out[-1][0] + ch, st)
        else:
            out.append((ch, st))
    return out


def _overlay(runs: Row, col: int, over: Row, width: int) -> Row:
    """A row of runs with ``over`` (runs) drawn from column ``col``."""
    cells = [(ch, st) for text, st in runs for ch in text]
    cells.extend([(" ", PLAIN)] * (width - len(cells)))
    for text, st in over:
        for ch in text:
            if 0 <= col < width:
                cells[col] = (ch, st)
            col += 1
    out: Row = []
    for ch, st in cells[:width]:
        if out and out[-1][1] == st:
            out[-1] = (out[-1][0] + ch, st)
        else:
            out.append((ch, st))
    return out
