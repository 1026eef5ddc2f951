"""Turning styles and screen rows into terminal output (no tty needed).

``Painter`` maps a ``zvm.frontend.Style`` to escape sequences for a
blessed ``Terminal``: text styles (§8.7.1: reverse, bold, italic, fixed;
italic falls back to underline where the terminal has no italic) and
colours (§8.3). Colours reach the frontend as 15-bit true colours
(§15 set_true_colour: bits 0-4 red, 5-9 green, 10-14 blue; §8.3.7: -1 the default), and are
drawn as well as the terminal can:

* 1<<24 colours: the exact colour (SGR 38;2 / 48;2);
* 256 colours: the eight standard colours 2-9 of §8.3.1 as the
  terminal's own ANSI colours 0-7 (so a themed terminal keeps its red),
  anything else as the nearest of the xterm colour cube and grey ramp;
* 8 or 16 colours: the nearest of the eight ANSI colours;
* none (or ``no_colour``): no colour at all, styles only.

``status_row``, ``upper_rows`` and ``FrameWriter`` build and draw whole
screen rows, each a list of ``(text, Style)`` runs.
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import BOLD, ITALIC, PLAIN, REVERSE, Style
from zvm.screen.model import TRUE_COLOURS

from .wrap import clip_runs, runs_width, text_width

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from blessed import Terminal

    from zvm.screen.protocol import Cell

    from .wrap import Row, Run

# The true colours of colour numbers 2-9 (black .. white, §8.3.1), which are
# also the ANSI colours 0-7 in that order.
STANDARD_TRUE = tuple(TRUE_COLOURS[n] for n in range(2, 10))

TRUECOLOUR = 1 << 24


def rgb(colour: int) -> tuple[int, int, int]:
    """A 15-bit true colour (§8.3.7) as 8-bit red, green, blue."""
    def up(v: int) -> int:
        return (v << 3) | (v >> 2)
    return up(colour & 31), up((colour >> 5) & 31), up((colour >> 10) & 31)


def _dist(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return sum((x - y) * (x - y) for x, y in zip(a, b, strict=True))


_ANSI_RGB = [rgb(c) for c in STANDARD_TRUE]


def ansi8(colour: int) -> int:
    """The ANSI colour (0-7) for a true colour: a standard colour's own
    number, else the nearest of the eight."""
    if colour in STANDARD_TRUE:
        return STANDARD_TRUE.index(colour)
    c = rgb(colour)
    return min(range(8), key=lambda i: _dist(c, _ANSI_RGB[i]))


_CUBE = (0, 95, 135, 175, 215, 255)


def _xterm256_rgb(i: int) -> tuple[int, int, int]:
    if i >= 232:
        v = 8 + 10 * (i - 232)
        return v, v, v
    i -= 16
    return _CUBE[i // 36], _CUBE[(i // 6) % 6], _CUBE[i % 6]


_XTERM_RGB = [(_xterm256_rgb(i), i) for i in range(16, 256)]


def xterm256(colour: int) -> int:
    """The 256-colour palette index for a true colour: standard colours
    2-9 (§8.3.1) as ANSI 0-7, others the nearest cube or grey entry."""
    if colour in STANDARD_TRUE:
        return STANDARD_TRUE.index(colour)
    c = rgb(colour)
    return min(_XTERM_RGB, key=lambda e: _dist(c, e[0]))[1]


class Painter:
    """Escape sequences for styles on one terminal, cached per style.

    ``colours`` is the colour depth to draw for (default: the terminal's
    ``number_of_colors``; 0 when ``no_colour``); ``default_fg`` and
    ``default_bg`` the true colours (§8.3.7) drawn for a style's default
    colour (-1: the terminal's). ``normal`` resets to plain text in the
    default colours."""

    def __init__(self, term: Terminal, no_colour: bool = False, colours: int | None = None,
                 default_fg: int = -1, default_bg: int = -1) -> None:
        self.term = term
        if colours is None:
            colours = term.number_of_colors
        self.colours = 0 if no_colour else int(colours or 0)
        self.italic = term.italic or term.underline
        # The default colours (-1 in a Style): the terminal's own, or the
        # true colours the player chose (--fg, --bg).
        self.default_fg, self.default_bg = default_fg, default_bg
        self.normal = term.normal + self.colour_seq(default_fg, False) \
            + self.colour_seq(default_bg, True)
        self._cache: dict[Style, str] = {}

    def colour_seq(self, colour: int, background: bool) -> str:
        """The sequence selecting a foreground or background true colour,
        '' for the default colour (-1) or a terminal without colour."""
        if colour < 0 or self.colours < 8:
            return ""
        t = self.term
        if self.colours >= TRUECOLOUR:
            r, g, b = rgb(colour)
            return f"\x1b[{48 if background else 38};2;{r};{g};{b}m"
        n = xterm256(colour) if self.colours >= 256 else ansi8(colour)
        # blessed types the capability of a terminal without it (a
        # NullCallableString) as taking strings; it takes an int too (giving '').
        return t.on_color(n) if background else t.color(n)  # type: ignore[arg-type]

    def sgr(self, style: Style) -> str:
        """Everything needed to draw text in ``style`` after a reset."""
        seq = self._cache.get(style)
        if seq is None:
            t = self.term
            parts = [self.normal]
            bits = style.bits
            if bits & REVERSE:
                parts.append(t.reverse)
            if bits & BOLD:
                parts.append(t.bold)
            if bits & ITALIC:
                parts.append(self.italic)
            # FIXED (§8.1, §8.7.1): a terminal's text is always fixed-pitch.
            fg = style.fg if style.fg >= 0 else self.default_fg
            bg = style.bg if style.bg >= 0 else self.default_bg
            parts.append(self.colour_seq(fg, False))
            parts.append(self.colour_seq(bg, True))
            seq = "".join(parts)
            self._cache[style] = seq
        return seq


STATUS_STYLE = Style(REVERSE)


def status_row(left: str, right: str, width: int) -> Row:
    """The version 1-3 status line (§8.2): the location at the left, the
    score and moves (or the time) at the right, all in reverse video and
    padded to the full ``width``. A long location name is cut short so
    the right-hand part stays visible."""
    left = " " + left
    right = right + " " if right else ""
    rw = text_width(right)
    if rw > width:
        right, rw = "", 0
    room = width - rw - 1 if right else width
    lw = text_width(left)
    if lw > room:
        cut = clip_runs([(left, STATUS_STYLE)], max(0, room))
        left = cut[0][0] if cut else ""
        lw = text_width(left)
    pad = width - lw - rw
    return [(left + " " * pad + right, STATUS_STYLE)]


def cells_row(cells: Iterable[Cell], width: int) -> Row:
    """One row of upper-window cells (§8.7.2.1) as runs of equal style,
    at most ``width`` columns (a wide character covers the cell after it)."""
    runs: Row = []
    col = 0
    skip = 0
    for ch, style in cells:
        if skip:
            skip -= 1
            continue
        w = text_width(ch) or 1
        if col + w > width:
            break
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + ch, style)
        else:
            runs.append((ch, style))
        col += w
        skip = w - 1
    return runs


def upper_rows(cells: list[list[Cell]], height: int, width: int) -> list[Row]:
    """The upper window's top ``height`` rows as runs."""
    rows = [cells_row(r, width) for r in cells[:height]]
    while len(rows) < height:
        rows.append([])
    return rows


def _trim_blank(runs: Iterable[Run]) -> Row:
    """Drop trailing plain spaces (drawn by clearing to end of line)."""
    out = list(runs)
    while out:
        text, style = out[-1]
        if style.bits & REVERSE or style.bg >= 0:
            break
        stripped = text.rstrip(" ")
        if stripped:
            out[-1] = (stripped, style)
            break
        out.pop()
    return out


def overlay(runs: Iterable[Run], cells: Iterable[Cell]) -> Row:
    """A display line with the non-blank cells of a left-behind upper
    window row drawn over it (blank cells, unless reversed, let the
    text show through)."""
    grid: list[Cell] = []
    for text, style in runs:
        for ch in text:
            grid.append((ch, style))
            grid.extend([("", style)] * (max(1, text_width(ch)) - 1))
    for col, (ch, style) in enumerate(cells):
        if ch == " " and not style.bits & REVERSE:
            continue
        while len(grid) <= col:
            grid.append((" ", PLAIN))
        grid[col] = (ch, style)
    out: Row = []
    for ch, style in grid:
        if out and out[-1][1] == style:
            out[-1] = (out[-1][0] + ch, style)
        else:
            out.append((ch, style))
    return out


class FrameWriter:
    """Draws frames (lists of rows of runs) on a blessed terminal,
    rewriting only the rows that changed since the last frame."""

    def __init__(self, term: Terminal, painter: Painter,
                 on_gone: Callable[[OSError], None] | None = None) -> None:
        self.term = term
        self.painter = painter
        self.drawn: list[Row] | None = None
        self.on_gone = on_gone       # called with the OSError when the terminal cannot be written
        self.cursor_shown = True     # False: frames hide the cursor (a story's set_cursor -1)
        self._cursor_was = True

    def invalidate(self) -> None:
        """Forget what is on the screen: the next frame is drawn whole."""
        self.drawn = None

    def row_seq(self, y: int, runs: Iterable[Run], width: int) -> str:
        """The output that draws one row at line ``y``."""
        t = self.term
        p = self.painter
        runs = _trim_blank(clip_runs(runs, width))
        parts = [t.move_yx(y, 0)]
        for text, style in runs:
            parts.append(p.sgr(style))
            parts.append(text)
        parts.append(p.normal)
        if runs_width(runs) < width:
            parts.append(t.clear_eol)
        return "".join(parts)

    def draw(self, rows: list[Row], width: int, cursor: tuple[int, int] | None) -> str:
        """Draw ``rows`` (top to bottom) and put the cursor at ``(y, x)``;
        returns the text written (also sent to ``term.stream``)."""
        t = self.term
        drawn = self.drawn
        if drawn is not None and len(drawn) != len(rows):
            drawn = None                       # the whole frame is drawn
        parts = []
        if drawn is None:
            parts.append(self.painter.normal + t.clear)
        for y, row in enumerate(rows):
            if drawn is None or drawn[y] != row:
                parts.append(self.row_seq(y, row, width))
        self.drawn = [list(r) for r in rows]
        if cursor is not None:
            parts.append(t.move_yx(*cursor))
        if self.cursor_shown != self._cursor_was:
            parts.append(t.normal_cursor if self.cursor_shown else t.hide_cursor)
            self._cursor_was = self.cursor_shown
        out = "".join(parts)
        stream = t.stream
        try:
            stream.write(out)
            stream.flush()
        except OSError as e:
            if self.on_gone is None:
                raise
            self.on_gone(e)
        except ValueError:
            pass
        return out
