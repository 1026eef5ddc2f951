"""The version 6 screen model (zvm.screen.v6, v6media; §8.8): text laid out
in windows, newlines, scrolling, interrupts, margins, colours, the mouse
and pictures, seen through a frontend that records what it is asked to
draw. (Our v6 test stories check the opcodes end to end:
tests/regtest/v6.regtest, test_v6_frontends.py.)"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from helpers import ROOT

from zvm.screen.protocol import Features, Frontend
from zvm.screen.v6 import V6Screen
from zvm.screen.windows6 import InfocomStory
from zvm.story import pictures as P
from zvm.tools import blorb as blorb_tool

FW, FH = 8, 16


class Recorder(Frontend):
    """A frontend that keeps the rows of cells it is asked to draw."""

    def __init__(self, width=40, height=10, **features):
        super().__init__()
        self.features = Features(width=width, height=height, font_width=FW, font_height=FH,
                                 **features)
        self.rows = [[" "] * width for _ in range(height)]
        self.calls: list[tuple] = []
        self.messages: list[str] = []

    def v6_text(self, row, col, text, style, typed=False):
        self.calls.append(("text", row, col, text))
        for i, ch in enumerate(text):
            self.rows[row][col + i] = ch

    def v6_erase(self, row, col, rows, cols, style):
        self.calls.append(("erase", row, col, rows, cols))
        for r in range(row, row + rows):
            self.rows[r][col:col + cols] = [" "] * cols

    def v6_scroll(self, row, col, rows, cols, lines, style):
        self.calls.append(("scroll", row, col, rows, cols, lines))
        area = [r[col:col + cols] for r in self.rows[row:row + rows]]
        area = area[lines:] + [[" "] * cols for _ in range(lines)]
        for i, cells in enumerate(area):
            self.rows[row + i][col:col + cols] = cells

    def v6_picture(self, picture, y, x, width, height, clip, palette=None):
        self.calls.append(("picture", picture.number, y, x, width, height, clip))

    def v6_more(self):
        self.calls.append(("more",))

    def message(self, text):
        self.messages.append(text)

    def text(self) -> list[str]:
        return ["".join(r).rstrip() for r in self.rows]


def shown(s: V6Screen, fe: Recorder) -> list[str]:
    """The screen after the word buffer went to it."""
    s.word_break()
    return fe.text()


def screen(width=40, height=10, **features):
    fe = Recorder(width, height, **features)
    return V6Screen(fe), fe


def narrow(s: V6Screen, attributes: int, chars: int = 14) -> None:
    """Window 2: three lines of ``chars`` characters at the top left."""
    s.window_size(2, 3 * FH, chars * FW)
    s.move_window(2, 1, 1)
    s.window_style(2, attributes)
    s.set_window(2)


# -- wrapping and buffering (§8.8.3.1, the Standard's own example) -------------

@pytest.mark.parametrize("attributes, rows, cursor_x", [
    (0b1001, ["Here is an", "abacus"], 6 * FW + 1),         # wrapping, buffering
    (0b1000, ["Here is an aba"], 14 * FW),                  # buffering only: at the margin
    (0b0001, ["Here is an aba", "cus"], 3 * FW + 1),        # wrapping only
    (0b0000, ["Here is an aba"], 14 * FW),                  # neither
])
def test_the_abacus_example(attributes, rows, cursor_x):
    s, fe = screen()
    narrow(s, attributes)
    s.print("Here is an abacus")
    assert s.get_cursor()[1] == cursor_x
    assert fe.text()[:len(rows)] == rows
    assert fe.text()[len(rows)] == ""


def test_buffered_text_waits_for_the_end_of_its_word():
    s, fe = screen()
    s.print("Hello wor")
    assert fe.text()[0] == "Hello"
    s.print("ld")
    assert s.get_cursor() == (1, 11 * FW + 1)          # get_cursor flushes (§8.8.3.2.7)
    assert fe.text()[0] == "Hello world"


def test_text_is_clipped_to_its_window():
    s, fe = screen()
    s.window_size(3, FH, 5 * FW)
    s.move_window(3, 2 * FH + 1, 10 * FW + 1)
    s.set_window(3)
    s.print("abcdefgh")
    assert shown(s, fe)[2] == " " * 10 + "abcde"


# -- newlines: margins, scrolling, line counts, interrupts -------------------------

def test_newline_goes_to_the_left_margin():
    s, fe = screen()
    s.set_margins(2 * FW, 0)
    assert s.get_cursor()[1] == 2 * FW + 1        # overtaken by the margin
    s.print("one\ntwo")
    assert shown(s, fe)[:2] == ["  one", "  two"]


def test_a_full_window_scrolls_and_asks_for_more():
    s, fe = screen(height=4)
    s.print("1\n2\n3\n4\n5")
    assert shown(s, fe) == ["2", "3", "4", "5"]
    assert ("scroll", 0, 0, 4, 40, 1) in fe.calls
    # Four lines: [MORE] after three newlines, so nothing scrolls away unseen.
    assert fe.calls.count(("more",)) == 1


def test_a_line_count_of_minus_999_never_asks_for_more():
    s, fe = screen(height=4)
    s.put_property(0, 15, 0x10000 - 999)
    s.print("\n" * 12)
    assert ("more",) not in fe.calls
    assert s.get_property(0, 15) == 0x10000 - 999


def test_without_scrolling_the_cursor_returns_to_the_top():
    s, fe = screen(height=4)
    s.window_style(0, 0b1001)                     # wrapping and buffering, no scrolling
    s.print("1\n2\n3\n4\n5")
    assert shown(s, fe) == ["5", "2", "3", "4"]
    assert not [c for c in fe.calls if c[0] == "scroll"]


@pytest.mark.parametrize("release, interpreter, late", [(393, 6, True), (393, 4, False),
                                                        (383, 6, False)])
def test_newline_interrupts_and_zork_zeros_exception(release, interpreter, late):
    """§8.8.3.2.2: the routine runs when the countdown reaches 0, before the
    newline moves the cursor - except in Zork Zero 393 under the MS-DOS
    interpreter number (§8.8.3.2.2.1)."""
    s, fe = screen()
    s.infocom = InfocomStory(release, "890714" if release == 393 else "890602", interpreter)
    seen = []
    s.call_routine = lambda packed: seen.append((packed, s.windows[0].cursor_y))
    s.put_property(0, 8, 0x1234)
    s.put_property(0, 9, 2)
    s.print("a\n")
    assert seen == [] and s.get_property(0, 9) == 1
    s.print("b\n")
    assert seen == [(0x1234, 2 * FH + 1 if late else FH + 1)]
    s.print("c\n")
    assert len(seen) == 1 and s.get_property(0, 9) == 0


# -- windows -----------------------------------------------------------------------

def test_split_window_homes_a_cursor_its_window_lost():
    """§8.8.4.1 (Frotz homes window 0's cursor only when it is above it)."""
    s, fe = screen()
    sh = 10 * FH
    s.split(sh)                                   # window 0 vanishes
    s.split(0)                                    # and comes back
    assert s.windows[0].cursor_y == 1
    s.print("x")
    assert shown(s, fe)[0] == "x"


def test_erase_line_erases_so_many_units_less_one():
    s, fe = screen()
    s.print("abcdefghij")
    s.set_cursor(1, 2 * FW + 1)
    s.erase_line(3 * FW + 1)                      # three characters
    assert fe.text()[0] == "ab   fghij"
    assert s.get_cursor()[1] == 2 * FW + 1
    s.erase_line(1)                               # to the right margin
    assert fe.text()[0] == "ab"


def test_scroll_window_moves_a_window_by_lines():
    s, fe = screen()
    s.print("top\nnext")
    s.scroll_window(0, FH)
    assert fe.text()[:2] == ["next", ""]
    assert s.get_cursor()[0] == FH + 1            # the cursor stays


def test_a_window_number_out_of_range_stops_the_story():
    from zvm.errors import ZMachineError
    s, fe = screen()
    with pytest.raises(ZMachineError, match="no window 9"):
        s.set_window(9)
    with pytest.raises(ZMachineError, match="cannot be written"):
        s.put_property(0, 16, 0)


def test_resize_keeps_windows_at_the_edges_and_asks_for_a_redraw():
    s, fe = screen(40, 10)
    s.split(2 * FH)
    s.resize(50, 12)
    assert s.redraw_wanted
    w0, w1 = s.windows[0], s.windows[1]
    assert (w0.width, w0.height) == (50 * FW, 12 * FH - 2 * FH)
    assert (w1.width, w1.height) == (50 * FW, 2 * FH)


# -- colours and styles (§8.3, §8.8.3.2) ---------------------------------------------

def test_colour_properties():
    s, fe = screen(colour=True)
    s.set_colour(3, 6)                            # red on blue
    assert s.get_property(0, 11) == (6 << 8) | 3
    assert (s.get_property(0, 16), s.get_property(0, 17)) == (0x001D, 0x59A0)
    s.set_colour(1, 15)                           # default; transparent is not offered
    assert s.get_property(0, 11) == (6 << 8) | 9
    assert s.get_property(0, 16) == 0x7FFF
    s.set_true_colour(0x1234, 0xFFFE)             # -2: the current background
    assert s.get_property(0, 11) & 0xFF == 16     # not a standard colour (§8.3.5.2)
    assert s.get_property(0, 16) == 0x1234


def test_the_style_property_shows_what_can_be_shown():
    s, fe = screen(bold=False, italic=True)
    s.set_text_style(2 | 4 | 1)
    assert s.get_property(0, 10) == 4 | 1


def test_set_font_of_another_window():
    s, fe = screen(fixed=True)
    assert s.set_font(4, 2) == 1
    assert (s.get_property(2, 12), s.get_property(0, 12)) == (4, 1)
    assert s.set_font(3) == 0                     # no character graphics here


# -- the mouse (§10.3) -------------------------------------------------------------------

def test_clicks_count_in_the_mouse_window_only():
    s, fe = screen()
    s.split(2 * FH)                               # window 1: the top two rows
    assert s.click(5, 3) is None                  # below it
    assert s.click(1, 3) == (3 * FW + FW // 2, FH + FH // 2)
    assert s.read_mouse() == (FH + FH // 2, 3 * FW + FW // 2, 0, 0)
    s.set_mouse_window(0xFFFF)                    # -1: anywhere
    assert s.click(5, 3) == (3 * FW + FW // 2, 5 * FH + FH // 2)


# -- pictures (§8.8.6) ---------------------------------------------------------------------

def png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_picture_data_and_drawing_from_the_test_set():
    from zvm.story.loader import load
    fe = Recorder(80, 24, pictures=True)
    s = V6Screen(fe, load(str(ROOT / "tests" / "stories" / "v6pictures.z6")))
    assert s.shows_pictures and fe.messages == []
    assert s.picture_data(0) == (True, (8, 3))
    assert s.picture_data(1) == (True, (48, 64))
    assert s.picture_data(6) == (False, None)     # not there: nothing written
    s.split(10 * FH)
    s.set_window(1)
    s.draw_picture(1, FH + 1, 0)                  # x 0: the cursor's
    assert fe.calls[-1] == ("picture", 1, FH + 1, 1, 64, 48, (0, 0, 10, 80))
    s.draw_picture(6)
    s.draw_picture(6)
    assert fe.messages == ["zvm: v6pictures.blb has no picture 6 (it has pictures 1-5, "
                           "7-8, 10)"]


def test_erase_picture_erases_its_rectangle_within_the_window():
    """§15 erase_picture: the picture's rectangle, in the window's background
    (§8.8.5.1), clipped to the window: text under it goes, text beside it stays."""
    from zvm.story.loader import load
    fe = Recorder(80, 24, pictures=True)
    s = V6Screen(fe, load(str(ROOT / "tests" / "stories" / "v6pictures.z6")))
    s.split(10 * FH)
    s.set_window(1)
    for row in range(1, 10):
        s.set_cursor((row - 1) * FH + 1, 1)
        s.print("x" * 40)
    s.word_break()
    s.erase_picture(1, FH + 1, 8 * FW + 1)        # 64x48 units: 8 cells by 3 rows
    rows = fe.text()
    assert rows[0] == "x" * 40
    assert all(r == "x" * 8 + " " * 8 + "x" * 24 for r in rows[1:4])
    assert rows[4] == "x" * 40
    s.erase_picture(1, 8 * FH + 1, 1)             # 3 rows from row 8: clipped at row 9
    assert fe.text()[7:11] == ["x" * 40, " " * 8 + "x" * 32, "", ""]


def test_zork_zeros_split_border_pictures(tmp_path):
    """Picture 5 of Zork Zero comes with its corners 497 and 498 (as Frotz
    draws the MS-DOS picture set)."""
    found = P.from_bytes(blorb_tool.build(None, pictures={5: png(100, 10), 497: png(8, 30),
                                                          498: png(6, 30)}), "z.blb")
    s, fe = screen(80, 24)
    s.pictures = found
    s.infocom = InfocomStory(393, "890714", 6)
    assert s.picture_data(5) == (True, (10 + 30, 100))
    assert s.picture_data(497) == (False, None)
    s.draw_picture(5, 1, 1)
    drawn = [c[1:4] for c in fe.calls if c[0] == "picture"]
    assert drawn == [(497, 11, 1), (498, 11, 1 + 100 - 6), (5, 1, 1)]


def test_shoguns_border_comes_with_its_right_edge():
    """Shogun's picture 3 (its border) is drawn with picture 59 at the right
    edge of the screen (as Frotz does); other stories' picture 3 alone."""
    found = P.from_bytes(blorb_tool.build(None, pictures={3: png(100, 10), 59: png(8, 30)}),
                         "s.blb")
    for release, serial, drawn in [(311, "890510", [(3, 1, 1), (59, 1, 80 * FW - 8 + 1)]),
                                   (383, "890602", [(3, 1, 1)])]:
        s, fe = screen(80, 24)
        s.pictures = found
        s.infocom = InfocomStory(release, serial, 6)
        s.draw_picture(3, 1, 1)
        assert [c[1:4] for c in fe.calls if c[0] == "picture"] == drawn


def test_pictures_the_file_cannot_give_are_said_once(tmp_path):
    from zvm.story.loader import load
    story = tmp_path / "bad.z6"
    story.write_bytes((ROOT / "tests" / "stories" / "v6pictures.z6").read_bytes())
    (tmp_path / "bad.blb").write_bytes(blorb_tool.build(
        None, pictures={1: png(10, 10)}, pict_chunks={2: (b"PNG ", b"not a picture")}))
    fe = Recorder(80, 24, pictures=True)
    s = V6Screen(fe, load(str(story)))
    assert fe.messages == ["zvm: bad.blb: picture 2 is not a PNG or JPEG image "
                           "(it begins 'not ')"]
    assert s.picture_data(2) == (False, None)
    s.draw_picture(2)
    assert len(fe.messages) == 1


# -- Infocom's releases (zvm.screen.windows6.InfocomStory) ---------------------------

@pytest.mark.parametrize("release, serial, wraps", [
    (366, "890323", True),          # Zork Zero 366 prints its hints unwrapped
    (295, "890321", True),          # so does Shogun up to 295
    (383, "890602", False),         # later releases turn wrapping on themselves
    (311, "890510", False),
])
def test_window_0_wraps_for_the_releases_that_forget_to_ask(release, serial, wraps):
    s, fe = screen(20, 10)
    s.infocom = InfocomStory(release, serial, 6)
    s.window_style(0, 0b1000)                     # buffered, wrapping off
    s.print("one two three four five six")
    rows = shown(s, fe)
    if wraps:
        assert rows[:2] == ["one two three four", "five six"]
    else:
        assert rows[:2] == ["one two three four f", ""]


@pytest.mark.parametrize("release, serial, said", [
    (296, "881019", True),          # Zork Zero 296 wants pictures without saying so
    (383, "890602", False),
])
def test_zork_zero_296_wants_its_pictures_without_flags_2(tmp_path, release, serial, said):
    """A story that does not set Flags 2 bit 3 (§11.1) is not told that its
    pictures are missing - except Zork Zero's Macintosh release 296, which
    uses pictures without setting it."""
    from zvm.story.loader import load
    data = bytearray((ROOT / "tests" / "stories" / "v6pictures.z6").read_bytes())
    data[0x02:0x04] = release.to_bytes(2, "big")
    data[0x12:0x18] = serial.encode("ascii")
    data[0x11] &= ~0x08                           # Flags 2: no pictures asked for
    story = tmp_path / "zork0.z6"                 # no zork0.blb beside it
    story.write_bytes(bytes(data))
    fe = Recorder(80, 24, pictures=True)
    s = V6Screen(fe, load(str(story)))
    assert s.pictures is None
    assert bool(fe.messages) == said
    if said:
        assert fe.messages == ["zvm: no pictures found for zork0.z6 (no zork0.blb beside it): "
                               "the story plays without them"]
