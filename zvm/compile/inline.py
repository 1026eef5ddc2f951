"""Small leaf routines written into the unit that calls them (§6.4, §6.5).

A call normally leaves a unit: the run loop pushes a frame, runs the
routine, and comes back through ``Machine.ret`` to the unit at the return
address, three trips through the run loop for what is often a table search
of a dozen instructions (Zork I's parser calls two such routines for every
object in scope). A *leaf* — a routine that calls nothing, cannot stop the
machine (no input, save, restore, undo, quit, restart or throw, §6.4 and
§15), runs only opcodes that have templates and names its variables
directly (no indirect reference through a variable, §6.3.4) and never
looks at its own frame (check_arg_count, catch) — is instead
written into the caller's unit: its local variables (§6.4.2: the header's
initial values in versions 1-4, zero in 5+, the arguments over them, §6.4.4)
become Python variables ``c1`` ... ``c15``, its stack the emitter's
temporaries, and each return stores the value where the call asked (§6.4.3)
and goes on with the caller's code after the call.

No frame is pushed unless it is needed: where the written routine cannot go
on as Python code (code that has not run yet, a budget spent, a value it
would pop from an empty stack, a loop head reached with values on its
stack) the unit pushes the frame the call would have pushed, with the
routine's locals and stack as they stand, and leaves for that address:
the run loop then goes on there exactly as if the call had been an
ordinary one. So the machine is never seen in a state an ordinary call
could not produce; an error inside the routine names the routine's own
instruction (the unit's line table), and every instruction is counted.
"""

from __future__ import annotations

from zvm.compile.templates import STOPS, TEMPLATES
from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING, NamedTuple
from zvm.vm.decoder import VARIABLE

if TYPE_CHECKING:
    from typing import Callable

    from zvm.compile.shapes import Layout
    from zvm.vm.decoder import Instruction

LEAF_SIZE = 40        # instructions a routine may have to be written in place
NESTING = 2           # routines written in place inside one another at most
PREFIXES = ("c", "k")  # their locals' Python names, by depth: c1 ... c15, k1 ... k15

# Opcodes whose first operand names a variable (§6.3.4).
VARREFS = frozenset({"inc", "dec", "inc_chk", "dec_chk", "load", "store", "pull"})
# Opcodes that look at the routine's own frame: its arguments' count
# (§15 check_arg_count) and the frame itself (§15 catch, §6.5).
FRAME_OPS = frozenset({"check_arg_count", "catch"})


class Leaf(NamedTuple):
    """A routine that can be written in place: its loop heads, and how deep
    the routines it calls go (1: it calls none)."""
    heads: frozenset[int]
    depth: int


class Inline(NamedTuple):
    """The call a path is inside of: where the routine returns to, the
    variable that takes its value (-1: none), the caller's values kept in
    Python variables meanwhile, the arguments' count and the locals', and
    the Python variable its returns put their value in; the call it is
    written inside of, if any, and its locals' prefix (``PREFIXES``)."""
    return_pc: int
    store: int
    pending: tuple[str, ...]
    argc: int
    locals: int
    value: str
    outer: Inline | None
    prefix: str

    def chain(self) -> list[Inline]:
        """The calls written in place, outermost first."""
        out: list[Inline] = [self]
        while out[-1].outer is not None:
            out.append(out[-1].outer)
        return out[::-1]

    def names(self) -> str:
        """Its locals, as a Python list."""
        return "[" + ", ".join(f"{self.prefix}{v}" for v in range(1, self.locals + 1)) + "]"


def leaf_at(layout: Layout, decode: Callable[[int], Instruction], address: int,
            depth: int = NESTING) -> Leaf | None:
    """The routine whose header is at address as a Leaf that calls routines
    no deeper than depth - 1, or None (answers are kept in ``layout.leaves``)."""
    key = (address, depth)
    if key not in layout.leaves:
        layout.leaves[key] = None                  # (a routine that calls itself)
        layout.leaves[key] = _examine(layout, decode, address, depth)
    return layout.leaves[key]


def _callee(layout: Layout, decode: Callable[[int], Instruction], ins: Instruction,
            depth: int) -> Leaf | None:
    """The Leaf a call instruction calls, when its routine is a constant."""
    t, packed = ins.operands[0]
    if t == VARIABLE or not packed or layout.routine_address is None or depth <= 1:
        return None
    return leaf_at(layout, decode, layout.routine_address(packed), depth - 1)


def _examine(layout: Layout, decode: Callable[[int], Instruction], address: int,
             depth: int) -> Leaf | None:
    routine = layout.routine(address)
    if routine is None:
        return None
    start, count = routine[0], len(routine[1])
    heads: set[int] = set()
    seen: set[int] = set()
    deepest = 1
    todo = [start]
    while todo:
        pc = todo.pop()
        if pc in seen:
            continue
        if len(seen) >= LEAF_SIZE or not layout.dyn_end <= pc < layout.size:
            return None
        seen.add(pc)
        try:
            ins = decode(pc)
        except ZMachineError:                      # not code: let the run loop say so
            return None
        name = ins.name
        if name.startswith("call"):
            callee = _callee(layout, decode, ins, depth)
            if callee is None:
                return None
            deepest = max(deepest, callee.depth + 1)
        if name in STOPS or name not in TEMPLATES or name in FRAME_OPS \
                or name in VARREFS and ins.operands[0][0] == VARIABLE \
                or name == "jump" and ins.jump_target() is None:
            return None
        if any(t == VARIABLE and count < v < 16 for t, v in ins.operands) \
                or ins.store is not None and count < ins.store < 16 \
                or name in VARREFS and count < ins.operands[0][1] < 16:
            return None                            # a local it does not have
        for target in ins.successors():
            if target <= pc:
                heads.add(target)
            todo.append(target)
    return Leaf(frozenset(heads), deepest)
