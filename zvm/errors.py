"""Errors the machine raises, by who is at fault (Appendix A).

``StoryError``: the file given is not a story we can run (exit status 2).
``ZMachineError``: the running story did something fatal (e.g. §2.3.1:
"an interpreter should halt with an error message"); the run loop adds the
PC and the CLI prints ``zvm: fatal: WHAT (PC = $xxxx)`` with exit status 1.
``Unimplemented``: a feature zvm does not provide, named with where it was
asked for; treated as fatal.
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from zvm.vm.machine import Machine


class StoryError(Exception):
    """The story file cannot be loaded: message says why."""


class ZMachineError(Exception):
    """A fatal error in the running story (Appendix A)."""

    def __init__(self, message: str, pc: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pc = pc

    def __str__(self) -> str:
        if self.pc is None:
            return self.message
        return f"{self.message} (PC = ${self.pc:04x})"


class Unimplemented(ZMachineError):
    """Something zvm does not do (yet): what, and where it was asked."""


class Quit(Exception):
    """@quit, or the end of input: the run ends normally."""


class Restart(Exception):
    """@restart: the main loop reloads dynamic memory and starts again (§6.1.3)."""


def diagnose(m: Machine, pc: int, e: IndexError) -> str:
    """What an IndexError in the instruction at pc meant: a stack popped
    empty, a local variable the routine does not have, or memory out of
    range (the run loop's message for it)."""
    text = str(e)
    if "pop from empty list" in text:
        return "stack underflow"
    try:
        ins = m.decode(pc)
    except ZMachineError as inner:
        return inner.message
    except IndexError:
        return "instruction runs past the end of memory"
    vars_read = [v for t, v in ins.operands if t == 2]
    if ins.name in ("inc", "dec", "inc_chk", "dec_chk", "load", "store", "pull") \
            and ins.operands and ins.operands[0][0] != 2:
        vars_read.append(ins.operands[0][1])
    for var in vars_read + ([ins.store] if ins.store is not None else []):
        if 0 < var < 16 and var > len(m.locals):
            return f"local variable {var} does not exist in this routine"
    # (a result stored to the stack is pushed, which never underflows)
    if 0 in vars_read and not m.stack:
        return "stack underflow"
    return "memory access out of range"
