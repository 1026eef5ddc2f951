"""The compiled code of a story, shared by every machine that runs it.

``StoryCode.cache`` maps each address of static and high memory (§1.1) to
the function that runs the code there: a tier-0 function of one
instruction (``zvm.compile.shapes``) until the address proves hot, then,
at entries, a tier-1 unit (``zvm.compile.units``). Entries are the first
instructions of routines, loop heads, the instructions calls return to
and where units leave (without the disk cache a call in tier-0 code
returns to no entry: ``SPARE_ALONE``);
tier-0 code there counts its runs, and after ``HOT`` runs the unit is
compiled and takes its place (``HOT_ALONE`` runs without the disk cache).
Counts carry over between runs (with the disk cache), so code that is
warm in every run becomes a unit in time; an earlier run's runs weigh a
tenth of this run's (``EARLIER``), so that a run compiles little beyond
what it needs itself.
Counting costs one small function call at entries only; other cold code
pays nothing.

Machines of the same story (every ``zvm.Game`` of Zork I in a process)
share one ``StoryCode``: the code takes the machine as its argument and
holds nothing of one. Units are kept on disk between runs
(``zvm.compile.diskcache``) unless ``diskcache.enabled`` is off. Code in dynamic
memory is each machine's own and never shared (``Machine.code_at``).

``ZVM_SHOW_PYTHON=1`` in the environment prints the Python source of each
unit as it is compiled or loaded.

Every function that stands at an address (in ``StoryCode.cache``) takes a
parameter with a default, even where it has no use for one (``_``): the
wrappers here, units (``def unit(m, _=None)``) and the machine's interrupt
return. CPython 3.12 (seen with 3.12.1) can give a function made by
``types.FunctionType``, as tier-0 functions are, the same version number
as a closure; a call site it has specialised for the first then reads the
second's defaults without checking that it has any, and with none the
process dies (a segmentation fault in ``Machine._loop``'s call). With
defaults on both sides that specialised call stays sound.
"""

from __future__ import annotations

import atexit
import marshal
import os
import sys
import zlib
from array import array
from bisect import bisect_left
from types import FunctionType, TracebackType

from zvm import __version__
from zvm.compile import diskcache, shapes
from zvm.compile.shapes import Layout
from zvm.compile.compiled import Unit, unit_filename
from zvm.compile.units import compile_unit
from zvm.records import TYPE_CHECKING
from zvm.story.state import MAX_STACK
from zvm.vm.decoder import Instruction
from zvm.vm.ops import IMPLEMENTATIONS

if TYPE_CHECKING:
    from zvm.compile.shapes import Code
    from typing import Any, Callable

HOT = 100                # runs of an entry before it is compiled as a unit
# ... when nothing compiled is kept (no disk cache: ``zvm --no-cache``), a
# unit must pay for its compiling in this run alone: only code that runs
# far more often does (Zork I's walkthrough, measured with callgrind: 37%
# fewer instructions than at HOT; Praxix's short run 8% more).
HOT_ALONE = 1000
# ... and compiling is spared more: a unit leaves for code another unit
# starts at (``promote``), and the instruction a call in tier-0 code
# returns to is no entry (``_build``: counting those and compiling their
# units cost Zork I-III's walkthroughs 1.8-2.2% more instructions, Praxix's
# short run 1.9%). Where a unit leaves stays an entry (``_install``): a
# loop that goes round through a unit and tier-0 code is bounded there.
SPARE_ALONE = True
# Runs counted by earlier runs weigh 1/EARLIER of this run's: code that
# runs a few times each run still becomes a unit, a few units a run, not
# the many that just crossed HOT (Zork I's walkthrough, run again and
# again: 10-30 ms of compiling and a rewrite of the kept units each time).
EARLIER = 10

_stories: dict[str, StoryCode] = {}


def _spare() -> bool:
    """Whether nothing compiled is kept, so compiling is spared (SPARE_ALONE)."""
    return SPARE_ALONE and not diskcache.enabled


def _bounded(f: Code) -> Code:
    """f, where no unit can start (at input, say): a loop through it stays
    in tier 0, so here the stack is held to its bound (``MAX_STACK``), as
    units hold it on their ways back (``zvm.compile.units``)."""
    def bounded(m: Any, _: None = None) -> int:      # (_: see the module's docstring)
        if len(m.stack) > MAX_STACK:
            m.stack_overflow()
        return f(m)
    return bounded


def digest(data: bytes) -> str:
    """The name a story's code goes by, from its bytes."""
    try:
        from _blake2 import blake2b  # what hashlib uses, without OpenSSL's start-up
    except ImportError:                      # another Python
        from hashlib import blake2b
    return blake2b(data, digest_size=20).hexdigest()


def _valid_count(record: Any) -> bool:
    """(entry, runs) of an entry counted by earlier runs."""
    return (isinstance(record, tuple) and len(record) == 2
            and isinstance(record[0], int) and isinstance(record[1], int))


def _pack(unit: Unit) -> bytes:
    """A unit's code (marshal), method instructions, exits and callees as
    they are: unpacked when the unit first runs; its source and line table
    compressed, unpacked only when a fault or a traceback needs them (they
    are over half the bytes, and most runs never ask)."""
    detail = zlib.compress(marshal.dumps((unit.source, [list(x) for x in unit.lines])), 1)
    return marshal.dumps((marshal.dumps(unit.code), list(unit.instructions),
                          sorted(unit.exits), sorted(unit.callees), detail))


def _unpack(entry: int, packed: bytes) -> Unit | None:
    """The Unit _pack packed, or None when it is damaged or not one."""
    try:
        blob, instructions, exits, callees, detail = marshal.loads(packed)
        code = diskcache.code_of(blob)
        ok = (code is not None and code.co_filename == unit_filename(entry)
              and isinstance(detail, bytes)
              and all(isinstance(x, list) and all(type(a) is int for a in x)
                      for x in (instructions, exits, callees)))
    except (ValueError, TypeError, EOFError):
        return None
    if not ok:
        return None
    return Unit(entry, None, code, None, instructions, frozenset(callees), frozenset(exits),
                detail=lambda: _detail(detail))


def _detail(packed: bytes) -> tuple[str, list[tuple[int, int, int, bool]]]:
    """The source and line table packed with a unit; an empty source and
    no lines when they are damaged (a fault then names the unit's entry)."""
    try:
        source, lines = marshal.loads(zlib.decompress(packed))
        if isinstance(source, str) and isinstance(lines, list) and all(
                isinstance(x, list) and len(x) == 4 for x in lines):
            return source, [tuple(x) for x in lines]
    except (ValueError, TypeError, EOFError, zlib.error):
        pass
    return "", []


def _valid_table(record: Any) -> bool:
    """The one record of a tier-0 file (``_pack_table``): seven fields, the
    arrays as bytes, the names and the numbers as tuples."""
    return (isinstance(record, tuple) and len(record) == 7
            and all(isinstance(record[i], bytes) for i in (0, 1, 2, 3, 4))
            and isinstance(record[5], tuple) and isinstance(record[6], tuple))


def _pack_table(table: dict[int, tuple[Any, ...]]) -> tuple[Any, ...]:
    """Tier-0 records {address: (shape key, numbers, opcode, entry to
    mark)} as a few arrays, by address: unmarshalled at start in a fraction
    of the time a dict of tuples takes (Zork I's 4,099: 4.4 ms), each
    record made when its instruction is first built (``Tier0Table``)."""
    pcs, keys, which, marks, offsets = [], [], [], [], [0]
    numbers: list[Any] = []
    index: dict[str, int] = {}
    for pc in sorted(table):
        key, params, name, mark = table[pc]
        pcs.append(pc)
        keys.append(key)
        which.append(index.setdefault(name, len(index)))
        marks.append(mark)
        numbers.extend(params)
        offsets.append(len(numbers))
    return (array("L", pcs).tobytes(), array("Q", keys).tobytes(),
            array("L", which).tobytes(), array("L", marks).tobytes(),
            array("L", offsets).tobytes(), tuple(index), tuple(numbers))


def _valid_record(record: Any) -> bool:
    """(shape key, numbers, opcode, entry to mark) as ``_from_known`` takes it."""
    return (type(record) is tuple and len(record) == 4 and type(record[0]) is int
            and 0 <= record[0] < 1 << 64 and type(record[1]) is tuple
            and all(type(x) is int or type(x) is str for x in record[1])
            and type(record[2]) is str and type(record[3]) is int and 0 <= record[3] < 1 << 32)


class Tier0Table:
    """The tier-0 records an earlier run kept, read from ``_pack_table``'s
    arrays when asked for; empty when they do not agree with each other."""

    def __init__(self, packed: tuple[Any, ...] | None = None) -> None:
        self.pcs = array("L")                   # none until the arrays agree
        if packed is None:
            return
        arrays = [array(code) for code in "LQLLL"]
        try:
            for a, blob in zip(arrays, packed[:5], strict=True):
                a.frombytes(blob)
        except ValueError:                      # bytes that are not whole items
            return
        pcs, self.keys, self.which, self.marks, self.offsets = arrays
        self.names, self.numbers = packed[5], packed[6]
        if len(self.keys) == len(self.which) == len(self.marks) == len(pcs) \
                == len(self.offsets) - 1:
            self.pcs = pcs

    def __len__(self) -> int:
        return len(self.pcs)

    def _at(self, pc: int) -> int:
        pcs = self.pcs
        i = bisect_left(pcs, pc)
        return i if i < len(pcs) and pcs[i] == pc else -1

    def __contains__(self, pc: int) -> bool:
        return self._at(pc) >= 0

    def get(self, pc: int) -> tuple[Any, ...] | None:
        i = self._at(pc)
        if i < 0:
            return None
        try:
            start, end = self.offsets[i], self.offsets[i + 1]
            return (self.keys[i], tuple(self.numbers[start:end]), self.names[self.which[i]],
                    self.marks[i])
        except IndexError:
            return None

    def records(self) -> dict[int, tuple[Any, ...]]:
        """Every record that can be read, for keeping with new ones."""
        found = {pc: self.get(pc) for pc in self.pcs}
        return {pc: r for pc, r in found.items() if r is not None and _valid_record(r)}


def _tier0_table(records: list[Any]) -> Tier0Table:
    return Tier0Table(records[0] if records else None)


class _OnDemand(dict):
    """A table filled as it is read: ``make(key)`` gives a missing entry."""

    def __init__(self, make: Callable[[int], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: int) -> Any:
        value = self[key] = self.make(key)
        return value


class StoryCode:
    def __init__(self, key: str, layout: Layout, decode: Callable[[int], Instruction]) -> None:
        self.key = key
        self.layout = layout
        self.decode = decode
        self.cache: list[Code | None] = [None] * (layout.size + 1)
        self.entries: set[int] = set()
        self.units: dict[int, Unit] = {}
        self.by_file: dict[str, Unit] = {}
        self.new_units: list[Unit] = []
        self.stored: set[int] = set()                   # entries kept on disk, not yet run
        self.shelf = diskcache.Shelf()                  # ... their records
        self.decoded: dict[int, Instruction] = {}
        # What units name at run time, made when first asked for: the
        # Instruction of an opcode run through its function, and the tier-0
        # code of an entry (for a routine with too few locals).
        self.instructions = _OnDemand(self.instruction)
        self.tier0 = _OnDemand(lambda pc: shapes.build(self.instruction(pc), self.layout))
        self.namespace: dict[str, Any] = dict(shapes.SCOPE)
        self.namespace.update(OPS=IMPLEMENTATIONS, INS=self.instructions, TIER0=self.tier0)
        self.show = bool(os.environ.get("ZVM_SHOW_PYTHON"))
        self.loaded = 0                 # units that came from the disk cache
        # Text decoded by the machines of this story (``TextCodec.share``).
        self.strings: dict[Any, Any] = {}
        # Routines outside dynamic memory by packed address: their first
        # instruction and initial locals (``Machine.call``, §5.2).
        self.routines: dict[int, tuple[int, tuple[int, ...]]] = {}
        self.counters: dict[int, list[int]] = {}        # runs of each counting entry
        self.earlier: dict[int, int] = {}               # ... as earlier runs left them
        self.counters_saved = False
        # Tier-0 code earlier runs built, by address: (shape key, numbers,
        # opcode, entry to mark), checked when used (shapes.from_record).
        self.known = Tier0Table()
        self.new_known: dict[int, tuple[Any, ...]] = {}
        if diskcache.enabled:
            self.shelf = diskcache.Shelf.open(key, __version__)
            for entry in self.shelf.keys():
                self._load(entry)
            self.loaded = len(self.stored)
            self.earlier = dict(diskcache.load(key + "-runs", __version__, _valid_count))
            self.known = _tier0_table(diskcache.load(key + "-tier0", __version__, _valid_table))

    @classmethod
    def of(cls, data: bytes, layout: Layout,
           make_decoder: Callable[[], Callable[[int], Instruction]],
           variant: str = "") -> StoryCode:
        """The code of the story whose bytes are data, made once a process
        (``make_decoder`` is called then, for a decoder of its own);
        ``variant`` keeps apart code that differs for the same bytes."""
        key = digest(data) + (f"-{variant}" if variant else "")
        code = _stories.get(key)
        if code is None:
            code = _stories[key] = cls(key, layout, make_decoder())
        return code

    # -- tier 0 ----------------------------------------------------------------
    def instruction(self, pc: int) -> Instruction:
        ins = self.decoded.get(pc)
        if ins is None:
            ins = self.decoded[pc] = self.decode(pc)
        return ins

    def ran(self, pc: int) -> bool:
        """Whether the code at pc has run: it has code of its own, or an
        earlier run built some (counts carry over between runs, so an
        entry can become hot before the code after it runs again here)."""
        return self.cache[pc] is not None or pc in self.known

    def compile_at(self, pc: int) -> Code:
        """The code for pc (outside dynamic memory), made now: from the
        record an earlier run kept, else from the decoded instruction."""
        f = self._from_known(pc)
        if f is None:
            f = self._build(pc)
        if pc in self.entries:
            f = self._counted(pc, f)
        self.cache[pc] = f
        return f

    def _from_known(self, pc: int) -> Code | None:
        """The tier-0 code of pc from an earlier run's record, its entry
        marked; None when there is no record that can be used."""
        known = self.known.get(pc)
        if known is None:
            return None
        f = shapes.from_record(known[:3])
        mark = known[3]
        if f is None:
            return None
        if mark:
            self.mark_entry(mark)
        return f

    def _build(self, pc: int) -> Code:
        """The tier-0 code of the instruction at pc, and the entry it makes
        (0 for none): the instruction after a call, where a return comes
        back; the target of a branch or jump backwards, a loop's head."""
        ins = self.instruction(pc)
        f, record = shapes.build_recorded(ins, self.layout, self.layout.data[pc:ins.next])
        name = ins.name
        mark = 0
        if name.startswith("call"):
            mark = 0 if _spare() else ins.next
        else:
            target = ins.branch_target() or ins.jump_target()
            if target is not None and target <= pc:
                mark = target
        if mark:
            self.mark_entry(mark)
        if record is not None and diskcache.enabled:
            if not self.new_known:
                atexit.register(self.save_known)
            self.new_known[pc] = (*record, mark)
        return f

    def save_known(self) -> None:
        """Keep the tier-0 records made in this process: the next run
        builds that code without decoding it."""
        if self.new_known and diskcache.enabled:
            table = _tier0_table(diskcache.load(self.key + "-tier0", __version__, _valid_table))
            records = table.records()
            records.update((pc, r) for pc, r in self.new_known.items() if _valid_record(r))
            self.new_known = {}
            diskcache.save(self.key + "-tier0", __version__, [_pack_table(records)],
                           lambda r: 0, _valid_table)

    def mark_entry(self, pc: int) -> None:
        """pc is an entry: count its runs to find out whether it is hot."""
        if pc in self.entries or not self.layout.dyn_end <= pc < self.layout.size:
            return
        self.entries.add(pc)
        f = self.cache[pc]
        if f is not None and pc not in self.units and pc not in self.stored:
            self.cache[pc] = self._counted(pc, f)

    def _counted(self, pc: int, f: Code) -> Code:
        """f, counting its runs (from the count earlier runs kept)."""
        runs = self.counters.setdefault(pc, [self.earlier.get(pc, 0) // EARLIER])
        if not self.counters_saved and diskcache.enabled:
            self.counters_saved = True
            atexit.register(self.save_counts)
        hot = HOT if diskcache.enabled else HOT_ALONE

        def counted(m: Any, _: None = None) -> int:  # (_: see the module's docstring)
            runs[0] += 1
            if runs[0] >= hot:
                del self.counters[pc]
                self.promote(pc, f)
            return f(m)
        return counted

    # -- tier 1 ----------------------------------------------------------------
    def promote(self, pc: int, fallback: Code) -> None:
        """Compile the unit at pc and let it run there from now on; where
        no unit can start, the plain tier-0 code stays. Without the disk
        cache a unit must pay for its compiling in this run, so it leaves
        for the code other units start at rather than holding it again:
        after each call in a loop is an entry, and each of their units
        would hold the whole loop (Zork I's walkthrough compiled one loop
        five times: 2% of its run). With the cache a unit is compiled once
        for many runs, and units that run on through such code run faster
        (the same walkthrough, warm: 6% more instructions without them)."""
        unit = compile_unit(pc, self.layout, self.instruction, self.ran,
                            self.units if _spare() else ())
        if unit is None:
            self.cache[pc] = _bounded(fallback)
            return
        self._install(unit)
        if diskcache.enabled:
            if not self.new_units:
                atexit.register(self.save)
            self.new_units.append(unit)

    def _install(self, unit: Unit) -> None:
        exec(unit.code, self.namespace)
        function = self.namespace.pop("unit")
        assert isinstance(function, FunctionType)
        self.units[unit.entry] = unit
        self.by_file[unit.filename] = unit
        self.cache[unit.entry] = function
        # Where it leaves to and what it calls are entries: counted, so that
        # code the unit does not hold becomes a unit when it proves hot.
        for address in unit.exits | unit.callees:
            self.mark_entry(address)
        # Tracebacks show the unit's source (a name in <> is never read from disk).
        shapes.remember_source(unit.filename, lambda: unit.source)
        if self.show:
            sys.stderr.write(f"# zvm: unit at ${unit.entry:05x}\n{unit.source}\n")

    def _load(self, entry: int) -> None:
        """A unit kept by an earlier run: it stands at its entry, to be read
        from the shelf and unmarshalled the first time it runs."""
        if not self.layout.dyn_end <= entry < self.layout.size or entry in self.units:
            return
        self.stored.add(entry)

        def first_run(m: Any, _: None = None) -> int:  # (_: see the module's docstring)
            return self._materialize(entry)(m)
        self.cache[entry] = first_run

    def _materialize(self, entry: int) -> Code:
        """The code of a stored unit, installed; its entry's tier-0 code
        when the stored code cannot be used."""
        self.stored.discard(entry)
        packed = self.shelf.get(entry)
        unit = _unpack(entry, packed) if packed is not None else None
        if unit is None:
            self.cache[entry] = None
            return self.compile_at(entry)
        self._install(unit)
        return self.cache[entry]  # type: ignore[return-value]

    def save_counts(self) -> None:
        """Keep the runs counted at entries not yet compiled: code that is
        warm over several runs becomes a unit in time."""
        if diskcache.enabled:
            records = []
            for pc, cell in self.counters.items():
                before = self.earlier.get(pc, 0)           # (the cell began at before // EARLIER)
                runs = before - before // EARLIER + cell[0]
                if runs:
                    records.append((pc, runs))
            diskcache.save(self.key + "-runs", __version__, records, lambda r: r[0],
                           _valid_count)

    def save(self) -> None:
        """Keep the units compiled in this process for the next run."""
        if self.new_units and diskcache.enabled:
            records = {u.entry: _pack(u) for u in self.new_units}
            self.new_units = []
            diskcache.save_shelf(self.key, __version__, records)

    def source_of(self, routine: int) -> str:
        """The Python source of the unit that would start at the routine
        whose header is at ``routine`` (§5.1-§5.2), built as if all its code
        had run (``zvm dis --python``: the cache and the counts are left
        alone); a comment when no unit can start there."""
        if not self.layout.dyn_end <= routine < self.layout.size:
            return f"# ${routine:05x} is not in static or high memory (§1.1)\n"
        header = self.layout.routine(routine)       # (None: more than 15 locals)
        first = header[0] if header is not None else \
            routine + 1 + (2 * self.layout.data[routine] if self.layout.version < 5 else 0)
        unit = compile_unit(first, self.layout, self.instruction, lambda pc: True)
        if unit is None:
            return f"# no unit can start at ${first:05x} (dynamic memory or a stop)\n"
        return f"# zvm: the unit at ${first:05x}, routine ${routine:05x}\n{unit.source}"

    # -- errors ------------------------------------------------------------------
    def fault(self, tb: TracebackType | None, pc: int) -> tuple[int, int]:
        """Where an error raised, when that happened inside a unit entered
        at pc: the failing instruction's address and the instructions the
        unit ran before it; (pc, 0) otherwise."""
        while tb is not None:
            frame = tb.tb_frame
            unit = self.by_file.get(frame.f_code.co_filename)
            if unit is not None:
                return unit.fault(tb.tb_lineno, frame.f_locals.get("n", 0))
            tb = tb.tb_next
        return pc, 0
