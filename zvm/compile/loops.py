"""Loops in the code a unit takes in (``zvm.compile.units``): where they
begin, found before the unit is written, so that each head opens a
``while True:``.
"""

from __future__ import annotations

from zvm.compile.templates import STOPS
from zvm.records import TYPE_CHECKING

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
