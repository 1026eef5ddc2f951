"""Opcode implementations that are not inline templates of the compiler
(§15), one module per topic: ``output`` (text and output streams, §7),
``screen`` (windows, cursor, styles, colours, sound, §8-§9), ``input``
(reading lines and keys, tokenising, §10, §13), ``saves`` (save, restore,
undo, §15), ``control`` (tables, throw, quit, restart).

Each is a function ``op_<name>(m, ins, *operands)`` that receives the
machine and the decoded instruction, does its work, stores or branches
(``Machine.store_result``, ``Machine.branch_on``) and returns the address
of the next instruction. ``IMPLEMENTATIONS`` maps opcode names (as the
opcode table, ``zvm.vm.optable``, spells them) to these functions; a test
checks that every opcode of every version has a template or one of these.
"""

from __future__ import annotations

from typing import Callable

from zvm.vm.ops import control, input, output, saves, screen

OpFunction = Callable[..., int]

IMPLEMENTATIONS: dict[str, OpFunction] = {
    name[3:]: function
    for module in (output, screen, input, saves, control)
    for name, function in vars(module).items()
    if name.startswith("op_") and callable(function)
}
