"""Loops in the code a unit takes in (``zvm.compile.units``): where they
begin, found before the unit is written, so that each head opens a
``while True:``; and the loops that copy a table, whose passes the unit
can do as one slice of memory.

Infocom's parsers copy tables on every command (the words read, §13), in
two ways. A byte at a time from the last down (``_down``):

    H:  loadb A i -> T
        storeb B i T
        dec_chk i 0 ?~H

and a table of entries upwards (``_up``), here four bytes a pass:

    H:  loadw A i -> sp ; storew B i sp
        mul i 2 -> sp ; add sp 2 -> t ; loadb A t -> sp ; storeb B t sp
        mul i 2 -> sp ; add sp 3 -> t ; loadb A t -> sp ; storeb B t sp
        add i 2 -> i
        inc_chk k limit ?~H

A and B are constants or locals the loop never writes (not globals: the
copy may write memory), i, k and T locals (T may be the stack), limit a
constant or such a local. ``_up`` runs one pass on symbols to find that
every store puts back what was loaded just before from the same offset of
the source, and that the offsets, in the order written, make one run of
bytes that the step moves on by its length.

Each pass costs the machine a few lines of Python; at the loop's head a
unit first does every pass but the last as one slice assignment, where
that leaves memory as the passes would (§15 loadb, loadw, storeb, storew,
dec_chk, inc_chk): counters and limits from 0 to 32767 (the checks
compare signed), each byte read inside memory and below 0x10000 (a byte
address, §1.2.1), each byte written in dynamic memory above the header
(elsewhere a store is special: the header, §11, and static memory, §1.1;
those passes run as written), every index below 0x10000 (no wrapping),
and no byte read after the loop has written it (downwards, when A - B lies
between 1 and i - 1; upwards, when B - A lies between 1 and the length
copied less one). Then the last pass runs as written, so the loop leaves
by its own branch with every variable as the passes would leave it (a
temporary such as t is written before it is read in each pass), and the
count of instructions run (``n``, for ``--stats``) grows by the body's
length for each pass done as the slice.
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


class CopyPlan:
    """What a unit writes at the head of a loop that copies a table: the
    operands (type, value, §4.2) whose Python names the lines need, and
    ``write(names, dyn_end, size)``, the lines."""

    __slots__ = ("operands", "write")

    def __init__(self, operands: list[tuple[int, int]],
                 write: Callable[[list[str], int, int], list[str]]) -> None:
        self.operands = operands
        self.write = write


def copy_plan(head: int, decode: Callable[[int], Instruction]) -> CopyPlan | None:
    """The plan for the loop whose head is at head, if it copies a table as
    one of the two loops in the module's docstring does."""
    try:
        return _down(head, decode) or _up(head, decode)
    except (ZMachineError, IndexError):     # (code that does not decode: no loop of ours)
        return None


def _local(operand: tuple[int, int]) -> int:
    """The local an operand reads (1-15), else 0."""
    kind, value = operand
    return value if kind == VARIABLE and 0 < value < 16 else 0


def _down(head: int, decode: Callable[[int], Instruction]) -> CopyPlan | None:
    """``loadb A i -> T; storeb B i T; dec_chk i 0 ?~H``."""
    load = decode(head)
    store = decode(load.next)
    check = decode(store.next)
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

    def write(names: list[str], dyn_end: int, size: int) -> list[str]:
        a, b, i = names
        return [f"if 0 < {i} < 32768 and {a} + {i} < {min(size, 0x10000)} and 64 <= {b} "
                f"and {b} + {i} < {dyn_end} and not 0 < {a} - {b} < {i}:",
                f"    mem[{b} + 1:{b} + {i} + 1] = mem[{a} + 1:{a} + {i} + 1]",
                f"    n += 3 * {i}",
                f"    {i} = 0"]
    return CopyPlan([source, target, (VARIABLE, i)], write)


MAX_BODY = 24             # instructions in the body of a loop ``_up`` reads at most
_UP_OPS = frozenset({"loadb", "loadw", "storeb", "storew", "add", "mul"})


def _up(head: int, decode: Callable[[int], Instruction]) -> CopyPlan | None:
    """``H: <copies> ; add i c -> i ; inc_chk k limit ?~H``: see the module's
    docstring. One pass is run on symbols: every value is a constant, a
    local the body never writes, a loaded byte or word, or a·i + b (i as
    the pass began); each store must put back a value loaded just before
    from the same offset of the source, and the offsets, read in the order
    written, must make one run of S bytes, the step c moving it on by S."""
    body: list[Instruction] = []
    pc = head
    while len(body) < MAX_BODY:
        ins = decode(pc)
        body.append(ins)
        if ins.name == "inc_chk":
            break
        if ins.name not in _UP_OPS or ins.branch is not None:
            return None
        pc = ins.next
    check = body[-1]
    if check.name != "inc_chk" or len(body) < 3 or len(check.operands) != 2 \
            or check.operands[0][0] == VARIABLE or check.branch is None \
            or check.branch[0] or check.branch_target() != head:
        return None
    k, limit = check.operands[0][1], check.operands[1]
    step, core = body[-2], body[:-2]
    i = step.store or 0
    if step.name != "add" or not 0 < i < 16 or step.operands[0] != (VARIABLE, i) \
            or step.operands[1][0] == VARIABLE or not 0 < step.operands[1][1] < 0x8000:
        return None
    c = step.operands[1][1]
    written = {ins.store for ins in core if ins.store}
    if not 0 < k < 16 or k == i or written & {i, k} \
            or limit[0] == VARIABLE and not (_local(limit) and limit[1] not in written | {i, k}):
        return None
    found = _one_pass(core, i, k, written)
    if found is None:
        return None
    source, target, pairs, forms = found
    alpha = pairs[0][0]
    at = pairs[0][1]
    for a, b, width in pairs:
        if a != alpha or b != at:
            return None                     # (not one run of bytes, in order)
        at += width
    run = at - pairs[0][1]
    if alpha <= 0 or alpha * c != run:
        return None
    first, count = pairs[0][1], len(body)

    def write(names: list[str], dyn_end: int, size: int) -> list[str]:
        a, b, i, k, lim = names
        bounded = "".join(f" and {x} * ({i} + {c} * cp_n) + {y} < 65536"
                          for x, y in sorted(forms.items()))
        return [f"if {k} < 32768 and {lim} < 32768 and {k} < {lim}:",
                f"    cp_n = {lim} - {k}",
                f"    cp_o = {alpha} * {i} + {first}",
                f"    cp_e = cp_o + {run} * cp_n",
                f"    if {a} + cp_e <= {min(size, 0x10000)} and 64 <= {b} + cp_o "
                f"and {b} + cp_e <= {dyn_end} and not 0 < {b} - {a} < cp_e - cp_o{bounded}:",
                f"        mem[{b} + cp_o:{b} + cp_e] = mem[{a} + cp_o:{a} + cp_e]",
                f"        {i} = {i} + {c} * cp_n",
                f"        {k} = {k} + cp_n",
                f"        n += {count} * cp_n"]
    return CopyPlan([source, target, (VARIABLE, i), (VARIABLE, k), limit], write)


def _one_pass(core: list[Instruction], i: int, k: int, written: set[int]) -> tuple[
        tuple[int, int], tuple[int, int], list[tuple[int, int, int]], dict[int, int]] | None:
    """The body of ``_up``'s loop, but its step and check, run on symbols:
    (the source's operand, the target's, the (a, b, width) of each copy at
    offset a·i + b, and for each a of an a·i + b computed the largest b);
    None where it is not a copy of a table. Symbols: ("c", n), ("v", local),
    ("a", a, b), ("m", a, b, width)."""
    stack: list[tuple[int, ...] | tuple[str, int]] = []
    temps: dict[int, tuple] = {}
    bases: dict[str, tuple[int, int]] = {}
    pairs: list[tuple[int, int, int]] = []
    forms = {1: 0}                        # (i itself)

    def value(operand: tuple[int, int]) -> tuple | None:
        kind, v = operand
        if kind != VARIABLE:
            return ("c", v)
        if v == 0:
            return stack.pop() if stack else None
        if v == i:
            return ("a", 1, 0)
        if v in temps:
            return temps[v]
        if 0 < v < 16 and v not in written and v != k:
            return ("v", v)
        return None                         # a global (memory), or a local before its value

    def affine(x: tuple | None) -> tuple[int, int] | None:
        if x is not None and x[0] == "c":
            return 0, x[1]
        if x is not None and x[0] == "a":
            return x[1], x[2]
        return None

    def base(role: str, operand: tuple[int, int]) -> bool:
        x = value(operand)
        if x is None or x[0] not in ("c", "v"):
            return False
        return bases.setdefault(role, operand) == operand

    for ins in core:
        ops = ins.operands
        if ins.name in ("add", "mul"):
            if len(ops) != 2:
                return None
            x, y = affine(value(ops[0])), affine(value(ops[1]))
            if x is None or y is None or ins.store is None or ins.store == i:
                return None
            if ins.name == "add":
                a, b = x[0] + y[0], x[1] + y[1]
            elif y[0] == 0:
                a, b = x[0] * y[1], x[1] * y[1]
            elif x[0] == 0:
                a, b = y[0] * x[1], y[1] * x[1]
            else:
                return None
            if b > 0xFFFF:
                return None
            result: tuple = ("a", a, b) if a else ("c", b)
            if a:
                forms[a] = max(forms.get(a, 0), b)
        elif ins.name in ("loadb", "loadw"):
            if len(ops) != 2 or ins.store != 0 or not base("source", ops[0]):
                return None
            x = affine(value(ops[1]))
            if x is None:
                return None
            w = 1 if ins.name == "loadb" else 2
            result = ("m", x[0] * w, x[1] * w, w)
        else:                               # storeb, storew
            if len(ops) != 3 or not base("target", ops[0]):
                return None
            x = affine(value(ops[1]))
            w = 1 if ins.name == "storeb" else 2
            if x is None or value(ops[2]) != ("m", x[0] * w, x[1] * w, w):
                return None
            pairs.append((x[0] * w, x[1] * w, w))
            continue
        if ins.store == 0:
            stack.append(result)
        else:
            temps[ins.store] = result
    if stack or not pairs or len(bases) != 2:
        return None
    return bases["source"], bases["target"], pairs, forms
