"""Measuring and word-wrapping styled text for the terminal UI.

Pure functions, no terminal needed: the lower window (§7.2, §7.2.2: text in
the lower window is word-wrapped when buffering is on) is kept as
*logical lines* - the game's own lines, each a list of ``(text, Style)``
runs - and cut into *display lines* at the terminal's width whenever it is
drawn, so a resize can simply re-cut it.

Widths are terminal columns as ``wcwidth`` counts them (the measure
``blessed.Terminal.length`` uses): East Asian wide characters take two
columns, combining marks none.
"""

from __future__ import annotations

from functools import lru_cache

from wcwidth import wcwidth as _wcwidth

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from zvm.screen.protocol import Style

    Run = tuple[str, Style]     # a piece of text in one style
    Row = list[Run]             # a line (logical or display) or a screen row, as runs


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Columns one character takes: 0, 1 or 2 (control characters 0)."""
    w = _wcwidth(ch)
    return w if w > 0 else 0


def text_width(text: str) -> int:
    """Columns ``text`` takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def runs_width(runs: Iterable[Run]) -> int:
    """Columns a list of runs takes."""
    return sum(text_width(t) for t, _ in runs)


def clip(text: str, width: int) -> str:
    """The longest prefix of ``text`` that fits in ``width`` columns."""
    if text.isascii():
        return text[:max(0, width)]
    col = 0
    for i, c in enumerate(text):
        col += char_width(c)
        if col > width:
            return text[:i]
    return text


def clip_runs(runs: Iterable[Run], width: int) -> Row:
    """The runs cut to at most ``width`` columns."""
    out: Row = []
    left = width
    for text, style in runs:
        if left <= 0:
            break
        part = clip(text, left)
        if part:
            out.append((part, style))
        left -= text_width(part)
    return out


def break_points(text: str, width: int) -> list[tuple[int, int]]:
    """Where to cut one logical line of ``text`` to fit ``width`` columns.

    Returns ``(start, end)`` index pairs, one per display line. A line
    breaks at the last space that fits (the spaces at the break are
    dropped, as word-wrapping (§7.2) does) or after a hyphen inside a
    word; a word wider than the whole line is cut where the line is full.
    An empty text is one empty display line."""
    n = len(text)
    if n == 0 or width <= 0:
        return [(0, n)]
    ascii_ = text.isascii()
    out: list[tuple[int, int]] = []
    start = 0
    while start < n:
        col = 0
        i = start
        brk = None               # (end, next start) of the best break so far
        while i < n:
            c = text[i]
            w = 1 if ascii_ else char_width(c)
            if col + w > width:
                break
            if c == " ":
                if i > start and text[i - 1] != " ":
                    brk = (i, i + 1)
                elif brk is not None:
                    brk = (brk[0], i + 1)
            elif c == "-" and i > start and text[i - 1] not in " -" \
                    and i + 1 < n and text[i + 1] not in " -":
                brk = (i + 1, i + 1)
            col += w
            i += 1
        if i >= n:
            out.append((start, n))
            break
        if text[i] == " ":
            end = i
            while end > start and text[end - 1] == " ":
                end -= 1
            if end == start:          # a line of nothing but spaces
                end = i
            nxt = i
        elif brk is not None:
            end, nxt = brk
        else:
            end = nxt = max(i, start + 1)   # hard cut; always progress
        while nxt < n and text[nxt] == " ":
            nxt += 1
        out.append((start, end))
        start = nxt
    return out


def slice_runs(runs: Iterable[Run], start: int, end: int) -> Row:
    """The part of ``runs`` between character offsets ``start`` and ``end``."""
    out: Row = []
    pos = 0
    for text, style in runs:
        a, b = pos, pos + len(text)
        pos = b
        if b <= start:
            continue
        if a >= end:
            break
        part = text[max(start, a) - a:min(end, b) - a]
        if part:
            out.append((part, style))
    return out


def wrap_runs(runs: Row, width: int) -> list[Row]:
    """One logical line of styled runs as display lines of at most
    ``width`` columns (see ``break_points``)."""
    text = "".join(t for t, _ in runs)
    if len(runs) == 1:
        style = runs[0][1]
        return [[(text[a:b], style)] if b > a else [] for a, b in break_points(text, width)]
    return [slice_runs(runs, a, b) for a, b in break_points(text, width)]


def wrap_text(text: str, width: int) -> list[str]:
    """Plain text, which may hold newlines, as wrapped lines (for tests and
    for printing the last words after the game ends)."""
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(line[a:b] for a, b in break_points(line, width))
    return out


def flow_chars(text: str, first_col: int,
               width: int) -> tuple[list[str], list[tuple[int, int]]]:
    """Character-wrap ``text`` (the line being typed) starting at column
    ``first_col`` of a line ``width`` wide. Returns the pieces, one per
    display line (the first continues the current line), and a list of
    the (line, column) of every character plus the position after the
    last one."""
    pieces = [""]
    where: list[tuple[int, int]] = []
    row, col = 0, first_col
    for ch in text:
        w = char_width(ch) or 1
        if col + w > width and col > 0:
            row += 1
            col = 0
            pieces.append("")
        where.append((row, col))
        pieces[row] += ch
        col += w
    if col >= width:
        row, col = row + 1, 0
        pieces.append("")
    where.append((row, col))
    return pieces, where
