"""A saved machine state, whatever holds it (the Quetzal standard's model):
the story's identity (its IFhd chunk, Quetzal §5), the PC, dynamic memory
and the call stack's frames (§6.3-§6.4 of the Z-Machine Standard; Quetzal
§4). The machine makes these for @save, @save_undo, turn snapshots and the
library's snapshots; ``zvm.story.quetzal`` turns them into IFZS files and
back. Kept apart from the file format so that an undo snapshot costs no
file-format code at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# zvm's own chunks (other interpreters skip chunks they do not know,
# Quetzal §1.3): a seeded random generator's state; a mark that the PC is
# an instruction to run again (a save taken at a read) rather than the
# store or branch of a save; the library's game-over flag; and where the
# latest command's text and parse buffers are.
ZVM_RNG = b"ZVMr"
ZVM_TURN = b"ZVMm"
ZVM_DONE = b"ZVMd"
ZVM_BUFFERS = b"ZVMb"


@dataclass
class StackFrame:
    """One routine's frame. ``store`` is the variable for the result or None
    (discarded, Quetzal §4.6 bit 4); ``argc`` the arguments supplied."""

    return_pc: int
    locals: list[int]
    stack: list[int]
    store: int | None = None
    argc: int = 0


@dataclass
class SavedState:
    release: int
    serial: bytes
    checksum: int
    pc: int
    memory: bytes                      # dynamic memory
    frames: list[StackFrame] = field(default_factory=list)
    # Further chunks by id, kept as they are: other interpreters' chunks
    # read from a file, and zvm's own (the ZVM_ ids above).
    extra: dict[bytes, bytes] = field(default_factory=dict)
