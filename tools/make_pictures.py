#!/usr/bin/env python3
"""Generate the test pictures of zvm's version 6 stories and their Blorb files.

Usage:
    python3 tools/make_pictures.py OUT.blb [--set test|infocom|demo]
                                   [--story STORY.z6] [--files DIR]

Draws the pictures of a set with Pillow (gradients and shapes, deterministic)
and writes them with tools/blorb.py as a resource file (OUT.blb, to put beside
a bare story of the same name) or, with --story, as a Blorb holding the story.
--files DIR also writes each picture as DIR/pictN.png (or .jpg).

The sets:

``test`` (tests/stories/v6pictures.blb; the sizes are what the story checks):
    1  PNG  64x48   RGB gradient, 3072 distinct colours
    2  PNG  40x40   shapes on a transparent background (RGBA)
    3  JPEG 80x60   a smooth two-way gradient
    4  PNG  32x16   indexed (16-colour palette)
    5  Rect 100x20  placeholder: a size and no pixels (Blorb 2.3)
    7  PNG  10x6    fixed scale 2 in 'Reso' (minimum = maximum = 2): 20x12
    8  PNG  16x10   scalable: standard ratio 1, between 1/2 and 2
    10 PNG  200x8   a banner, wider than a picture is tall
    with 'RelN' 3 and 'Reso' with a standard window of 640x400.

``infocom`` (as conversions of Infocom's graphics are, Blorb 11.3): indexed
PNGs using colours 2-15, a Rect and an 'APal' chunk naming the adaptive ones:
    1  PNG  48x32   a scene that sets the Current Palette
    2  PNG  24x24   adaptive: drawn in the palette of the last scene
    3  PNG  48x32   a second scene with another palette
    4  Rect 8x8

``demo`` (stories/v6demo.blb): a 320x160 landscape (1), a 64x64 compass
rose (2), four 16x16 arrow icons (3-6), and the scenes of the three
places (7-9, 320x160).

As a library: ``pictures(name)`` gives {number: bytes}; ``blorb(name,
story=None)`` the bytes of the Blorb file; ``SIZES[name]`` the size of
each picture as the Blorb holds it (before 'Reso' scaling).
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageDraw

from zvm.tools import blorb as blorb_tool

TEST_RELEASE = 3
TEST_RESO = blorb_tool.Reso(standard=(640, 400),
                            scaling={7: (Fraction(1), Fraction(2), Fraction(2)),
                                     8: (Fraction(1), Fraction(1, 2), Fraction(2))})
TEST_RECTS = {5: (100, 20)}
INFOCOM_RECTS = {4: (8, 8)}
INFOCOM_ADAPTIVE = [2]

SIZES = {
    "test": {1: (64, 48), 2: (40, 40), 3: (80, 60), 4: (32, 16), 5: (100, 20),
             7: (10, 6), 8: (16, 10), 10: (200, 8)},
    "infocom": {1: (48, 32), 2: (24, 24), 3: (48, 32), 4: (8, 8)},
    "demo": {1: (320, 160), 2: (64, 64), 3: (16, 16), 4: (16, 16), 5: (16, 16),
             6: (16, 16), 7: (320, 160), 8: (320, 160), 9: (320, 160)},
}


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# -- the pictures -------------------------------------------------------------

def gradient(width: int, height: int) -> Image.Image:
    """Hue across, brightness down: every pixel of a 64x48 picture differs."""
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    assert pixels is not None              # a new image is loaded
    for y in range(height):
        for x in range(width):
            r = 255 * x // max(width - 1, 1)
            g = 255 * y // max(height - 1, 1)
            b = 255 - (r + g) // 2
            pixels[x, y] = (r, g, b)
    return image


def shapes(size: int) -> Image.Image:
    """A red disc, a green square and a blue triangle on transparency."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    s = size
    draw.ellipse((0, 0, s // 2 - 1, s // 2 - 1), fill=(220, 40, 40, 255))
    draw.rectangle((s // 2, s // 2, s - 1, s - 1), fill=(40, 180, 60, 255))
    draw.polygon([(s // 2, 0), (s - 1, s // 2 - 1), (s // 2, s // 2 - 1)],
                 fill=(50, 80, 220, 255))
    return image


def smooth(width: int, height: int) -> Image.Image:
    """A two-way gradient with a soft ring: photograph-like, for JPEG."""
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    assert pixels is not None              # a new image is loaded
    cx, cy = width / 2, height / 2
    for y in range(height):
        for x in range(width):
            d = math.hypot(x - cx, y - cy) / math.hypot(cx, cy)
            ring = int(60 * math.cos(d * math.pi * 3) + 60)
            pixels[x, y] = (min(255, 40 + 180 * x // width + ring // 2),
                            min(255, 30 + 200 * y // height),
                            min(255, 120 + ring))
    return image


def indexed(width: int, height: int, palette: list[tuple[int, int, int]],
            pattern: str = "bands") -> Image.Image:
    """An indexed picture using colours 2-15 of a 16-entry palette, as the
    pictures of Infocom's conversions do (Blorb 11.3)."""
    image = Image.new("P", (width, height), 2)
    flat = [c for rgb in palette for c in rgb]
    image.putpalette(flat)
    pixels = image.load()
    assert pixels is not None              # a new image is loaded
    for y in range(height):
        for x in range(width):
            if pattern == "bands":
                index = 2 + (x * 14 // width)
            else:                        # checks
                index = 2 + ((x // 4 + y // 4) % 14)
            pixels[x, y] = index
    return image


def palette(seed: int) -> list[tuple[int, int, int]]:
    """Sixteen colours; entries 0 and 1 (text colours in Infocom's
    interpreters) black and white."""
    colours = [(0, 0, 0), (255, 255, 255)]
    for i in range(14):
        h = (i * 25 + seed * 97) % 360
        colours.append(_hsv(h, 0.8 if seed % 2 else 0.6, 0.5 + (i % 3) * 0.2))
    return colours


def _hsv(h: float, s: float, v: float) -> tuple[int, int, int]:
    c = v * s
    x = c * (1 - abs((h / 60) % 2 - 1))
    m = v - c
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(h // 60) % 6]
    return int((r + m) * 255), int((g + m) * 255), int((b + m) * 255)


def landscape(width: int, height: int, sky: tuple, sun: tuple, hills: tuple) -> Image.Image:
    """A sky gradient, a sun and two rows of hills."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line((0, y, width, y),
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(*sky, strict=True)))
    r = height // 7
    draw.ellipse((width * 3 // 4 - r, height // 4 - r, width * 3 // 4 + r, height // 4 + r),
                 fill=sun)
    for row, colour in enumerate(hills):
        base = height * (6 + row) // 10
        points = [(0, height)]
        for x in range(0, width + 8, 8):
            points.append((x, base - int(height / 10 * math.sin(x / width * math.pi *
                                                                (3 + row) + row))))
        points.append((width, height))
        draw.polygon(points, fill=colour)
    return image


def compass(size: int) -> Image.Image:
    """A compass rose on a dark disc: four points to click."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c, r = size // 2, size // 2 - 1
    draw.ellipse((c - r, c - r, c + r, c + r), fill=(30, 40, 70, 255),
                 outline=(200, 180, 90, 255))
    w = r // 4
    gold, pale = (230, 190, 70, 255), (240, 230, 200, 255)
    for dx, dy, colour in ((0, -1, gold), (1, 0, pale), (0, 1, pale), (-1, 0, pale)):
        tip = (c + dx * (r - 2), c + dy * (r - 2))
        side1 = (c + dy * w, c - dx * w)
        side2 = (c - dy * w, c + dx * w)
        draw.polygon([tip, side1, (c, c), side2], fill=colour)
    return image


def arrow(size: int, direction: int) -> Image.Image:
    """An arrow pointing up, right, down or left (0-3)."""
    image = Image.new("RGBA", (size, size), (60, 60, 90, 255))
    draw = ImageDraw.Draw(image)
    s = size - 1
    draw.polygon([(s // 2, 1), (s - 1, s // 2), (s * 2 // 3, s // 2), (s * 2 // 3, s - 1),
                  (s // 3, s - 1), (s // 3, s // 2), (1, s // 2)], fill=(240, 220, 120, 255))
    return image.rotate(-90 * direction)


# -- the sets -----------------------------------------------------------------

def pictures(name: str) -> dict[int, bytes]:
    """The PNG and JPEG pictures of a set, by number (Rects are not here)."""
    if name == "test":
        return {1: _png(gradient(64, 48)), 2: _png(shapes(40)), 3: _jpeg(smooth(80, 60)),
                4: _png(indexed(32, 16, palette(1))), 7: _png(gradient(10, 6)),
                8: _png(shapes(16).resize((16, 10))), 10: _png(gradient(200, 8))}
    if name == "infocom":
        return {1: _png(indexed(48, 32, palette(1))),
                2: _png(indexed(24, 24, palette(2), "checks")),
                3: _png(indexed(48, 32, palette(3)))}
    if name == "demo":
        found = {1: _png(landscape(320, 160, ((40, 70, 160), (250, 170, 120)),
                                   (255, 230, 120), ((70, 120, 70), (40, 90, 50)))),
                 2: _png(compass(64))}
        for d in range(4):
            found[3 + d] = _png(arrow(16, d))
        found[7] = _png(landscape(320, 160, ((20, 30, 80), (120, 90, 160)), (240, 240, 250),
                                  ((50, 60, 90), (30, 40, 60))))
        found[8] = _jpeg(landscape(320, 160, ((150, 200, 240), (230, 240, 250)),
                                   (255, 250, 220), ((200, 170, 100), (150, 120, 70))))
        found[9] = _png(landscape(320, 160, ((10, 10, 30), (60, 20, 60)), (200, 60, 40),
                                  ((20, 20, 20), (5, 5, 10))))
        return found
    raise ValueError(f"no picture set '{name}' (test, infocom or demo)")


def blorb(name: str, story: bytes | None = None) -> bytes:
    """The Blorb file of a set: a resource file, or with the story in it."""
    images = pictures(name)
    if name == "test":
        return blorb_tool.build(story, pictures=images, rects=TEST_RECTS,
                                release=TEST_RELEASE, reso=TEST_RESO)
    if name == "infocom":
        return blorb_tool.build(story, pictures=images, rects=INFOCOM_RECTS,
                                adaptive=INFOCOM_ADAPTIVE)
    return blorb_tool.build(story, pictures=images, release=1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="make_pictures.py",
                                description="Write the test pictures as a Blorb file.")
    p.add_argument("out", help="the Blorb file to write (.blb beside a story, or .zblorb)")
    p.add_argument("--set", default="test", choices=sorted(SIZES), help="which pictures")
    p.add_argument("--story", help="put this Z-code story in the Blorb too")
    p.add_argument("--files", metavar="DIR", help="also write each picture to DIR")
    args = p.parse_args(argv)
    try:
        story = Path(args.story).read_bytes() if args.story else None
        data = blorb(args.set, story)
        Path(args.out).write_bytes(data)
        if args.files:
            folder = Path(args.files)
            folder.mkdir(parents=True, exist_ok=True)
            for number, image in pictures(args.set).items():
                suffix = ".jpg" if image[:2] == b"\xff\xd8" else ".png"
                (folder / f"pict{number}{suffix}").write_bytes(image)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"make_pictures.py: {e}\n")
        return 1
    print(f"{args.out}: {len(data)} bytes, {len(SIZES[args.set])} pictures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
