"""The headless screen's fast paths against plain models of dfrotz.

``zvm.ui.headless_grid.Grid`` keeps rows as strings and computes change
marks with string and byte operations; ``CellGrid`` here is dfrotz's grid
(``dumb-output.c``) kept cell by cell, the obvious way. Random sequences of
operations must leave both with the same characters, styles and change
marks and make them print the same bytes. Likewise the lower window's
shortcuts (``words_of``, wrapping by ``rfind``, whole blocks of lines fed to
the grid) must lay text out as the word-at-a-time paths do.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable

import pytest

from zvm.ui.headless_grid import HIDDEN, Grid, printable
from zvm.ui.headless_text import CoreText, words_of

_PLAIN = (0, 1, 8)                         # styles dfrotz 2.54 prints


class CellGrid:
    """dfrotz's grid cell by cell: a character, a style and a change mark
    (did the last write to the cell change it?) per cell."""

    def __init__(self, width: int, height: int, drop_styled: bool) -> None:
        self.width, self.height, self.drop_styled = width, height, drop_styled
        self.chars = [[" "] * width for _ in range(height)]
        self.styles = [[0] * width for _ in range(height)]
        self.marks = [[False] * width for _ in range(height)]
        self.out = io.StringIO()
        self.row = self.col = self.style = 0

    def fit(self, row: int, col: int) -> bool:
        if not 0 <= row < self.height or col < 0:
            return False
        if self.width:
            return col < self.width
        while len(self.chars[row]) <= col:     # width 0: rows grow
            self.chars[row].append(" ")
            self.styles[row].append(0)
            self.marks[row].append(False)
        return True

    def put(self, row: int, col: int, text: str, style: int) -> None:
        for c, ch in enumerate(text, col):
            if not self.fit(row, c):
                return
            self.marks[row][c] = self.chars[row][c] != ch or self.styles[row][c] != style
            self.chars[row][c], self.styles[row][c] = ch, style

    def blank_row(self, row: int) -> None:
        for c, (ch, s) in enumerate(zip(self.chars[row], self.styles[row], strict=True)):
            self.marks[row][c] = ch != " " or s != self.style
            self.chars[row][c], self.styles[row][c] = " ", self.style

    def scroll(self, top: int, bottom: int) -> None:
        for grid in (self.chars, self.styles, self.marks):
            grid.insert(bottom + 1, list(grid[bottom]))
            del grid[top]
        self.blank_row(bottom)

    def feed(self, top: int, bottom: int, lines: list[str]) -> None:
        for line in lines:
            self.put(bottom, 0, line, self.style)
            self.scroll(top, bottom)

    def put_input(self, typed: str) -> None:
        for ch in typed:
            if self.width and self.col >= self.width:
                self.row, self.col = self.row + 1, 0
            if not self.fit(self.row, self.col):
                return
            self.chars[self.row][self.col], self.styles[self.row][self.col] = ch, 0
            self.col += 1

    def shown(self, style: int) -> bool:
        return not style & HIDDEN and (not self.drop_styled or style in _PLAIN)

    def row_text(self, row: int, upto: int | None = None) -> str:
        chars = "".join(self.chars[row])
        upto = len(chars.rstrip(" ")) if upto is None else min(upto, len(chars))
        cells = zip(chars[:upto], self.styles[row], strict=False)
        return "".join(ch for ch, s in cells if self.shown(s))

    def show(self, show_cursor: bool) -> None:
        changed = [any(m and ch != " " for m, ch in zip(marks, chars, strict=True))
                   for marks, chars in zip(self.marks, self.chars, strict=True)] + [False]
        if True not in changed:
            return
        first = changed.index(True)
        last = max(r for r, c in enumerate(changed) if c)
        if show_cursor and self.row == last and not "".join(self.chars[last][self.col:]).strip(" "):
            last -= 1
        r = first
        while r <= last:
            if changed[r] or changed[r + 1]:
                self.out.write(self.row_text(r) + "\n")
            else:
                while not changed[r + 1]:
                    r += 1
                self.out.write("\n")
            r += 1
        if show_cursor and self.row > last + 1:
            self.out.write((self.row_text(last + 1) if self.row == last + 2 else "") + "\n")
        self.marks = [[False] * len(marks) for marks in self.marks]


def _same(grid: Grid, model: CellGrid, out: io.StringIO) -> None:
    for r in range(model.height):
        assert grid.chars[r] == "".join(model.chars[r])
        styles = grid.styles[r]
        assert (styles if isinstance(styles, list) else [styles] * len(grid.chars[r])) \
            == model.styles[r]
        assert [m != " " for m in grid.marks[r]] == model.marks[r]
        # ``changed`` is kept up to date rather than worked out by ``show``.
        assert grid.changed[r] == any(m and ch != " " for m, ch
                                      in zip(model.marks[r], model.chars[r], strict=True))
    assert out.getvalue() == model.out.getvalue()


_LETTERS = "ab  -x\u00e9\u0436\u3000"          # spaces, a hyphen, latin-1 and beyond
_STYLES = (0, 0, 0, 1, 2, 8, HIDDEN | 9)


def _text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(_LETTERS) for _ in range(rng.randint(0, most)))


@pytest.mark.parametrize("width,height,drop", [(12, 6, False), (12, 6, True), (0, 4, False),
                                               (5, 3, True), (80, 24, False)])
@pytest.mark.parametrize("seed", range(6))
def test_grid_of_strings_equals_the_grid_of_cells(width: int, height: int, drop: bool,
                                                  seed: int) -> None:
    rng = random.Random(seed * 1000 + width)
    out = io.StringIO()
    grid, model = Grid(width, height, out, drop), CellGrid(width, height, drop)
    span = width or 15
    for _ in range(400):
        op = rng.randrange(11)
        row, col = rng.randint(-1, height), rng.randint(-1, span + 1)
        if op <= 2:
            text, style = _text(rng, span + 2), rng.choice(_STYLES)
            grid.put(row, col, text, style)
            model.put(row, col, text, style)
        elif op == 3 and 0 <= row < height:
            grid.style = model.style = rng.choice(_STYLES)
            grid.blank_row(row)
            model.blank_row(row)
        elif op in (4, 5):
            top = rng.randrange(height)
            bottom = rng.randrange(top, height)
            grid.style = model.style = rng.choice((0, 0, 1))
            if op == 4 or not width:
                grid.scroll(top, bottom)
                model.scroll(top, bottom)
            else:
                lines = [_text(rng, width).replace("\u3000", " ")[:width]
                         for _ in range(rng.randint(1, height + 1))]
                grid.feed(top, bottom, lines)
                model.feed(top, bottom, lines)
        elif op == 6 and 0 <= row < height and 0 <= col:
            grid.row, grid.col = model.row, model.col = row, col
            typed = _text(rng, span)
            grid.put_input(typed)
            model.put_input(typed)
            assert (grid.row, grid.col) == (model.row, model.col)
        elif op in (7, 8) and 0 <= row < height and 0 <= col:
            grid.row, grid.col = model.row, model.col = row, col
            grid.show(op == 7)
            model.show(op == 7)
            if op == 7 and col <= span:
                assert grid.row_text(row, col) == model.row_text(row, col)
        elif 0 <= row < height:
            assert grid.row_text(row) == model.row_text(row)
        _same(grid, model, out)


def test_printable_leaves_out_what_dfrotz_does_not_show() -> None:
    text = "".join(map(chr, range(0x200)))
    assert printable(text) == "".join(ch for ch in text
                                      if 0x20 <= ord(ch) < 0x7F or ord(ch) >= 0xA0)
    assert printable("plain text") == "plain text"


def test_words_are_cut_where_the_core_flushes() -> None:
    # The core flushes at a space and before the character after a run of
    # hyphens: what the pattern " ?[^ -]*-*" finds, less its empty last match.
    rng = random.Random(5)
    for _ in range(3000):
        line = "".join(rng.choice("ab -") for _ in range(rng.randint(1, 12)))
        assert words_of(line) == re.findall(r" ?[^ -]*-*", line)[:-1], line


@pytest.mark.parametrize("width", [1, 4, 9, 80])
def test_wrapping_by_rfind_equals_wrapping_word_by_word(width: int) -> None:
    text = CoreText(Grid(width, 5, io.StringIO()), 5)
    rng = random.Random(width)
    for _ in range(3000):
        line = "".join(rng.choice("aaab  ") for _ in range(rng.randint(width + 1, 3 * width + 9)))
        fast: list[str] = []
        slow: list[str] = []
        assert text._wrap(line, fast) == text._wrap_words(line, slow), line
        assert fast == slow, line


def _counting(feed: Callable[[int, int, list[str]], None],
              fed: list[int]) -> Callable[[int, int, list[str]], None]:
    """``Grid.feed`` that also notes how many rows each call fed."""
    def counted(top: int, bottom: int, rows: list[str]) -> None:
        fed.append(len(rows))
        feed(top, bottom, rows)
    return counted


@pytest.mark.parametrize("version,width,height", [(5, 20, 6), (3, 20, 6), (5, 9, 3),
                                                  (5, 80, 24), (3, 7, 2), (5, 30, 1)])
def test_lines_laid_out_in_a_block_or_one_by_one_print_the_same(version: int, width: int,
                                                                height: int) -> None:
    # A text of several lines takes the block path (Grid.feed); written one
    # line per call it takes the line-by-line path.
    words = ["a", "bb", "ccc", "dddd-e", "-", "--x", "  ", "w" * (width + 3),
             "\u00e9t\u00e9", "y" * width, ""]
    rng = random.Random(width * height + version)
    outputs = []
    for whole in (True, False):
        rng.seed(width * height + version)
        out = io.StringIO()
        grid = Grid(width, height, out)
        text = CoreText(grid, version)
        fed: list[int] = []
        grid.feed = _counting(grid.feed, fed)      # type: ignore[method-assign]
        for _ in range(60):
            lines = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 2 * width // 3)))
                     for _ in range(rng.randint(1, 2 * height + 2))]
            block = "\n".join(lines)
            if whole:
                text.write(block, 0)
            else:
                for i, line in enumerate(lines):
                    text.write(line + ("\n" if i < len(lines) - 1 else ""), 0)
            if rng.random() < 0.5:
                text.flush()
                grid.show(True)
                grid.put_input("typed")
                text.screen_new_line()
                text.line_count = 0
        text.flush()
        grid.show(False)
        outputs.append((out.getvalue(), grid.chars, grid.marks, grid.changed))
        # The block path is taken where the lower window has two rows or more.
        assert bool(fed) == (whole and text.lower_rows > 1)
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count("\n") > 50
