"""A compiled unit (``zvm.compile.units``): its code object, and the map
from its source lines back to the instructions they run, so that a fault
inside it names the failing instruction's address and the instructions
counted before it (§4, the PC of an instruction).
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, Callable


class Unit:
    """A compiled unit: its entry, Python source, code object, the
    (source line, instruction address) pairs of its instructions, and the
    addresses of the method opcodes whose Instruction it needs at run
    time (``INS``). A unit from the disk cache may hold its source and
    lines packed (``detail``: ``zvm.compile.code``), unpacked when first
    asked for: only a fault or a traceback needs them."""

    def __init__(self, entry: int, source: str | None, code: Any,
                 lines: list[tuple[int, int, int, bool]] | None,
                 instructions: list[int], callees: frozenset[int] = frozenset(),
                 exits: frozenset[int] = frozenset(),
                 detail: Callable[[], tuple[str, list[tuple[int, int, int, bool]]]] | None = None
                 ) -> None:
        self.entry = entry
        self.callees = callees
        self.exits = exits
        self._source = source
        self.code = code
        self._lines = lines
        self.instructions = instructions
        self._detail = detail

    def _unpack_detail(self) -> None:
        if self._source is None or self._lines is None:
            assert self._detail is not None
            self._source, self._lines = self._detail()
            self._detail = None

    @property
    def source(self) -> str:
        self._unpack_detail()
        assert self._source is not None
        return self._source

    @property
    def lines(self) -> list[tuple[int, int, int, bool]]:
        self._unpack_detail()
        assert self._lines is not None
        return self._lines

    @property
    def filename(self) -> str:
        return unit_filename(self.entry)

    def fault(self, lineno: int, n: int) -> tuple[int, int]:
        """For an error raised at source line lineno, with n in the unit's
        count variable: the address of the instruction that failed, and
        how many instructions ran in the unit before it."""
        pc, k, counted = self.entry, 1, False
        for line, address, at, in_n in self.lines:
            if line > lineno:
                break
            pc, k, counted = address, at, in_n
        return pc, (n if counted else 0) + k - 1


def unit_filename(entry: int) -> str:
    return f"<zvm unit ${entry:05x}>"
