"""zvm as a library (zvm.Game): steps, snapshots, the world, isolation."""

from __future__ import annotations

import re
import time

import pytest

import zvm
from helpers import ROOT, run_zvm, shared_story, shared_transcript


def words(text: str) -> str:
    """Text with its wrapping and spacing folded: headless output is wrapped
    at 80 columns and, like dfrotz, sometimes puts a line break after the
    prompt; the library's text is unwrapped."""
    return " ".join(text.replace(">", "> ").split())


def test_zork_walkthrough_through_step_reaches_350_and_done():
    story = shared_story("zork1.z3")
    commands = shared_transcript("zork1.cmd").read_text().splitlines()
    game = zvm.Game(story, seed=12)
    texts = [game.reset()]
    for command in commands:
        result = game.step(command)
        texts.append(result.text + result.prompt)
    assert result.done and result.score == 350
    headless = shared_transcript("zork1.seed12.out").read_text()
    assert words("".join(texts)) == words(headless)


def test_steps_report_score_and_moves():
    game = zvm.Game(shared_story("zork1.z3"), seed=12)
    game.reset()
    result = game.step("open mailbox")
    assert (result.score, result.moves, result.done) == (0, 1, False)
    assert "leaflet" in result.text


def test_discarded_text_is_dropped_even_where_text_goes_straight_to_the_buffer():
    game = zvm.Game(shared_story("zork1.z3"), seed=12)
    game.reset()
    assert "mailbox" in game.step("look").text     # the buffer has learned the style
    game.frontend.discard = True
    result = game.step("open mailbox")
    assert result.text == "" and result.moves == 2   # the command ran, its words dropped
    game.frontend.discard = False
    assert "leaflet" in game.step("look in mailbox").text


def test_snapshot_restore_replays_the_same_texts():
    story = shared_story("zork1.z3")
    commands = shared_transcript("zork1.cmd").read_text().splitlines()[:120]
    game = zvm.Game(story, seed=12)
    game.reset()
    k = 60
    for command in commands[:k]:
        game.step(command)
    state = game.snapshot()
    assert bytes(state)[:4] == b"FORM"           # a Quetzal save when asked for bytes
    first = [game.step(c).text for c in commands[k:]]
    game.restore(state)
    again = [game.step(c).text for c in commands[k:]]
    assert again == first
    other = zvm.Game(story, seed=12)
    other.restore(bytes(state))
    assert [other.step(c).text for c in commands[k:]] == first


def test_world_hash_equal_for_equal_worlds_and_changes_after_take_lamp():
    game = zvm.Game(shared_story("zork1.z3"), seed=12)
    game.reset()
    for command in ["north", "east", "open window", "enter", "west"]:
        game.step(command)
    assert game.objects()[game.location - 1].name == "Living Room"
    before = game.world_hash()
    state = game.snapshot()
    twin = game.copy()
    assert twin.world_hash() == before
    result = game.step("take lamp")
    assert "Taken." in result.text
    assert game.world_hash() != before
    assert "brass lantern" in [o.name for o in game.inventory()]
    game.restore(state)
    assert game.world_hash() == before
    assert twin.world_hash() == before             # copies are independent


def test_object_tree_matches_dump_tree():
    story = shared_story("zork1.z3")
    game = zvm.Game(story)           # not started: the tree as the story file holds it
    dumped = run_zvm(["dump", story, "--tree"]).stdout
    found = {}                                      # number -> (indent, name)
    for line in dumped.splitlines():
        m = re.match(r"^(\s*)\[\s*(\d+)\]\s+\"(.*)\"", line)
        if m:
            found[int(m.group(2))] = (len(m.group(1)), m.group(3))
    objects = game.objects()
    assert len(objects) == 250 and set(found) == {o.number for o in objects}

    def depth(o):
        d = 0
        while o.parent:
            o = objects[o.parent - 1]
            d += 1
        return d

    base = min(indent for indent, _ in found.values())
    step = min(indent - base for indent, _ in found.values() if indent > base)
    for o in objects:
        assert found[o.number][1] == o.name
        assert (found[o.number][0] - base) // step == depth(o), o


def test_dictionary_and_player():
    game = zvm.Game(shared_story("zork1.z3"))
    game.reset()
    assert "mailbo" in game.dictionary()            # six z-characters in v3 (§3.7)
    assert game.objects()[game.player - 1].parent == game.location
    assert game.objects()[game.location - 1].name == "West of House"


def test_an_isolated_game_that_loops_times_out_and_the_caller_goes_on():
    story = ROOT / "tests" / "stories" / "loop.z5"
    game = zvm.Game(story, isolated=True, timeout=1.0)
    assert "ready" in game.reset()
    start = time.monotonic()
    with pytest.raises(zvm.GameTimeout):
        game.step("go")
    assert time.monotonic() - start < 5
    # The game is over: a call other than reset() says so at once, and does
    # not quietly answer from a new child at the story's start.
    start = time.monotonic()
    for call in (lambda: game.location, lambda: game.step("go"), game.inventory):
        with pytest.raises(zvm.GameError, match="did not answer within 1.0 s; reset"):
            call()
    assert time.monotonic() - start < 0.5
    assert "ready" in game.reset()                  # a new child, the caller carries on
    game.close()
    with pytest.raises(zvm.GameError, match="closed"):
        game.step("go")


def test_a_fatal_error_in_an_isolated_game_is_an_exception():
    game = zvm.Game(ROOT / "tests" / "stories" / "fatal_div0.z5", isolated=True, timeout=5)
    with pytest.raises(zvm.GameError, match="division by zero"):
        game.reset()
    game.close()


def test_a_fatal_error_in_a_direct_game_is_the_same_exception():
    # One exception family for both modes (issue 16 item 10): a Z-machine
    # error reaches the caller of a direct game as GameError too.
    game = zvm.Game(ROOT / "tests" / "stories" / "fatal_div0.z5")
    with pytest.raises(zvm.GameError, match="division by zero"):
        game.reset()


def test_a_long_text_before_input_comes_whole_and_in_order():
    # print_loop.z5, key 1: 20,000 print_chars, five times the pieces the
    # buffer takes before it joins them (GATHERED_PIECES).
    game = zvm.Game(ROOT / "tests" / "stories" / "print_loop.z5")
    assert game.reset() == "ready\n"
    assert game.step("1").text == "&&&&&&& " * 2500 + "\ndone\n"


@pytest.mark.parametrize("isolated", [False, True], ids=["direct", "isolated"])
def test_text_without_end_before_input_is_an_error_not_all_of_memory(isolated):
    # print_loop.z5, key 2: prints without end and never asks for input.
    # (A direct game has no timeout of its own: time_limit ends a run that
    # never stops with TryTimeout, which fails the test.)
    from zvm.research.common import time_limit
    game = zvm.Game(ROOT / "tests" / "stories" / "print_loop.z5", isolated=isolated, timeout=30)
    try:
        game.reset()
        with time_limit(30), \
                pytest.raises(zvm.GameError, match="printed more than 1,048,576 characters"):
            game.step("2")
    finally:
        if isolated:
            game.close()


def test_a_try_whose_text_is_dropped_also_ends_when_it_prints_without_end():
    # valid_actions and learning try commands with their text dropped: the
    # same bound ends such a try ("ended"), long before its time limit
    # would ("timeout").
    game = zvm.Game(ROOT / "tests" / "stories" / "print_loop.z5")
    game.reset()
    text, how = game._attempt(game.access.capture(), "2", text=False)
    assert (text, how) == ("", "ended")


def test_step_text_leaves_the_prompt_apart():
    game = zvm.Game(shared_story("zork1.z3"), seed=12)
    game.reset()
    result = game.step("open mailbox")
    assert result.text.endswith("leaflet.") and result.prompt == "\n\n>"


def test_every_public_name_and_method_of_the_library_has_a_docstring():
    """help(zvm) documents the whole API: each name in zvm.__all__, and every
    public method and property of its classes (inherited ones included,
    where zvm defines them)."""
    import inspect
    missing = []
    for name in zvm.__all__:
        thing = getattr(zvm, name)
        if name == "__version__":
            continue
        if not (thing.__doc__ or "").strip():
            missing.append(name)
        if not inspect.isclass(thing):
            continue
        for attr, value in inspect.getmembers(thing):
            if attr.startswith("_"):
                continue
            function = value.fget if isinstance(value, property) else value
            if not callable(function) or not getattr(function, "__module__", "") \
                    or not function.__module__.startswith("zvm"):
                continue
            if not (function.__doc__ or "").strip():
                missing.append(f"{name}.{attr}")
    assert not missing, f"no docstring: {missing}"


STACK_READ = """
Array buf -> 64;
Array parse -> 64;
[ Main k;
  buf->0 = 60; parse->0 = 10;
  print "ready^";
  for (::) {
    print ">";
    buf->1 = 0;
    @push parse; @push buf;
    @aread sp sp -> k;
    print "read ", parse->1, " words, ended by ", k, "^";
    @push 1;
    @read_char sp -> k;
    print "key ", k, "^";
  }
];
"""


def test_reads_whose_operands_come_from_the_stack_wait_for_the_next_command(tmp_path):
    """The library stops the machine at a read and runs it again when the
    next command comes: operands the read took from the stack (§6.3) must
    be there again (Inform's game-over question reads with @aread sp)."""
    import shutil
    import subprocess
    if shutil.which("inform6") is None:
        pytest.skip("inform6 is absent")
    (tmp_path / "stackread.inf").write_text(STACK_READ)
    made = subprocess.run(["inform6", "-v5", "stackread.inf", "stackread.z5"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout
    game = zvm.Game(tmp_path / "stackread.z5")
    assert game.reset().startswith("ready")
    assert game.step("take the lamp").text.startswith("read 3 words, ended by 13")
    assert game.step("x").text.startswith("key 120")
    assert game.step("look").text.startswith("read 1 words, ended by 13")


def test_games_of_one_story_file_share_its_bytes_until_it_changes(tmp_path):
    """A story is read once a process while its file is unchanged (100
    Games of Zork I kept 100 copies); a changed file is read again."""
    import shutil
    path = tmp_path / "research.z5"
    shutil.copy(ROOT / "tests" / "stories" / "research.z5", path)
    a, b = zvm.Game(path), zvm.Game(str(path))
    assert a.story.data is b.story.data
    data = bytearray(path.read_bytes())
    data[0x40] ^= 1                                 # a byte of dynamic memory
    path.write_bytes(bytes(data))
    c = zvm.Game(path)
    assert c.story.data is not a.story.data and c.story.data[0x40] == data[0x40]
