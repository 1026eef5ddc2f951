"""A saved machine state, whatever holds it (the Quetzal standard's model):
the story's identity (its IFhd chunk, Quetzal §5), the PC, dynamic memory
and the call stack's frames (§6.3-§6.4 of the Z-Machine Standard; Quetzal
§4). The machine makes these for @save, @save_undo, turn snapshots and the
library's snapshots; ``zvm.story.quetzal`` turns them into IFZS files and
back. Kept apart from the file format so that an undo snapshot costs no
file-format code at all (and plain classes: every run makes them, and the
dataclasses module costs more to import than they are worth).
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from zvm.story.header import Header

# zvm's own chunks (other interpreters skip chunks they do not know,
# Quetzal §1.3): a seeded random generator's state; a mark that the PC is
# an instruction to run again (a save taken at a read) rather than the
# store or branch of a save; the library's game-over flag; where the
# latest command's text and parse buffers are; and the rest of what a
# library snapshot holds (done, won, lost, width, the screen: JSON); and,
# last in every save zvm writes, a CRC-32 of the chunks before it, so that
# a save damaged since is refused rather than played.
ZVM_RNG = b"ZVMr"
ZVM_TURN = b"ZVMm"
ZVM_DONE = b"ZVMd"
ZVM_BUFFERS = b"ZVMb"
ZVM_GAME = b"ZVMg"
ZVM_CHECK = b"ZVMc"

# zvm's call-depth limit: routines that may be waiting for a return (the
# machine refuses a call past it; saves are read against it). A save holds
# one frame more: the dummy frame below the first routine (Quetzal §4.11).
MAX_FRAMES = 16384
# The values one routine's evaluation stack (§6.3) may hold: as many as a
# save can count (a 16-bit word per frame in Quetzal's Stks chunk). A story
# that pushes past it stops with a fatal error instead of using memory
# without end; the machine looks wherever code goes back to code that has
# run (a loop, a jump backwards) or runs from dynamic memory.
MAX_STACK = 65535
# ... and the values the stacks of all the routines waiting for a return
# hold together. That is looked at only when a call leaves more than
# HELD_LOOK values on the caller's stack (real stories leave a few), so an
# ordinary call pays one comparison; a story recursing with a full stack at
# every level stops here.
MAX_HELD = 1 << 20
HELD_LOOK = 1024


class _Record:
    """Equality and a readable repr by the fields named in __slots__."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({fields})"


class StackFrame(_Record):
    """One routine's frame. ``store`` is the variable for the result or None
    (discarded, Quetzal §4.6 bit 4); ``argc`` the arguments supplied."""

    __slots__ = ("return_pc", "locals", "stack", "store", "argc")

    def __init__(self, return_pc: int, locals: list[int], stack: list[int],
                 store: int | None = None, argc: int = 0) -> None:
        self.return_pc = return_pc
        self.locals = locals
        self.stack = stack
        self.store = store
        self.argc = argc


class SavedState(_Record):
    """The story's identity, the PC, dynamic memory, the frames, and further
    chunks by id, kept as they are: other interpreters' chunks read from a
    file, and zvm's own (the ZVM_ ids above)."""

    __slots__ = ("release", "serial", "checksum", "pc", "memory", "frames", "extra")

    def __init__(self, release: int, serial: bytes, checksum: int, pc: int, memory: bytes,
                 frames: list[StackFrame] | None = None,
                 extra: dict[bytes, bytes] | None = None) -> None:
        self.release = release
        self.serial = serial
        self.checksum = checksum
        self.pc = pc
        self.memory = memory                # dynamic memory
        self.frames = [] if frames is None else frames
        self.extra = {} if extra is None else extra

    def with_extra(self, extra: dict[bytes, bytes]) -> SavedState:
        """The same state with other further chunks."""
        return SavedState(self.release, self.serial, self.checksum, self.pc, self.memory,
                          self.frames, extra)


class Moment:
    """The machine at one instruction, held cheaply: dynamic memory as
    bytes and each routine's context as a tuple of numbers (return PC,
    store variable, locals, stack, argument count, as the machine's frames
    hold them; last the running routine's, with 0 for the two it has not),
    which Python's garbage collector stops tracking. A turn's snapshot is
    one, made a SavedState only when it is used (``saved``): most are
    never used."""

    __slots__ = ("pc", "memory", "contexts")

    def __init__(self, pc: int, memory: bytes,
                 contexts: tuple[tuple[int, int, tuple[int, ...], tuple[int, ...], int], ...]
                 ) -> None:
        self.pc = pc
        self.memory = memory
        self.contexts = contexts

    def saved(self, header: Header, extra: dict[bytes, bytes] | None = None) -> SavedState:
        """This moment as a SavedState of the story whose header is given
        (its identity: release, serial, checksum), with further chunks."""
        contexts = self.contexts
        # Quetzal: the dummy frame below the main routine has every field 0
        # (dfrotz refuses a save whose dummy frame says "discard result").
        frames = [StackFrame(0, list(contexts[0][2]), list(contexts[0][3]), 0, 0)]
        for i in range(1, len(contexts)):
            return_pc, store = contexts[i - 1][:2]      # (kept with the caller's context)
            if store == -2:
                raise ZMachineError("cannot save inside an interrupt routine")
            _, _, loc, stk, argc = contexts[i]
            frames.append(StackFrame(return_pc, list(loc), list(stk),
                                     None if store < 0 else store, argc))
        return SavedState(header.release, header.serial, header.checksum, self.pc, self.memory,
                          frames, extra)
