"""Pictures in a terminal (zvm.ui.pictures, zvm.ui.graphics): decoding and
scaling with Pillow, the cells a picture covers, detection by querying the
terminal, and the kitty, sixel and half-block sequences.

A blessed ``Terminal(kind="xterm-256color", stream=io.StringIO(),
force_styling=True)`` receives the output; the terminal's answers to the
queries are put in its input buffer with ``ungetch``. The tests read the
sequences back with small parsers of their own (kitty's APC keys and
base64 PNG, a sixel decoder, SGR colours of half-block cells) and compare
with the picture.
"""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

blessed = pytest.importorskip("blessed")

from zvm.story import pictures as P  # noqa: E402
from zvm.tools import make_pictures as M  # noqa: E402
from zvm.ui import graphics as G  # noqa: E402
from zvm.ui.pictures import CellRect, Decoder, cell_rect, crop, decode, fit  # noqa: E402

KITTY_OK = "\x1b_Gi=31;OK\x1b\\"
CELL_10x20 = "\x1b[6;20;10t"
DA1_SIXEL = "\x1b[?62;4;6;22c"
DA1_PLAIN = "\x1b[?62;6;22c"


@pytest.fixture
def term():
    return blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)


@pytest.fixture(scope="module")
def test_pictures() -> P.Pictures:
    return P.from_bytes(M.blorb("test"), "test.blb")


@pytest.fixture(scope="module")
def gradient(test_pictures) -> Image.Image:
    return decode(test_pictures.picture(1))


# -- geometry and decoding ----------------------------------------------------

@pytest.mark.parametrize("y, x, size, unit, rect", [
    (1, 1, (64, 48), (8, 16), CellRect(0, 0, 3, 8)),
    (17, 9, (64, 48), (8, 16), CellRect(1, 1, 3, 8)),
    (20, 12, (64, 48), (8, 16), CellRect(1, 1, 4, 9)),     # straddles cell edges
    (1, 1, (1, 1), (8, 16), CellRect(0, 0, 1, 1)),
    (5, 3, (10, 6), (1, 1), CellRect(4, 2, 6, 10)),         # one unit per cell
    (1, 1, (0, 20), (8, 16), CellRect(0, 0, 0, 0)),
])
def test_cell_rect_covers_the_cells_under_the_picture(y, x, size, unit, rect):
    assert cell_rect(y, x, size[0], size[1], unit) == rect


def test_clip_cuts_at_the_screen_edge_and_a_window():
    assert CellRect(20, 70, 10, 20).clip(24, 80) == CellRect(20, 70, 4, 10)
    assert CellRect(30, 0, 2, 2).clip(24, 80).empty
    window = CellRect(2, 10, 5, 30)
    assert CellRect(0, 5, 4, 10).intersect(window) == CellRect(2, 10, 2, 5)
    assert CellRect(0, 0, 2, 5).intersect(window).empty


def test_crop_cuts_the_picture_instead_of_squeezing_it(gradient):
    full = CellRect(0, 0, 3, 8)
    image = fit(gradient, (80, 60))                      # 10x20 pixels a cell
    shown = full.intersect(CellRect(1, 2, 10, 10))
    part = crop(image, full, shown)
    assert shown == CellRect(1, 2, 2, 6) and part.size == (60, 40)
    assert part.getpixel((0, 0)) == image.getpixel((20, 20))
    assert crop(image, full, full) is image


def test_decode_gives_rgba_at_the_header_size(test_pictures):
    for number in (1, 2, 3, 4, 7, 8, 10):
        image = decode(test_pictures.picture(number))
        assert image.mode == "RGBA" and image.size == test_pictures.picture(number).size
    assert decode(test_pictures.picture(2)).getpixel((39, 0))[3] == 0   # transparent corner


def test_a_rect_or_a_damaged_picture_is_one_line(test_pictures):
    with pytest.raises(P.PictureError, match="picture 5 is a placeholder"):
        decode(test_pictures.picture(5))
    good = test_pictures.picture(1)
    cut = P.Picture(1, "PNG", good.width, good.height, good.data[:60])
    with pytest.raises(P.PictureError) as caught:
        decode(cut)
    assert str(caught.value).startswith("picture 1 cannot be decoded (PNG: ")
    assert "\n" not in str(caught.value)


def test_a_picture_too_large_to_draw_is_refused():
    huge = Image.new("1", (5000, 5000))
    out = io.BytesIO()
    huge.save(out, "PNG")
    picture = P.Picture(9, "PNG", 5000, 5000, out.getvalue())
    with pytest.raises(P.PictureError, match="picture 9 is 5000x5000 pixels, too large"):
        decode(picture)


def test_an_adaptive_picture_is_decoded_in_the_current_palette():
    found = P.from_bytes(M.blorb("infocom"), "i.blb")
    tracker = P.AdaptivePalette()
    tracker.plot(found.picture(1))
    icon = found.picture(2)
    own = decode(icon)
    adapted = decode(icon, tracker.plot(icon))
    index = Image.open(io.BytesIO(icon.data)).getpixel((0, 0))
    assert own.getpixel((0, 0))[:3] == M.palette(2)[index]
    assert adapted.getpixel((0, 0))[:3] == M.palette(1)[index]


def test_fit_averages_when_shrinking_and_keeps_pixels_when_growing(gradient):
    small = fit(gradient, (16, 12))
    assert small.size == (16, 12)
    big = fit(Image.new("RGBA", (2, 1), (255, 0, 0, 255)), (8, 4))
    assert big.tobytes() == bytes((255, 0, 0, 255)) * 32


def test_decoder_caches_and_keeps_what_picture_table_names(test_pictures):
    decoder = Decoder(size=4)
    first = decoder.image(test_pictures.picture(1), (32, 24))
    assert decoder.image(test_pictures.picture(1), (32, 24)) is first
    bad = P.Picture(6, "PNG", 4, 4, test_pictures.picture(1).data[:50])
    problems = decoder.keep([test_pictures.picture(2), test_pictures.picture(5), bad])
    assert problems == [problems[0]] and problems[0].startswith("picture 6 cannot be decoded")
    assert decoder.image(test_pictures.picture(1), (32, 24)) is not first   # forgotten


# -- detection ----------------------------------------------------------------

def test_detect_asks_once_and_reads_kitty_sixel_and_cell_size(term):
    term.ungetch(KITTY_OK + CELL_10x20 + DA1_SIXEL)
    found = G.detect(term, ask=True, env={})
    assert term.stream.getvalue() == G.KITTY_QUERY + "\x1b[16t" + "\x1b[c"
    assert found == G.Capabilities(kitty=True, sixel=True, colours=256, cell_size=(10, 20))
    assert found.method == "kitty"
    assert found.without("kitty").method == "sixel"
    assert found.without("kitty", "sixel").method == "256"


def test_a_terminal_without_graphics_gets_half_blocks(term):
    term.ungetch(DA1_PLAIN)
    found = G.detect(term, ask=True, env={"COLORTERM": "truecolor"})
    assert found == G.Capabilities(colours=G.TRUECOLOUR)
    assert found.method == "truecolor"


def test_sixel_without_a_cell_size_falls_back_to_half_blocks(term):
    term.ungetch(DA1_SIXEL)
    found = G.detect(term, ask=True, env={})
    assert found.sixel and found.cell_size is None and found.method == "256"


def test_keys_typed_during_the_queries_are_kept(term):
    term.ungetch("n" + KITTY_OK + "o" + DA1_PLAIN + "rth")
    G.detect(term, ask=True, env={})
    assert term.flushinp() == "north"


def test_no_answer_ends_without_waiting_out_the_timeout(term):
    found = G.detect(term, timeout=30, ask=True, env={})      # no input: returns at once
    assert found == G.Capabilities(colours=256)


def test_a_terminal_that_is_not_a_tty_is_not_asked(term):
    assert G.detect(term, env={}) == G.Capabilities(colours=256)
    assert term.stream.getvalue() == ""


def test_without_colours_there_are_no_pictures():
    plain = blessed.Terminal(kind="dumb", stream=io.StringIO(), force_styling=True)
    assert G.detect(plain, ask=False, env={}).method is None
    unstyled = blessed.Terminal(kind="xterm-256color", stream=io.StringIO())
    assert G.detect(unstyled, env={"COLORTERM": "truecolor"}).method is None
    assert G.draw(Image.new("RGBA", (2, 2)), CellRect(0, 0, 1, 2), G.Capabilities()) == ""


# -- kitty --------------------------------------------------------------------

APC = re.compile(r"\x1b_G([^;]*);([^\x1b]*)\x1b\\")


def read_kitty(text: str):
    """(cursor row, col, keys of the first chunk, decoded PNG image)."""
    cup = re.match(r"\x1b\[(\d+);(\d+)H", text)
    chunks = APC.findall(text[cup.end():])
    keys = dict(k.split("=") for k in chunks[0][0].split(","))
    assert [dict(k.split("=") for k in c[0].split(","))["m"] for c in chunks] == \
        ["1"] * (len(chunks) - 1) + ["0"]
    png = base64.standard_b64decode("".join(c[1] for c in chunks))
    return int(cup.group(1)), int(cup.group(2)), keys, Image.open(io.BytesIO(png))


def test_kitty_places_the_picture_over_its_cells(term, test_pictures):
    caps = G.Capabilities(kitty=True, colours=256, cell_size=(10, 20))
    picture = test_pictures.picture(1)
    rect = cell_rect(17, 9, picture.width, picture.height, (8, 16))
    size = G.pixel_size(rect, caps)
    assert (rect, size) == (CellRect(1, 1, 3, 8), (80, 60))
    image = Decoder().image(picture, size)
    term.stream.write(G.draw(image, rect, caps, image_id=7))
    row, col, keys, sent = read_kitty(term.stream.getvalue())
    assert (row, col) == (2, 2)
    assert keys["a"] == "T" and keys["f"] == "100" and keys["i"] == "7"
    assert (keys["c"], keys["r"], keys["C"], keys["q"]) == ("8", "3", "1", "2")
    assert sent.size == (80, 60)
    assert sent.convert("RGBA").tobytes() == image.tobytes()


def test_kitty_splits_a_large_picture_into_chunks(test_pictures):
    image = Decoder().image(test_pictures.picture(3), (800, 600))   # a JPEG, enlarged
    text = G.kitty(image, CellRect(0, 0, 30, 80), 2)
    assert len(APC.findall(text)) > 1
    assert read_kitty(text)[3].size == (800, 600)


def test_kitty_delete():
    assert G.kitty_delete(7) == "\x1b_Ga=d,d=I,i=7,q=2\x1b\\"
    assert G.kitty_delete() == "\x1b_Ga=d,d=A,q=2\x1b\\"


# -- sixel --------------------------------------------------------------------

def read_sixel(text: str):
    """(cursor row, col, declared size, {(x, y): rgb}) from a sixel picture."""
    cup = re.match(r"\x1b\[(\d+);(\d+)H\x1bP0;1;0q\"1;1;(\d+);(\d+)", text)
    body = text[cup.end():text.index("\x1b\\")]
    registers, pixels = {}, {}
    x = band = colour = 0
    for token in re.findall(r"#\d+(?:;\d+;\d+;\d+;\d+)?|!\d+.|[$\-]|[?-~]", body):
        if token.startswith("#"):
            numbers = [int(n) for n in token[1:].split(";")]
            if len(numbers) == 5:
                registers[numbers[0]] = tuple(round(v * 255 / 100) for v in numbers[2:])
            else:
                colour = numbers[0]
        elif token == "$":
            x = 0
        elif token == "-":
            x, band = 0, band + 1
        else:
            count, char = (int(token[1:-1]), token[-1]) if token[0] == "!" else (1, token)
            bits = ord(char) - 63
            for _ in range(count):
                for dy in range(6):
                    if bits & (1 << dy):
                        pixels[(x, band * 6 + dy)] = registers[colour]
                x += 1
    return (int(cup.group(1)), int(cup.group(2)), (int(cup.group(3)), int(cup.group(4))),
            pixels)


def test_sixel_carries_the_picture_at_its_size_and_place(term, test_pictures):
    caps = G.Capabilities(sixel=True, colours=256, cell_size=(8, 12))
    picture = test_pictures.picture(1)
    rect = cell_rect(25, 17, picture.width, picture.height, (8, 16))
    size = G.pixel_size(rect, caps)
    image = Decoder().image(picture, size)
    term.stream.write(G.draw(image, rect, caps))
    row, col, declared, pixels = read_sixel(term.stream.getvalue())
    assert (row, col) == (rect.row + 1, rect.col + 1) == (2, 3)
    assert declared == size == (64, 48)
    assert len(pixels) == 64 * 48                        # every pixel drawn once
    worst = max(sum(abs(a - b) for a, b in zip(pixels[(x, y)], image.getpixel((x, y))[:3]))
                for x in range(64) for y in range(48))
    assert worst <= 3 * 16                               # median cut and percent rounding


def test_sixel_leaves_transparent_pixels_alone(test_pictures):
    image = decode(test_pictures.picture(2))             # shapes on transparency
    _row, _col, _size, pixels = read_sixel(G.sixel(image, CellRect(0, 0, 3, 5)))
    opaque = {(x, y) for x in range(40) for y in range(40) if image.getpixel((x, y))[3] >= 128}
    assert set(pixels) == opaque and 0 < len(opaque) < 40 * 40


# -- half-block cells ---------------------------------------------------------

SGR = re.compile(r"\x1b\[([\d;]*)m([\u2580\u2584])")


def cell_colours(text: str) -> list[tuple[str, str]]:
    """(glyph, colours) of each half-block cell, repeating the last SGR."""
    cells = []
    for line in re.split(r"\x1b\[\d+;\d+H", text)[1:]:
        current = ""
        for m in re.finditer(r"\x1b\[([\d;]*)m|([\u2580\u2584])", line):
            if m.group(1) is not None:
                current = m.group(1)
            else:
                cells.append((m.group(2), current))
    return cells


def test_half_blocks_show_a_gradient_in_many_colours(term, gradient):
    rect = CellRect(2, 4, 12, 32)
    image = fit(gradient, G.pixel_size(rect, G.Capabilities(colours=G.TRUECOLOUR)))
    assert image.size == (32, 24)
    term.stream.write(G.draw(image, rect, G.Capabilities(colours=G.TRUECOLOUR)))
    text = term.stream.getvalue()
    rows = re.findall(r"\x1b\[(\d+);(\d+)H", text)
    assert rows == [(str(3 + r), "5") for r in range(12)]
    cells = cell_colours(text)
    assert len(cells) == 12 * 32 and {g for g, _ in cells} == {"\u2580"}
    colours = set()
    for _glyph, sgr in cells:
        values = sgr.split(";")
        colours.add(tuple(values[3:6]))                   # 38;2;r;g;b
        colours.add(tuple(values[8:11]))                  # 48;2;r;g;b
    assert len(colours) >= 500
    first = cells[0][1].split(";")
    assert tuple(map(int, first[3:6])) == image.getpixel((0, 0))[:3]
    assert tuple(map(int, first[8:11])) == image.getpixel((0, 1))[:3]


def test_half_blocks_in_256_colours(term, gradient):
    rect = CellRect(0, 0, 12, 32)
    image = fit(gradient, (32, 24))
    text = G.draw(image, rect, G.Capabilities(colours=256))
    indices = set()
    for _glyph, sgr in cell_colours(text):
        values = sgr.split(";")
        assert values[1:3] == ["38", "5"] and values[4:6] == ["48", "5"]
        indices.update((int(values[3]), int(values[6])))
    assert len(indices) >= 40 and all(16 <= i <= 255 for i in indices)
    assert "38;2;" not in text


def test_half_blocks_skip_transparent_cells_or_lay_them_on_a_background(test_pictures):
    image = fit(decode(test_pictures.picture(2)), (20, 20))
    rect = CellRect(0, 0, 10, 20)
    text = G.halfblocks(image, rect)
    assert "\x1b[" in text and re.search(r"\x1b\[\d+C", text)      # skipped cells
    assert len(cell_colours(text)) < 200
    laid = G.halfblocks(image, rect, background=(0, 0, 0))
    assert len(cell_colours(laid)) == 200
    assert "48;2;0;0;0" in laid


def test_half_blocks_need_the_image_at_the_cell_size(gradient):
    with pytest.raises(ValueError):
        G.halfblocks(gradient, CellRect(0, 0, 2, 2))


def test_a_large_sixel_picture_takes_its_colours_from_a_sample(gradient):
    image = fit(gradient, (320, 240))            # over 256x256: the sampled path
    _row, _col, size, pixels = read_sixel(G.sixel(image, CellRect(0, 0, 12, 32)))
    assert size == (320, 240) and len(pixels) == 320 * 240
    rgb = image.convert("RGB").tobytes()
    worst = max(sum(abs(a - b) for a, b in zip(pixels[(x, y)], rgb[3 * (y * 320 + x):][:3]))
                for x in range(0, 320, 3) for y in range(0, 240, 3))
    assert worst <= 3 * 16
