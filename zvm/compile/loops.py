"""Loops in the code a unit takes in (``zvm.compile.units``): where they
begin, found before the unit is written, so that each head opens a
``while True:``; and the loops that copy a table a byte at a time, whose
passes the unit can do as one slice of memory.

Infocom's programs copy tables so (Zork I's parser copies the table of
words it has read, §13, on every command), from the last byte down:

    H:  loadb A i -> T
        storeb B i T
        dec_chk i 0 ?~H

A and B are constants or locals, i a local, T a local or the stack. Each
pass costs the machine a few lines of Python; ``copy_loop`` knows the loop
at its head, and ``copy_lines`` writes what the unit does there first:
every pass but the last as one slice assignment, where that leaves memory
as the passes would (§15 loadb, storeb, dec_chk): i from 1 to 32767
(dec_chk compares signed), each byte read inside memory and below 0x10000
(a byte address, §1.2.1), each byte written in dynamic memory above the
header (elsewhere a store is special: the header, §11, and static memory,
§1.1; those passes run as written), and no byte read after the loop has
written it (the passes go downwards, so that happens when A - B lies
between 1 and i - 1). Then i is 0, the last pass runs as written, the loop
leaves by its own branch with every variable as the passes would leave it,
and the count of instructions run (``n``, for ``--stats``) has three for
each pass done as the slice.
"""

from __future__ import annotations

from zvm.compile.templates import STOPS
from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING
from zvm.vm.decoder import VARIABLE

if TYPE_CHECKING:
    from typing import Callable, Container

    from zvm.compile.shapes import Layout
    from zvm.vm.decoder import Instruction


def loop_heads(entry: int, layout: Layout, decode: Callable[[int], Instruction],
               seen: Callable[[int], bool], elsewhere: Container[int], limit: int) -> set[int]:
    """Loop heads: addresses a jump or branch inside the region that starts
    at entry goes back to (at or before the instruction that goes there, or
    the entry itself), looking at ``limit`` instructions at most. The region
    is static or high memory (§1.1) that has run (``seen``), short of other
    units' entries (``elsewhere``) and of the opcodes that stop a unit."""
    heads: set[int] = set()
    visited: set[int] = set()
    todo = [entry]
    while todo and len(visited) < limit:
        pc = todo.pop()
        if pc in visited or not layout.dyn_end <= pc < layout.size \
                or pc != entry and (not seen(pc) or pc in elsewhere):
            continue
        visited.add(pc)
        ins = decode(pc)
        if ins.name in STOPS:
            continue
        # (a unit leaves at a call, unless the routine is written in place
        # and brings its own heads)
        targets = [t for t in ins.successors()
                   if t != ins.next or not ins.name.startswith("call")]
        for t in targets:
            if t <= pc or t == entry:                 # (back to the entry: a loop too)
                heads.add(t)
            todo.append(t)
    return heads


class CopyLoop:
    """A loop that copies a table (see the module's docstring): the operands
    (type, value) of A and B, §4.2, and the local i, the counter."""

    __slots__ = ("source", "target", "counter")

    def __init__(self, source: tuple[int, int], target: tuple[int, int], counter: int) -> None:
        self.source = source
        self.target = target
        self.counter = counter


def _local(operand: tuple[int, int]) -> int:
    """The local an operand reads (1-15), else 0."""
    kind, value = operand
    return value if kind == VARIABLE and 0 < value < 16 else 0


def copy_loop(head: int, decode: Callable[[int], Instruction]) -> CopyLoop | None:
    """The loop that copies a table whose head is at head, if that is one."""
    try:
        load = decode(head)
        store = decode(load.next)
        check = decode(store.next)
    except ZMachineError:
        return None
    if (load.name, store.name, check.name) != ("loadb", "storeb", "dec_chk") \
            or len(load.operands) != 2 or len(store.operands) != 3 \
            or len(check.operands) != 2 or load.store is None:
        return None
    source, i_op = load.operands
    target, j_op, value = store.operands
    i, t = _local(i_op), load.store
    a, b = _local(source), _local(target)
    if not i or i in (a, b, t) or t >= 16 or t and t == b \
            or source[0] == VARIABLE and not a or target[0] == VARIABLE and not b:
        return None                         # (globals and the stack: memory the loop may write)
    if j_op != (VARIABLE, i) or value != (VARIABLE, t) \
            or check.operands[0][0] == VARIABLE or check.operands[0][1] != i \
            or check.operands[1][0] == VARIABLE or check.operands[1][1] != 0 \
            or check.branch is None or check.branch[0] or check.branch_target() != head:
        return None
    return CopyLoop(source, target, i)


def copy_lines(source: str, target: str, index: str, dyn_end: int, size: int) -> list[str]:
    """What a unit does at the head of a loop that copies a table, given the
    Python names (or numbers) of A, B and i there: see the module's docstring."""
    a, b, i = source, target, index
    return [f"if 0 < {i} < 32768 and {a} + {i} < {min(size, 0x10000)} and 64 <= {b} "
            f"and {b} + {i} < {dyn_end} and not 0 < {a} - {b} < {i}:",
            f"    mem[{b} + 1:{b} + {i} + 1] = mem[{a} + 1:{a} + {i} + 1]",
            f"    n += 3 * {i}",
            f"    {i} = 0"]
