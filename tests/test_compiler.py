"""The compiler (zvm.compile): both tiers run every story the same way.

Each story runs twice in process: once with every entry compiled as a unit
the first time it runs (HOT = 1, so nearly everything runs as tier 1) and
once with units never made (tier 0 only). The text, the instruction count
(--stats) and any fatal error's PC must be the same, and each run must be
right on its own (the suites pass; Zork I matches dfrotz's transcript).
Then: code in dynamic memory that a story rewrites is never run stale;
machines of one story share its code; the disk cache is used, and a
damaged or stale cache file is ignored and rebuilt.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from helpers import ROOT, shared_story, shared_transcript
from zvm.compile import code as storecode
from zvm.compile import diskcache
from zvm.compile.units import compile_unit
from zvm.errors import ZMachineError
from zvm.story.loader import load
from zvm.ui.headless import HeadlessFrontend
from zvm.vm.machine import Machine

STORIES = ROOT / "tests" / "stories"
NEVER = 10 ** 9


@pytest.fixture(autouse=True)
def _fresh_code(monkeypatch):
    """Each run compiles afresh and leaves nothing on disk."""
    monkeypatch.setattr(diskcache, "enabled", False)
    monkeypatch.setattr(storecode, "HOT", storecode.HOT)
    monkeypatch.setattr(storecode, "HOT_ALONE", storecode.HOT_ALONE)
    monkeypatch.setattr(storecode, "SPARE_ALONE", storecode.SPARE_ALONE)
    storecode._stories.clear()
    yield
    storecode._stories.clear()


def play(path, commands: str, hot: int, seed: int | None = 12):
    """(text, instructions, fatal error or None) of one run at hot."""
    storecode.HOT = storecode.HOT_ALONE = hot
    storecode._stories.clear()
    out = io.StringIO()
    m = Machine(load(str(path)), HeadlessFrontend(io.StringIO(commands), out, 80, 24),
                seed=seed)
    error = None
    try:
        m.run()
    except ZMachineError as e:
        error = str(e)
    m.frontend.close()
    return out.getvalue(), m.instructions, error


def both_tiers(path, commands: str = "", seed: int | None = 12):
    units = play(path, commands, hot=1, seed=seed)
    plain = play(path, commands, hot=NEVER, seed=seed)
    assert units[0] == plain[0], "tier 1 printed something else"
    assert units[1] == plain[1], "tier 1 counted instructions differently"
    assert units[2] == plain[2], "tier 1 failed differently"
    return units


@pytest.mark.parametrize("name", ["czech.z3", "czech.z4", "czech.z5", "czech.z8"])
def test_czech(name):
    text, _, error = both_tiers(shared_story(name))
    assert error is None and "Failed: 0" in text


def test_praxix():
    story = shared_story("praxix.z5")
    text, _, error = both_tiers(story, shared_transcript("praxix.cmd").read_text())
    assert text == shared_transcript("praxix.out").read_text()


@pytest.mark.slow
def test_zork1_walkthrough():
    story = shared_story("zork1.z3")
    text, count, _ = both_tiers(story, shared_transcript("zork1.cmd").read_text(), seed=12)
    assert text == shared_transcript("zork1.seed12.out").read_text()


@pytest.mark.parametrize("name", ["opcodes.z3", "opcodes.z5", "opcodes.z7", "opcodes.z8"])
def test_opcode_stories(name):
    text, _, error = both_tiers(STORIES / name)
    assert error is None and text.rstrip().endswith(" passed, 0 failed")


def test_self_modifying_code():
    """selfmod.z5 builds a routine in an array, calls it, rewrites its
    constant and then its opcode, and calls it again each time."""
    text, _, error = both_tiers(STORIES / "selfmod.z5")
    assert error is None and text.rstrip().endswith("5 passed, 0 failed")


@pytest.mark.parametrize("loop", ["1", "2", "3", "4", "5"])
def test_a_loop_that_pushes_without_end_is_a_fatal_stack_overflow(loop):
    """stack_overflow.z5 pushes in a loop inside one routine (1), in a loop
    that goes out through a call on each pass (2), through an opcode
    function (3), and at a read (4, fed a key more than MAX_STACK times):
    each ends at MAX_STACK values with a fatal error naming the jump back
    (the read, in 4), instead of using memory without end; a routine that
    calls itself with 2,000 values on its stack (5) ends at MAX_HELD, at
    the call; the same whether its code becomes
    units at once or only when hot (tier 0 alone never looks: a loop that
    stays cold is bounded by the runs it takes to become hot)."""
    from zvm.story.state import MAX_HELD, MAX_STACK
    keys = loop + "x" * (MAX_STACK + 2) + "\n"
    text, count, error = play(STORIES / "stack_overflow.z5", keys, hot=1)
    assert (text, count, error) == play(STORIES / "stack_overflow.z5", keys,
                                        hot=storecode.HOT_ALONE)
    assert text.startswith("ready") and "not reached" not in text
    bound = MAX_HELD if loop == "5" else MAX_STACK
    assert error is not None and error.startswith(f"stack overflow: more than {bound}")
    story = load(str(STORIES / "stack_overflow.z5"))
    m = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    assert m.decode(int(error.split("$")[1].rstrip(")"), 16)).name == \
        {"4": "read_char", "5": "call_1n"}.get(loop, "jump")
    assert count < 20 * bound                 # it stopped soon after passing the bound


@pytest.mark.parametrize("hot", [1, storecode.HOT_ALONE])
def test_a_loop_back_past_a_routine_written_in_place_is_bounded_too(tmp_path, hot):
    """The fuzzer's case: calls.z5 with its call_2s at $05b8 turned into a
    test_attr. The loop then pushes on every pass and goes back by a jump
    that follows routines written in place (not a loop head of the unit),
    leaving the unit at its own entry: that exit checks the stack as well
    (the run went on without end, growing by about 200,000 values a second)."""
    from zvm.research.common import time_limit
    from zvm.story.state import MAX_STACK
    data = bytearray((STORIES / "calls.z5").read_bytes())
    assert data[0x05B8] == 0xD9, "calls.z5 changed: find the call_2s in its main loop"
    data[0x05B8] = 0x6A
    story = tmp_path / "calls_damaged.z5"
    story.write_bytes(bytes(data))
    with time_limit(60):
        _, count, error = play(story, "", hot=hot)
    assert error is not None and error.startswith(f"stack overflow: more than {MAX_STACK}")
    assert count < 100 * MAX_STACK


def test_fatal_error_inside_a_unit_names_its_instruction():
    """fatal_loop.z5 divides by zero on the 51st pass through a hot loop:
    the loop runs as a unit, and the error still names the @div."""
    text, _, error = both_tiers(STORIES / "fatal_loop.z5")
    assert error is not None and error.startswith("division by zero (PC = $")
    storecode.HOT = storecode.HOT_ALONE = 1
    storecode._stories.clear()
    m = Machine(load(str(STORIES / "fatal_loop.z5")),
                HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    with pytest.raises(ZMachineError) as caught:
        m.run()
    assert m.code.units, "the loop did not become a unit"
    assert m.decode(caught.value.pc).name == "div"


def test_a_fault_in_a_unit_from_the_disk_cache_names_its_instruction(tmp_path, monkeypatch):
    """A unit loaded from the disk cache keeps its source and line table
    packed until something asks: a fault inside it unpacks them and names
    the same @div, with the same count, as the run that compiled it."""
    from zvm.compile import shapes
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(diskcache, "enabled", True)
    # As in a run of the zvm command, where nothing has imported linecache
    # (once something has, each source goes there as its unit is installed).
    monkeypatch.delitem(sys.modules, "linecache", raising=False)
    monkeypatch.setattr(shapes, "_unpublished", {})
    storecode.HOT = storecode.HOT_ALONE = 1
    story = load(str(STORIES / "fatal_loop.z5"))

    def run():
        storecode._stories.clear()
        m = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
        with pytest.raises(ZMachineError) as caught:
            m.run()
        m.code.save()
        return m, caught.value

    first, error = run()
    assert first.code.loaded == 0 and first.code.units
    again, error_again = run()
    assert again.code.loaded > 0
    assert all(u._detail is None for u in first.code.units.values())
    assert any(u._detail is not None for u in again.code.units.values()), \
        "every loaded unit unpacked its source before it was needed"
    assert error_again.pc == error.pc and again.decode(error.pc).name == "div"
    assert again.instructions == first.instructions


def test_without_the_disk_cache_only_code_far_hotter_is_compiled(tmp_path, monkeypatch):
    """A run that keeps no compiled code (--no-cache) compiles a unit only
    after HOT_ALONE runs of its entry; with the cache, HOT runs suffice."""
    story = load(str(STORIES / "fatal_loop.z5"))

    def units(cache: bool) -> int:
        storecode._stories.clear()
        monkeypatch.setattr(diskcache, "enabled", cache)
        m = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
        with pytest.raises(ZMachineError):
            m.run()                                 # the loop runs 51 times
        return len(m.code.units)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    storecode.HOT, storecode.HOT_ALONE = 10, 60
    assert units(cache=False) == 0
    assert units(cache=True) > 0
    storecode.HOT_ALONE = 10
    assert units(cache=False) > 0


def test_all_code_at_an_address_has_defaults(tmp_path, monkeypatch):
    """Tier-0 functions are made by FunctionType; CPython 3.12 can give one
    the version of a closure, and a call it specialised for the first then
    reads the closure's defaults unchecked: with none, a segmentation fault
    (zvm.compile.code's docstring). So every function that stands at an
    address has defaults: tier-0 code, units, the counting and bounding
    wrappers, a stored unit's first run, the interrupt return."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(diskcache, "enabled", True)
    storecode.HOT = 3
    story = load(str(ROOT / "stories" / "hollinbrook.z5"))
    seen = set()

    def run():
        storecode._stories.clear()
        m = Machine(story, HeadlessFrontend(io.StringIO("look\nwait\nnorth\n"),
                                            io.StringIO(), 80, 24))
        m.run()
        for f in m.code.cache:
            if f is not None:
                seen.add(f.__name__)
                assert f.__defaults__ is not None, f"{f.__name__} at an address has no defaults"
        m.code.save()
        m.code.save_counts()

    run()
    run()                                   # units kept by the first run wait as first_run
    assert {"op", "unit", "counted", "first_run", "_interrupt_return"} <= seen, seen


@pytest.mark.parametrize("name", ["leaves.z3", "leaves.z5"])
def test_leaf_routines_are_written_into_their_callers(name):
    """leaves.z*: small routines that call nothing (or only such routines),
    called from a hot loop, are written into the caller's unit, two deep
    (zvm.compile.inline); every way in and out of them prints, counts and
    fails as tier 0 does, and the division by zero inside one names the
    division."""
    text, _, error = both_tiers(STORIES / name)
    assert text.rstrip().endswith("9 passed, 0 failed" if name.endswith("z3")
                                  else "11 passed, 0 failed")
    assert error is not None and error.startswith("division by zero (PC = $")
    # Compiled once the callees have run (at HOT = 1 they have not, and a
    # routine is written in place only as far as it has run).
    plain = play(STORIES / name, "", hot=NEVER)
    assert play(STORIES / name, "", hot=20) == plain
    m = Machine(load(str(STORIES / name)),
                HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    with pytest.raises(ZMachineError) as caught:
        m.run()
    assert m.decode(caught.value.pc).name == "div"
    sources = [u.source for u in m.code.units.values()]
    assert any(" c1 = " in s for s in sources), "no routine was written into its caller"
    assert any(" k1 = " in s for s in sources), "no routine was written two deep"


@pytest.mark.parametrize("name", ["globals.z3", "globals.z5"])
def test_a_global_kept_in_a_variable_is_read_again_after_any_write(name):
    """globals.z*: compiled code keeps a global's value in a Python
    variable between reads; each way the global can change behind it
    (@storew, @storeb, a memory stream over it, a routine written in place,
    a routine called, @pull, @inc_chk, the loop's next pass) is followed by
    a read that must see the new value, in both tiers."""
    import re
    text, _, error = both_tiers(STORIES / name)
    assert error is None and text.rstrip().endswith("3 passed, 0 failed"), text
    assert play(STORIES / name, "", hot=20)[0] == text
    sources = [u.source for u in _units_of(STORIES / name, hot=20)]
    assert any(re.search(r"if (not \()?g\d+ [=!]= ", s) for s in sources), \
        "no global was read from its variable"


def test_what_ends_a_globals_known_value():
    """Lines of a unit that may write memory (a store into mem, any call)
    end what the path knows of globals; reads of memory do not."""
    from zvm.compile.units import _may_write
    for line in ("mem[ad] = s3 & 255", "mem[774 + 1] = x & 255", "ST.out('abc')",
                 "m.write_special(ad, x, 2)", "O.set_attr(a, b)", "OPS['read'](m, INS[5])",
                 "return TIER0[12](m)"):
        assert _may_write(line), line
    for line in ("a = ((mem[774] << 8) | mem[774 + 1])", "l2 = (mem[ad] << 8) | mem[ad + 1]",
                 "L[2] = l3", "if g19 == 77:", "s1 = mem[(c1 + c3) & 0xFFFF]"):
        assert not _may_write(line), line


def test_a_unit_leaves_for_code_given_as_elsewhere():
    """compile_unit's elsewhere (given when nothing is kept on disk): a path
    that reaches one of those entries leaves for it instead of writing its
    code again. calls.z5 compiled as a run that keeps its code: a unit that
    holds another unit's entry, compiled again with that entry elsewhere."""
    storecode.HOT = storecode.HOT_ALONE = 20
    storecode.SPARE_ALONE = False
    m = Machine(load(str(STORIES / "calls.z5")), HeadlessFrontend(io.StringIO(""), io.StringIO()))
    with pytest.raises(ZMachineError):
        m.run()                                     # (the story ends in a division by zero)
    code = m.code
    made = list(code.units.values())
    pairs = [(v, u) for v in made for u in made
             if u is not v and u.entry in {pc for _, pc, _, _ in v.lines}]
    left = 0
    for v, u in pairs:
        plain = compile_unit(v.entry, code.layout, code.instruction, code.ran)
        spared = compile_unit(v.entry, code.layout, code.instruction, code.ran, {u.entry})
        assert plain is not None and spared is not None
        assert len(spared.lines) <= len(plain.lines)   # (a routine written in place holds
        if u.entry in spared.exits and u.entry not in plain.exits:   # it: no way to leave)
            assert len(spared.lines) < len(plain.lines)
            left += 1
    assert left


def test_without_the_disk_cache_a_tier0_call_returns_to_no_entry(monkeypatch, tmp_path):
    """Without the cache the instruction a call in tier-0 code returns to
    is not counted as an entry (no unit is made there); with it, it is."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def after_calls(cache: bool) -> tuple[int, str]:
        storecode._stories.clear()
        monkeypatch.setattr(diskcache, "enabled", cache)
        storecode.HOT = storecode.HOT_ALONE = NEVER
        out = io.StringIO()
        m = Machine(load(str(STORIES / "calls.z5")), HeadlessFrontend(io.StringIO(""), out))
        with pytest.raises(ZMachineError):
            m.run()
        code = m.code
        targets = {t for ins in code.decoded.values() for t in ins.successors() if t <= ins.addr}
        returns = {ins.next for ins in code.decoded.values() if ins.name.startswith("call")}
        return len((returns - targets) & code.entries), out.getvalue()

    alone, cached = after_calls(cache=False), after_calls(cache=True)
    assert alone[0] == 0 and cached[0] > 0
    assert alone[1] == cached[1]


def _units_of(path, hot: int):
    storecode.HOT = storecode.HOT_ALONE = hot
    storecode._stories.clear()
    m = Machine(load(str(path)), HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    m.run()
    return list(m.code.units.values())


@pytest.mark.parametrize("name", ["calls.z3", "calls.z5"])
def test_calls_and_returns_between_units(name):
    """calls.z*: from a hot loop, results to the stack, a local, a global
    and nowhere, nested calls, recursion, a callee whose code leaves for a
    path first taken late, and a division by zero two calls deep, which
    names the division and counts the same instructions in both tiers and
    when units are made partway."""
    text, count, error = both_tiers(STORIES / name)
    assert text.rstrip().endswith("6 passed, 0 failed"), text
    assert error is not None and error.startswith("division by zero (PC = $")
    assert play(STORIES / name, "", hot=20) == (text, count, error)


@pytest.mark.parametrize("name", ["loops.z3", "loops.z5"])
def test_a_jump_back_to_a_units_entry_goes_round_inside_the_unit(name):
    """loops.z*: a loop whose head is the unit's entry and lies after the
    test that goes back to it (the test is an inner loop of the unit):
    values on the stack cross the way back, three levels nest, and a
    division by zero on the third way round names the same PC and counts
    the same instructions in both tiers and when units are made partway."""
    text, count, error = both_tiers(STORIES / name)
    assert text.rstrip().endswith("3 passed, 0 failed"), text
    assert error is not None and error.startswith("division by zero (PC = $")
    assert play(STORIES / name, "", hot=20) == (text, count, error)
    storecode.HOT = storecode.HOT_ALONE = 20
    storecode._stories.clear()
    m = Machine(load(str(STORIES / name)), HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    with pytest.raises(ZMachineError):
        m.run()
    bodies = [u for u in m.code.units.values()      # Sum's body: the unit that starts at @pull
              if u.source.split("# $", 1)[1].split("\n", 1)[0].endswith(" pull")]
    assert bodies and all(u.entry not in u.exits for u in bodies), \
        "the unit leaves to its own entry instead of going round"


def test_tier0_shapes_differ_in_more_than_their_numbers(monkeypatch):
    """A shape is compiled once for every instruction it fits: a local's
    index, a return's value, the targets and the sense of a branch are its
    parameters, so no two shapes built for a story differ only in numbers."""
    import re
    from zvm.compile import shapes
    monkeypatch.setattr(shapes, "_factories", {})
    play(STORIES / "opcodes.z5", "", hot=NEVER)
    zork = shared_story("zork1.z3")
    play(zork, shared_transcript("zork1.cmd").read_text(), hot=NEVER)
    alike: dict[str, list[str]] = {}
    for src in shapes._factories:
        alike.setdefault(re.sub(r"\d+", "#", src), []).append(src)
    assert len(shapes._factories) > 300
    assert [group for group in alike.values() if len(group) > 1] == []


def test_machines_of_a_story_share_their_code():
    story = load(str(STORIES / "opcodes.z5"))
    a = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO()))
    b = Machine(load(str(STORIES / "opcodes.z5")),
                HeadlessFrontend(io.StringIO(""), io.StringIO()))
    assert a.code is b.code
    a.run()
    assert a._routines and b._routines == a._routines      # routines a has called, b knows


@pytest.mark.parametrize("args, expected", [
    ((), [7, 8, 9]), ((1,), [1, 8, 9]), ((1, 2, 3), [1, 2, 3]), ((1, 2, 3, 4, 5), [1, 2, 3])])
def test_a_call_gives_the_arguments_then_the_other_locals_initial_values(args, expected):
    """§6.4.4: arguments go into the first locals, the rest keep their
    initial values (from the routine's header in versions 1-4), and
    arguments beyond the locals are dropped; argc counts all given."""
    m = Machine(load(str(STORIES / "opcodes.z5")),
                HeadlessFrontend(io.StringIO(""), io.StringIO()))
    m._routines[0x4321] = (0x1234, (7, 8, 9))
    caller_locals, caller_stack = m.locals, m.stack
    assert m.call(0x4321, args, 0, 0x99) == 0x1234
    assert (m.locals, m.stack, m.argc) == (expected, [], len(args))
    assert m.frames[-1][:4] == (0x99, 0, caller_locals, caller_stack)
    m.locals[0] = 77                                # the routine's own list:
    assert m.call(0x4321, args, 0, 0x98) == 0x1234  # a second call starts afresh
    assert m.locals == expected
    assert m.ret(5) == 0x98 and m.locals[0] == 77 and m.stack == [5]
    assert m.ret(6) == 0x99 and m.locals is caller_locals and m.stack is caller_stack
    assert caller_stack == [6]                      # the result, stored on the stack


# -- the disk cache ------------------------------------------------------------------

RUN = """
import sys
from zvm.cli.main import main
from zvm.compile import code, shapes
shapes.LIBRARY = ""          # (every shape from the cache or compiled: what is counted)
sys.argv = ["zvm", "--headless", sys.argv[1]]
main()
print("decoded for tier 0:", sum(len(c.new_known) for c in code._stories.values()), file=sys.stderr)
print("compiled shapes:", len(shapes._new) + len(shapes._saved), file=sys.stderr)
print("loaded:", *(c.loaded for c in code._stories.values()), file=sys.stderr)
"""


def run_cached(story, cache_home, commands: str = "", shapes: bool = False,
               decoded: bool = False):
    """(output, units loaded from the cache[, tier-0 shapes compiled][,
    instructions decoded for tier-0 code])."""
    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    p = subprocess.run([sys.executable, "-c", RUN, str(story)], input=commands, text=True,
                       capture_output=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stderr.strip().splitlines()
    loaded = int(lines[-1].split()[-1])
    compiled = int(lines[-2].split()[-1])
    if decoded:
        return p.stdout, loaded, int(lines[-3].split()[-1])
    return (p.stdout, loaded, compiled) if shapes else (p.stdout, loaded)


def cache_files(cache_home):
    """The story's units files of the cache (the shapes' and the counts' aside)."""
    folder = cache_home / "zvm"
    return sorted(p for p in folder.glob("*.zvmc")
                  if not p.name.startswith("shapes-") and "-runs-" not in p.name
                  and "-tier0-" not in p.name) \
        if folder.exists() else []


def test_tier0_shapes_are_kept_for_every_story(tmp_path):
    """The shapes compiled for one story serve the next run, and another
    story's run compiles only the shapes it has that the first lacked."""
    _, _, first = run_cached(STORIES / "opcodes.z5", tmp_path, shapes=True)
    _, _, again = run_cached(STORIES / "opcodes.z5", tmp_path, shapes=True)
    _, _, other = run_cached(STORIES / "opcodes.z8", tmp_path, shapes=True)
    assert first > 100 and again == 0 and other < first // 4


def test_tier0_code_is_built_again_without_decoding(tmp_path, monkeypatch):
    """A run keeps a record of each instruction it built tier-0 code for;
    the next run builds that code from the records, decoding nothing it
    ran before, and plays the same. Records that cannot be used (a shape
    no longer known, numbers its code does not take, a table whose arrays
    disagree) are not used: their instructions are decoded again."""
    story = STORIES / "opcodes.z5"
    first, _, decoded = run_cached(story, tmp_path, decoded=True)
    assert decoded > 100
    again, _, decoded = run_cached(story, tmp_path, decoded=True)
    assert again == first and decoded == 0
    (path,) = (tmp_path / "zvm").glob("*-tier0-*.zvmc")
    name = path.name.split("-tier0-")[0] + "-tier0"
    monkey_env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    load = f"code._tier0_table(diskcache.load({name!r}, code.__version__, code._valid_table))"
    save = (f"diskcache.save({name!r}, code.__version__, [packed], lambda r: 0, "
            f"code._valid_table)\n")
    damage = (f"from zvm.compile import diskcache, code\n"
              f"t = {load}.records()\n"
              f"for i, pc in enumerate(sorted(t)):\n"
              f"    key, params, name, mark = t[pc]\n"
              f"    t[pc] = [(key ^ 0x5A5A, params, name, mark), (key, params + (7, 7), name, mark),\n"
              f"             (key, (), name, mark)][i % 3]\n"
              f"packed = code._pack_table(t)\n" + save)
    subprocess.run([sys.executable, "-c", damage], env=monkey_env, check=True, timeout=60)
    damaged, _, decoded = run_cached(story, tmp_path, decoded=True)
    assert damaged == first and decoded > 100
    # Arrays that disagree with each other: the whole table is set aside.
    cut = (f"from zvm.compile import diskcache, code\n"
           f"packed = list(code._pack_table({load}.records()))\n"
           f"packed[1] = packed[1][:-8]\n"
           f"packed = tuple(packed)\n" + save)
    subprocess.run([sys.executable, "-c", cut], env=monkey_env, check=True, timeout=60)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    table = storecode._tier0_table(diskcache.load(name, storecode.__version__,
                                                  storecode._valid_table))
    assert len(table) == 0
    cut_run, _, decoded = run_cached(story, tmp_path, decoded=True)
    assert cut_run == first and decoded > 100


def test_a_kept_shape_is_used_only_under_its_own_key(tmp_path, monkeypatch):
    """The shapes' shelf: a record holds the sources under one key, and a
    source that does not hash to that key (or a record that is not one)
    gives nothing."""
    import marshal
    from zvm.compile import shapes
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "def op(m, p0=0):\n    return p0\n"
    key = shapes.shape_key(src)
    code = marshal.dumps(compile(src, "<zvm shape test 0>", "exec"))
    diskcache.save_shelf("s", "1", {key: marshal.dumps([(src, code)]),
                                    key + 1: marshal.dumps([(src, code)]), key + 2: b"junk"})
    shelf = diskcache.Shelf.open("s", "1")
    assert shapes._entries(shelf.get(key), key) == [(src, code)]
    assert shapes._entries(shelf.get(key + 1), key + 1) == []
    assert shapes._entries(shelf.get(key + 2), key + 2) == []


def test_shapes_saved_again_under_a_key_are_kept_once(tmp_path, monkeypatch):
    """Saving the shapes merges each key's sources with those already on
    the shelf: a source saved twice is kept once, and what was there stays."""
    import marshal
    from zvm.compile import shapes
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    src = "def op(m, p0=0):\n    return p0\n"
    key = shapes.shape_key(src)
    code = marshal.dumps(compile(src, "<zvm shape test 0>", "exec"))
    record = {key: marshal.dumps([(src, code)])}
    diskcache.save_shelf("s", "1", record, shapes._merged)
    diskcache.save_shelf("s", "1", record, shapes._merged)
    shelf = diskcache.Shelf.open("s", "1")
    assert shapes._entries(shelf.get(key), key) == [(src, code)]


def test_the_cache_folder_is_kept_under_its_limit(tmp_path, monkeypatch):
    """Writing a cache file that makes the folder larger trims it to LIMIT
    bytes, dropping the files used least recently."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(diskcache, "LIMIT", 3000)
    folder = tmp_path / "zvm"
    folder.mkdir()
    old, recent = folder / "old.zvmc", folder / "recent.zvmc"
    old.write_bytes(b"x" * 2000)
    recent.write_bytes(b"y" * 500)
    os.utime(old, (1, 1))
    diskcache.save("s", "1", [(1, b"z" * 1000)], lambda r: r[0], lambda r: True)
    assert not old.exists() and recent.exists()
    assert diskcache.load("s", "1", lambda r: True) == [(1, b"z" * 1000)]


def test_the_cache_folder_size_is_noted_not_counted_each_run(tmp_path, monkeypatch):
    """A write that makes the folder larger adds to the size noted in
    USAGE without reading every file's size; the folder is counted afresh
    (and trimmed) when the note passes LIMIT, and every RECOUNT writes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(diskcache, "LIMIT", 10_000)
    folder = tmp_path / "zvm"
    folder.mkdir()
    old = folder / "old.zvmc"
    old.write_bytes(b"x" * 3000)
    os.utime(old, (1, 1))
    counted = []
    trim = diskcache._trim
    monkeypatch.setattr(diskcache, "_trim", lambda: counted.append(1) or trim())

    def note() -> list[int]:
        return [int(x) for x in (folder / diskcache.USAGE).read_bytes().split()]

    def save(name: str, size: int) -> None:
        diskcache.save(name, "1", [(1, b"z" * size)], lambda r: r[0], lambda r: True)

    save("a", 1000)                          # no note yet: counted
    assert len(counted) == 1
    first = note()
    assert first == [sum(p.stat().st_size for p in folder.glob("*.zvmc")), 0]
    save("b", 1000)                          # noted, not counted
    assert len(counted) == 1
    b, = folder.glob("b-*.zvmc")
    assert note() == [first[0] + b.stat().st_size, 1]
    assert old.exists()
    save("c", 5000)                          # past LIMIT by the note: counted and trimmed
    assert len(counted) == 2 and not old.exists()
    assert note() == [sum(p.stat().st_size for p in folder.glob("*.zvmc")), 0]
    (folder / diskcache.USAGE).write_bytes(f"100 {diskcache.RECOUNT - 1}".encode())
    save("d", 10)                            # the RECOUNT-th write: counted
    assert len(counted) == 3 and note()[1] == 0
    (folder / diskcache.USAGE).write_bytes(b"damaged")
    save("e", 10)                            # a note that is not one: counted
    assert len(counted) == 4


def test_disk_cache_is_used_and_rebuilt_when_damaged(tmp_path):
    story = shared_story("praxix.z5")
    commands = "all\nquit\n"
    first, _ = run_cached(story, tmp_path, commands)
    files = cache_files(tmp_path)
    assert len(files) == 1
    size = files[0].stat().st_size
    # A second run starts with the units the first one compiled.
    again, loaded = run_cached(story, tmp_path, commands)
    assert again == first and loaded > 0
    # Damage the file: the run ignores it, plays the same, and saves anew.
    data = bytearray(files[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    files[0].write_bytes(bytes(data))
    damaged, _ = run_cached(story, tmp_path, commands)
    assert damaged == first
    assert files[0].stat().st_size >= size * 0.5
    assert files[0].read_bytes() != bytes(data)
    _, loaded = run_cached(story, tmp_path, commands)
    assert loaded > 0


def test_stale_or_foreign_cache_files_are_ignored(tmp_path, monkeypatch):
    story = shared_story("praxix.z5")
    run_cached(story, tmp_path, "all\nquit\n")
    key = storecode.digest(load(str(story)).data)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    version = storecode.__version__
    assert diskcache.Shelf.open(key, version).keys()
    assert diskcache.Shelf.open(key, "0.0.0-other").keys() == []          # another zvm
    assert diskcache.Shelf.open(storecode.digest(b"another story"), version).keys() == []
    # A file written for another zvm found under this zvm's name: the
    # identity inside it does not match, so it is ignored, then rebuilt.
    # (Its records are this zvm's own, valid ones: only the identity differs.)
    path = diskcache.path_for(key, version)
    records = diskcache.Shelf.open(key, version).items()
    diskcache.save_shelf(key, "0.0.0-other", records)
    os.replace(diskcache.path_for(key, "0.0.0-other"), path)
    assert diskcache.Shelf.open(key, version).keys() == []
    _, loaded = run_cached(story, tmp_path, "all\nquit\n")
    assert loaded == 0 and diskcache.Shelf.open(key, version).keys()


@pytest.mark.parametrize("changed", ["compile/units.py", "vm/machine.py", "vm/objects.py",
                                     "vm/streams.py", "vm/ops/output.py"])
def test_code_compiled_by_another_compiler_or_for_another_machine_is_not_used(
        monkeypatch, changed):
    # Generated code calls the machine's methods by name (m.call,
    # m.check_held ...): a change to the machine, as to the compiler, gives
    # another fingerprint, so every cache file of the old one is stale.
    import builtins
    real_open = builtins.open
    before = diskcache.compiler_fingerprint()

    def edited(path, *args, **kwargs):
        if os.fspath(path).replace(os.sep, "/").endswith("zvm/" + changed):
            with real_open(path, "rb") as f:
                return io.BytesIO(f.read() + b"\n# edited\n")
        return real_open(path, *args, **kwargs)
    monkeypatch.setattr(diskcache, "_compiler", None)
    monkeypatch.setattr(diskcache, "open", edited, raising=False)
    assert diskcache.compiler_fingerprint() != before


def test_a_shelf_reads_each_record_when_asked_and_drops_only_what_is_damaged(
        tmp_path, monkeypatch):
    """The units' file: its index is read at start, each record when it is
    wanted; a damaged record is refused alone, a damaged index refuses the
    file, and a file cut short loses the records past the cut."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    records = {n: bytes([n]) * (100 + n) for n in range(1, 6)}
    diskcache.save_shelf("s", "1", records)
    shelf = diskcache.Shelf.open("s", "1")
    assert sorted(shelf.keys()) == [1, 2, 3, 4, 5]
    assert all(shelf.get(n) == records[n] for n in records) and shelf.get(9) is None
    path = diskcache.path_for("s", "1")
    data = bytearray(open(path, "rb").read())
    at = data.index(records[3])
    data[at + 50] ^= 1                                 # inside record 3
    open(path, "wb").write(data)
    shelf = diskcache.Shelf.open("s", "1")
    assert shelf.get(3) is None and shelf.get(2) == records[2] and shelf.get(4) == records[4]
    diskcache.save_shelf("s", "1", {6: b"six"})         # keeps what can be read
    assert sorted(diskcache.Shelf.open("s", "1").items()) == [1, 2, 4, 5, 6]
    data = bytearray(open(path, "rb").read())
    open(path, "wb").write(data[:data.index(records[5]) + 10])
    assert sorted(diskcache.Shelf.open("s", "1").items()) == [1, 2, 4]
    data[20] ^= 1                                     # inside the index
    open(path, "wb").write(data)
    assert diskcache.Shelf.open("s", "1").keys() == []


@pytest.mark.parametrize("columns", [
    [b"\1" * 8, b"\0" * 8, b"\1" * 8],                 # three columns, not four
    [b"\1" * 8, b"\0" * 8, b"\1" * 8, b"\1" * 16],     # one longer than the others
    [b"\1" * 8, b"\0" * 8, b"\1" * 8, b"\1" * 7],      # not whole numbers
    [b"\1" * 8, b"\0" * 8, b"\1" * 8, 5],              # not bytes
])
def test_a_shelf_whose_index_is_not_one_is_empty(tmp_path, columns):
    """A head with a good checksum but no index of four equal columns of
    numbers (a file made to look like a shelf) gives an empty shelf."""
    import marshal
    head = marshal.dumps((b"me", columns))
    path = tmp_path / "s.zvms"
    path.write_bytes(diskcache.SHELF_MAGIC + diskcache._checksum(head)
                     + len(head).to_bytes(4, "big") + head + b"\1")
    assert len(diskcache.Shelf.at(str(path), b"me")) == 0
    good = diskcache.shelf_bytes(b"me", {1: b"\1"})
    path.write_bytes(good)
    assert diskcache.Shelf.at(str(path), b"me").get(1) == b"\1"


def test_runs_counted_carry_over_so_warm_code_becomes_units(tmp_path):
    """An entry that runs fewer than HOT times in each run is still
    compiled once its runs over several runs add up to HOT (an earlier
    run's weighing a tenth of this run's)."""
    story = shared_story("zork1.z3")
    commands = "".join(shared_transcript("zork1.cmd").read_text().splitlines(True)[:60])
    loaded = [run_cached(story, tmp_path, commands)[1] for _ in range(3)]
    assert 0 == loaded[0] < loaded[1] < loaded[2], loaded


def test_units_write_back_only_the_locals_they_write():
    """A unit keeps the locals it uses in Python variables; on its way out
    it writes back those it assigns, never one it only reads (whose value
    the machine's list still holds)."""
    import re
    commands = "".join(shared_transcript("zork1.cmd").read_text().splitlines(True)[:30])
    play(shared_story("zork1.z3"), commands, hot=1)
    code = next(iter(storecode._stories.values()))
    assert len(code.units) > 50
    write_backs = 0
    for unit in code.units.values():
        body = unit.source.split("\n    n = 0\n", 1)[-1].split("except IndexError:", 1)[-1]
        assigned = set(re.findall(r"\bl(\d+) = ", body))
        for local in re.findall(r"L\[\d+\] = l(\d+)", body):
            write_backs += 1
            assert local in assigned, (unit.entry, local, unit.source)
    assert write_backs > 100


def test_runs_an_earlier_run_counted_weigh_a_tenth(tmp_path, monkeypatch):
    """An entry an earlier run left at 250 runs starts this run at 25 (of
    HOT = 100): it is compiled at this run's 75th run, not its first. The
    count kept for the next run is the whole: 250 + 50 after 50 runs."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(diskcache, "enabled", True)
    monkeypatch.setattr(storecode, "EARLIER", 10)
    storecode.HOT = 100
    story = load(str(STORIES / "fatal_loop.z5"))
    code = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24)).code
    pc = max(code.layout.dyn_end, 1)
    code.earlier = {pc: 250}
    promoted: list[int] = []
    monkeypatch.setattr(code, "promote", lambda at, f: promoted.append(at))
    counted = code._counted(pc, lambda m: 7)
    for run in range(1, 76):
        assert counted(None) == 7
        assert promoted == ([pc] if run == 75 else []), run
        if run == 50:
            code.save_counts()
            kept = dict(diskcache.load(code.key + "-runs", storecode.__version__,
                                       storecode._valid_count))
            assert kept[pc] == 250 + 50


def test_generated_code_can_be_read():
    """ZVM_SHOW_PYTHON=1 prints each unit's source as it is made, and a
    traceback through generated code shows that code's lines."""
    env = dict(os.environ, ZVM_SHOW_PYTHON="1")
    p = subprocess.run([sys.executable, "-m", "zvm", "--headless", "--no-cache",
                        str(shared_story("praxix.z5"))], input="all\nquit\n",
                       capture_output=True, text=True, env=env, timeout=300)
    assert "# zvm: unit at $" in p.stderr and "def unit(m, _=None):" in p.stderr
    import traceback
    storecode.HOT = storecode.HOT_ALONE = 1
    story = load(str(STORIES / "fatal_loop.z5"))
    m = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    with pytest.raises(ZMachineError) as caught:
        m.run()
    text = "".join(traceback.format_exception(caught.value.__context__ or caught.value))
    shown = "".join(traceback.format_tb(caught.value.__traceback__))
    assert "<zvm unit $" in shown + text
    assert "m.fatal('division by zero')" in shown + text


def test_a_load_onto_the_stack_past_the_end_of_memory_is_out_of_range():
    """copyloop's run "r" reads past the end of memory with a loadb whose
    result goes on the stack: memory out of range at that loadb, not a
    stack underflow (a result pushed never underflows)."""
    _, _, error = play(STORIES / "copyloop.z5", "r\n", hot=NEVER)
    assert error is not None and error.startswith("memory access out of range")



@pytest.mark.parametrize("name", ["fatal_storew.z3", "fatal_storew.z5"])
@pytest.mark.parametrize("hot", [3, NEVER])
def test_a_word_stored_across_the_end_of_dynamic_memory_stops_at_that_storew(name, hot):
    """§1.1: a storew whose second byte is the first of static memory stops
    the story at that storew, as dfrotz does, in tier 0 and in a unit (the
    loop has run three times first, so the unit holds the store); the
    word before it, filling the last two bytes, goes through."""
    text, count, error = play(STORIES / name, "", hot=hot)
    assert text.startswith("before") and "not reached" not in text
    assert error is not None and error.startswith("write to $")
    story = load(str(STORIES / name))
    m = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    assert int(error.split("$")[1].split(",")[0], 16) == m.dyn_end - 1   # the word's first byte
    assert m.decode(int(error.split("$")[-1].rstrip(")"), 16)).name == "storew"
    assert (text, count, error) == play(STORIES / name, "", hot=NEVER if hot == 3 else 3)


# -- loops that copy a table (zvm.compile.loops) ------------------------------------

def copies(name: str, run: str, kind: str = "n += 3 * "):
    """copyloop's run with units made at an entry's third run (the loop has
    run whole by then, so its unit holds it: at once, a unit would hold
    only what had run) and in tier 0 alone: the same text, count and error
    both ways. A unit holds the slice (``kind``: the line that says which)."""
    hot = play(STORIES / name, run + "\n", hot=3)
    code = next(iter(storecode._stories.values()))
    plain = play(STORIES / name, run + "\n", hot=NEVER)
    assert hot == plain
    assert any(kind in u.source for u in code.units.values() if u.source), \
        "no unit did the copies as a slice"
    return hot


@pytest.mark.parametrize("name", ["copyloop.z3", "copyloop.z5"])
def test_copy_loops_give_what_the_passes_give_in_every_tier(name):
    """copyloop's copies: tables apart and overlapping either way, onto
    themselves, counters of 0 and below, a byte kept in a local, a table in
    a constant, forty more of each kind: the same text and count whether a
    unit does the passes as a slice or tier 0 does them one by one. The
    checksums are dfrotz's."""
    text, _, error = copies(name, "a")
    assert error is None and text.rstrip().endswith("done")
    assert "down by 5: -14260 -1" in text and "down by the counter: -4098 -1" in text
    assert "down by one less: 9767 -1" in text and "up by 5: 17530 -1" in text
    assert "kept: -25477 16" in text and "negative: -6695 -2" in text


@pytest.mark.parametrize("name", ["copyloop.z3", "copyloop.z5"])
@pytest.mark.parametrize("run, says, opcode, kind", [
    ("w", "write to $", "storeb", "n += 3 * "),
    ("r", "memory access out of range", "loadb", "n += 3 * "),
    ("t", "write to $", "storew", "cp_n"),
    ("q", "memory access out of range", "loadw", "cp_n")])
def test_a_copy_loop_that_leaves_memory_fails_at_its_instruction(name, run, says, opcode,
                                                                 kind):
    """A copy that writes past dynamic memory (§1.1) fails at its store,
    one that reads past the end of memory at its loadb (a result pushed on
    the stack is no stack underflow), with the same count in every tier,
    downwards and upwards."""
    _, _, error = copies(name, run, kind)
    assert error is not None and error.startswith(says)
    story = load(str(STORIES / name))
    m = Machine(story, HeadlessFrontend(io.StringIO(""), io.StringIO(), 80, 24))
    assert m.decode(int(error.split("$")[-1].rstrip(")"), 16)).name == opcode


@pytest.mark.parametrize("name", ["copyloop.z3", "copyloop.z5"])
def test_upward_copies_of_entries_give_what_the_passes_give_in_every_tier(name):
    """copyloop's upward copies of four-byte entries (a word and two bytes
    a pass, as Infocom's parsers copy their table of words): apart,
    overlapping either way by less than, exactly and one less than their
    length, onto themselves, from a later entry, counters at and past their
    limit, a negative counter and limit, forty more: the same in every
    tier, and dfrotz's checksums."""
    text, _, error = copies(name, "u", "cp_n")
    assert error is None and text.rstrip().endswith("done")
    for line in ("up onto 5 above: -27273 6031", "up onto 6 below: 9038 6031",
                 "up onto the length above: -20936 6031",
                 "up onto one less above: -30407 6031", "up from entry 3: -5404 4621",
                 "up at the limit: 30431 208", "up past the limit: -14300 210",
                 "up from a negative count: 4457 1204", "up to a negative limit: 1267 202",
                 "forty more up: 7744 40"):
        assert line in text


@pytest.mark.parametrize("name", ["copyloop.z3", "copyloop.z5"])
@pytest.mark.parametrize("run, kind, first", [
    ("h", "n += 3 * ", list(range(63, 39, -1))),
    ("e", "cp_n", [a for p in range(6) for a in (40 + 4 * p, 42 + 4 * p, 43 + 4 * p)])])
def test_a_copy_loop_into_the_header_stores_each_header_byte_as_a_pass(
        name, run, kind, first, monkeypatch):
    """A copy into the header writes each header byte (or word) through the
    store the machine watches (Flags 2, §11.1.2.1), in every tier: a unit
    does as a slice only passes that write dynamic memory above the
    header. Downwards the last byte goes first; upwards the word first."""
    written = []
    special = Machine.write_special

    def watched(self, addr, value, width):
        written.append(addr)
        return special(self, addr, value, width)
    monkeypatch.setattr(Machine, "write_special", watched)
    text, _, error = copies(name, run, kind)
    assert error is None and "header: " in text and text.rstrip().endswith("done")
    assert written == first * 2                 # once each tier
