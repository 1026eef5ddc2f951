"""Instruction decoding (§4): bytes at an address -> an ``Instruction``.

Decoding knows nothing of execution: ``zvm.compile`` turns an Instruction
into Python code, and the disassembler reads Instructions too. Operand types
(§4.2): 0 large constant, 1 small constant, 2 variable, 3 omitted.
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING
from zvm.vm.optable import OpSpec, known_name

if TYPE_CHECKING:
    from typing import Callable

LARGE, SMALL, VARIABLE, OMITTED = 0, 1, 2, 3


# Instructions after which execution never goes on at the next one (§15).
ENDS = frozenset({"rtrue", "rfalse", "ret", "ret_popped", "print_ret",
                  "jump", "quit", "restart", "throw"})


class Instruction:
    """One decoded instruction.

    ``operands``: list of (type, value), type LARGE/SMALL/VARIABLE.
    ``store``: variable number for the result, or None.
    ``store_addr``: address of the store byte (Quetzal's saved PC for
    save/save_undo in versions 4+, §5 of the Quetzal spec).
    ``branch``: (on_true, offset) or None; offset 0/1 mean return false/true.
    ``branch_addr``: address of the branch data (the saved PC in v1-3).
    ``text``: the decoded inline string (print, print_ret); ``text_addr``.
    ``next``: the address of the following instruction."""

    __slots__ = ("addr", "kind", "number", "spec", "operands", "store",
                 "store_addr", "branch", "branch_addr", "text", "text_addr", "next")
    addr: int
    kind: str
    number: int
    spec: OpSpec
    operands: list[tuple[int, int]]
    store: int | None
    store_addr: int | None
    branch: tuple[bool, int] | None
    branch_addr: int | None
    text: str | None
    text_addr: int | None
    next: int

    @property
    def name(self) -> str:
        return self.spec.name

    def branch_target(self) -> int | None:
        """The address a taken branch goes to, or None for rtrue/rfalse."""
        if self.branch is None or self.branch[1] in (0, 1):
            return None
        return self.next + self.branch[1] - 2

    def jump_target(self) -> int | None:
        """Where a jump with a constant offset goes (§15 jump), else None."""
        if self.spec.name != "jump" or self.operands[0][0] == VARIABLE:
            return None
        v = self.operands[0][1]
        return self.next + (v - ((v & 0x8000) << 1)) - 2

    def successors(self) -> list[int]:
        """The addresses execution may go on at within the routine: a taken
        branch, a constant jump's target, the next instruction (§4.7, §15)."""
        out = [t for t in (self.branch_target(), self.jump_target()) if t is not None]
        if self.spec.name not in ENDS:
            out.append(self.next)
        return out

    def __repr__(self) -> str:
        return f"<{self.addr:05x} {self.name} {self.operands}>"


def _types(byte: int, out: list[int]) -> None:
    for shift in (6, 4, 2, 0):
        out.append((byte >> shift) & 3)


def decode(mem: bytes | bytearray, addr: int, ops: dict[tuple[str, int], OpSpec], version: int,
           text_decoder: Callable[[int], tuple[str, int]]) -> Instruction:
    """Decode the instruction at addr (§4.3-4.7). An operand count its
    opcode does not take (§4.5, §15) is a ZMachineError, as is an illegal
    opcode: nothing downstream sees a malformed instruction."""
    if addr < 0 or addr >= len(mem):
        raise ZMachineError(f"PC outside memory (${addr:x})", addr)
    pc = addr
    b = mem[pc]
    pc += 1
    types: list[int] = []
    if b == 0xBE and version >= 5:
        kind, number = "EXT", mem[pc]
        pc += 1
        _types(mem[pc], types)
        pc += 1
    elif b >= 0xC0:                               # variable form (§4.3.3)
        kind = "VAR" if b & 0x20 else "2OP"
        number = b & 31
        _types(mem[pc], types)
        pc += 1
        if kind == "VAR" and number in (12, 26):  # call_vs2, call_vn2
            _types(mem[pc], types)
            pc += 1
    elif b >= 0x80:                               # short form (§4.3.1)
        number = b & 15
        t = (b >> 4) & 3
        if t == OMITTED:
            kind = "0OP"
        else:
            kind = "1OP"
            types.append(t)
    else:                                         # long form (§4.3.2)
        kind, number = "2OP", b & 31
        types.append(VARIABLE if b & 0x40 else SMALL)
        types.append(VARIABLE if b & 0x20 else SMALL)
    spec = ops.get((kind, number))
    if spec is None:
        known = known_name(kind, number)
        what = f"{kind}:{number} (byte ${b:02x})" + (f", which is {known}," if known else "")
        raise ZMachineError(f"illegal opcode {what} in version {version}", addr)
    operands: list[tuple[int, int]] = []
    for t in types:
        if t == OMITTED:
            break
        if t == LARGE:
            operands.append((LARGE, (mem[pc] << 8) | mem[pc + 1]))
            pc += 2
        else:
            operands.append((t, mem[pc]))
            pc += 1
    if not spec.least <= len(operands) <= spec.most:   # §4.5, §15
        n, lo, hi = len(operands), spec.least, spec.most
        takes = f"{lo}" if lo == hi else f"{lo}-{hi}"
        raise ZMachineError(f"{spec.name} given {n} operand{'' if n == 1 else 's'} "
                            f"(takes {takes})", addr)
    ins = Instruction()
    ins.addr = addr
    ins.kind = kind
    ins.number = number
    ins.spec = spec
    ins.operands = operands
    ins.store = ins.store_addr = None
    ins.branch = ins.branch_addr = None
    ins.text = ins.text_addr = None
    if spec.store:
        ins.store_addr = pc
        ins.store = mem[pc]
        pc += 1
    if spec.branch:
        ins.branch_addr = pc
        b1 = mem[pc]
        pc += 1
        on_true = bool(b1 & 0x80)
        if b1 & 0x40:
            offset = b1 & 0x3F
        else:
            offset = ((b1 & 0x3F) << 8) | mem[pc]
            pc += 1
            if offset & 0x2000:
                offset -= 0x4000
        ins.branch = (on_true, offset)
    if spec.text:
        ins.text_addr = pc
        ins.text, pc = text_decoder(pc)
    ins.next = pc
    return ins
