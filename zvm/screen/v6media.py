"""Version 6 beyond text (§8.8.6, §10.3, §15 read): the pictures of the
story, the mouse, and where input is read. ``Media`` is a part of
``zvm.screen.v6.V6Screen``, which extends it; it uses the screen's windows,
sizes and frontend.

Pictures come from the Blorb file the story came in, or from a resource
file beside it (``zvm.story.pictures.load``), read once when the story
starts, and only when the frontend can show pictures (its
``features.pictures``; ``--no-pictures`` turns that off). Whatever goes
wrong with them is said once, in one line, and the story plays on: no
resource file for a story that wants pictures (Flags 2 bit 3), a damaged
file, a picture that is not an image, a picture number the file does not
have. ``picture_data`` answers from the pictures' sizes after the 'Reso'
chunk's scaling for this screen (Blorb §11.2); drawing hands the picture,
its place and size in screen units, and the palette of an adaptive picture
(Blorb §11.3) to the frontend.

A click arrives as a screen cell; its place in units is the middle of the
cell. It counts only inside the mouse window (§10.3.4; by default window 1,
-1 for none), and goes into the header extension table relative to that
window (§10.3.2, as Frotz does).
"""

from __future__ import annotations

import os

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import InputPlace
from zvm.screen.windows6 import InfocomStory, signed
from zvm.story import pictures as picture_files
from zvm.story.pictures import AdaptivePalette, Picture, PictureError, Pictures

if TYPE_CHECKING:
    from zvm.screen.protocol import Frontend, Style
    from zvm.screen.windows6 import Window
    from zvm.story.loader import Story

FLAGS2 = 0x10                  # the header's Flags 2 (§11.1.2): bit 3, pictures wanted
TEXT_ROOM = 10                 # characters of room a read wants in window 0 (as Frotz)


class Media:
    """Pictures, the mouse and input places of the version 6 screen."""

    if TYPE_CHECKING:           # the screen's, which extends this (zvm.screen.v6)
        frontend: Frontend
        windows: list[Window]
        window: int
        cursor_on: bool
        fw: int
        fh: int

        @property
        def units(self) -> tuple[int, int]: ...
        def win(self, number: int, what: str = "window") -> Window: ...
        def cells_of(self, w: Window) -> tuple[int, int, int, int]: ...
        def cells_of_rect(self, y: int, x: int, height: int,
                          width: int) -> tuple[int, int, int, int]: ...
        def style_of(self, w: Window) -> Style: ...
        def word_break(self) -> None: ...
        def _units_left(self, w: Window) -> int: ...
        def _new_line(self) -> None: ...
        def _draw(self, w: Window, chars: list[tuple[str, Style]],
                  typed: bool = False) -> None: ...
        def _erase_cells(self, row: int, col: int, rows: int, cols: int,
                         w: Window) -> None: ...

    def __init__(self, story: Story | None, interpreter: int) -> None:
        header = story.header if story is not None else None
        self.infocom = InfocomStory(header.release if header else 0,
                                    header.serial_text if header else "", interpreter)
        self._said: set[str] = set()
        self.pictures: Pictures | None = None
        if story is not None and self.frontend.features.pictures:
            self.pictures = self._load(story)

    def reset_media(self) -> None:
        self.adaptive = AdaptivePalette()
        self.mouse_window: int | None = 1
        self.mouse_y = self.mouse_x = 0

    def say(self, line: str) -> None:
        """One line from the interpreter, once per run."""
        if line not in self._said:
            self._said.add(line)
            self.frontend.message(line)

    # -- the pictures (§8.8.6, Blorb) ------------------------------------------------
    def _load(self, story: Story) -> Pictures | None:
        name = os.path.basename(story.path)
        data = story.data
        wanted = len(data) > FLAGS2 + 1 and bool(data[FLAGS2 + 1] & 8) \
            or self.infocom.wants_pictures
        try:
            found = picture_files.load(story.path, story.blorb)
        except PictureError as e:
            self.say(f"zvm: {e}: the story plays without pictures")
            return None
        if found is None or not len(found):
            if wanted:
                stem = os.path.splitext(name)[0]
                self.say(f"zvm: no pictures found for {name} (no {stem}.blb beside it): "
                         f"the story plays without them")
            return None
        for problem in (found.identity_problem(data), *found.problems):
            if problem:
                self.say(f"zvm: {problem}")
        return found

    @property
    def shows_pictures(self) -> bool:
        """Flags 1 bit 1 in version 6 (§11.1.4): pictures can be drawn."""
        return self.pictures is not None

    def _picture(self, number: int) -> tuple[Picture, tuple[int, int]] | None:
        """A picture and its size on this screen; None (said once) when
        it cannot be had."""
        if self.pictures is None:
            return None
        try:
            return self.pictures.picture(number), self.pictures.size(number, self.units)
        except PictureError as e:
            self.say(f"zvm: {e}")
            return None

    def picture_data(self, number: int) -> tuple[bool, tuple[int, int] | None]:
        """§15 picture_data: whether to branch, and the two words to write
        (height, width; for picture 0 the number of pictures and the
        release of the file), or None to write nothing."""
        number = signed(number)
        if number == 0:
            if self.pictures is None:
                return False, (0, 0)
            return len(self.pictures) > 0, (len(self.pictures), self.pictures.release)
        if self.pictures is None or number < 0 or number not in self.pictures \
                or self.infocom.split_part(number):
            return False, None
        width, height = self.pictures.size(number, self.units)
        corners = self.infocom.split_picture(number)
        if corners:
            if any(c not in self.pictures for c in corners):
                return False, None
            height += self.pictures.size(corners[0], self.units)[1]
        return True, (height, width)

    def _place(self, y: int, x: int) -> tuple[int, int]:
        """Screen units of (y, x) in the current window; 0 is the cursor's."""
        w = self.windows[self.window]
        y, x = signed(y), signed(x)
        if y == 0:
            y = w.cursor_y
        if x == 0:
            x = w.cursor_x
        return w.y + y - 1, w.x + x - 1

    def draw_picture(self, number: int, y: int = 0, x: int = 0) -> None:
        """§15 draw_picture (clipped to the current window, §8.8.3)."""
        self.word_break()
        if self.pictures is None:
            return
        top, left = self._place(y, x)
        number = signed(number)
        corners = self.infocom.split_picture(number)
        if corners:
            found = self._picture(number)
            left_end, right_end = self._picture(corners[0]), self._picture(corners[1])
            if found and left_end and right_end:
                (w1, h1), (w2, _) = found[1], right_end[1]
                delta = self.units[0] // 160 if self.infocom.name == "arthur" else 0
                self._plot(left_end, top + h1, left + delta)
                self._plot(right_end, top + h1, left + w1 - w2 - delta)
        self._plot(self._picture(number), top, left)
        extra = self.infocom.extra_picture(number)
        if extra is not None:
            found = self._picture(extra)
            if found:
                self._plot(found, top, self.units[0] - found[1][0] + 1)

    def _plot(self, found: tuple[Picture, tuple[int, int]] | None, y: int, x: int) -> None:
        if found is None:
            return
        picture, (width, height) = found
        palette = None if picture.placeholder else self.adaptive.plot(picture)
        clip = self.cells_of(self.windows[self.window])
        self.frontend.v6_picture(picture, y, x, width, height, clip, palette)

    def erase_picture(self, number: int, y: int = 0, x: int = 0) -> None:
        """§15 erase_picture: the picture's rectangle painted in the
        window's background (§8.8.5.1)."""
        self.word_break()
        found = self._picture(signed(number))
        if found is None:
            return
        top, left = self._place(y, x)
        width, height = found[1]
        w = self.windows[self.window]
        r, c, rows, cols = self.cells_of_rect(top, left, height, width)
        wr, wc, wrows, wcols = self.cells_of(w)
        first_row, first_col = max(r, wr), max(c, wc)
        last_row, last_col = min(r + rows, wr + wrows), min(c + cols, wc + wcols)
        self._erase_cells(first_row, first_col, last_row - first_row, last_col - first_col, w)

    def picture_table(self, numbers: list[int]) -> None:
        """§15 picture_table: pictures about to be drawn; the frontend may
        get them ready (those it cannot use are said once)."""
        if self.pictures is None:
            return
        ready = [found[0] for n in numbers if (found := self._picture(n)) is not None]
        for problem in self.frontend.v6_preload(ready):
            self.say(f"zvm: {problem}")

    # -- the mouse (§10.3, §15 read_mouse, mouse_window) -----------------------------
    def set_mouse_window(self, number: int) -> None:
        number = signed(number)
        self.mouse_window = None if number == -1 else \
            self.windows.index(self.win(number, "mouse_window"))

    def click(self, row: int, col: int) -> tuple[int, int] | None:
        """A click on cell (row, col): the (x, y) to put in the header
        extension table, or None when it is outside the mouse window and
        does not count (§10.3.4)."""
        y = row * self.fh + (self.fh + 1) // 2
        x = col * self.fw + (self.fw + 1) // 2
        sw, sh = self.units
        if self.mouse_window is None:
            if not (1 <= y <= sh and 1 <= x <= sw):
                return None
            rel_y, rel_x = y, x
        else:
            w = self.windows[self.mouse_window]
            if not (w.y <= y < w.y + w.height and w.x <= x < w.x + w.width):
                return None
            rel_y, rel_x = y - w.y + 1, x - w.x + 1
        self.mouse_y, self.mouse_x = y, x
        return rel_x, rel_y

    def read_mouse(self) -> tuple[int, int, int, int]:
        """§15 read_mouse: y, x (of the last click, in screen units), the
        buttons held down (none: a terminal reports a click when it is
        over) and the menu word (no menus, §10.4)."""
        return self.mouse_y, self.mouse_x, 0, 0

    # -- input (§15 read, read_char) ---------------------------------------------------
    def input_place(self, preloaded: int) -> InputPlace:
        """Where a read in the current window takes place; ``preloaded``
        characters of it are on the screen already, before the cursor. In
        window 0 a line with less than ten characters of room left is
        ended first (as Frotz)."""
        self.word_break()
        w = self.windows[self.window]
        fw = self.fw
        if w is self.windows[0] and self._units_left(w) + preloaded * fw < TEXT_ROOM * fw:
            self._new_line()
            w = self.windows[self.window]
        row = (w.y + w.cursor_y - 2) // self.fh
        col = (w.x + w.cursor_x - 2) // fw - preloaded
        room = max(0, self._units_left(w) // fw) + preloaded
        return InputPlace(row, max(0, col), room, self.style_of(w), self.window,
                          self.cursor_on)

    def input_done(self, typed: str, terminator: int) -> None:
        """A read ended: what was typed after the preloaded text stays on the
        screen where it was typed, the cursor after it; Enter also ends the
        line (§15 read). Every window's line count starts again."""
        w = self.windows[self.window]
        if typed:
            style = self.style_of(w)
            self._draw(w, [(ch, style) for ch in typed], typed=True)
            w.cursor_x += len(typed) * self.fw
        for each in self.windows:
            each.line_count = 0
        if terminator == 13:
            self._new_line()

    def key_done(self) -> None:
        """read_char answered: the line counts start again (§8.8.3.2.6)."""
        for each in self.windows:
            each.line_count = 0
