"""Pictures for version 6 stories, from Blorb resources (§8.8.6; Blorb 2.0.4
sections 2, 11.1–11.3).

A picture is a 'Pict' resource whose chunk holds a PNG ('PNG '), a JPEG
('JPEG') or a placeholder rectangle ('Rect': a size and no pixels, for
conversions of Infocom's graphics). Its size in pixels is read here from the
PNG's IHDR chunk or the JPEG's SOF marker, without decoding it, so that the
machine can answer ``@picture_data`` even with no way to show pictures; the
terminal UI decodes the bytes (``zvm.ui.pictures``).

The optional 'Reso' chunk (Blorb §11.2) makes pictures scalable: with the
game window (wx, wy) and the standard window (px, py), ERF = min(wx/px, wy/py)
and a picture listed in it is drawn at R = ERF * stdratio, kept between its
minimum and maximum ratios; a picture not listed is drawn one image pixel per
screen pixel. ``@picture_data`` reports the scaled size. 'RelN' gives the
release number that ``@picture_data 0`` reports (0 when absent, §11.1). 'APal'
lists the adaptive pictures (Blorb §11.3), drawn with the palette of the last
non-adaptive picture (``AdaptivePalette``).

A story that is not a Blorb takes its pictures from a resource file beside it
with the same name and ``.blb`` (or ``.blorb``), as Infocom's version 6
stories are distributed (``resource_file``).

Every refusal is a ``PictureError`` (a ``StoryError``) with a one-line
message: a resource file that is not a Blorb or is damaged, a picture that is
not an image, a picture number the file does not have (``MissingPicture``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from zvm.errors import StoryError
from zvm.story import blorb as blorb_file
from zvm.story.blorb import Blorb, Resource

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8"
# JPEG start-of-frame markers: SOF0-SOF15 except DHT ($C4), JPG ($C8), DAC ($CC).
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, with no length after them: TEM, RST0-7, SOI, EOI.
STANDALONE_MARKERS = frozenset([0x01, *range(0xD0, 0xDA)])

FORMATS = {"PNG ": "PNG", "JPEG": "JPEG", "Rect": "Rect"}
RESOURCE_SUFFIXES = (".blb", ".blorb", ".BLB")
RESO_HEADER = 24
RESO_ENTRY = 28
MAX_PALETTE = 16        # Blorb §11.3: the Current Palette has 16 entries

Size = tuple[int, int]  # (width, height) in pixels
RGB = tuple[int, int, int]


class PictureError(StoryError):
    """A picture or resource file that cannot be used: one line says why."""


class MissingPicture(PictureError):
    """A picture number that the resource file does not have (§8.8.6.1)."""


# -- image headers ------------------------------------------------------------

def _png_chunks(data: bytes):
    """(type, data) of each PNG chunk, up to IEND or the end of the data."""
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if len(body) < length:
            return
        yield kind, body
        if kind == b"IEND":
            return
        at += 12 + length           # length, type, data, CRC


def png_size(data: bytes) -> Size:
    """The width and height in the IHDR chunk, which must come first (PNG
    specification 11.2.2)."""
    chunks = _png_chunks(data)
    first = next(chunks, None)
    if first is None or first[0] != b"IHDR" or len(first[1]) != 13:
        raise PictureError("a damaged PNG: no IHDR header after the signature")
    width, height = struct.unpack(">II", first[1][:8])
    if width == 0 or height == 0:
        raise PictureError(f"a damaged PNG: its IHDR says {width}x{height} pixels")
    return width, height


def png_palette(data: bytes) -> tuple[RGB, ...]:
    """The entries of a PNG's PLTE chunk ((r, g, b) each), or () without one."""
    for kind, body in _png_chunks(data):
        if kind == b"PLTE":
            return tuple(tuple(body[i:i + 3]) for i in range(0, len(body) - 2, 3))
        if kind == b"IDAT":
            break
    return ()


def jpeg_size(data: bytes) -> Size:
    """The width and height in the first start-of-frame marker segment (ITU
    T.81 B.2.2): markers are walked by their lengths from the SOI."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise PictureError(f"a damaged JPEG: no marker at byte {at}")
        marker = data[at + 1]
        if marker == 0xFF:              # fill byte before a marker
            at += 1
            continue
        if marker in STANDALONE_MARKERS:
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if marker in SOF_MARKERS:
            if length < 7 or at + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            if width == 0 or height == 0:
                raise PictureError(f"a damaged JPEG: its frame header says "
                                   f"{width}x{height} pixels")
            return width, height
        if marker == 0xDA or length < 2:  # scan data before any frame header
            break
        at += 2 + length
    raise PictureError("a damaged JPEG: no frame header (SOF) giving its size")


def image_format(data: bytes) -> str | None:
    """'PNG' or 'JPEG' by the data's signature, or None."""
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if data.startswith(JPEG_SOI + b"\xff"):
        return "JPEG"
    return None


def image_size(data: bytes) -> Size:
    """(width, height) of a PNG or JPEG file, read from its header alone."""
    kind = image_format(data)
    if kind == "PNG":
        return png_size(data)
    if kind == "JPEG":
        return jpeg_size(data)
    head = data[:4].decode("latin-1")
    shown = "".join(c if " " <= c <= "~" else "." for c in head)
    raise PictureError(f"not a PNG or JPEG image (it begins '{shown}')")


# -- scaling (Blorb §11.2) ----------------------------------------------------

def _ratio(num: int, den: int, what: str, number: int) -> Fraction | None:
    if num == 0 and den == 0:
        return None
    if den == 0 or num == 0:
        raise PictureError(f"corrupt Blorb file: the Reso entry of picture {number} has "
                           f"{what} ratio {num}/{den}, half of it zero")
    return Fraction(num, den)


@dataclass(frozen=True)
class Scaling:
    """One picture's entry in 'Reso': its standard ratio, and its minimum and
    maximum ratios (None: no limit)."""

    number: int
    standard: Fraction
    minimum: Fraction | None
    maximum: Fraction | None

    def ratio(self, erf: Fraction) -> Fraction:
        """R for the given Elbow Room Factor: ERF * stdratio, kept within
        [minratio, maxratio]; a fixed ratio when the two are equal."""
        r = erf * self.standard
        if self.minimum is not None and r < self.minimum:
            r = self.minimum
        if self.maximum is not None and r > self.maximum:
            r = self.maximum
        return r


@dataclass(frozen=True)
class Resolution:
    """The 'Reso' chunk: the standard, minimum and maximum window sizes (a
    zero minimum or maximum means no limit) and the scalable pictures."""

    standard: Size
    minimum: Size
    maximum: Size
    scaling: dict[int, Scaling] = field(default_factory=dict)

    def erf(self, window: Size) -> Fraction:
        """The Elbow Room Factor of a game window of the given size."""
        (wx, wy), (px, py) = window, self.standard
        return min(Fraction(wx, px), Fraction(wy, py))

    def ratio(self, number: int, window: Size | None) -> Fraction:
        """R for one picture: 1 if it is not scalable; at the standard
        window size when the window is not known."""
        entry = self.scaling.get(number)
        if entry is None:
            return Fraction(1)
        return entry.ratio(self.erf(window) if window else Fraction(1))


def parse_reso(data: bytes) -> Resolution:
    """Read a 'Reso' chunk (Blorb §11.2)."""
    if len(data) < RESO_HEADER or (len(data) - RESO_HEADER) % RESO_ENTRY:
        raise PictureError(f"corrupt Blorb file: a Reso chunk of {len(data)} bytes is not "
                           f"24 bytes and 28 a picture")
    px, py, minx, miny, maxx, maxy = struct.unpack(">6I", data[:RESO_HEADER])
    if px == 0 or py == 0:
        raise PictureError(f"corrupt Blorb file: the Reso chunk's standard window is "
                           f"{px}x{py}")
    scaling = {}
    for at in range(RESO_HEADER, len(data), RESO_ENTRY):
        number, rn, rd, mn, md, xn, xd = struct.unpack(">7I", data[at:at + RESO_ENTRY])
        standard = _ratio(rn, rd, "standard", number)
        if standard is None:
            raise PictureError(f"corrupt Blorb file: the Reso entry of picture {number} "
                               f"has no standard ratio")
        scaling[number] = Scaling(number, standard, _ratio(mn, md, "minimum", number),
                                  _ratio(xn, xd, "maximum", number))
    return Resolution((px, py), (minx, miny), (maxx, maxy), scaling)


def scaled(size: Size, ratio: Fraction) -> Size:
    """A size times a ratio, rounded half up; a side that was not zero
    stays at least one pixel."""
    def one(n: int) -> int:
        v = int(n * ratio + Fraction(1, 2))
        return max(v, 1) if n else 0
    return one(size[0]), one(size[1])


# -- pictures -----------------------------------------------------------------

@dataclass(frozen=True)
class Picture:
    """One picture: its number, format ('PNG', 'JPEG' or 'Rect'), size in
    image pixels, bytes (none for a 'Rect') and whether it is adaptive."""

    number: int
    format: str
    width: int
    height: int
    data: bytes = field(default=b"", repr=False)
    adaptive: bool = False

    @property
    def size(self) -> Size:
        return self.width, self.height

    @property
    def placeholder(self) -> bool:
        """A 'Rect': it has a size for @picture_data and @erase_picture,
        but drawing it is an error (Blorb §2.3)."""
        return self.format == "Rect"

    @property
    def palette(self) -> tuple[RGB, ...]:
        return png_palette(self.data) if self.format == "PNG" else ()


def _picture(blorb: Blorb, resource: Resource, adaptive: bool) -> Picture:
    """Check one 'Pict' resource and read its size: PictureError if it is
    not a picture Blorb allows."""
    kind = FORMATS.get(resource.chunk_type)
    body = blorb.chunk_data(resource)
    if kind is None:
        raise PictureError(f"picture {resource.number} is a '{resource.chunk_type}' "
                           f"resource, not a PNG, a JPEG or a Rect")
    if kind == "Rect":
        if len(body) != 8:
            raise PictureError(f"picture {resource.number}: a Rect chunk of {len(body)} "
                               f"bytes, not 8")
        width, height = struct.unpack(">II", body)
        return Picture(resource.number, kind, width, height, b"", adaptive)
    try:
        width, height = image_size(body)
    except PictureError as e:
        raise PictureError(f"picture {resource.number} is {e}") from None
    return Picture(resource.number, image_format(body) or kind, width, height, body, adaptive)


class Pictures:
    """The pictures of a Blorb file, by number (§8.8.6, Blorb §2 and §11).

    ``numbers`` lists them; ``picture(n)`` gives one (``MissingPicture`` for
    a number not in the file, ``PictureError`` for one that is not an
    image); ``size(n, window)`` is its size as drawn in a game window of
    that many pixels, the answer to ``@picture_data``. A damaged picture is
    kept out and named in ``problems`` so that the others still show.
    """

    def __init__(self, blorb: Blorb, source: str = "the Blorb file") -> None:
        self.source = source
        self.blorb = blorb
        apal = blorb.first("APal")
        self.adaptive: frozenset[int] = frozenset()
        if apal is not None:
            raw = blorb.chunk_data(apal)
            if len(raw) % 4:
                raise PictureError(f"corrupt Blorb file {source}: an APal chunk of "
                                   f"{len(raw)} bytes is not 4 bytes a picture")
            self.adaptive = frozenset(struct.unpack(f">{len(raw) // 4}I", raw))
        reso = blorb.first("Reso")
        try:
            self.resolution = parse_reso(blorb.chunk_data(reso)) if reso else None
        except PictureError as e:
            raise PictureError(f"{e} ({source})") from None
        self.release: int = blorb.release or 0
        self._pictures: dict[int, Picture] = {}
        self._bad: dict[int, str] = {}
        for resource in blorb.resources:
            if resource.usage != "Pict" or resource.number in self._pictures:
                continue
            try:
                self._pictures[resource.number] = _picture(
                    blorb, resource, resource.number in self.adaptive)
            except PictureError as e:
                self._bad[resource.number] = f"{source}: {e}"
        self.numbers: tuple[int, ...] = tuple(sorted({*self._pictures, *self._bad}))

    def __contains__(self, number: int) -> bool:
        return number in self._pictures

    def __len__(self) -> int:
        """The number of pictures in the file, for @picture_data 0."""
        return len(self.numbers)

    @property
    def problems(self) -> tuple[str, ...]:
        """One line for each picture that is in the file but cannot be used."""
        return tuple(self._bad[n] for n in sorted(self._bad))

    def picture(self, number: int) -> Picture:
        found = self._pictures.get(number)
        if found is not None:
            return found
        if number in self._bad:
            raise PictureError(self._bad[number])
        raise MissingPicture(f"{self.source} has no picture {number} "
                             f"({_ranges(self.numbers)})")

    def ratio(self, number: int, window: Size | None = None) -> Fraction:
        """Screen pixels per image pixel for the picture (Blorb §11.2)."""
        if self.resolution is None:
            return Fraction(1)
        return self.resolution.ratio(number, window)

    def size(self, number: int, window: Size | None = None) -> Size:
        """(width, height) in screen pixels of the picture drawn in a game
        window of the given size (the standard size if not given)."""
        return scaled(self.picture(number).size, self.ratio(number, window))

    def identity_problem(self, story: bytes) -> str | None:
        """A line saying that the file's 'IFhd' chunk (Blorb §6: release,
        serial and checksum as in Quetzal's) names another story, or None."""
        chunk = self.blorb.first("IFhd")
        if chunk is None or chunk.size < 10 or len(story) < 0x20:
            return None
        ident = self.blorb.chunk_data(chunk)
        theirs = (ident[0:2], ident[2:8], ident[8:10])
        ours = (story[2:4], story[0x12:0x18], story[0x1C:0x1E])
        if theirs == ours:
            return None
        release = int.from_bytes(ident[0:2], "big")
        serial = ident[2:8].decode("latin-1")
        return (f"{self.source} is for release {release} serial {serial} of the story, "
                f"not this one")

    def frontispiece(self) -> int | None:
        number = self.blorb.frontispiece
        return number if number in self._pictures else None


def _ranges(numbers: tuple[int, ...]) -> str:
    """'it has pictures 1-3, 7' for a message."""
    if not numbers:
        return "it has no pictures"
    parts, start = [], numbers[0]
    for prev, cur in zip(numbers, numbers[1:] + (-1,), strict=True):
        if cur != prev + 1:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = cur
    shown = ", ".join(parts[:8]) + (", ..." if len(parts) > 8 else "")
    return f"it has picture{'s' if len(numbers) > 1 else ''} {shown}"


class AdaptivePalette:
    """The Current Palette of Blorb §11.3: plotting a picture not in 'APal'
    copies its PLTE entries (up to 16) into it; an adaptive picture is
    plotted with it instead of its own palette."""

    def __init__(self) -> None:
        self.current: list[RGB | None] = [None] * MAX_PALETTE

    def plot(self, picture: Picture) -> tuple[RGB | None, ...] | None:
        """Note that the picture is being drawn; the palette to draw it
        with (entries None where no picture has set them), or None to use
        its own."""
        if not picture.adaptive:
            for i, rgb in enumerate(picture.palette[:MAX_PALETTE]):
                self.current[i] = rgb
            return None
        return tuple(self.current)


# -- finding the pictures of a story --------------------------------------------

def resource_file(story_path: str | Path) -> Path | None:
    """The resource file beside a bare story: the same name with ``.blb``
    (Infocom's version 6 releases), or ``.blorb``; None if there is none."""
    path = Path(story_path)
    for suffix in RESOURCE_SUFFIXES:
        candidate = path.with_suffix(suffix)
        if candidate != path and candidate.is_file():
            return candidate
    return None


def from_bytes(data: bytes, source: str) -> Pictures:
    """The pictures of a resource file's bytes; PictureError naming the file
    if it is not a usable Blorb."""
    try:
        return Pictures(blorb_file.parse(data), source)
    except PictureError:
        raise
    except StoryError as e:
        raise PictureError(f"{source}: {e}") from None


def load(story_path: str | Path, blorb: Blorb | None = None) -> Pictures | None:
    """The pictures for a story: those of the Blorb it came in when that has
    any, else those of its resource file (``resource_file``); None when
    there are none. PictureError when the resource file is unreadable or not
    a Blorb."""
    if blorb is not None and any(r.usage == "Pict" for r in blorb.resources):
        return Pictures(blorb, Path(story_path).name)
    found = resource_file(story_path)
    if found is None:
        return None
    try:
        data = found.read_bytes()
    except OSError as e:
        raise PictureError(f"{found.name}: {e.strerror or e}") from None
    return from_bytes(data, found.name)
