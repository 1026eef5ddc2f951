"""Version 6 pictures made ready for a terminal: decoded and scaled with
Pillow, and placed on the cell grid (§8.8.6; Blorb 2.0.4 sections 2, 11.3).

The machine gives a picture (``zvm.story.pictures.Picture``), where to draw
it in screen pixels (§8.8.1: (y, x), (1, 1) the top left) and its size there
(``Pictures.size``, after 'Reso' scaling). The terminal shows whole cells,
and one cell is one font unit of the header (§11.1 $26/$27 in version 6), so
``cell_rect`` maps the picture's pixel rectangle to the cells it covers, and
``Decoder.image`` gives the picture decoded and scaled to the pixels that
those cells hold on this terminal: ``(cols, 2 * rows)`` for half-block cells,
``(cols * cell_width, rows * cell_height)`` for kitty and sixel.

An adaptive picture (Blorb §11.3) is decoded with the Current Palette that
``zvm.story.pictures.AdaptivePalette.plot`` gives for it. A 'Rect'
placeholder has no pixels: drawing one is the story's error (Blorb §2.3).
Anything Pillow cannot decode is a ``PictureError`` with a one-line message.
"""

from __future__ import annotations

import io
import warnings
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image

from zvm.story.pictures import RGB, Picture, PictureError

# Pillow refuses pictures above this many pixels: a story's picture that
# large would be an attack on memory, not art.
MAX_PIXELS = 4096 * 4096
CACHE_SIZE = 48


@dataclass(frozen=True)
class CellRect:
    """A rectangle of terminal cells: its top row and left column (from 0)
    and its size in rows and columns."""

    row: int
    col: int
    rows: int
    cols: int

    @property
    def empty(self) -> bool:
        return self.rows <= 0 or self.cols <= 0

    def clip(self, rows: int, cols: int) -> CellRect:
        """The part of the rectangle inside a screen of rows x cols cells."""
        return self.intersect(CellRect(0, 0, rows, cols))

    def intersect(self, other: CellRect) -> CellRect:
        """The part of the rectangle inside another (a window: all plotting
        is clipped to the current window, §8.8.3); empty if none."""
        top, left = max(self.row, other.row), max(self.col, other.col)
        bottom = min(self.row + self.rows, other.row + other.rows)
        right = min(self.col + self.cols, other.col + other.cols)
        if bottom <= top or right <= left:
            return CellRect(top, left, 0, 0)
        return CellRect(top, left, bottom - top, right - left)


def cell_rect(y: int, x: int, width: int, height: int, unit: tuple[int, int]) -> CellRect:
    """The cells covered by a picture of width x height pixels whose top left
    pixel is (y, x) (§8.8.1, from (1, 1)), one cell being ``unit`` = (font
    width, font height) pixels: from the cell holding the top left pixel to
    the cell holding the bottom right one."""
    uw, uh = max(1, unit[0]), max(1, unit[1])
    row, col = (y - 1) // uh, (x - 1) // uw
    if width <= 0 or height <= 0:
        return CellRect(row, col, 0, 0)
    last_row = (y - 1 + height - 1) // uh
    last_col = (x - 1 + width - 1) // uw
    return CellRect(row, col, last_row - row + 1, last_col - col + 1)


def decode(picture: Picture, palette: tuple[RGB | None, ...] | None = None) -> Image.Image:
    """The picture as an RGBA image. ``palette``, for an adaptive picture,
    replaces the entries of its PNG palette that it gives (Blorb §11.3)."""
    if picture.placeholder:
        raise PictureError(f"picture {picture.number} is a placeholder (Rect) with no "
                           f"pixels to draw")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(picture.data), formats=("PNG", "JPEG"))
            if image.width * image.height > MAX_PIXELS:
                raise PictureError(f"picture {picture.number} is {image.width}x"
                                   f"{image.height} pixels, too large to draw")
            image.load()
    except PictureError:
        raise
    except (OSError, ValueError, SyntaxError, ImportError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        raise PictureError(f"picture {picture.number} cannot be decoded "
                           f"({picture.format}: {_reason(e)})") from None
    if palette is not None and image.mode == "P":
        image = _repaint(image, palette)
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    return image


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _repaint(image: Image.Image, palette: tuple[RGB | None, ...]) -> Image.Image:
    """An indexed image with some palette entries replaced (keeping its
    transparency, which Blorb §11.3 allows on colour 0 only)."""
    flat = list(image.getpalette() or [])
    for i, rgb in enumerate(palette):
        if rgb is None:
            continue
        flat[3 * i:3 * i + 3] = list(rgb)
    flat += [0] * (768 - len(flat))
    repainted = image.copy()
    repainted.putpalette(flat[:768])
    if "transparency" in image.info:
        repainted.info["transparency"] = image.info["transparency"]
    return repainted


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The image scaled to exactly ``size`` pixels: averaged when it
    shrinks (every source pixel counts, as half-block cells need), nearest
    neighbour when it grows (the crisp pixels of Infocom's art)."""
    width, height = max(1, size[0]), max(1, size[1])
    if image.size == (width, height):
        return image
    shrinking = width * height < image.width * image.height
    method = Image.Resampling.BOX if shrinking else Image.Resampling.NEAREST
    return image.resize((width, height), method)


def crop(image: Image.Image, full: CellRect, shown: CellRect) -> Image.Image:
    """The part of an image drawn over ``full`` that falls in ``shown`` (a
    clipped part of it): the picture is cut at the edge, not squeezed."""
    if shown == full or full.empty:
        return image
    cw, ch = image.width / full.cols, image.height / full.rows
    left = round((shown.col - full.col) * cw)
    top = round((shown.row - full.row) * ch)
    return image.crop((left, top, left + round(shown.cols * cw), top + round(shown.rows * ch)))


def flatten(image: Image.Image, background: RGB | None) -> Image.Image:
    """An RGBA image laid over a background colour (an RGB image), or kept
    RGBA when the background is the terminal's own (None)."""
    if background is None:
        return image
    ground = Image.new("RGBA", image.size, (*background, 255))
    return Image.alpha_composite(ground, image).convert("RGB")


class Decoder:
    """Decodes pictures, remembering the last few at the sizes they were
    drawn at, so that redrawing (on resize, after erasing) is cheap.
    ``keep(numbers)`` is @picture_table's hint (§15 picture_table): those
    pictures are decoded ahead, and only they are sure to stay cached."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._decoded: OrderedDict[tuple, Image.Image] = OrderedDict()
        self._size = size

    def _remember(self, key: tuple, image: Image.Image) -> Image.Image:
        self._decoded[key] = image
        self._decoded.move_to_end(key)
        while len(self._decoded) > self._size:
            self._decoded.popitem(last=False)
        return image

    def original(self, picture: Picture,
                 palette: tuple[RGB | None, ...] | None = None) -> Image.Image:
        key = (picture.number, id(picture.data), palette, None)
        found = self._decoded.get(key)
        if found is not None:
            self._decoded.move_to_end(key)
            return found
        return self._remember(key, decode(picture, palette))

    def image(self, picture: Picture, size: tuple[int, int],
              palette: tuple[RGB | None, ...] | None = None) -> Image.Image:
        """The picture decoded and scaled to ``size`` pixels."""
        key = (picture.number, id(picture.data), palette, size)
        found = self._decoded.get(key)
        if found is not None:
            self._decoded.move_to_end(key)
            return found
        return self._remember(key, fit(self.original(picture, palette), size))

    def keep(self, pictures: list[Picture]) -> list[str]:
        """Decode these pictures now and forget the others; one line for
        each that cannot be decoded."""
        wanted = {p.number for p in pictures}
        for key in [k for k in self._decoded if k[0] not in wanted]:
            del self._decoded[key]
        problems = []
        for picture in pictures:
            if picture.placeholder:
                continue
            try:
                self.original(picture)
            except PictureError as e:
                problems.append(str(e))
        return problems

    def forget(self) -> None:
        self._decoded.clear()


# -- colour depths for half-block cells -------------------------------------

_CUBE = (0, 95, 135, 175, 215, 255)
XTERM_COLOURS: list[RGB] = (
    [(_CUBE[i // 36], _CUBE[i // 6 % 6], _CUBE[i % 6]) for i in range(216)]
    + [(8 + 10 * i,) * 3 for i in range(24)])          # xterm 16-255
ANSI16: list[RGB] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
    (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
    (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]


def _palette_image(colours: list[RGB]) -> Image.Image:
    flat = [c for rgb in colours for c in rgb]
    flat += flat[:3] * (256 - len(colours))          # pad with the first colour
    image = Image.new("P", (1, 1))
    image.putpalette(flat)
    return image


_PALETTES = {256: (_palette_image(XTERM_COLOURS), 16), 16: (_palette_image(ANSI16), 0)}


def indexed_colours(image: Image.Image, depth: int) -> list[int]:
    """The terminal colour index of each pixel of an RGB image, the nearest
    of the xterm 256-colour cube and greys (16-255) or of the 16 ANSI
    colours, mapped by Pillow without dithering."""
    palette, base = _PALETTES[depth]
    count = len(XTERM_COLOURS) if depth == 256 else 16
    mapped = image.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
    return [base + (i if i < count else 0) for i in mapped.tobytes()]
