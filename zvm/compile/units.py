"""Tier 1: hot code compiled into larger units.

A unit starts at an *entry* (a routine's first instruction, a loop's head,
the instruction after a call, §6.4-§6.5) that ran often enough to be worth
it, and takes in the instructions reachable from there inside the same
routine that have run before (``seen``: code never run is left out, and a
path that would go there leaves the unit instead), as Python control flow:
a branch (§4.7) becomes an ``if`` whose body is the code at its target, a
jump back to a loop's head becomes a ``while True:`` and ``continue`` (to
the head of the loop around that one, ``break`` and then ``continue``; a
jump back to the unit's entry makes the entry a loop head too); the
routine's local variables, and the values it pushes on its stack and pops
again within a path, live in Python variables (the machine's locals and
stack are brought up to date wherever something else could look at them),
and a call to a routine at a known address is written out in place
(§6.4.3-4). A routine with fewer locals than a unit uses (bad code) runs
that unit's entry as tier 0 instead, where the error names its instruction.
Code is laid out as a tree: where two paths meet, the code after the
meeting point is written again on each path, until a budget runs out, after
which a path leaves the unit and the run loop goes on at that address (so
does a path that reaches ``elsewhere``: ``StoryCode.promote`` says why).

A unit is left (``return ADDRESS``) wherever the machine must be able to
stop or change frames: at a call and a return, before the opcodes in
``STOPS`` (input, save, restore, undo, quit, restart, throw), and at
addresses in dynamic memory (§1.1), which a story may rewrite. Each way
out first adds the instructions run since the unit was entered to
``m.instructions`` (less the one the run loop counts), so ``--stats`` stays
exact.

A unit is a function of the machine only (``unit(m) -> next address``)
whose numbers are written into its source, so its code object can be
kept on disk (``zvm.compile.diskcache``) and shared by every machine of
the story. Its ``lines`` map source lines back to instructions: a fatal
error inside a unit names the PC of the instruction that failed, and the
instructions counted for it are those run before that one.
"""

from __future__ import annotations

from collections import Counter

from zvm.compile.compiled import Unit, unit_filename
from zvm.compile.inline import FRAME_OPS, NESTING, PREFIXES, Inline, leaf_at
from zvm.compile.loops import copy_plan, loop_heads
from zvm.compile.shapes import LOADS, ORDER, Layout
from zvm.compile.templates import STOPS, TEMPLATES, Emitter
from zvm.records import TYPE_CHECKING
from zvm.story.state import HELD_LOOK, MAX_STACK
from zvm.vm.decoder import VARIABLE, Instruction

if TYPE_CHECKING:
    from typing import Any, Callable, Container
    Decode = Callable[[int], Instruction]
    Seen = Callable[[int], bool]

BUDGET = 240          # instructions written into one unit at most
COPIES = 1            # times one instruction may be written into a unit
DEPTH = 40            # indentation at most (Python allows 100 levels)
LOOPS = 12            # loops open at once at most (Python allows 20 blocks)


class _Path:
    """Where one path of the tree stands: its indentation, the loops
    opened on it (innermost last), instructions since the last count,
    and the values pushed on this path but kept in Python variables
    (``pending``, bottom first)."""

    def __init__(self, indent: int, loops: tuple[int, ...], k: int, counted: bool,
                 pending: tuple[str, ...] = (), dirty: frozenset[int] | None = frozenset(),
                 inline: Inline | None = None, known: frozenset[int] = frozenset()) -> None:
        self.indent = indent
        self.loops = loops
        self.k = k
        self.counted = counted          # part of the count is in ``n``
        self.pending = pending
        # Locals written to Python variables only; None inside a loop: any
        # the unit uses (an earlier pass through the loop may have written it).
        self.dirty = dirty
        self.inline = inline            # inside a routine written in place (inline.py)
        # Globals whose value this path holds in a Python variable g<var>:
        # read or written since the last code that may write memory.
        self.known = known

    def copy(self, **changes: Any) -> _Path:
        p = _Path(self.indent, self.loops, self.k, self.counted, self.pending, self.dirty,
                  self.inline, self.known)
        p.__dict__.update(changes)
        return p


def _may_write(line: str) -> bool:
    """Whether a line of a unit may write memory (and so a global): a store
    into ``mem``, or anything it calls (the machine, objects, streams,
    opcode functions, tier-0 code)."""
    return ("m." in line or "O." in line or "ST." in line or "OPS[" in line
            or "TIER0" in line or "mem[" in line and "] = " in line)


class _Abort(Exception):
    """An instruction that cannot be written inside a routine written in
    place (it needs the routine's frame): the frame is pushed before it."""


class UnitEmitter(Emitter):
    """The tier-1 emitter: numbers are written as literals."""

    locals_named = True

    def __init__(self, entry: int, layout: Layout, decode: Decode, seen: Seen,
                 elsewhere: Container[int] = ()) -> None:
        self.entry = entry
        self.layout = layout
        self.decode = decode
        self.seen = seen
        self.elsewhere = elsewhere                   # other units' entries, left for
        self.body: list[str] = []
        # (body index, pc, instructions on the path so far, part in n)
        self.marks: list[tuple[int, int, int, bool]] = []
        self.used: set[str] = set()
        self.copies: Counter[tuple[int, str]] = Counter()
        self.total = 0
        self.top = 0                                 # the highest address written
        self.heads: set[int] = set()
        self.methods: list[int] = []
        self.exits: set[int] = set()                 # addresses the unit leaves to
        self.has_loops = False
        self.broken: set[int] = set()                # loops that a path leaves with break
        self.path = _Path(1, (), 0, False)
        self.pending: int | None = None
        self.callees: set[int] = set()               # routines called in place
        self.temps = 0
        self.locals: set[int] = set()                # kept in Python variables l1 ...
        self.written: set[int] = set()               # ... of which the unit writes these
        self.loop_lines: dict[int, int] = {}         # where each loop's body begins

    # -- the Emitter interface ---------------------------------------------------
    def const(self, value: int | str) -> str:
        return str(self.layout.dyn_end) if value == "DYN" else repr(value)

    def line(self, text: str) -> None:
        self.body.append("    " * self.path.indent + text)
        if self.path.known and _may_write(text):
            self.path.known = frozenset()

    def use(self, name: str) -> str:
        if self.path.inline is not None and name in ("L", "S"):
            raise _Abort                # the frame of a routine written in place
        self.used.add(name)
        return name

    def global_addr(self, var: int) -> int:
        return self.layout.globals_addr + 2 * (var - 16)

    def cont(self) -> None:
        self.pending = self.ins.next

    def goto(self, target: int) -> None:
        self.pending = target

    def leave(self, expr: str) -> None:
        if self.path.inline is not None:
            raise _Abort
        if not expr.startswith("m.ret("):                # a return drops both anyway
            self.sync()
        self._count(self.path)
        self.line(f"return {expr}")
        self.pending = None

    # -- locals and the stack, kept in Python variables (§6.2, §6.3) -------------------
    def sync(self) -> None:
        path = self.path
        if path.inline is not None:
            raise _Abort
        if path.dirty is None:
            self.use("L")
            self.line(ALL_LOCALS)                   # filled in when all are known
            path.dirty = frozenset()
        elif path.dirty:
            L = self.use("L")
            for v in sorted(path.dirty):
                self.line(f"{L}[{v - 1}] = l{v}")
            path.dirty = frozenset()
        self.sync_stack()

    def sync_stack(self) -> None:
        """Push the values held in Python variables (at loop heads, where
        every path must agree on the stack)."""
        path = self.path
        if path.pending:
            s = self.use("S")
            pending = path.pending
            self.line(f"{s}.append({pending[0]})" if len(pending) == 1
                      else f"{s}.extend(({', '.join(pending)},))")
            path.pending = ()

    def reload(self, var: int | None = None) -> None:
        """After code that may have written the machine's locals (all of
        them, or var): read them into the Python variables again."""
        if self.path.inline is not None:
            raise _Abort
        for v in sorted(self.locals) if var is None else [var]:
            if v in self.locals:
                self.line(f"l{v} = {self.use('L')}[{v - 1}]")

    def read_var(self, var: int) -> str:
        path = self.path
        if path.inline is not None and 0 <= var < 16:
            if var == 0 and not path.pending or var > path.inline.locals:
                raise _Abort            # an empty stack, a missing local: tier 0 says so
            if var:
                return f"{path.inline.prefix}{var}"
        if 0 < var < 16:
            self.locals.add(var)
            return f"l{var}"
        if var == 0 and path.pending:
            top = path.pending[-1]
            path.pending = path.pending[:-1]
            return top
        if var >= 16:
            name = f"g{var}"
            if var not in path.known:
                self.line(f"{name} = {super().read_var(var)}")
                path.known = path.known | {var}
            return name
        return super().read_var(var)

    def peek_var(self, var: int) -> str:
        if var == 0 and self.path.pending:
            return self.path.pending[-1]
        return super().peek_var(var)

    def write_var(self, var: int, expr: str, in_place: bool = False) -> None:
        inline = self.path.inline
        if inline is not None and 0 < var < 16:
            if var > inline.locals:
                raise _Abort
            self.line(f"{inline.prefix}{var} = {expr}")
            return
        if 0 < var < 16:
            self.locals.add(var)
            self.written.add(var)
            self.line(f"l{var} = {expr}")
            if self.path.dirty is not None:
                self.path.dirty = self.path.dirty | {var}
            return
        if var != 0:
            known = self.path.known - {var}
            super().write_var(var, expr, in_place)
            self.line(f"g{var} = {expr}")
            self.path.known = known | {var}
            return
        path = self.path
        if in_place and not path.pending:
            super().write_var(var, expr, in_place)
            return
        self.temps += 1
        name = f"s{self.temps}"
        self.line(f"{name} = {expr}")
        path.pending = (path.pending[:-1] if in_place else path.pending) + (name,)

    # -- calls written in place (§6.4) ------------------------------------------------
    def call(self, routine: str, args: list[str], store: int) -> None:
        layout = self.layout
        inline = self.path.inline
        depth = 0 if inline is None else len(inline.chain())
        if not routine.isdigit() or int(routine) == 0 or layout.routine_address is None:
            super().call(routine, args, store)
            return
        address = layout.routine_address(int(routine))
        header = layout.routine(address)
        if header is None:
            super().call(routine, args, store)
            return
        start, initial = header
        new = args[:len(initial)] + [str(v) for v in initial[len(args):]]
        leaf = leaf_at(layout, self.decode, address, NESTING - depth) \
            if depth < NESTING else None
        if leaf is not None:
            self._inline(start, new, store, len(args), leaf.heads)
            return
        if inline is not None:
            raise _Abort
        self.sync()
        self.callees.add(start)
        self.exits.add(self.ins.next)                # where the routine returns to
        self.line("F = m.frames")
        self.line(f"if len(F) >= {layout.max_frames}:")
        self.line("    m.fatal('call stack overflow')")
        self._check_held()
        self.line(f"F.append(({self.ins.next}, {store}, {self.use('L')}, {self.use('S')}, m.argc))")
        self.line(f"m.locals = [{', '.join(new)}]")
        self.line("m.stack = []")
        self.line(f"m.argc = {len(args)}")
        self.leave(str(start))

    def _inline(self, start: int, new: list[str], store: int, argc: int,
                heads: frozenset[int]) -> None:
        """Write the leaf routine at start in place (``zvm.compile.inline``):
        inside a ``while True:`` that each return leaves with ``break``, so
        the caller's code after the call is written once, after it."""
        path = self.path
        outer = path.inline
        depth = 0 if outer is None else len(outer.chain())
        prefix = PREFIXES[depth]
        self.line(f"if len(m.frames) >= {self.layout.max_frames - depth}:")
        self.line("    m.fatal('call stack overflow')")
        for v, expr in enumerate(new, 1):
            self.line(f"{prefix}{v} = {expr}")
        if path.k:
            self.line(f"n += {path.k}")
        self.line("while True:")
        self.has_loops = True
        self.heads |= heads
        self.temps += 1
        inline = Inline(self.ins.next, store, path.pending, argc, len(new), f"s{self.temps}",
                        outer, prefix)
        self._emit(start, path.copy(indent=path.indent + 1, loops=path.loops + (-1,), k=0,
                                    counted=True, inline=inline, pending=()))
        # Back in the caller: the value goes where the call asked (§6.4.4);
        # whichever return came here, the routine may have written globals.
        self.path = path.copy(k=0, counted=True, known=frozenset())
        if store >= 0:
            self.write_var(store, inline.value)
        self.pending = inline.return_pc

    def ret(self, value: str) -> None:
        inline = self.path.inline
        if inline is None:
            super().ret(value)
            return
        self.line(f"{inline.value} = {value}")
        if self.path.k:
            self.line(f"n += {self.path.k}")
        self.line("break")
        self.pending = None

    def branch(self, cond: str) -> None:
        if TYPE_CHECKING:                   # an instruction that branches
            assert self.ins.branch is not None
        on_true, off = self.ins.branch
        self.line(f"if {cond}:" if on_true else f"if not ({cond}):")
        ins, path = self.ins, self.path
        inner = path.copy(indent=path.indent + 1)
        if off in (0, 1):
            self.path = inner
            self.ret(str(off))
        else:
            self._emit(ins.next + off - 2, inner)
        self.ins, self.path = ins, path
        self.pending = ins.next

    # -- writing paths -------------------------------------------------------------
    def _count(self, path: _Path) -> None:
        """Before leaving: add what this path ran (less the run loop's one)."""
        k = path.k - 1
        if path.counted:
            self.line(f"m.instructions += n + {k}" if k else "m.instructions += n")
        elif k:
            self.line(f"m.instructions += {k}")

    def _exit(self, pc: int, path: _Path) -> None:
        inline = path.inline
        if inline is not None:
            # Inside routines written in place: push the frames their calls
            # would have pushed, with their locals and stacks as they stand.
            chain = inline.chain()
            self.path = path.copy(inline=None, pending=chain[0].pending)
            self.sync()
            self._check_held()
            self.line("F = m.frames")
            self.line(f"F.append(({chain[0].return_pc}, {chain[0].store}, {self.use('L')}, "
                      f"{self.use('S')}, m.argc))")
            for caller, callee in zip(chain, chain[1:], strict=False):
                self.line(f"F.append(({callee.return_pc}, {callee.store}, {caller.names()}, "
                          f"[{', '.join(callee.pending)}], {caller.argc}))")
            self.line(f"m.locals = {inline.names()}")
            self.line(f"m.stack = [{', '.join(path.pending)}]")
            self.line(f"m.argc = {inline.argc}")
            path = self.path
        self.path = path
        self.exits.add(pc)
        if self.total and pc <= self.top:
            # Back to code that may have run, through the run loop: the
            # stack may have grown on the way round. (Not only below this
            # instruction: a path may have gone back by a jump that is not a
            # loop head here, as after a routine written in place.)
            self.sync()
            self._check_stack()
        if 0 <= pc < self.layout.size:
            self.leave(repr(pc))
        else:
            self.leave(f"m.bad_jump({pc})")

    def _bound_stack(self, head: int) -> None:
        """Going round the loop at head: when the way there goes backwards
        (from the instruction just written, which the check is part of, as
        in tier 0's ``Machine.back``) and the loop's body may push onto the
        machine's stack, check the stack's bound (``MAX_STACK``)."""
        if head <= self.ins.addr and any(push in line
                                         for line in self.body[self.loop_lines[head]:]
                                         for push in PUSHES):
            self._check_stack()

    def _check_held(self) -> None:
        """Before a frame is pushed: the caller's stack, when it is large,
        within what waiting routines may hold (``Machine.check_held``)."""
        self.line(f"if len({self.use('S')}) > {HELD_LOOK}:")
        self.line("    m.check_held()")

    def _check_stack(self) -> None:
        """The stack within its bound (``MAX_STACK``), or a fatal error."""
        self.line(f"if len({self.use('S')}) > {MAX_STACK}:")
        self.line("    m.stack_overflow()")

    def _includes(self, pc: int, path: _Path) -> bool:
        return (self.layout.dyn_end <= pc < self.layout.size
                and self.copies[self._copy(pc, path)] < COPIES
                and self.total < BUDGET and path.indent < DEPTH and len(path.loops) < LOOPS
                and (pc == self.entry or self.seen(pc) and (
                    pc not in self.elsewhere or path.inline is not None)))

    @staticmethod
    def _copy(pc: int, path: _Path) -> tuple[int, str]:
        """What COPIES counts: an instruction, in each routine written in place."""
        return pc, "" if path.inline is None else path.inline.value

    def _emit(self, pc: int | None, path: _Path, opened: bool = False) -> None:
        """Write the path that starts at pc, to its end (opened: the loop
        whose head pc is has just been opened)."""
        while pc is not None:
            if pc in path.loops and not opened:
                self.path = path
                if (len(path.loops) > 1 and pc == path.loops[-2] and path.inline is None
                        and path.loops[-1] >= 0):
                    # The loop around this one: break out, and the line
                    # after this loop goes round that one (``_instruction``).
                    self.sync_stack()
                    self._bound_stack(pc)
                    if path.k:
                        self.line(f"n += {path.k}")
                    self.line("break")
                    self.broken.add(path.loops[-1])
                    return
                if pc != path.loops[-1] or path.inline is not None and path.pending:
                    self._exit(pc, path)          # an outer loop: the run loop goes on there
                    return
                self.sync_stack()
                self._bound_stack(pc)
                if path.k:
                    self.line(f"n += {path.k}")
                self.line("continue")
                return
            if not self._includes(pc, path):
                self._exit(pc, path)
                return
            ins = self.decode(pc)
            if ins.name in STOPS or path.inline is not None and (
                    pc in self.heads and path.pending or ins.name not in TEMPLATES
                    or ins.name in FRAME_OPS):
                self._exit(pc, path)
                return
            at, before = pc, (len(self.body), len(self.marks), self.temps, path)
            try:
                pc, path = self._instruction(at, ins, path, opened)
                opened = False
            except _Abort:
                # Not to be written inside the routine written in place:
                # the code so far stands, this instruction runs in its frame.
                body, marks, self.temps, path = before
                del self.body[body:], self.marks[marks:]
                self.copies[self._copy(at, before[3])] -= 1
                self.total -= 1
                self._exit(at, path)
                return

    def _instruction(self, pc: int, ins: Instruction, path: _Path,
                     opened: bool) -> tuple[int | None, _Path]:
        """Write one instruction; the address its path goes on at, and the path."""
        if pc in self.heads and not opened:
            self.path = path
            self.sync_stack()               # (empty in a routine written in place: _emit)
            if self.total and pc <= self.ins.addr and path.inline is None:
                # A loop entered from below (the unit starts inside it, after a
                # call that went out): each way round passes here.
                self._check_stack()
            if path.k:
                self.line(f"n += {path.k}")
            self.line("while True:")
            self.has_loops = True
            self.loop_lines[pc] = len(self.body)
            looped = path.copy(indent=path.indent + 1, loops=path.loops + (pc,), k=0,
                               counted=True, dirty=None, known=frozenset())
            self._copy_at(pc, looped)
            # The loop's body is written whole here, then what follows it.
            self._emit(pc, looped, opened=True)
            self.path = path
            if path.inline is not None:
                # A loop of a routine written in place: a return inside it
                # leaves it with break, and the break after it leaves the routine.
                self.line("break")
            elif pc in self.broken:
                self.line("continue")         # a path broke out to go round the outer loop
            return None, path
        self.copies[self._copy(pc, path)] += 1
        self.total += 1
        self.top = max(self.top, pc)
        path = path.copy(k=path.k + 1)
        self.path, self.ins, self.pending = path, ins, None
        self.marks.append((len(self.body), pc, path.k, path.counted))
        self.line(f"# ${pc:05x} {ins.name}")
        template = TEMPLATES.get(ins.name)
        if template is not None:
            template(self)
        else:
            self._method(ins)
        return self.pending, self.path

    def _copy_at(self, head: int, path: _Path) -> None:
        """At the head of a loop that copies a table (``zvm.compile.loops``),
        the passes but the last as one slice where that copies as they would."""
        plan = copy_plan(head, self.decode)
        if plan is not None:
            self.path = path
            try:
                names = [self.read_var(v) if k == VARIABLE else str(v) for k, v in plan.operands]
            except _Abort:                  # (a local the routine written in place lacks)
                return
            self.use("mem")
            for text in plan.write(names, self.layout.dyn_end, self.layout.size):
                self.line(text)

    def _method(self, ins: Instruction) -> None:
        """An opcode with no template: its function in zvm.vm.ops, with its
        Instruction from ``INS``; one that branches leaves the unit."""
        self.methods.append(ins.addr)
        args = "".join(f", {x}" for x in self.operands())
        self.sync()
        call = f"OPS[{ins.name!r}](m, INS[{ins.addr}]{args})"
        if ins.branch is not None:
            self.leave(call)
        else:
            self.line(call)
            if ins.store is not None and 0 < ins.store < 16:
                self.locals.add(ins.store)
                self.reload(ins.store)
            self.pending = ins.next

    # -- the whole unit ---------------------------------------------------------
    def build(self) -> Unit | None:
        self.heads = loop_heads(self.entry, self.layout, self.decode, self.seen,
                                self.elsewhere, 4 * BUDGET)
        self._emit(self.entry, _Path(1, (), 0, False))
        if self.total == 0:
            return None
        if self.locals:
            self.used.add("L")
        prologue = ["    " + LOADS[n] for n in ORDER if n in self.used]
        if self.locals:
            names = sorted(self.locals)
            # (one statement each: a tuple built and unpacked costs more)
            prologue += ["    try:",
                         "        " + "; ".join(f"l{v} = L[{v - 1}]" for v in names),
                         "    except IndexError:",
                         f"        return TIER0[{self.entry}](m)"]
        if self.has_loops:
            prologue.append("    n = 0")
        head = ["def unit(m, _=None):"] + prologue   # (_: zvm.compile.code's docstring)
        offset = len(head) + 1                       # source lines are 1-based
        # (a local the unit only reads still holds the machine's value: only
        # those it writes are written back)
        every = "; ".join(f"L[{v - 1}] = l{v}" for v in sorted(self.written)) or "pass"
        body = [line.replace(ALL_LOCALS, every) for line in self.body]
        source = "\n".join(head + body) + "\n"
        lines = [(index + offset, pc, k, c) for index, pc, k, c in self.marks]
        code = compile(source, unit_filename(self.entry), "exec")
        return Unit(self.entry, source, code, lines, self.methods, frozenset(self.callees),
                    frozenset(self.exits))


# What in a unit's line may push onto the machine's stack: a push of values
# held in Python variables, an opcode function or tier-0 code (§6.3).
PUSHES = ("S.append(", "S.extend(", "OPS[", "TIER0[")

ALL_LOCALS = "#all-locals"     # stands for writing back every local the unit keeps


def compile_unit(entry: int, layout: Layout, decode: Decode, seen: Seen,
                 elsewhere: Container[int] = ()) -> Unit | None:
    """The unit starting at entry, or None when nothing there can be
    compiled (dynamic memory, or an opcode that stops the machine)."""
    if not layout.dyn_end <= entry < layout.size:
        return None
    return UnitEmitter(entry, layout, decode, seen, elsewhere).build()
