"""Tables and control flow (§15): scan_table, copy_table, ret_popped,
throw, quit, restart."""

from __future__ import annotations

from zvm.errors import Quit, Restart, ZMachineError
from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine


def signed(v: int) -> int:
    """A 16-bit word as a signed number (§2.2)."""
    return v - ((v & 0x8000) << 1)


def op_scan_table(m: Machine, ins: Instruction, x: int, table: int, length: int,
                  form: int = 0x82) -> int:
    """§15 scan_table: the address of the first entry equal to x, or 0;
    entries of form & 0x7f bytes, compared as words when bit 7 is set."""
    mem = m.mem
    size = form & 0x7F
    word = bool(form & 0x80)
    a = table
    found = 0
    for _ in range(length):
        v = ((mem[a] << 8) | mem[a + 1]) if word else mem[a]
        if v == x:
            found = a
            break
        a += size
    if TYPE_CHECKING:                        # scan_table stores
        assert ins.store is not None
    m.set_var(ins.store, found)
    return m.branch_on(ins, found != 0)


def op_copy_table(m: Machine, ins: Instruction, first: int, second: int, size: int) -> int:
    """§15 copy_table: second 0 zeroes first; a negative size copies
    forwards even when the tables overlap."""
    mem = m.mem
    n = signed(size)
    if second == 0:
        mem[first:first + abs(n)] = bytes(abs(n))
    elif n < 0:
        for i in range(-n):
            mem[second + i] = mem[first + i]
    else:
        if second + n > m.dyn_end:
            raise ZMachineError("copy_table writes past dynamic memory")
        mem[second:second + n] = mem[first:first + n]
    return ins.next


def op_ret_popped(m: Machine, ins: Instruction) -> int:
    """§15 ret_popped: return the value on top of the routine's stack.

    An empty stack is a stack underflow, which §15 (pull) says should halt.
    But Seastalker (release 86) runs ret_popped on an empty stack and
    Frotz plays on: its routine stack lies just above the routine's local
    variables, so the pop takes the routine's last local variable. zvm
    returns that value too, with a warning (Appendix A survivable error
    under ``--warnings``); a routine without locals still underflows."""
    stack = m.stack
    if stack:
        return m.ret(stack.pop())
    if not m.locals or not m.frames:
        raise ZMachineError("stack underflow")
    m.warn("ret_popped with an empty stack: returned the last local variable, "
           "as Frotz does")
    return m.ret(m.locals[-1])


def op_throw(m: Machine, ins: Instruction, value: int, frame: int) -> int:
    return m.throw(value, frame)


def op_quit(m: Machine, ins: Instruction) -> int:
    m.meta.end_autosave()
    if m.version == 6:
        m.screen.word_break()       # the last word, held by version 6's own buffer
    raise Quit


def op_restart(m: Machine, ins: Instruction) -> int:
    raise Restart
