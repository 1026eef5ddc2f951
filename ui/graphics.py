"""Drawing pictures in a terminal: what it offers, and the escape sequences
of the kitty graphics protocol, sixel and Unicode half-block cells.

``detect`` asks the terminal once, with a short total timeout, writing three
queries to ``term.stream`` and reading the answers from blessed's input:

* kitty graphics: ``ESC _ G i=31,a=q,...; ESC \\`` is answered by
  ``ESC _ G i=31;OK ESC \\`` when the protocol is there;
* the size of a cell in pixels: ``CSI 16 t`` → ``CSI 6 ; h ; w t``;
* Primary Device Attributes (DA1): ``CSI c`` → ``CSI ? 62 ; 4 ; ... c``,
  where a 4 means sixel graphics. Every terminal answers DA1, and it is
  asked last, so its answer ends the wait at once.

Colours: ``COLORTERM`` of ``truecolor`` or ``24bit`` (or blessed's count)
means 24-bit half-blocks, else the terminal's number of colours decides
(256 or 16). With fewer than 16 colours there are no pictures (``method``
None). Keys typed during the queries go back to blessed's input buffer.

``draw`` turns an image already scaled by ``zvm.ui.pictures`` into the
sequences of the best method: ``kitty`` (PNG data in chunks, placed over a
cell rectangle, cursor not moved), ``sixel`` (up to 256 colour registers,
run-length bands of six rows, transparent pixels left alone) or
``halfblocks`` (``▀`` with the upper pixel as foreground and the lower as
background, one row of cells per two rows of pixels).

Drawing picture n at (y, x) (§8.8.6, draw_picture), with ``pictures`` from
``zvm.story.pictures.load``, the screen in units and one cell = the font
unit (fw, fh):

    picture = pictures.picture(n)                      # PictureError: one line
    w, h = pictures.size(n, (screen_width, screen_height))
    palette = adaptive.plot(picture)                   # Blorb 11.3
    full = cell_rect(y, x, w, h, (fw, fh))
    shown = full.intersect(window_cells).clip(rows, cols)
    image = crop(decoder.image(picture, pixel_size(full, caps), palette), full, shown)
    stream.write(draw(image, shown, caps, image_id=placement))  # one id a placement
"""

from __future__ import annotations

import base64
import io
import os
import re
import time
from dataclasses import dataclass, replace

from PIL import Image

from zvm.records import TYPE_CHECKING
from zvm.ui.pictures import CellRect, flatten, indexed_colours

if TYPE_CHECKING:
    from collections.abc import Mapping

    from blessed import Terminal

TRUECOLOUR = 1 << 24
KITTY_QUERY_ID = 31
KITTY_QUERY = f"\x1b_Gi={KITTY_QUERY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
CELL_QUERY = "\x1b[16t"
DA1_QUERY = "\x1b[c"
QUERY = KITTY_QUERY + CELL_QUERY + DA1_QUERY
QUERY_TIMEOUT = 0.5          # seconds, for all three answers together

KITTY_REPLY = re.compile(r"\x1b_Gi=%d;([^\x1b]*)\x1b\\" % KITTY_QUERY_ID)
CELL_REPLY = re.compile(r"\x1b\[6;(\d+);(\d+)t")
DA1_REPLY = re.compile(r"\x1b\[\?([\d;]*)c")
KITTY_CHUNK = 4096           # base64 bytes a kitty escape may carry
SIXEL_SAMPLE = 256           # side of the copy a large picture's colours are chosen from
UPPER_HALF = "\u2580"        # ▀
LOWER_HALF = "\u2584"        # ▄
RESET = "\x1b[0m"


@dataclass(frozen=True)
class Capabilities:
    """What a terminal can show: kitty graphics, sixel, its colours, and
    the size of a cell in pixels (None when it did not say)."""

    kitty: bool = False
    sixel: bool = False
    colours: int = 0
    cell_size: tuple[int, int] | None = None     # (width, height) in pixels

    @property
    def method(self) -> str | None:
        """'kitty', 'sixel', 'truecolor' or '256' (half-block cells), or
        None: no pictures. Kitty and sixel need the cell size, to know how
        many pixels a cell rectangle holds."""
        if self.colours < 16:
            return None
        if self.kitty and self.cell_size:
            return "kitty"
        if self.sixel and self.cell_size:
            return "sixel"
        if self.colours >= TRUECOLOUR:
            return "truecolor"
        return "256" if self.colours >= 256 else "16"

    def without(self, *methods: str) -> Capabilities:
        """The same terminal with some methods refused (a user's choice)."""
        return replace(self, kitty=self.kitty and "kitty" not in methods,
                       sixel=self.sixel and "sixel" not in methods)


def parse_replies(text: str) -> dict:
    """What the answers in ``text`` say: 'kitty' (bool or None when there
    was no answer), 'cell_size' ((w, h) or None), 'sixel' (bool) and 'da1'
    (whether DA1 was answered)."""
    kitty = KITTY_REPLY.search(text)
    cell = CELL_REPLY.search(text)
    da1 = DA1_REPLY.search(text)
    attributes = da1.group(1).split(";") if da1 else []
    size = None
    if cell and int(cell.group(1)) > 0 and int(cell.group(2)) > 0:
        size = (int(cell.group(2)), int(cell.group(1)))
    return {"kitty": None if kitty is None else kitty.group(1) == "OK",
            "cell_size": size, "sixel": "4" in attributes[1:], "da1": da1 is not None}


def _strip_replies(text: str) -> str:
    for pattern in (KITTY_REPLY, CELL_REPLY, DA1_REPLY):
        text = pattern.sub("", text, count=1)
    return text


def query(term: Terminal, timeout: float = QUERY_TIMEOUT) -> str:
    """Send the queries and collect the answers until DA1's arrives or the
    time is up; whatever else came in is given back to blessed's input."""
    term.stream.write(QUERY)
    term.stream.flush()
    deadline = time.monotonic() + timeout
    received = ""
    while True:
        received += term.flushinp(timeout=0)
        if DA1_REPLY.search(received):
            break
        left = deadline - time.monotonic()
        if left <= 0 or not term.kbhit(timeout=left):
            received += term.flushinp(timeout=0)
            break
    rest = _strip_replies(received)
    if rest:
        term.ungetch(rest)
    return received


def colour_depth(term: Terminal, env: Mapping[str, str] | None = None) -> int:
    """24-bit, 256 or the terminal's count of colours (0 without styling)."""
    env = os.environ if env is None else env
    if not term.does_styling:
        return 0
    if env.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return TRUECOLOUR
    return int(term.number_of_colors or 0)


def detect(term: Terminal, timeout: float = QUERY_TIMEOUT, ask: bool | None = None,
           env: Mapping[str, str] | None = None) -> Capabilities:
    """Find out what ``term`` (a blessed Terminal) can show. The terminal is
    asked (``query``) when ``ask`` is true, by default when it is a tty;
    blessed's cbreak mode is entered for the answers if needed."""
    colours = colour_depth(term, env)
    if ask is None:
        ask = term.is_a_tty and colours > 0
    if not ask:
        return Capabilities(colours=colours)
    with term.cbreak():
        answers = parse_replies(query(term, timeout))
    return Capabilities(kitty=bool(answers["kitty"]), sixel=answers["sixel"],
                        colours=colours, cell_size=answers["cell_size"])


# -- the sequences ------------------------------------------------------------

def move(row: int, col: int) -> str:
    """CUP to a cell counted from 0."""
    return f"\x1b[{row + 1};{col + 1}H"


def kitty(image: Image.Image, rect: CellRect, image_id: int) -> str:
    """Transmit and place an image over a cell rectangle (kitty graphics
    protocol: a=T, PNG data f=100, c and r the columns and rows to fill,
    C=1 so the cursor stays, q=2 so the terminal sends no answer)."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    payload = base64.standard_b64encode(out.getvalue()).decode("ascii")
    chunks = [payload[i:i + KITTY_CHUNK] for i in range(0, len(payload), KITTY_CHUNK)]
    parts = [move(rect.row, rect.col)]
    for n, chunk in enumerate(chunks):
        more = int(n < len(chunks) - 1)
        if n == 0:
            keys = (f"a=T,f=100,t=d,i={image_id},c={rect.cols},r={rect.rows},C=1,q=2,"
                    f"m={more}")
        else:
            keys = f"m={more}"
        parts.append(f"\x1b_G{keys};{chunk}\x1b\\")
    return "".join(parts)


def kitty_delete(image_id: int | None = None) -> str:
    """Delete one image and its placements (d=I), or all of them (d=A)."""
    if image_id is None:
        return "\x1b_Ga=d,d=A,q=2\x1b\\"
    return f"\x1b_Ga=d,d=I,i={image_id},q=2\x1b\\"


def _sixel_runs(bits: bytes) -> str:
    """One colour's sixel characters for a band, runs of four or more as
    '!count char'."""
    text = bits.translate(_SIXEL_CHARS).decode("ascii")
    return _RUN.sub(lambda m: f"!{len(m.group(0))}{m.group(1)}", text)


_SIXEL_CHARS = bytes(63 + (i & 63) for i in range(256))
_RUN = re.compile(r"(.)\1{3,}")


def _quantized(image: Image.Image) -> Image.Image:
    """The image in at most 256 colours, chosen by median cut; for a large
    image from a copy of at most 256x256 pixels (the cut is the slow part,
    mapping to the colours is not)."""
    if image.width * image.height <= SIXEL_SAMPLE * SIXEL_SAMPLE:
        return image.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE)
    sample = image.copy()
    sample.thumbnail((SIXEL_SAMPLE, SIXEL_SAMPLE))
    palette = sample.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                              dither=Image.Dither.NONE)
    return image.quantize(palette=palette, dither=Image.Dither.NONE)


def sixel(image: Image.Image, rect: CellRect) -> str:
    """The image as a sixel picture whose top left is the rectangle's top
    left cell: DCS P2=1 (pixels not drawn stay as they are, so transparency
    shows), raster attributes for a 1:1 aspect and the size, one colour
    register per colour (at most 256: ``_quantized``)."""
    rgba = image.convert("RGBA")
    width, height = rgba.size
    alpha = rgba.getchannel("A").tobytes()
    colours = _quantized(rgba.convert("RGB"))
    flat = colours.getpalette() or []
    indices = colours.tobytes()
    opaque = min(alpha, default=255) >= 128
    if opaque:
        used = sorted(set(indices))
    else:
        used = sorted(set(indices[i] for i in range(len(indices)) if alpha[i] >= 128))
    parts = [move(rect.row, rect.col), f'\x1bP0;1;0q"1;1;{width};{height}']
    for i in used:
        r, g, b = flat[3 * i:3 * i + 3]
        parts.append(f"#{i};2;{r * 100 // 255};{g * 100 // 255};{b * 100 // 255}")
    for top in range(0, height, 6):
        band: dict[int, bytearray] = {}
        for dy in range(min(6, height - top)):
            bit = 1 << dy
            start = (top + dy) * width
            row = indices[start:start + width]
            row_alpha = alpha[start:start + width]
            for x, colour in enumerate(row):
                if not opaque and row_alpha[x] < 128:
                    continue
                line = band.get(colour)
                if line is None:
                    line = band[colour] = bytearray(width)
                line[x] |= bit
        first = True
        for colour in sorted(band):
            if not first:
                parts.append("$")
            first = False
            parts.append(f"#{colour}{_sixel_runs(bytes(band[colour]).rstrip(bytes(1)))}")
        parts.append("-")
    parts.append("\x1b\\")
    return "".join(parts)


def _sgr(rgb_or_index: tuple[int, ...] | int, depth: int, background: bool) -> str:
    """The SGR parameters of a colour: (r, g, b) at 24 bits (``depth``
    TRUECOLOUR), else an index of the 256 or the 16 colours."""
    if isinstance(rgb_or_index, tuple):
        r, g, b = rgb_or_index
        return f"{48 if background else 38};2;{r};{g};{b}"
    if depth == 256:
        return f"{48 if background else 38};5;{rgb_or_index}"
    n = rgb_or_index
    base = (40 if background else 30) if n < 8 else (100 if background else 90)
    return str(base + n % 8)


def halfblocks(image: Image.Image, rect: CellRect, depth: int = TRUECOLOUR,
               background: tuple[int, int, int] | None = None) -> str:
    """The image, ``rect.cols`` pixels wide and ``2 * rect.rows`` high, as
    half-block cells: ``▀`` in the upper pixel's colour on the lower one's.
    Transparent pixels show the terminal's background (or ``background``,
    laid under the image); a cell with both halves transparent is skipped.
    ``depth``: 24-bit (TRUECOLOUR), 256 or 16 colours."""
    width, height = rect.cols, 2 * rect.rows
    if image.size != (width, height):
        raise ValueError(f"half-block image of {image.size}, not {(width, height)}")
    rgba = flatten(image.convert("RGBA"), background).convert("RGBA")
    alpha = rgba.getchannel("A").tobytes()
    colours: list[tuple[int, ...]] | list[int]
    if depth >= TRUECOLOUR:
        raw = rgba.convert("RGB").tobytes()
        colours = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
    else:
        colours = indexed_colours(rgba, 256 if depth >= 256 else 16)
    lines = []
    for r in range(rect.rows):
        parts = [move(rect.row + r, rect.col)]
        last = None
        skipped = 0
        for c in range(width):
            top, low = 2 * r * width + c, (2 * r + 1) * width + c
            shown_top, shown_low = alpha[top] >= 128, alpha[low] >= 128
            if not (shown_top or shown_low):
                skipped += 1
                continue
            if skipped:
                parts.append(f"\x1b[{skipped}C")
                skipped = 0
            if shown_top and shown_low:
                glyph = UPPER_HALF
                sgr = f"\x1b[0;{_sgr(colours[top], depth, False)};" \
                      f"{_sgr(colours[low], depth, True)}m"
            elif shown_top:
                glyph, sgr = UPPER_HALF, f"\x1b[0;{_sgr(colours[top], depth, False)}m"
            else:
                glyph, sgr = LOWER_HALF, f"\x1b[0;{_sgr(colours[low], depth, False)}m"
            if sgr != last:
                parts.append(sgr)
                last = sgr
            parts.append(glyph)
        parts.append(RESET)
        lines.append("".join(parts))
    return "".join(lines)


def pixel_size(rect: CellRect, capabilities: Capabilities) -> tuple[int, int]:
    """How many pixels of picture a cell rectangle shows with the method
    the terminal offers: 1x2 a cell for half-blocks, the cell's pixel size
    for kitty and sixel."""
    method = capabilities.method
    size = capabilities.cell_size              # never None for kitty and sixel
    if method in ("kitty", "sixel") and size is not None:
        cw, ch = size
        return rect.cols * cw, rect.rows * ch
    return rect.cols, 2 * rect.rows


def draw(image: Image.Image, rect: CellRect, capabilities: Capabilities,
         image_id: int = 1, background: tuple[int, int, int] | None = None) -> str:
    """The sequences drawing ``image`` (already ``pixel_size(rect, ...)``
    pixels) over ``rect`` with the terminal's best method; '' when it has
    none or the rectangle is empty. The cursor is left anywhere: the caller
    puts it back."""
    method = capabilities.method
    if method is None or rect.empty:
        return ""
    if method == "kitty":
        return kitty(image, rect, image_id)
    if method == "sixel":
        return sixel(image, rect)
    depth = {"truecolor": TRUECOLOUR, "256": 256, "16": 16}[method]
    return halfblocks(image, rect, depth, background)
