"""The headless frontend in version 6 (§8.8): the screen as text, in the
order it lies on the screen, and pictures as one line each.

``HeadlessV6`` is the half of ``zvm.ui.headless.HeadlessFrontend`` that a
version 6 story uses (a mixin). The machine's screen model
(``zvm.screen.v6``) lays text out in its windows; this half keeps the
result as a grid of cells (``zvm.ui.display6.Display``) and prints it the
way dfrotz prints its screen: nothing while the story runs; when it waits
for input (or a window has scrolled a screenful, or the story ends) the
rows that gained text since the last time, top to bottom - so the text of
every window comes in screen order - runs of rows without news shrunk to
one empty line, and then the cursor's row up to the cursor as the prompt.
A picture drawn since the last time is a line of its own before the first
row it covers::

    [picture 3: 320x160]

naming its number and its size on the screen in units (after the Blorb
'Reso' scaling). The output depends on nothing but the story and the
input, so a regtest can check a version 6 story.

A character cell is ``CELL`` = 8 x 16 screen units, as the terminal UI's
(``zvm.ui.terminal_v6``), so a story lays its screen out the same way for
both. An input line ``{click ROW COL}`` (``{double-click ROW COL}``), the
cell counted from 1, is a mouse click (§10.3).
"""

from __future__ import annotations


from zvm.screen.font3 import graphics
from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import (
    TIMED_OUT,
    CharRequest,
    Click,
    InputPlace,
    LineRequest,
    LineResult,
    Style,
)

if TYPE_CHECKING:
    from typing import TextIO

    from zvm.screen.protocol import Features
    from zvm.story.pictures import RGB, Picture

    from .display6 import Display

CELL = (8, 16)                 # screen units across and down a character cell
def read_click(line: str) -> Click | None:
    """``{click ROW COLUMN}`` or ``{double-click ROW COLUMN}`` (from 1) as
    a Click (cells from 0); None for any other line."""
    if not (line.startswith("{") and line.endswith("}")):
        return None
    words = line[1:-1].split(" ")
    if len(words) != 3 or words[0] not in ("click", "double-click") \
            or not all(w.isascii() and w.isdigit() for w in words[1:]):
        return None
    return Click(int(words[1]) - 1, int(words[2]) - 1, words[0] == "double-click")


# read_char: a character KEY_BASE + n in the input is the key whose ZSCII
# code is n (§10.7), how a program feeding input names keys such as the
# cursor keys that no character stands for.
KEY_BASE = 0xE000
NO_KEY = 0x7F                  # dfrotz's "bad key": read_char skips it


def key_of(code: int) -> int | str:
    """What read_char answers for a character of the input line: Enter for
    a newline, control characters as their codes, KEY_BASE + n as key n."""
    if code == 10 or code == 13:
        return 13
    if code < 32:
        return code
    if KEY_BASE < code <= KEY_BASE + 255:
        return code - KEY_BASE
    return chr(code)


def picture_line(number: int, width: int, height: int) -> str:
    """The line that stands for a picture."""
    return f"[picture {number}: {width}x{height}]"


class HeadlessV6:
    """Version 6 for ``HeadlessFrontend`` (see the module's docstring)."""

    v6: Display | None = None

    # What this half uses of the frontend, declared for type checkers
    # (``HeadlessFrontend`` has them).
    features: Features
    show_pictures: bool
    height: int
    stdout: TextIO
    echo: bool
    virtual_clock: bool
    waiting_for: str
    _key_buffer: list[int]

    if TYPE_CHECKING:
        def next_scripted(self) -> str | None: ...
        def _read_raw_line(self) -> str: ...
        def _flush_before_input(self) -> None: ...
        def _timer_passes(self, request: LineRequest | CharRequest) -> bool: ...

    def _v6_setup(self) -> None:
        """Version 6 starts: the features a version 6 story is told, and
        an empty screen."""
        self.features = self.features._replace(
            font_width=CELL[0], font_height=CELL[1],
            pictures=self.show_pictures, mouse=True)
        from .display6 import Display  # Pillow, for version 6 alone
        self.v6 = Display(self.height, self.features.width, CELL)

    # -- what the screen model draws -------------------------------------------------
    def v6_text(self, row: int, col: int, text: str, style: Style, typed: bool = False) -> None:
        assert self.v6 is not None
        if style.font == 3:                   # character graphics (§16) as Unicode
            text = graphics(text)
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

    def v6_more(self) -> None:
        """A window scrolled a screenful: what is new is printed before it
        scrolls away (dfrotz at a MORE prompt, which it does not show)."""
        self._v6_show(None)

    # -- printing the screen -----------------------------------------------------------
    def _v6_show(self, prompt: tuple[int, int] | None) -> None:
        """Print the rows with news (see the module) and, reading at
        ``prompt`` (row, column), that row up to the column."""
        d = self.v6
        assert d is not None
        fresh: dict[int, list[str]] = {}
        for p in d.live():
            if p.key in d.fresh:
                row = max(0, p.rect.row)
                fresh.setdefault(row, []).append(picture_line(p.picture.number, p.width,
                                                              p.height))
        changed = [any(m and ch != " " for m, ch in zip(marks, chars, strict=True))
                   for marks, chars in zip(d.marks, d.chars, strict=True)]
        news = [changed[r] or r in fresh for r in range(d.rows)]
        if prompt is not None and 0 <= prompt[0] < d.rows and prompt[0] not in fresh:
            r, c = prompt
            if news[r] and True not in news[r + 1:] and not "".join(d.chars[r][c:]).strip():
                news[r] = False            # the prompt row is printed as the prompt
        out = self.stdout
        last = -1
        if True in news:
            first = news.index(True)
            last = d.rows - 1 - news[::-1].index(True)
            r = first
            while r <= last:
                if news[r]:
                    for line in fresh.get(r, ()):
                        out.write(line + "\n")
                    if changed[r]:
                        out.write(self._v6_row_text(r) + "\n")
                    r += 1
                    continue
                while not news[r]:
                    r += 1
                out.write("\n")
        if prompt is not None and 0 <= prompt[0] < d.rows:
            if prompt[0] > last + 1 and last >= 0:
                out.write("\n")
            out.write(self._v6_row_text(prompt[0], prompt[1]))
        d.shown()

    def _v6_row_text(self, row: int, upto: int | None = None) -> str:
        assert self.v6 is not None
        chars = self.v6.chars[row]
        text = "".join(chars if upto is None else chars[:max(0, upto)])
        return text.rstrip(" ") if upto is None else text

    # -- input -----------------------------------------------------------------------------
    def _v6_prompt(self, place: InputPlace | None, preloaded: str) -> tuple[int, int] | None:
        if place is None:
            return None
        return place.row, place.col + len(preloaded)

    def _v6_line(self, request: LineRequest | CharRequest) -> str | Click | None:
        """The next input line; a click; None when a timed read's interval
        passed (virtual clock)."""
        preloaded = getattr(request, "preloaded", "") or ""
        while True:
            self._v6_show(self._v6_prompt(request.place, preloaded))
            self._flush_before_input()
            line = self.next_scripted()
            if line is not None:
                self.stdout.write(line + "\n")         # replayed: shown as --echo shows it
                break
            line = self._read_raw_line()
            if self.virtual_clock and line == "{timer}":
                if self._timer_passes(request):
                    return None
                continue
            if self.echo:
                self.stdout.write(line + "\n")
            break
        click = read_click(line)
        return click if click is not None else line

    def _v6_read_line(self, request: LineRequest) -> LineResult:
        self.waiting_for = "line"
        preloaded = request.preloaded or ""
        got = self._v6_line(request)
        if got is None:
            return LineResult(preloaded + request.typed, TIMED_OUT)
        if isinstance(got, Click):
            return LineResult(preloaded, 253 if got.double else 254, got)
        return LineResult((preloaded + got)[:max(0, request.max_len)], 13)

    def _v6_read_char(self, request: CharRequest) -> int | str | Click:
        """One key, as in versions 1-5 (``HeadlessFrontend.read_char``): a
        line is read and handed out a character a time; a click line is a
        click."""
        self.waiting_for = "char"
        while True:
            while not self._key_buffer:
                got = self._v6_line(request)
                if got is None:
                    return TIMED_OUT
                if isinstance(got, Click):
                    return got
                self._key_buffer = [ord(c) for c in got] if got else [13]
            code = self._key_buffer.pop(0)
            if code != NO_KEY:
                return key_of(code)

    def _v6_ask_filename(self, default: str) -> str:
        self._v6_show(None)
        self.stdout.write(f"Please enter a filename [{default}]: ")
        self._flush_before_input()
        answer = self.next_scripted()
        if answer is not None:
            self.stdout.write(answer + "\n")
        else:
            answer = self._read_raw_line()
            if self.echo:
                self.stdout.write(answer + "\n")
        return answer.strip() or default

    def _v6_close(self) -> None:
        self._v6_show(None)
