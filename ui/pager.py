"""Reading what scrolled away, and the keys the terminal UI reads for itself.

``read_key`` gets one key from blessed and turns the mouse wheel (SGR
mouse reports, ``ESC [ < button ; x ; y M``, which blessed hands on as an
unknown sequence) into ``WHEEL_UP`` and ``WHEEL_DOWN``; other mouse reports
become ``IGNORED``. ``is_paging_key`` says whether a key opens the
scrollback.

``scrollback`` pages through everything the lower window printed this
session (its logical lines, wrapped at the current width) in the rows
below the status line: Page Up and Page Down (and the wheel) move; any
other key returns to the game, which waits meanwhile. ``ask_key`` shows a
line of the interpreter's own on the last row, below the end of the text,
and waits for a key (``[Hit any key to exit.]``, the quit question).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from zvm.screen.protocol import PLAIN, REVERSE, Style

if TYPE_CHECKING:
    from blessed import Terminal

    from .terminput import KeyInput
    from .wrap import Row

WHEEL_UP = "WHEEL_UP"
WHEEL_DOWN = "WHEEL_DOWN"
IGNORED = "IGNORED"           # a mouse report or sequence that means nothing here
WHEEL_STEP = 3                # lines one notch of the wheel moves
PAGE_UP = frozenset({"KEY_PGUP", "KEY_PPAGE", WHEEL_UP})
PAGE_DOWN = frozenset({"KEY_PGDOWN", "KEY_NPAGE", WHEEL_DOWN})
BAR_STYLE = Style(REVERSE)
POLL = 0.1                    # seconds between checks for a resize


def key_name(key: Key | None) -> str | None:
    """A key's name: blessed's (``KEY_PGUP`` ...), or ours for the wheel."""
    if isinstance(key, str) and key in (WHEEL_UP, WHEEL_DOWN, IGNORED):
        return key
    return getattr(key, "name", None) if getattr(key, "is_sequence", False) else None


def is_paging_key(key: Key) -> bool:
    """Page Up, Page Down or the wheel."""
    name = key_name(key)
    return name in PAGE_UP or name in PAGE_DOWN


class Press(NamedTuple):
    """A press of the left mouse button on a cell (row, column, from 0)."""

    row: int
    col: int


if TYPE_CHECKING:
    # A key as ``read_key`` gives it: a blessed ``Keystroke`` (a str),
    # ``WHEEL_UP``, ``WHEEL_DOWN`` or ``IGNORED``, or a ``Press``.
    Key = str | Press


def read_key(term: Terminal, timeout: float, clicks: bool = False) -> Key:
    """The next key within ``timeout`` seconds (an empty string for none);
    a mouse report is read whole and becomes ``WHEEL_UP``, ``WHEEL_DOWN``,
    with ``clicks`` a ``Press`` of the left button, or else ``IGNORED``."""
    key = term.inkey(timeout=timeout)
    if str(key) != "\x1b[":
        return key
    rest = ""
    while len(rest) < 24:                      # CSI parameters, then a final byte
        more = str(term.inkey(timeout=0.05))
        if not more:
            break
        rest += more
        if "\x40" <= more[-1] <= "\x7e":
            break
    if rest.startswith("<") and rest.endswith("M"):
        try:
            button, x, y = (int(n) for n in rest[1:-1].split(";"))
        except ValueError:
            return IGNORED
        if button & 64:
            return WHEEL_DOWN if button & 1 else WHEEL_UP
        if clicks and button & 0xE3 == 0:         # the left button, pressed, not dragged
            return Press(y - 1, x - 1)
    return IGNORED


def _frame(ui: KeyInput, lines: list[Row], end: int, rows: int,
           width: int) -> tuple[list[Row], tuple[int, int]]:
    """The screen of the scrollback with its last line ``end``, and where
    the cursor goes."""
    status = ui._layout()[2]
    start = max(0, end - rows)
    frame: list[Row] = []
    if status:
        frame.append(ui.compose([])[0])
    frame.extend(list(r) for r in lines[start:end])
    while len(frame) < status + rows:
        frame.append([])
    bar = (f" Scrollback: lines {start + 1}-{end} of {len(lines)}. Page Up, Page Down,"
           " the wheel; any other key returns ")
    frame.append([(bar[:width], BAR_STYLE)])
    return frame, (len(frame) - 1, min(len(bar), width - 1))


def scrollback(ui: KeyInput, key: Key | None) -> None:
    """Page back through the session's text, starting with ``key`` (a
    paging key), until a key that does not page (which is used up)."""
    end: int | None = None
    while True:
        if ui._resized:
            ui.resize()
        width, height, status = ui._layout()[:3]
        rows = max(1, height - status - 1)
        lines = ui._wrapped_lines(0)
        total = len(lines)
        if end is None:
            end = total
        name = key_name(key)
        if name in PAGE_UP:
            step = WHEEL_STEP if name == WHEEL_UP else max(1, rows - 1)
            end = max(min(rows, total), end - step)
        elif name in PAGE_DOWN:
            end += WHEEL_STEP if name == WHEEL_DOWN else max(1, rows - 1)
            if end >= total:
                break
        elif key is not None:
            break
        frame, cursor = _frame(ui, lines, end, rows, width)
        ui.writer.draw(frame, width, cursor)
        key = ui._wait_key(POLL)
        while not key or key_name(key) == IGNORED:
            if ui._resized:
                key = None                     # draw again at the new size
                break
            key = ui._wait_key(POLL)
    ui.writer.invalidate()


def ask_key(ui: KeyInput, text: str) -> Key:
    """Show ``text`` on the last row below the end of the lower window's
    text and return the next key; Page Up and Down page back meanwhile.
    Drawn again after a resize or ``fg``. Ctrl-C raises
    ``KeyboardInterrupt`` to the caller."""
    draw = True
    while True:
        if draw or ui._resized:
            if ui._resized:
                ui.resize()
            width, height, status, upper, lower = ui._layout()
            region = ui._region()
            view, _ = ui._view(region, len(region), max(0, lower - 1))
            ui.writer.draw(ui.compose(view, [(text, PLAIN)]), width,
                           (height - 1, min(len(text), width - 1)))
            draw = False
        key = ui._wait_key(POLL)
        if not key or key_name(key) == IGNORED:
            continue
        if is_paging_key(key):
            scrollback(ui, key)
            draw = True
            continue
        return key
