"""Unit tests of the headless frontend, driven directly (no machine).

Every expected string is the exact output of Frotz 2.54's dfrotz
(``dfrotz -m -p -q -w 80 -h 24 -Z 0 -s 1``) on a tiny Inform 6 story that
makes the same calls; the story is named in each test. The stories were
built with ``inform6 -v3``/``-v5`` from the Inform source quoted in the
docstrings (abridged: ``buf``/``prs`` are byte arrays, ``@aread`` is
preceded by ``buf->0 = 100; buf->1 = 0;``).
"""

from __future__ import annotations

import io

import pytest

from zvm.ui.headless import HeadlessFrontend
from zvm.screen.protocol import (
    BOLD,
    ITALIC,
    PLAIN,
    REVERSE,
    CharRequest,
    InputEnded,
    LineRequest,
    Style,
)


def make(commands: str = "", version: int = 5, **kw) -> tuple[HeadlessFrontend, io.StringIO]:
    out = io.StringIO()
    return HeadlessFrontend(io.StringIO(commands), out, version=version, **kw), out


def finish(f: HeadlessFrontend, out: io.StringIO) -> str:
    """End as a story that quits does (dfrotz prints what is pending)."""
    f.close()
    return out.getvalue()


# -- wrapping (story t1.z5: prints the lines below, then quits) -------------

def test_line_of_exactly_the_width_gets_no_extra_empty_line():
    # t1.z5: for (i=0:i<80:i++) print "x"; new_line; print "after80^";
    f, out = make()
    f.write("x" * 80, PLAIN)
    f.write("\nafter80\n", PLAIN)
    assert finish(f, out) == "x" * 80 + "\nafter80\n"


def test_word_that_does_not_fit_moves_down_and_loses_its_space():
    # t1.z5: 79 'y' then print " z^";  ->  the space at the break vanishes.
    f, out = make()
    f.write("y" * 79, PLAIN)
    f.write(" z\n", PLAIN)
    assert finish(f, out) == "y" * 79 + "\nz\n"


def test_wrap_at_a_space_before_column_80():
    # t1.z5 / praxix: words fill the line, the next one starts a new line.
    f, out = make()
    f.write("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll "
            "mmmm nnnn oooo pppp qqqq rrrr\n", PLAIN)
    assert finish(f, out) == (
        "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll "
        "mmmm nnnn oooo pppp\nqqqq rrrr\n")


def test_line_may_break_after_a_hyphen():
    # t1.z5: "... oooo ppp-qqqq rrrr" breaks after "ppp-" (col 79).
    f, out = make()
    f.write("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll "
            "mmmm nnnn oooo ppp-qqqq rrrr\n", PLAIN)
    assert finish(f, out) == (
        "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll "
        "mmmm nnnn oooo ppp-\nqqqq rrrr\n")


def test_no_break_between_two_hyphens_but_after_the_last():
    # t1.z5: "p--qqqq" breaks after "p--"; praxix.out shows "a--" / ">3=$FFEE".
    f, out = make()
    f.write("aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll "
            "mmmm nnnn oooo p--qqqq rrrr\n", PLAIN)
    assert finish(f, out) == (
        "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll "
        "mmmm nnnn oooo p--\nqqqq rrrr\n")


def test_hyphen_inside_a_word_that_fits_is_harmless():
    # t6.z3: print "a well-known fact^";
    f, out = make()
    f.write("a well-known fact\n", PLAIN)
    assert finish(f, out) == "a well-known fact\n"


def test_word_longer_than_the_line_top_of_screen():
    # t1.z5 (version 5, cursor near the top): 81 'w' then " tail^".
    # The long word starts a new line (leaving an empty one), its 81st
    # character spills onto the next row and "tail" is written over it.
    f, out = make()
    f.write("y\n", PLAIN)
    f.write("w" * 81, PLAIN)
    f.write(" tail\n", PLAIN)
    assert finish(f, out) == "y\n\n" + "w" * 80 + "\ntail\n"


def test_word_longer_than_the_line_on_the_bottom_row():
    # t6.z3 (version 3, cursor on the bottom row): print "x^"; 100 'q';
    # print " after^"; quit. On the bottom row the overflow keeps landing in
    # the last cell, then the newline scrolls.
    f, out = make(version=3)
    f.write("x\n", PLAIN)
    f.write("q" * 100, PLAIN)
    f.write(" after\n", PLAIN)
    assert finish(f, out) == "x\n\n" + "q" * 80 + "\nafter\n"


def test_trailing_spaces_are_not_printed():
    # t1.z5: print "trailing spaces here      ^";
    f, out = make()
    f.write("trailing spaces here      \n", PLAIN)
    assert finish(f, out) == "trailing spaces here\n"


def test_pending_partial_line_is_finished_at_exit():
    # t3.z3 ends with print "bye"; quit;  ->  "bye\n".
    f, out = make()
    f.write("bye", PLAIN)
    assert finish(f, out) == "bye\n"


def test_newlines_and_empty_lines():
    # t6.z3: print "one^^two^";  (and czech.z5.out "[417] new_line:")
    f, out = make(version=3)
    f.write("one\n\ntwo\n", PLAIN)
    assert finish(f, out) == "one\n\ntwo\n"


def test_width_zero_never_wraps():
    f, out = make(width=0)
    text = " ".join(["word"] * 50)
    f.write(text + "\n", PLAIN)
    f.write("z" * 120 + "\n", PLAIN)
    assert finish(f, out) == text + "\n" + "z" * 120 + "\n"


# -- prompts and input ------------------------------------------------------

def test_prompt_has_no_newline_and_reply_follows_it_without_status_line():
    # t1.z5 (version 5): print "No newline prompt>"; @aread; print "Got it.^";
    # praxix.out shows the same: ">All tests:".
    f, out = make("hello\n")
    f.write("No newline prompt>", PLAIN)
    assert out.getvalue() == ""               # nothing before input
    result = f.read_line(LineRequest(98))
    assert result.text == "hello" and result.terminator == 13
    assert out.getvalue() == "No newline prompt>"
    f.write("Got it.\n", PLAIN)
    assert finish(f, out) == "No newline prompt>Got it.\n"


def test_version3_status_line_shows_as_an_empty_line_when_it_changes():
    # t3.z3: each read draws the status line. When it changed since the last
    # input its (invisible) row prints as the newline after ">"; the old rows
    # in between shrink to one empty line -- the ">\n\n" of the Zork
    # transcripts. When it did not change the reply follows the prompt.
    f, out = make("look\nn\ns\n", version=3)
    f.write("\n\nBanner line\nSecond line\n\nRoom text here.\n\n>", PLAIN)
    f.status_line("West of House", "Score: 0 Moves: 0")
    f.read_line(LineRequest(118))
    f.write("Response one.\n\n>", PLAIN)
    f.status_line("West of House", "Score: 0 Moves: 1")
    f.read_line(LineRequest(118))
    f.write("Same status.\n\n>", PLAIN)
    f.status_line("West of House", "Score: 0 Moves: 1")
    f.read_line(LineRequest(118))
    assert f.last_status == ("West of House", "Score: 0 Moves: 1")
    assert out.getvalue() == (
        "\n\nBanner line\nSecond line\n\nRoom text here.\n\n>"
        "\n\nResponse one.\n\n>"
        "Same status.\n\n>")


def test_long_output_is_shown_at_the_suppressed_more_prompt():
    # t3.z3: 30 lines without input. Where a MORE prompt would be (after 22
    # newlines in the 23-row lower window) the screen so far is printed and
    # one empty line follows; the rest comes at the next input.
    f, out = make("x\n", version=3)
    f.write("\n>", PLAIN)
    f.status_line("West of House", "Score: 0 Moves: 1")
    f.read_line(LineRequest(118))
    for i in range(30):
        f.write(f"Line number {i} of a long output.\n", PLAIN)
    f.write("\n>", PLAIN)
    f.status_line("Forest", "Score: 0 Moves: 2")
    with pytest.raises(InputEnded):
        f.read_line(LineRequest(118))
    lines = [f"Line number {i} of a long output.\n" for i in range(30)]
    assert out.getvalue() == (
        "\n\n>" + "".join(lines[:21]) + "\n\n\n" + "".join(lines[21:]) + "\n>")


def test_prompt_too_close_to_the_right_edge_moves_to_a_new_line():
    # t3.z3: "Prompt at edge:" + 60 '-' + ">" leaves 4 columns (< 10), so the
    # core starts a new line before reading; the old line prints as a row.
    f, out = make("z\n", version=3)
    f.write("Prompt at edge:" + "-" * 60 + ">", PLAIN)
    f.status_line("Forest", "Score: 0 Moves: 4")
    f.read_line(LineRequest(118))
    f.write("bye", PLAIN)
    assert finish(f, out) == (
        "\n\nPrompt at edge:" + "-" * 60 + ">\nbye\n")


def test_input_ended_at_end_of_file_and_nothing_after():
    # zork*.out end with the last prompt ">" and no newline: dfrotz exits at
    # end of input (EOT goes to standard error) without printing more.
    f, out = make("")
    f.write("Text\n>", PLAIN)
    with pytest.raises(InputEnded):
        f.read_line(LineRequest(98))
    f.write("more text\n", PLAIN)
    f.close()
    assert out.getvalue() == "Text\n>"


def test_line_endings_stripped_and_max_len_applied():
    f, _ = make("Hello there\r\nabcdefghij\n")
    assert f.read_line(LineRequest(98)).text == "Hello there"
    assert f.read_line(LineRequest(4)).text == "abcd"


def test_preloaded_text_counts_as_typed():
    # t7.z5: print ">walk"; @aread with "walk" preloaded, input "ing";
    # then prints the buffer: dfrotz gives ">walklen=7 [walking]".
    f, out = make("ing\n")
    f.write(">walk", PLAIN)
    result = f.read_line(LineRequest(98, preloaded="walk"))
    assert result.text == "walking"
    assert out.getvalue() == ">walk"
    f.write("len=7 [walking]\n", PLAIN)
    assert finish(f, out) == ">walklen=7 [walking]\n"


def test_echo_prints_the_command_after_the_prompt():
    f, out = make("look\n", echo=True)
    f.write("Room.\n\n>", PLAIN)
    f.read_line(LineRequest(98))
    f.write("You see nothing.\n", PLAIN)
    assert finish(f, out) == "Room.\n\n>look\nYou see nothing.\n"


def _key(k: int | str) -> int:
    """A read_char result as the ZSCII code the machine makes of it
    (characters of the ASCII range are their own codes, §3.8)."""
    return ord(k) if isinstance(k, str) else k


def test_read_char_takes_a_line_one_character_at_a_time():
    # t1.z5: print "[Press a key]"; then three @read_char with input "ab".
    # dfrotz reads the line once and hands out 'a', 'b'; the third read shows
    # the screen again (the changed row in full) and meets end of input.
    f, out = make("ab\n")
    f.write("[Press a key]", PLAIN)
    keys = []
    with pytest.raises(InputEnded):
        for _ in range(3):
            keys.append(_key(f.read_char(CharRequest())))
            f.write(f"key={keys[-1]}\n", PLAIN)
    assert keys == [97, 98]
    assert out.getvalue() == "[Press a key][Press a key]key=97\nkey=98\n"


def test_read_char_empty_line_is_enter():
    f, _ = make("\nx\n")
    assert _key(f.read_char(CharRequest())) == 13
    assert _key(f.read_char(CharRequest())) == ord("x")
    with pytest.raises(InputEnded):
        f.read_char(CharRequest())


# -- styles, upper window, odds and ends ------------------------------------

class _Screen:
    """An upper window as the screen model keeps it and shows it to the
    frontend: all its cells, and the cells each operation wrote."""

    def __init__(self, frontend: HeadlessFrontend, width: int = 80):
        self.frontend = frontend
        self.width = width
        self.cells: list[list] = []

    def split(self, lines: int) -> None:
        self.cells = [[(" ", PLAIN)] * self.width for _ in range(lines)]
        self.frontend.upper_changed(self.cells, [])

    def print(self, row: int, col: int, text: str, style: Style) -> None:
        for i, ch in enumerate(text):
            self.cells[row][col + i] = (ch, style)
        self.frontend.upper_changed(self.cells, [(row, col + i) for i in range(len(text))])


def _status_bar(screen: _Screen, name: str) -> None:
    # What an Inform status line does: split 1, reverse spaces, then text.
    if len(screen.cells) != 1:
        screen.split(1)
    screen.print(0, 0, " " * 80, Style(REVERSE))
    screen.print(0, 0, " " + name, Style(REVERSE))


def test_upper_window_status_bar_and_dfrotz_dropping_styled_text():
    # t5.z5: erase_window -1; text with bold/underline/reverse words; an
    # Inform-style reverse status bar each turn. dfrotz 2.54 prints neither
    # bold/italic text nor the reverse fixed-width bar (its row shows empty),
    # and the bar overwrites the story's first line.
    out = io.StringIO()
    f = HeadlessFrontend(io.StringIO("a\nb\nc\n"), out, drop_styled=True)
    f.start(5)
    screen = _Screen(f)
    f.erase_lower(-1)
    f.write("Intro text.\nSome ", PLAIN)
    f.write("bold words", Style(BOLD))
    f.write(" and ", PLAIN)
    f.write("italic", Style(ITALIC))
    f.write(" and ", PLAIN)
    f.write("reverse", Style(REVERSE))
    f.write(" done.\n\n>", PLAIN)
    _status_bar(screen, "Kitchen")
    f.read_line(LineRequest(98))
    f.write("Reply.\n\n>", PLAIN)
    _status_bar(screen, "Kitchen")
    f.read_line(LineRequest(98))
    f.write("Reply2 with hyphen-", PLAIN)
    f.write("bold", Style(BOLD))
    f.write("\n\n>", PLAIN)
    _status_bar(screen, "Hall")
    f.read_line(LineRequest(98))
    with pytest.raises(InputEnded):
        f.read_line(LineRequest(98))
    assert out.getvalue() == (
        "\nSome  and  and reverse done.\n\n>"
        "\n\nReply.\n\n>"
        "\n\nReply2 with hyphen-\n\n>")


def test_styled_text_is_printed_by_default():
    f, out = make()
    f.write("Some ", PLAIN)
    f.write("bold", Style(BOLD))
    f.write(" text\n", PLAIN)
    assert finish(f, out) == "Some bold text\n"


def test_non_ascii_is_written_as_is_like_dfrotz():
    # t2.z5: dfrotz 2.54 ignores -p and prints Latin-1/Unicode as UTF-8.
    f, out = make()
    f.write("Latin: \u00e4 \u00f6 \u00df \u00ab\u00bb \u0153\n", PLAIN)
    assert finish(f, out) == "Latin: \u00e4 \u00f6 \u00df \u00ab\u00bb \u0153\n"


def test_beeps_are_printed_at_once():
    # t7.z5: print "Latin^"; @sound_effect 1; @sound_effect 2: the visual
    # bells come out before the text, which waits in the grid.
    f, out = make()
    f.write("Latin\n", PLAIN)
    f.sound_effect(1)
    f.sound_effect(2)
    f.sound_effect(5)
    assert finish(f, out) == (
        "[HIGH-PITCHED BEEP]\n[LOW-PITCHED BEEP]\nLatin\n")


def test_message_goes_to_stderr(capsys):
    f, out = make()
    f.message("Warning: something")
    assert capsys.readouterr().err == "Warning: something\n"
    assert out.getvalue() == ""


# -- whole texts and single characters give the same screen -----------------

_PIECES = [
    "a well-known fact, p--qqqq and ppp-qqqq ",
    "w" * 81, " tail ", "q" * 300, " x-" * 40, "\n\n", "tab\there ",
    "caf\u00e9 \u00e4\u00f6 ", "trailing spaces      \n",
    "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
    "nnnn oooo pppp qqqq rrrr ssss\n",
    "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm "
    "nnnn oooo ppp-qqqq rrrr\n", "some-very-long-hyphenated-words-here ",
]


@pytest.mark.parametrize("version,width", [(3, 80), (5, 80), (5, 17), (5, 0)])
def test_text_in_one_piece_or_char_by_char_gives_the_same_output(version, width):
    # write() handles whole words and runs of words at once; the result
    # must be what the core's character-at-a-time buffering gives, across
    # wraps, hyphens, over-long words, the 275-code buffer limit, scrolling
    # and suppressed MORE prompts, with style changes in between.
    outputs = []
    for chunked in (False, True):
        f, out = make("look\nagain\n", version=version, width=width)
        for turn in range(2):
            for i, piece in enumerate(_PIECES * 2):
                style = Style(BOLD if i % 5 == 3 else 0)
                if chunked:
                    for ch in piece:
                        f.write(ch, style)
                else:
                    f.write(piece, style)
            f.read_line(LineRequest(max_len=20))
        outputs.append(finish(f, out))
    assert outputs[0] == outputs[1]
    assert "well-known" in outputs[0]


# -- text appended straight to the frontend (OutputStreams._appending_out) ------------
def _play_text(path, commands: str, straight: bool) -> str:
    from zvm.story.loader import load
    from zvm.vm.machine import Machine
    out = io.StringIO()
    m = Machine(load(str(path)), HeadlessFrontend(io.StringIO(commands), out, 80, 24), seed=7)
    streams = m.streams
    assert streams.out != streams._out                  # the frontend gathers text
    if not straight:
        streams.out = streams._out                      # every piece through write()
    m.run()
    m.frontend.close()
    return out.getvalue()


@pytest.mark.parametrize("story, commands", [
    ("font3.z5", ""), ("quote_box.z5", "\n\n"), ("zscii_out.z5", ""), ("tall.z5", "\n" * 5),
    ("upper_input.z5", "abc\n"), ("shared:praxix.z5", "all\n"),
    ("shared:etude.z5", "etude.cmd"), ("shared:zork1.z3", "zork1.cmd")])
def test_text_appended_straight_is_what_write_lays_out(story, commands, monkeypatch):
    """Styles, windows, memory streams (stream 3 takes the text, §7.1.2.2),
    fixed-pitch text, font 3 and the upper window each send text the whole
    way; the plain case appends it: the output is the same either way."""
    from helpers import ROOT, shared_story, shared_transcript
    from zvm.compile import diskcache
    monkeypatch.setattr(diskcache, "enabled", False)
    if story.startswith("shared:"):
        path = shared_story(story[len("shared:"):])
        if commands.endswith(".cmd"):
            commands = shared_transcript(commands).read_text()
    else:
        path = ROOT / "tests" / "stories" / story
    assert _play_text(path, commands, True) == _play_text(path, commands, False)


def test_upper_window_writes_mark_cells_as_writes_cell_by_cell_would():
    """The headless frontend hands each run of neighbouring cells in one
    style to the grid as one write: the grid (characters, styles, change
    marks, changed rows) ends as it would had each cell been written alone,
    in order, for prints in random styles and fonts, at random places,
    past the right edge, and over cells they wrote before, and for the
    whole window redrawn in the styles its cells have."""
    import random
    from zvm.screen.font3 import graphics
    from zvm.ui.headless_grid import FIXED
    rng = random.Random(7)
    width, rows = 20, 3
    for _ in range(40):
        grouped = HeadlessFrontend(io.StringIO(""), io.StringIO(), width, 10)
        single = HeadlessFrontend(io.StringIO(""), io.StringIO(), width, 10)
        cells = [[(" ", PLAIN)] * (width + 4) for _ in range(rows)]
        for f in (grouped, single):
            f.start(5)
            f.upper_changed(cells, [])
        for _ in range(12):
            style = Style(rng.choice([0, 1, 2, 8]), font=rng.choice([1, 1, 3]))
            row, col = rng.randrange(rows), rng.randrange(width + 2)
            text = "".join(rng.choice("ab  -*") for _ in range(rng.randrange(1, 9)))
            touched = []
            for i, ch in enumerate(text):
                if col + i < width + 4:
                    cells[row][col + i] = (ch, style)
                    touched.append((row, col + i))
            if rng.random() < 0.3:                      # a print that wraps back over itself
                touched += touched[:2]
            if rng.random() < 0.2:                      # every cell, in their own styles
                touched = [(r, c) for r in range(rows) for c in range(width + 4)]
            grouped.upper_changed(cells, touched)
            top = single._text.status_rows
            for r, c in touched:
                if c < width:
                    ch, st = cells[r][c]
                    single._grid.set_cell(top + r, c, graphics(ch) if st.font == 3 else ch,
                                          (st.bits & 0xF) | FIXED)
        a, b = grouped._grid, single._grid

        def styles(g):                  # (a row in one style may be kept as one int)
            return [[s] * len(g.chars[r]) if isinstance(s, int) else s
                    for r, s in enumerate(g.styles)]

        def marks(g):                   # (a mark is any character but a space)
            return [[m != " " for m in row] for row in g.marks]
        assert (a.chars, styles(a), marks(a), a.changed) \
            == (b.chars, styles(b), marks(b), b.changed)
