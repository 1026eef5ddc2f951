"""The version 6 screen as the frontends keep it: a grid of cells and the
pictures lying on it (§8.8; what ``zvm.screen.v6`` hands the frontend).

``Display`` applies the drawing operations of the seam (``v6_text``,
``v6_erase``, ``v6_scroll``, ``v6_picture``, zvm.screen.protocol) to
``rows`` x ``cols`` cells, each a character and its style. A cell that a
picture covers belongs to the picture's ``Placement`` (``owner``) until
text or an erasure lands on it; scrolling moves the cells and the part of
the picture on them together. Each cell also has a change mark, set when a
write changes it and cleared by ``shown`` (the headless frontend prints
the rows that changed, as dfrotz does); typed input is not marked.

Pictures are placed by screen units (§8.8.1) on cells of ``unit`` = (font
width, font height) units: ``zvm.ui.pictures.cell_rect``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import Style

from .pictures import CellRect, cell_rect

if TYPE_CHECKING:
    from typing import Any

    from zvm.story.pictures import RGB, Picture

    Grid = list[list[Any]]          # one of the grids of cells: chars, styles, marks, owner

BLANK = " "


@dataclass(frozen=True)
class Placement:
    """A picture drawn on the display: the picture, the place and size it
    was drawn at in screen units, the cells it covers (``rect``, perhaps
    partly off the screen), its palette (adaptive pictures, Blorb §11.3)
    and its number on the display (``key``)."""

    key: int
    picture: Picture
    y: int
    x: int
    width: int
    height: int
    rect: CellRect
    palette: tuple[RGB | None, ...] | None = None


class Display:
    """The cells and pictures of a version 6 screen (see the module)."""

    def __init__(self, rows: int, cols: int, unit: tuple[int, int]) -> None:
        self.rows, self.cols = max(1, rows), max(1, cols)
        self.unit = unit
        plain = Style()
        self.chars = [[BLANK] * self.cols for _ in range(self.rows)]
        self.styles = [[plain] * self.cols for _ in range(self.rows)]
        self.marks = [[False] * self.cols for _ in range(self.rows)]
        self.owner = [[0] * self.cols for _ in range(self.rows)]
        self.placements: dict[int, Placement] = {}
        self.fresh: list[int] = []           # placements drawn since ``shown``
        self._next = 1
        self.changes = 0                     # counts every change (for redraws)

    # -- the operations -----------------------------------------------------------
    def _clip(self, row: int, col: int, rows: int, cols: int) -> tuple[int, int, int, int]:
        top, left = max(0, row), max(0, col)
        bottom, right = min(self.rows, row + rows), min(self.cols, col + cols)
        return top, left, bottom, right

    def text(self, row: int, col: int, text: str, style: Style, typed: bool = False) -> None:
        """Characters from (row, col) along the row."""
        if not 0 <= row < self.rows:
            return
        chars, styles, marks, owner = (self.chars[row], self.styles[row],
                                       self.marks[row], self.owner[row])
        for i, ch in enumerate(text):
            c = col + i
            if not 0 <= c < self.cols:
                continue
            if not typed and (chars[c] != ch or styles[c] != style or owner[c]):
                marks[c] = True
            chars[c], styles[c], owner[c] = ch, style, 0
        self.changes += 1

    def erase(self, row: int, col: int, rows: int, cols: int, style: Style) -> None:
        """Blank cells in the style's background (no text style shows)."""
        blank = Style(0, style.fg, style.bg, 1)
        top, left, bottom, right = self._clip(row, col, rows, cols)
        for r in range(top, bottom):
            chars, styles, marks, owner = (self.chars[r], self.styles[r],
                                           self.marks[r], self.owner[r])
            for c in range(left, right):
                if chars[c] != BLANK or styles[c] != blank or owner[c]:
                    marks[c] = True
                chars[c], styles[c], owner[c] = BLANK, blank, 0
        self.changes += 1

    def scroll(self, row: int, col: int, rows: int, cols: int, lines: int,
               style: Style) -> None:
        """Move a rectangle's cells up ``lines`` rows (down when negative);
        the rows left are blank. Pictures wholly inside move with their
        cells; one partly inside is split in two."""
        top, left, bottom, right = self._clip(row, col, rows, cols)
        height = bottom - top
        if height <= 0 or left >= right or not lines:
            return
        if abs(lines) >= height:
            self.erase(top, left, height, right - left, style)
            return
        moved = self._move_pictures(top, left, bottom, right, lines)
        grids: tuple[Grid, ...] = (self.chars, self.styles, self.marks, self.owner)
        order = range(top, bottom - lines) if lines > 0 else range(bottom - 1, top - lines - 1, -1)
        for r in order:
            src = r + lines
            for grid in grids:
                grid[r][left:right] = grid[src][left:right]
        for r in range(top, bottom):
            owner = self.owner[r]
            for c in range(left, right):
                if owner[c] in moved:
                    owner[c] = moved[owner[c]]
        if lines > 0:
            self.erase(bottom - lines, left, lines, right - left, style)
        else:
            self.erase(top, left, -lines, right - left, style)
        # Blank rows that came in are no news (dfrotz marks nothing there).
        for r in (range(bottom - lines, bottom) if lines > 0 else range(top, top - lines)):
            self.marks[r][left:right] = [False] * (right - left)

    def _move_pictures(self, top: int, left: int, bottom: int, right: int,
                       lines: int) -> dict[int, int]:
        """Placements with cells in the rectangle: those wholly inside move
        up ``lines`` rows; for the others a moved copy takes the cells
        inside. Returns old key -> key of the cells that move."""
        inside: dict[int, int] = {}
        for r in range(top, bottom):
            owner = self.owner[r]
            for c in range(left, right):
                if owner[c]:
                    inside[owner[c]] = inside.get(owner[c], 0) + 1
        moved: dict[int, int] = {}
        for key, count in inside.items():
            old = self.placements[key]
            rect = replace(old.rect, row=old.rect.row - lines)
            shifted = replace(old, rect=rect, y=old.y - lines * self.unit[1])
            if count == self._owned(key):
                self.placements[key] = shifted
                moved[key] = key
            else:
                new = self._next
                self._next += 1
                self.placements[new] = replace(shifted, key=new)
                moved[key] = new
        return moved

    def _owned(self, key: int) -> int:
        return sum(row.count(key) for row in self.owner)

    def picture(self, picture: Picture, y: int, x: int, width: int, height: int,
                clip: tuple[int, int, int, int],
                palette: tuple[RGB | None, ...] | None = None) -> Placement | None:
        """A picture drawn at (y, x) units, ``width`` x ``height``, on the
        cells of ``clip`` only (the window it was drawn in)."""
        rect = cell_rect(y, x, width, height, self.unit)
        shown = rect.intersect(CellRect(*clip)).clip(self.rows, self.cols)
        if shown.empty:
            return None
        key = self._next
        self._next += 1
        placed = Placement(key, picture, y, x, width, height, rect, palette)
        self.placements[key] = placed
        self.fresh.append(key)
        for r in range(shown.row, shown.row + shown.rows):
            chars, owner, marks = self.chars[r], self.owner[r], self.marks[r]
            for c in range(shown.col, shown.col + shown.cols):
                chars[c], owner[c], marks[c] = BLANK, key, True
        self.changes += 1
        return placed

    # -- reading it -------------------------------------------------------------
    def live(self) -> list[Placement]:
        """The placements that still own cells, oldest first; the others
        are forgotten."""
        keys = {k for row in self.owner for k in row if k}
        for gone in [k for k in self.placements if k not in keys]:
            del self.placements[gone]
        self.fresh = [k for k in self.fresh if k in keys]
        return [self.placements[k] for k in sorted(keys)]

    def owned_runs(self, key: int, hidden: dict[int, range] | None = None) -> list[CellRect]:
        """The cells a placement still owns, as rectangles: runs along rows,
        runs that repeat on the rows below joined. ``hidden``: row -> the
        columns of that row covered by something drawn over the screen."""
        rects: list[CellRect] = []
        open_runs: dict[tuple[int, int], CellRect] = {}
        hidden = hidden or {}
        for r in range(self.rows):
            owner = self.owner[r]
            if r in hidden:
                covered = hidden[r]
                owner = [0 if c in covered else k for c, k in enumerate(owner)]
            runs, c = [], 0
            while c < self.cols:
                if owner[c] == key:
                    start = c
                    while c < self.cols and owner[c] == key:
                        c += 1
                    runs.append((start, c - start))
                else:
                    c += 1
            still: dict[tuple[int, int], CellRect] = {}
            for start, n in runs:
                found = open_runs.pop((start, n), None)
                if found is not None and found.row + found.rows == r:
                    still[(start, n)] = replace(found, rows=found.rows + 1)
                else:
                    still[(start, n)] = CellRect(r, start, 1, n)
            rects.extend(open_runs.values())
            open_runs = still
        rects.extend(open_runs.values())
        return sorted(rects, key=lambda rc: (rc.row, rc.col))

    def row_runs(self, row: int) -> list[tuple[str, Style]]:
        """A row as runs of (text, style)."""
        runs: list[tuple[str, Style]] = []
        chars, styles = self.chars[row], self.styles[row]
        for ch, st in zip(chars, styles, strict=True):
            if runs and runs[-1][1] == st:
                runs[-1] = (runs[-1][0] + ch, st)
            else:
                runs.append((ch, st))
        return runs

    def shown(self) -> None:
        """Everything has been shown: no cell counts as changed."""
        for marks in self.marks:
            if True in marks:
                marks[:] = [False] * self.cols
        self.fresh = []

    def resize(self, rows: int, cols: int) -> None:
        """A new size: cells kept from the top left, the rest blank."""
        rows, cols = max(1, rows), max(1, cols)
        plain = Style()
        grids: tuple[tuple[Grid, Any], ...] = (
            (self.chars, BLANK), (self.styles, plain), (self.marks, False), (self.owner, 0))
        for grid, fill in grids:
            for r in range(len(grid)):
                row = grid[r][:cols]
                row.extend([fill] * (cols - len(row)))
                grid[r] = row
            del grid[rows:]
            while len(grid) < rows:
                grid.append([fill] * cols)
        self.rows, self.cols = rows, cols
        self.changes += 1
