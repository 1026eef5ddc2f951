"""Version 6 in the frontends (§8.8): headless (zvm.ui.headless_v6: the
screen as text in screen order, pictures as one line each) and the
terminal UI (zvm.ui.terminal_v6) drawing into a blessed terminal that
writes to a string, with each way of drawing pictures; and what happens
when the pictures cannot be had. (tmux runs: test_v6_tmux.py.)"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys

import blessed
import pytest
from blessed.keyboard import Keystroke

from helpers import ROOT

from zvm.story.loader import load
from zvm.tools import make_pictures
from zvm.tools import blorb as blorb_tool
from zvm.ui.graphics import Capabilities
from zvm.ui.headless import HeadlessFrontend
from zvm.ui.pager import Press
from zvm.ui.terminal import TerminalFrontend
from zvm.vm.machine import Machine

STORIES = ROOT / "tests" / "stories"
DEMO = ROOT / "stories" / "v6demo.z6"
INFORM = shutil.which("inform6")
HALF = "\u2580"


def zvm(*args, input="") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zvm", "--headless", *map(str, args)],
                          input=input, capture_output=True, text=True, timeout=120)


def compile_v6(tmp_path, name: str, source: str):
    if not INFORM:
        pytest.skip("inform6 is absent")
    inf = tmp_path / f"{name}.inf"
    inf.write_text(source)
    out = tmp_path / f"{name}.z6"
    done = subprocess.run([INFORM, "-v6", str(inf), str(out)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    return out


def alone(tmp_path, source=DEMO):
    """A copy of a story with nothing beside it."""
    story = tmp_path / source.name
    shutil.copyfile(source, story)
    return story


# -- headless ---------------------------------------------------------------------------

WINDOWS = r"""
[ Main;
  @split_window 32;
  @window_size 2 16 640;  @move_window 2 113 1;       ! row 8 of the screen
  @set_window 2;  print "third, window 2";
  @set_window 1;  @set_cursor 17 9;  print "second, window 1";
  @set_cursor 1 1;  print "first, window 1";
  @set_window 0;  @draw_picture 2 17 1;  print "window 0's text";   ! row 3
];
"""


def test_headless_prints_the_windows_in_screen_order(tmp_path):
    story = compile_v6(tmp_path, "windows", WINDOWS)
    (tmp_path / "windows.blb").write_bytes(make_pictures.blorb("test"))
    out = zvm(story).stdout.splitlines()
    assert out == ["first, window 1", " second, window 1", "window 0's text",
                   "[picture 2: 40x40]", "", "third, window 2"]


def test_the_opcode_stories_pass_headless_with_and_without_pictures():
    assert zvm(STORIES / "v6screen.z6").stdout.splitlines()[-1] == "125 passed, 0 failed"
    assert zvm(STORIES / "v6pictures.z6").stdout.splitlines()[-1] == "41 passed, 0 failed"
    done = zvm("--no-pictures", STORIES / "v6pictures.z6")
    assert done.stdout.splitlines()[-1] == "15 passed, 0 failed"
    assert done.stderr == ""                      # turned off: nothing to say


def test_a_story_without_its_pictures_plays_in_words_and_says_so_once(tmp_path):
    walk = (ROOT / "stories" / "v6demo.walkthrough").read_text()
    done = zvm(alone(tmp_path), input=walk)
    assert done.returncode == 0
    assert done.stderr == ("zvm: no pictures found for v6demo.z6 (no v6demo.blb beside it): "
                           "the story plays without them\n")
    assert "(No pictures here: the walk goes on in words.)" in done.stdout
    assert "[picture" not in done.stdout
    assert done.stdout.rstrip().endswith("You sit down in the grass, and the walk is over.")


def test_a_corrupt_resource_file_is_one_line(tmp_path):
    story = alone(tmp_path)
    (tmp_path / "v6demo.blb").write_bytes(b"FORM\x00\x00\x10\x00IFRSRIdx" + bytes(40))
    done = zvm(story, input="east\nquit\n")
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("zvm: v6demo.blb: ")
    assert lines[0].endswith(": the story plays without pictures")
    assert "You walk east." in done.stdout


def test_a_picture_that_is_not_an_image_is_one_line(tmp_path):
    story = alone(tmp_path)
    pictures = make_pictures.pictures("demo")
    del pictures[1]
    (tmp_path / "v6demo.blb").write_bytes(blorb_tool.build(
        None, pictures=pictures, pict_chunks={1: (b"JPEG", b"GIF89a, not a JPEG")}))
    done = zvm(story, input="east\nwest\nquit\n")
    assert done.stderr == ("zvm: v6demo.blb: picture 1 is not a PNG or JPEG image "
                           "(it begins 'GIF8')\n")
    assert "[picture 1" not in done.stdout
    assert "You walk west." in done.stdout and "the walk is over" in done.stdout


def test_a_picture_number_that_does_not_exist_is_one_line(tmp_path):
    story = compile_v6(tmp_path, "missing", r"""
[ Main;
  @split_window 200; @set_window 1;
  @draw_picture 99; @erase_picture 99; @draw_picture 99 1 1; @draw_picture 1 1 1;
  @set_window 0; print "still here^";
];""")
    (tmp_path / "missing.blb").write_bytes(make_pictures.blorb("test"))
    done = zvm(story)
    assert done.stderr == "zvm: missing.blb has no picture 99 (it has pictures 1-5, 7-8, 10)\n"
    assert done.stdout.splitlines() == ["[picture 1: 64x48]", "", "still here"]


# -- the terminal UI, drawing into a string -------------------------------------------------

def terminal(size=(80, 24), colours=256, graphics=None, keys=(), **kw):
    term = blessed.Terminal(kind="xterm-256color", stream=io.StringIO(), force_styling=True)
    fe = TerminalFrontend(term=term, enter=False, size=size, colours=colours,
                          graphics=graphics, **kw)
    seq = []
    for item in keys:
        if isinstance(item, Press):
            seq.append(item)
        elif item == "\n":
            seq.append(Keystroke("\n", code=term.KEY_ENTER, name="KEY_ENTER"))
        else:
            seq.extend(Keystroke(c) for c in item)
    it = iter(seq)

    def next_key(timer, paging=True):
        try:
            return next(it)
        except StopIteration:
            from zvm.screen.protocol import InputEnded
            raise InputEnded() from None
    fe._next_key = next_key
    return fe


def play(fe, story=DEMO):
    m = Machine(load(str(story)), fe)
    m.run()
    return fe.term.stream.getvalue()


def test_the_demo_draws_its_picture_as_half_blocks_where_its_units_say():
    fe = terminal()
    out = play(fe)
    assert fe.features.pictures and fe.caps.method == "256"
    scene = [p for p in fe.v6.live() if p.picture.number == 1][0]
    # (17, 161) in units, 320x160: cells of 8x16 from row 1, column 20.
    assert (scene.rect.row, scene.rect.col, scene.rect.rows, scene.rect.cols) == (1, 20, 10, 40)
    drawn = out[out.index("\x1b[2;21H\x1b[0;38;5;"):]
    assert drawn.count(HALF) >= 40 * 10
    assert len(set(re.findall(r"38;5;(\d+)", out))) > 20         # many colours


@pytest.mark.parametrize("method, marker", [
    ("kitty", "\x1b[2;21H\x1b_Ga=T,f=100,t=d,i="),
    ("sixel", '\x1b[2;21H\x1bP0;1;0q"1;1;400;200'),
])
def test_kitty_and_sixel_carry_the_picture_at_its_cells(method, marker):
    caps = Capabilities(kitty=method == "kitty", sixel=method == "sixel", colours=1 << 24,
                        cell_size=(10, 20))
    fe = terminal(graphics=caps, colours=1 << 24)
    out = play(fe)
    assert fe.caps.method == method
    assert marker in out
    if method == "kitty":                         # the picture fills 40 x 10 cells
        assert ",c=40,r=10," in out[out.index(marker):]


def test_no_colours_no_pictures():
    fe = terminal(colours=0, keys=["quit\n"])
    out = play(fe)
    assert not fe.features.pictures
    assert HALF not in out
    assert "(No pictures here: the walk goes on in words.)" in "".join(
        "".join(r) for r in fe.v6.chars)


def test_no_pictures_when_asked():
    fe = terminal(pictures=False)
    play(fe)
    assert not fe.features.pictures and not fe.v6.live()


def test_a_resize_draws_the_screen_again_at_the_new_size():
    fe = terminal(keys=["look\n"])
    play(fe)
    fe.term._stream = io.StringIO()
    fe.resize((100, 30))
    out = fe._v6_draw()
    assert (fe.v6.rows, fe.v6.cols) == (30, 100)
    assert HALF in out and len(fe.writer.drawn) == 30


def test_a_click_on_the_compass_rose_walks():
    # The rose: 64x64 units at (17, 569), cells 71-78 of rows 1-4; its east.
    fe = terminal(keys=[Press(3, 78), "quit\n"])
    play(fe)
    text = ["".join(r).rstrip() for r in fe.v6.chars]
    assert "You walk east." in text
    assert text[0].startswith("The Lake at Night")


# -- saving (§15 save, restore; §6.6 user stacks live in memory) ---------------------------

SAVES = r"""
Array ustack --> 3 0 0 0;
[ Main r x;
  @push_stack 42 ustack ?Pushed; .Pushed;
  x = 7;
  @save -> r;
  if (r == 2) {
    @pull ustack -> r;
    print "restored: ", r, " ", x, " redraw ", (0-->8) & 4, "^";
    @quit;
  }
  print "saved: ", r, "^";
  @pull ustack -> r;
  x = 0;
  @restore -> r;
  print "restore failed^";
];
"""


def test_save_and_restore_keep_locals_and_user_stacks_and_ask_for_a_redraw(tmp_path):
    story = compile_v6(tmp_path, "saves", SAVES)
    done = subprocess.run([sys.executable, "-m", "zvm", "--headless", "--save-dir",
                           str(tmp_path), str(story)], input="game.qzl\ngame.qzl\n",
                          capture_output=True, text=True, timeout=60)
    assert "saved: 1" in done.stdout
    assert "restored: 42 7 redraw 4" in done.stdout, done.stdout + done.stderr


# -- the library (zvm.Game) --------------------------------------------------------------------

def test_the_library_plays_a_v6_story_and_takes_it_back():
    import zvm
    game = zvm.Game(str(DEMO))
    before = game.snapshot()
    assert "You walk east." in game.step("east").text
    game.restore(before)
    assert "You walk south." in game.step("south").text
    data = game.snapshot()
    game.step("west")
    game.restore(bytes(data) if not isinstance(data, bytes) else data)
    assert "You walk north." in game.step("north").text     # from the Ravine


# -- input: keys, clicks, timers (§10.3, §10.5.3, §15 read, read_char) --------------------------

KEYS = r"""
Array buf -> 40;
Global ticks;
[ Tick; ticks++; print "[tick]"; rfalse; ];
[ Main k ext;
  ext = 0-->$1B;
  @mouse_window (-1);
  @read_char 1 -> k;
  print "key ", k, " at ", ext-->2, ",", ext-->1, "^";
  @read_char 1 -> k;
  print "key ", k, "^";
  print ">";
  buf->0 = 30; buf->1 = 0;
  @aread buf 0 5 Tick -> k;
  print "^line ", buf->1, " chars after ", ticks, " ticks, ended by ", k, "^";
];
"""


def test_keys_clicks_and_timers_headless(tmp_path):
    """read_char takes a click (254, its place in the header extension
    table) or a key; a timed read runs its routine and goes on after what
    it printed (regtest's virtual clock: {timer} lines)."""
    story = compile_v6(tmp_path, "keys", KEYS)
    out = io.StringIO()
    fe = HeadlessFrontend(io.StringIO("{click 3 5}\nx\n{timer}\n{timer}\nlook\n"), out,
                          virtual_clock=True)
    Machine(load(str(story)), fe).run()
    fe.close()
    text = out.getvalue()
    assert "key 254 at 40,36" in text              # row 3, column 5: the cell's middle
    assert "key 120" in text
    # The prompt's row is shown at each read, as it stands: ">" and after
    # each interval the routine's "[tick]" (dfrotz's way).
    assert ">\n" not in text and ">>[tick]>[tick][tick]line 4 chars" in text
    assert "line 4 chars after 2 ticks, ended by 13" in text


def test_the_terminal_says_on_its_last_rows_that_pictures_were_not_found(tmp_path):
    fe = terminal(size=(60, 24), keys=["east\n"])
    out = play(fe, alone(tmp_path))
    assert not fe.v6.live()
    assert "zvm: no pictures found for v6demo.z6" in out
    assert "the story plays without them" in out          # wrapped, not cut
    assert fe.notes == []                                   # gone after the first input


def test_a_picture_far_larger_than_the_screen_costs_only_the_screen():
    """Blorb scaling (§11.2) may make a picture huge: only the part on the
    screen is cut out and scaled (bounded memory)."""
    from zvm.story import pictures as P
    found = P.from_bytes((STORIES / "v6pictures.blb").read_bytes(), "v6pictures.blb")
    caps = Capabilities(kitty=True, colours=1 << 24, cell_size=(10, 20))
    fe = terminal(graphics=caps, colours=1 << 24)
    fe.start(6)
    fe.v6_picture(found.picture(1), 1, 1, 64 * 4000, 48 * 4000, (0, 0, 24, 80))
    out = fe._v6_draw()
    assert ",c=80,r=24," in out                       # the screen's cells, no more
    assert len(out) < 2_000_000


def test_pictures_leave_the_interpreters_lines_and_the_typed_line_alone():
    from zvm.screen.protocol import Style
    from zvm.story import pictures as P
    found = P.from_bytes((STORIES / "v6pictures.blb").read_bytes(), "v6pictures.blb")
    fe = terminal(size=(40, 12))
    fe.start(6)
    fe.v6_picture(found.picture(1), 1, 1, 40 * 8, 12 * 16, (0, 0, 12, 40))   # the whole screen
    fe.message("zvm: a note")
    out = fe._v6_draw((5, 2, "typed", Style()), (5, 7))
    assert "zvm: a note" in out and "typed" in out
    assert "\x1b[12;1H\x1b[0;38" not in out                    # no picture on the note's row
    row6 = [m.start() for m in re.finditer(r"\x1b\[6;\d+H\x1b\[0;38", out)]
    assert row6 and all(not out[i:].startswith("\x1b[6;3H") for i in row6)
    assert out.count(HALF) == 40 * 12 - 40 - 6               # less the note's row and the line


CURSOR = """
[ Main k;
  @set_cursor -1 0; print "hidden: "; @read_char 1 -> k; print k, "^";
  @set_cursor -2 0; print "shown: "; @read_char 1 -> k; print k, "^";
  @set_cursor -1 0; print "typed: "; read_line();
];
Array buf -> 20;
[ read_line; buf->0 = 18; @aread buf 0 -> sp; @pull sp; print "done^"; ];
"""


def test_set_cursor_minus_1_hides_the_cursor_for_key_reads(tmp_path):
    """§15 set_cursor: -1 hides the cursor, -2 shows it again; a line read
    shows it whatever the story said (the player has to see where they type)."""
    story = compile_v6(tmp_path, "cursor", CURSOR)
    fe = terminal(keys=["a", "b", "look\n"])
    t = fe.term
    out = play(fe, story)
    hide, show = t.hide_cursor, t.normal_cursor
    assert hide and show
    first_key = out.index("hidden:")
    assert 0 <= out.find(hide, first_key) < out.index("shown:")   # hidden for the first key
    second = out.index("shown:")
    assert 0 <= out.find(show, second) < out.index("typed:")      # shown for the second
    third = out.index("typed:")
    assert out.find(hide, third) == -1                          # and for the line
