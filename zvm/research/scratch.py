"""Globals a command overwrites without reading: the parser's scratch.

A global that a quiet command ("look", "inventory": they change no world)
sets without its earlier value mattering holds nothing between commands:
the Inform library's ``actor`` (set to the player before every parse) and
``special_number`` are such. Found by poking (§6.2 globals in dynamic
memory): the command is tried from the opening with a batch of globals
changed; when its text, the rest of memory and the batch's own final values
are what they are without the change, every global of the batch was
overwritten unread. A batch that differs is split until single globals
remain. A global the command leaves alone is not scratch (its value lives
on), nor one whose earlier value shows in what the command did.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from zvm.research.access import GLOBALS, MachineState

if TYPE_CHECKING:
    from zvm.research.profile import Profile

BATCH = 16                      # globals poked at once
COMMANDS = ("look", "inventory")


def overwritten(profile: Profile, exclude: set[int]) -> set[int]:
    """The globals that profile's story overwrites unread in every quiet
    command of COMMANDS it has (see the module), less exclude."""
    acc = profile.acc
    commands = [c for c in COMMANDS if profile.has_verb(c)]
    if not commands:
        return set()
    # (A damaged story's globals may lie past dynamic memory, §6.2: those
    # cannot be poked, and hold nothing a save or the world keeps.)
    g0 = acc.globals_addr
    found = {k for k in range(GLOBALS) if g0 + 2 * k + 2 <= acc.dyn_end} - exclude
    base = profile.base
    try:
        for command in commands:
            found &= _dead_in(profile, base, command, sorted(found))
    finally:
        acc.restore(base)
    return found


def _dead_in(profile: Profile, base: MachineState, command: str, candidates: list[int]) -> set[int]:
    """Of candidates, the globals command overwrites unread from base: first
    the ones it writes at all (after a poke they end with their unpoked
    values, whatever else the poke did), then those checked in batches."""
    acc = profile.acc
    text, how = profile.game._attempt(base, command)
    if how != "input":
        return set()
    after = bytes(acc.mem[:acc.dyn_end])
    g0 = acc.globals_addr

    def run(batch: list[int]) -> tuple[str, str]:
        mem = bytearray(base.memory)
        for k in batch:
            mem[g0 + 2 * k + 1] ^= 1
        return profile.game._attempt(replace(base, memory=bytes(mem)), command)

    written: list[int] = []
    for i in range(0, len(candidates), BATCH):
        batch = candidates[i:i + BATCH]
        run(batch)
        written += [k for k in batch
                    if acc.mem[g0 + 2 * k:g0 + 2 * k + 2] == after[g0 + 2 * k:g0 + 2 * k + 2]]
    dead: set[int] = set()
    todo = [written[i:i + BATCH] for i in range(0, len(written), BATCH)]
    while todo:
        batch = todo.pop()
        poked_text, how = run(batch)
        if how == "input" and poked_text == text and bytes(acc.mem[:acc.dyn_end]) == after:
            dead.update(batch)
        elif len(batch) > 1:
            todo += [batch[:len(batch) // 2], batch[len(batch) // 2:]]
    return dead
