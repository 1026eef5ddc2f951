"""Pictures from Blorb files for version 6 (zvm.story.pictures; Blorb 2.0.4
sections 2 and 11; §8.8.6).

The pictures are drawn by tools/make_pictures.py and packed by tools/blorb.py
in tmp_path; sizes read from the image headers are compared with what
Pillow decodes. The 'Reso' expectations are the worked examples of Blorb
§11.2 (a standard window of 600x400).
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from fractions import Fraction

import pytest
from PIL import Image

from helpers import ROOT

from zvm.errors import StoryError
from zvm.story import pictures as P
from zvm.story.loader import parse
from zvm.tools import blorb as blorb_tool
from zvm.tools import make_pictures as M

STORY = (ROOT / "stories" / "hollinbrook.z5").read_bytes()


@pytest.fixture(scope="module")
def test_set() -> dict[int, bytes]:
    return M.pictures("test")


@pytest.fixture(scope="module")
def test_blb() -> bytes:
    return M.blorb("test")


def pictures_of(data: bytes, name: str = "pics.blb") -> P.Pictures:
    return P.from_bytes(data, name)


# -- sizes from headers -------------------------------------------------------

@pytest.mark.parametrize("name", ["test", "infocom", "demo"])
def test_header_sizes_are_what_pillow_decodes(name):
    for number, data in M.pictures(name).items():
        with Image.open(io.BytesIO(data)) as image:
            assert P.image_size(data) == image.size == M.SIZES[name][number]


def test_every_picture_of_the_sets_is_listed_with_its_size():
    for name, sizes in M.SIZES.items():
        found = pictures_of(M.blorb(name))
        assert found.numbers == tuple(sorted(sizes))
        assert {n: found.picture(n).size for n in found.numbers} == sizes
        assert found.problems == ()


def _jpeg(size, **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, "JPEG", **options)
    return out.getvalue()


def test_jpeg_size_skips_exif_and_reads_progressive_frames():
    exif = Image.Exif()
    exif[0x010F] = "zvm test camera" * 20      # an APP1 segment before the frame
    assert P.jpeg_size(_jpeg((123, 45), exif=exif.tobytes())) == (123, 45)
    assert P.jpeg_size(_jpeg((70, 300), progressive=True)) == (70, 300)   # SOF2


def test_jpeg_fill_bytes_before_a_marker_are_skipped():
    data = _jpeg((9, 7))
    padded = data[:2] + b"\xff\xff\xff" + data[2:]
    assert P.jpeg_size(padded) == (9, 7)


@pytest.mark.parametrize("data, words", [
    (b"GIF89a\x01\x00\x01\x00", "not a PNG or JPEG image (it begins 'GIF8')"),
    (P.PNG_SIGNATURE + b"\x00\x00\x00\x0dIDAT" + bytes(17), "no IHDR"),
    (P.PNG_SIGNATURE + struct.pack(">I4sII5x", 13, b"IHDR", 0, 5) + bytes(4), "0x5 pixels"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(7) + b"\xff\xda\x00\x02", "no frame header"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "no frame header"),
    (b"", "it begins ''"),
])
def test_damaged_images_are_refused_in_one_line(data, words):
    with pytest.raises(P.PictureError) as caught:
        P.image_size(data)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


# -- the Blorb side -----------------------------------------------------------

def test_release_count_and_rects(test_blb):
    found = pictures_of(test_blb)
    assert found.release == M.TEST_RELEASE
    assert len(found) == 8
    rect = found.picture(5)
    assert rect.placeholder and rect.format == "Rect" and rect.size == (100, 20)
    assert rect.data == b""
    assert not found.picture(3).placeholder and found.picture(3).format == "JPEG"
    assert 5 in found and 6 not in found


def test_no_relN_means_release_0():
    assert pictures_of(blorb_tool.build(None, pictures={1: M.pictures("test")[1]})).release == 0


def test_a_missing_picture_number_names_what_the_file_has(test_blb):
    found = pictures_of(test_blb, "zork0.blb")
    with pytest.raises(P.MissingPicture) as caught:
        found.picture(6)
    assert str(caught.value) == "zork0.blb has no picture 6 (it has pictures 1-5, 7-8, 10)"
    with pytest.raises(P.MissingPicture):
        found.size(0)
    empty = pictures_of(blorb_tool.build(None), "none.blb")
    with pytest.raises(P.MissingPicture, match=r"none.blb has no picture 1 \(it has no "):
        empty.picture(1)


def test_a_pict_that_is_not_an_image_is_kept_out_and_named(test_set):
    data = blorb_tool.build(None, pictures={1: test_set[1]},
                            pict_chunks={2: (b"PNG ", b"this is not a picture"),
                                         3: (b"GIF ", b"GIF89a..."),
                                         4: (b"Rect", b"\x00\x01")})
    found = pictures_of(data, "bad.blb")
    assert found.numbers == (1, 2, 3, 4)            # listed: the file has them
    assert 1 in found and 2 not in found
    assert found.problems == (
        "bad.blb: picture 2 is not a PNG or JPEG image (it begins 'this')",
        "bad.blb: picture 3 is a 'GIF ' resource, not a PNG, a JPEG or a Rect",
        "bad.blb: picture 4: a Rect chunk of 2 bytes, not 8",
    )
    with pytest.raises(P.PictureError, match="^bad.blb: picture 2 is not a PNG"):
        found.picture(2)
    assert found.size(1) == (64, 48)


def test_a_jpeg_in_a_png_chunk_is_read_by_its_content(test_set):
    data = blorb_tool.build(None, pict_chunks={1: (b"PNG ", test_set[3])})
    found = pictures_of(data)
    assert found.picture(1).format == "JPEG" and found.size(1) == (80, 60)


@pytest.mark.parametrize("data, words", [
    (b"not a blorb at all", "not a Blorb file"),
    (b"FORM\x00\x00\x01\x00IFRS", "truncated Blorb file"),
    (b"FORM\x00\x00\x00\x04IFRS", "no resource index"),
])
def test_a_corrupt_resource_file_is_refused_in_one_line(data, words):
    with pytest.raises(P.PictureError) as caught:
        pictures_of(data, "zork0.blb")
    message = str(caught.value)
    assert message.startswith("zork0.blb: ") and words in message and "\n" not in message
    assert isinstance(caught.value, StoryError)


def test_a_damaged_apal_or_reso_is_refused():
    with pytest.raises(P.PictureError, match="APal chunk of 3 bytes"):
        pictures_of(blorb_tool.build(None, extra=[(b"APal", b"\x00\x00\x01")]))
    with pytest.raises(P.PictureError, match="Reso chunk of 30 bytes"):
        pictures_of(blorb_tool.build(None, extra=[(b"Reso", bytes(30))]))
    with pytest.raises(P.PictureError, match="standard window is 0x400"):
        pictures_of(blorb_tool.build(None, extra=[(b"Reso", struct.pack(">6I", 0, 400,
                                                                         0, 0, 0, 0))]))
    half = struct.pack(">6I7I", 600, 400, 0, 0, 0, 0, 1, 1, 1, 0, 3, 0, 0)
    with pytest.raises(P.PictureError, match="picture 1 has minimum ratio 0/3, half of it"):
        pictures_of(blorb_tool.build(None, extra=[(b"Reso", half)]))


# -- Reso scaling (Blorb §11.2) -----------------------------------------------

def reso(scaling) -> bytes:
    return blorb_tool.build(None, rects={n: size for n, (size, _r) in scaling.items()},
                            reso=blorb_tool.Reso((600, 400), scaling={
                                n: r for n, (_s, r) in scaling.items()}))


@pytest.fixture(scope="module")
def examples() -> P.Pictures:
    """The five worked examples of Blorb §11.2, as Rects of their sizes."""
    return pictures_of(reso({
        1: ((600, 400), (1, None, None)),               # title: always covers the window
        2: ((1200, 800), (Fraction(1, 2), None, 1)),     # cave: up to twice, then centred
        3: ((20, 20), (1, 2, 2)),                         # icons: always double
        4: ((150, 100), (1, None, 1)),                    # rose: shrinks, never grows
        5: ((75, 50), (2, 1, 2)),                         # rose: never below 75x50
    }))


@pytest.mark.parametrize("window, sizes", [
    ((600, 400), {1: (600, 400), 2: (600, 400), 3: (40, 40), 4: (150, 100), 5: (150, 100)}),
    ((1200, 800), {1: (1200, 800), 2: (1200, 800), 3: (40, 40), 4: (150, 100),
                   5: (150, 100)}),
    ((3000, 800), {1: (1200, 800), 2: (1200, 800), 3: (40, 40), 4: (150, 100),
                   5: (150, 100)}),      # ERF = min(5, 2) = 2
    ((2400, 1600), {1: (2400, 1600), 2: (1200, 800), 3: (40, 40), 4: (150, 100),
                    5: (150, 100)}),
    ((300, 200), {1: (300, 200), 2: (300, 200), 3: (40, 40), 4: (75, 50), 5: (75, 50)}),
    ((150, 100), {1: (150, 100), 2: (150, 100), 3: (40, 40), 4: (38, 25), 5: (75, 50)}),
])
def test_reso_scales_as_the_worked_examples_say(examples, window, sizes):
    assert {n: examples.size(n, window) for n in sizes} == sizes


def test_reso_erf_and_unlisted_pictures(examples, test_set):
    assert examples.resolution.erf((900, 1200)) == Fraction(3, 2)
    assert examples.ratio(99, (1200, 800)) == 1          # not in Reso: not scalable
    assert examples.ratio(1) == 1                        # window unknown: standard size
    plain = pictures_of(blorb_tool.build(None, pictures={1: test_set[1]}))
    assert plain.resolution is None and plain.size(1, (5000, 5000)) == (64, 48)


def test_scaled_sizes_round_half_up_and_never_vanish():
    assert P.scaled((3, 5), Fraction(1, 2)) == (2, 3)
    assert P.scaled((1, 1), Fraction(1, 100)) == (1, 1)
    assert P.scaled((0, 7), Fraction(3)) == (0, 21)


def test_the_test_set_scales_its_fixed_and_elastic_pictures(test_blb):
    found = pictures_of(test_blb)
    assert found.size(7, (100, 100)) == found.size(7, (5000, 5000)) == (20, 12)
    assert found.size(8, (640, 400)) == (16, 10)
    assert found.size(8, (1280, 1000)) == (32, 20)       # ERF 2
    assert found.size(8, (2560, 1600)) == (32, 20)       # ERF 4, at most 2
    assert found.size(8, (160, 100)) == (8, 5)           # ERF 1/4, at least 1/2
    assert found.size(1, (1280, 800)) == (64, 48)        # unlisted


# -- adaptive palette (Blorb §11.3) -------------------------------------------

def test_adaptive_pictures_take_the_palette_of_the_last_scene():
    found = pictures_of(M.blorb("infocom"))
    assert found.adaptive == frozenset(M.INFOCOM_ADAPTIVE)
    scene1, icon, scene2 = found.picture(1), found.picture(2), found.picture(3)
    assert icon.adaptive and not scene1.adaptive
    assert scene1.palette[:16] == tuple(M.palette(1))
    tracker = P.AdaptivePalette()
    assert tracker.plot(scene1) is None
    assert tracker.plot(icon) == tuple(M.palette(1))
    tracker.plot(scene2)
    assert tracker.plot(icon) == tuple(M.palette(3))
    assert icon.palette[:16] == tuple(M.palette(2))       # its own, ignored


def test_a_shorter_palette_changes_only_its_entries():
    tracker = P.AdaptivePalette()
    long = P.Picture(1, "PNG", 1, 1, M._png(M.indexed(4, 4, M.palette(1))))
    short_image = Image.new("P", (2, 2), 1)
    short_image.putpalette([9, 9, 9, 8, 8, 8])
    short = P.Picture(2, "PNG", 2, 2, M._png(short_image))
    icon = P.Picture(3, "PNG", 1, 1, b"", adaptive=True)
    tracker.plot(long)
    tracker.plot(short)
    current = tracker.plot(icon)
    assert current[:2] == ((9, 9, 9), (8, 8, 8)) and current[2:] == tuple(M.palette(1))[2:]


# -- where the pictures of a story come from ---------------------------------

def test_a_bare_story_finds_its_blb_or_blorb_beside_it(tmp_path, test_blb):
    story = tmp_path / "journey.z6"
    story.write_bytes(b"\x06")
    assert P.resource_file(story) is None and P.load(story) is None
    (tmp_path / "journey.blorb").write_bytes(test_blb)
    assert P.resource_file(story) == tmp_path / "journey.blorb"
    (tmp_path / "journey.blb").write_bytes(test_blb)
    assert P.resource_file(story) == tmp_path / "journey.blb"
    found = P.load(story)
    assert found.source == "journey.blb" and found.numbers == tuple(sorted(M.SIZES["test"]))


def test_a_corrupt_blb_beside_a_story_is_one_line(tmp_path):
    story = tmp_path / "arthur.z6"
    (tmp_path / "arthur.blb").write_bytes(b"FORM\x00\x00\x00\x04IFRS")
    with pytest.raises(P.PictureError, match=r"^arthur.blb: corrupt Blorb file: no resource"):
        P.load(story)
    (tmp_path / "arthur.blb").unlink()
    (tmp_path / "arthur.blb").mkdir()
    assert P.load(story) is None                 # a directory is not a resource file


def test_a_zblorb_with_pictures_uses_its_own(tmp_path, test_blb):
    wrapped = parse("game.zblorb", blorb_tool.build(STORY, pictures=M.pictures("demo")))
    (tmp_path / "game.blb").write_bytes(test_blb)            # ignored
    found = P.load(tmp_path / "game.zblorb", wrapped.blorb)
    assert found.source == "game.zblorb" and found.size(1) == (320, 160)
    bare = parse("game.zblorb", blorb_tool.build(STORY))
    assert P.load(tmp_path / "game.zblorb", bare.blorb).source == "game.blb"


def test_identity_chunk_names_another_story():
    ident = STORY[2:4] + STORY[0x12:0x18] + STORY[0x1C:0x1E] + bytes(3)
    same = pictures_of(blorb_tool.build(None, extra=[(b"IFhd", ident)]), "h.blb")
    assert same.identity_problem(STORY) is None
    other = pictures_of(blorb_tool.build(None, extra=[(b"IFhd", b"\x00\x05" + b"870915"
                                                      + bytes(5))]), "h.blb")
    assert other.identity_problem(STORY) == ("h.blb is for release 5 serial 870915 of the "
                                             "story, not this one")
    assert pictures_of(blorb_tool.build(None)).identity_problem(STORY) is None


# -- the tools ----------------------------------------------------------------

def run_tool(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_blorb_tool_writes_v6_chunks(tmp_path):
    png = tmp_path / "a.png"
    png.write_bytes(M.pictures("test")[1])
    out = tmp_path / "r.blb"
    done = run_tool("tools/blorb.py", out, "-", "--pict", 1, png, "--rect", 2, "30x4",
                    "--release", 9, "--adaptive", 2, "--reso", "320x200",
                    "--scale", 1, "1/2", "0", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{out}: {out.stat().st_size} bytes, 2 resources"
    found = pictures_of(out.read_bytes())
    assert found.release == 9 and found.adaptive == {2} and found.picture(2).size == (30, 4)
    assert found.resolution.standard == (320, 200)
    assert found.resolution.scaling[1] == P.Scaling(1, Fraction(1, 2), None, Fraction(2))
    assert found.size(1, (640, 400)) == (64, 48)
    bad = run_tool("tools/blorb.py", out, "-", "--scale", 1, "1", "0", "0")
    assert bad.returncode == 1 and bad.stderr == "blorb.py: --scale needs --reso\n"


def test_make_pictures_writes_a_blorb_and_files(tmp_path):
    out = tmp_path / "t.blb"
    done = run_tool("tools/make_pictures.py", out, "--set", "infocom", "--files",
                    tmp_path / "f")
    assert done.returncode == 0, done.stderr
    assert pictures_of(out.read_bytes()).numbers == (1, 2, 3, 4)
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        "pict1.png", "pict2.png", "pict3.png"]
    bad = run_tool("tools/make_pictures.py", out, "--story", tmp_path / "nope.z6")
    assert bad.returncode == 1 and bad.stderr.startswith("make_pictures.py: ")


def test_the_infocom_set_keeps_to_the_apal_rules():
    """Blorb §11.3: with 'APal', PNGs are indexed, use colours 2-15 and have
    at most 16 palette entries."""
    for data in M.pictures("infocom").values():
        with Image.open(io.BytesIO(data)) as image:
            assert image.mode == "P"
            used = {i for _count, i in image.getcolors()}
            assert used <= set(range(2, 16))
            assert len(P.png_palette(data)) <= 16
