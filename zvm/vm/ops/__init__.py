"""Opcode implementations that are not inline templates of the compiler
(§15), one module per topic: ``output`` (text and output streams, §7),
``screen`` (windows, cursor, styles, colours, sound, §8-§9), ``input``
(reading lines and keys, tokenising, §10, §13), ``saves`` (save, restore,
undo, §15), ``control`` (tables, throw, quit, restart), and for version 6
``windows`` (windows, pictures, the mouse, user stacks, §8.8, §10.3, §6.6).

Each is a function ``op_<name>(m, ins, *operands)`` that receives the
machine and the decoded instruction, does its work, stores or branches
(``Machine.store_result``, ``Machine.branch_on``) and returns the address
of the next instruction. ``IMPLEMENTATIONS`` maps opcode names (as the
opcode table, ``zvm.vm.optable``, spells them) to these functions; a test
checks that every opcode of every version has a template or one of these.

An instruction may carry fewer operands than its opcode needs (a story's
mistake, or random code: variable-form operands are optional, §4.4.3);
the function for such an opcode is wrapped so that this stops the machine
with a line that says so, rather than a fault of zvm's own.
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING
from zvm.vm.ops import control, input, output, saves, screen, windows

if TYPE_CHECKING:
    from typing import Callable
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine
    OpFunction = Callable[..., int]



def operands_needed(function: OpFunction) -> int:
    """How many operands the function cannot do without."""
    function = getattr(function, "__wrapped__", function)
    code = function.__code__                # (inspect costs 10 ms to import)
    return max(0, code.co_argcount - 2 - len(function.__defaults__ or ()))


def _checked(name: str, function: OpFunction) -> OpFunction:
    """function, refusing instructions with too few operands."""
    needed = operands_needed(function)
    if not needed:
        return function

    def op(m: Machine, ins: Instruction, *operands: int) -> int:
        if len(operands) < needed:
            raise ZMachineError(f"{name} needs {needed} operand{'s' if needed > 1 else ''}, "
                                f"given {len(operands)}")
        return function(m, ins, *operands)

    op.__name__ = op.__qualname__ = function.__name__
    op.__doc__ = function.__doc__
    op.__wrapped__ = function  # type: ignore[attr-defined]
    return op


IMPLEMENTATIONS: dict[str, OpFunction] = {
    name[3:]: _checked(name[3:], function)
    for module in (output, screen, input, saves, control, windows)
    for name, function in vars(module).items()
    if name.startswith("op_") and callable(function)
}
