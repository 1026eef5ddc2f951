"""The one place where the library reaches into the machine.

Everything in ``zvm.research`` reads and writes the running story through
``Access``: memory and the header (§1, §11), globals (§6.2), objects (§12),
the dictionary (§13), the upper window (§8.6-8.7) and the machine's whole
state as plain Python values (``capture``/``restore``), which is what
``valid_actions``, ``copy`` and the worker pools use between commands. When
the machine changes shape, only this module has to follow.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from zvm.errors import ZMachineError
from zvm.story.header import OFFSET
from zvm.story.state import ZVM_BUFFERS, ZVM_RNG, ZVM_TURN
from zvm.vm.machine import Machine
from zvm.vm.ops.output import object_name

if TYPE_CHECKING:
    from zvm.screen.model import Screen
    from zvm.screen.v6 import V6Screen

GLOBALS = 240                                   # §6.2: variables 16-255


@dataclass
class MachineState:
    """The machine between two commands, as Python values: dynamic memory,
    the call stack, the PC, the random generator, the buffers of the latest
    read, the story's own undo states and the screen model."""
    memory: bytes
    frames: list
    locals: list
    stack: list
    argc: int
    pc: int
    rng: bytes
    buffers: tuple[int, int]
    undo: list
    screen: tuple[Any, ...] | dict[str, Any]    # version 6: V6Screen.snapshot()
    status: tuple[str, str] | None


class Access:
    """Read and write one machine (see the module's docstring)."""

    def __init__(self, machine: Machine) -> None:
        self.m = m = machine
        self.mem = m.mem
        self.version = m.version
        self.dyn_end = m.dyn_end
        self.globals_addr = m.globals_addr
        self.static_base = m.header.static_base
        self.objects = m.objects
        self._count: int | None = None
        self._scratch: str | None = None

    # -- the header (§11) ------------------------------------------------------
    def header_word(self, addr: int) -> int:
        return (self.mem[addr] << 8) | self.mem[addr + 1]

    @property
    def serial(self) -> str:
        at = OFFSET["serial"]
        return bytes(self.mem[at:at + 6]).decode("latin-1")

    @property
    def inform_version(self) -> str:
        """The Inform compiler's version, which Inform 6 writes in header
        bytes $3C-$3F ("6.41"); "" for other compilers."""
        at = OFFSET["compiler"]
        raw = bytes(self.mem[at:at + 4])
        text = raw.decode("latin-1")
        if len(text) == 4 and text[0].isdigit() and text[1] == "." and text[2:].isdigit():
            return text
        return ""

    @property
    def time_game(self) -> bool:
        """§8.2.3.2: a version 1-3 story whose status line shows the time."""
        return self.version <= 3 and bool(self.mem[1] & 0x02)

    @property
    def instructions(self) -> int:
        """Z-machine instructions run so far (a deterministic measure of work)."""
        return self.m.instructions

    # -- globals (§6.2) ----------------------------------------------------------
    def global_value(self, n: int, signed: bool = False) -> int:
        a = self.globals_addr + 2 * n
        v = (self.mem[a] << 8) | self.mem[a + 1]
        return v - 0x10000 if signed and v & 0x8000 else v

    def global_values(self) -> list[int]:
        raw = self.mem[self.globals_addr:self.globals_addr + 2 * GLOBALS]
        return [(raw[i] << 8) | raw[i + 1] for i in range(0, 2 * GLOBALS, 2)]

    # -- objects (§12) -------------------------------------------------------------
    def object_count(self) -> int:
        if self._count is None:
            self._count = self.objects.count()
        return self._count

    def valid_object(self, n: int) -> bool:
        return 0 < n <= self.object_count()

    def links(self, n: int) -> tuple[int, int, int]:
        return self.objects.links(n)

    def parent(self, n: int) -> int:
        return self.objects.links(n)[0]

    def children(self, n: int) -> list[int]:
        """n's children, as far as the links name objects that exist (a
        damaged table may link past them, and past memory)."""
        out: list[int] = []
        child = self.objects.links(n)[2]
        while self.valid_object(child) and len(out) <= self.object_count():
            out.append(child)
            child = self.objects.links(child)[1]
        return out

    def descendants(self, n: int) -> list[int]:
        out: list[int] = []
        todo = self.children(n)
        while todo and len(out) <= self.object_count():
            obj = todo.pop()
            out.append(obj)
            todo.extend(self.children(obj))
        return out

    def ancestors(self, n: int) -> list[int]:
        out: list[int] = []
        parent = self.parent(n)
        while self.valid_object(parent) and parent not in out \
                and len(out) <= self.object_count():
            out.append(parent)
            parent = self.parent(parent)
        return out

    def move(self, n: int, dest: int) -> None:
        """Put object n into dest, as @insert_obj does (§15)."""
        self.objects.insert(n, dest)

    def attributes(self, n: int) -> list[int]:
        return self.objects.attributes(n)

    def properties(self, n: int) -> list[tuple[int, bytes]]:
        return self.objects.properties(n)

    def property_spans(self, n: int) -> list[tuple[int, int, int]]:
        return self.objects.property_spans(n)

    def entry(self, n: int) -> tuple[int, int, int]:
        """(address, size, attribute bytes) of object n's entry (§12.3)."""
        t = self.objects
        return t.addr(n), t.entry_size, t.attr_bytes

    def name_address(self, n: int) -> int:
        return self.objects.prop_table(n)

    def object_name(self, n: int) -> str:
        """The short name (§12.4); "" for no object, and for a name the
        story's tables place outside memory (a damaged story)."""
        if not self.valid_object(n):
            return ""
        try:
            return object_name(self.m, n)
        except (IndexError, ZMachineError):
            return ""

    # -- the dictionary (§13) -------------------------------------------------------
    def dictionary_entries(self) -> list[tuple[int, str, bytes]]:
        """(address, word, data bytes after the encoded text) of every entry
        of the main dictionary, in the story's order. A word is its entry's
        4 or 6 bytes of text (§13.2), whatever their end bit says; in a
        damaged story, entries past the end of memory are left out and a
        word that cannot be decoded is ""."""
        m, mem = self.m, self.mem
        try:
            _, entry_len, entries = m.dictionaries.layout(m.header.dictionary)
        except (IndexError, ZMachineError):
            return []
        key = m.dictionaries.key_length
        out = []
        for addr in entries:
            if addr + entry_len > len(mem):
                break
            try:
                word = m.codec.decode_zchars(m.codec.zchars(addr, key // 2)[0])
            except (IndexError, ZMachineError):
                word = ""
            out.append((addr, word, bytes(mem[addr + key:addr + entry_len])))
        return out

    def word_length(self) -> int:
        """How many z-characters of a word the dictionary keeps (§13.3-4)."""
        return 6 if self.version <= 3 else 9

    # -- the screen (§8) ----------------------------------------------------------------
    def upper_rows(self) -> list[str]:
        return self.m.screen.upper_rows

    def resize(self, width: int, height: int) -> None:
        """The screen model and the header follow a new size (§8.4.1)."""
        self.m.screen.resize(width, height)
        self.m.set_header()

    def set_header(self) -> None:
        """The interpreter's header fields (§11.1) as the frontend says."""
        self.m.set_header()

    @contextmanager
    def quarantine(self) -> Iterator[None]:
        """Files a tried command writes (saves, transcripts, auxiliary files,
        §7.6) go to a scratch folder that is emptied afterwards, and a
        transcript it starts is closed."""
        m = self.m
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="zvm-try-")
            weakref.finalize(self, shutil.rmtree, self._scratch, True)
        streams = m.streams
        keep, paths, on = m.save_dir, (streams.transcript_path, streams.record_path), \
            (streams.transcript_on, streams.record_on)
        m.save_dir = self._scratch
        streams.transcript_path = os.path.join(self._scratch, "transcript.txt")
        streams.record_path = os.path.join(self._scratch, "commands.rec")
        try:
            yield
        finally:
            m.save_dir = keep
            streams.close_transcript()
            streams.transcript_path, streams.record_path = paths
            streams.transcript_on, streams.record_on = on

    # -- the whole state -------------------------------------------------------------
    def capture(self) -> MachineState:
        m = self.m
        s = m.screen
        screen: tuple[Any, ...] | dict[str, Any]
        if m.version == 6:
            if TYPE_CHECKING:
                assert isinstance(s, V6Screen)
            screen = s.snapshot()               # version 6's windows (zvm.screen.v6)
        else:
            if TYPE_CHECKING:
                assert isinstance(s, Screen)
            screen = (s.window, s.upper_height, [list(row) for row in s.cells],
                      list(s.cursor), s.style, s.buffering)
        return MachineState(
            bytes(m.mem[:m.dyn_end]),
            [(f[0], f[1], list(f[2]), list(f[3]), f[4]) for f in m.frames],
            list(m.locals), list(m.stack), m.argc, m.pc, m.rng.state(),
            (m.input_buffer, m.parse_buffer), list(m.undo_states), screen,
            getattr(m.frontend, "status", None))

    def restore(self, st: MachineState, screen: bool = True) -> None:
        """Put the machine back into st; ``screen=False`` leaves the screen
        model as it is (for tries whose screen nobody sees)."""
        m = self.m
        m.mem[:m.dyn_end] = st.memory
        m.frames = [(a, b, list(c), list(d), e) for a, b, c, d, e in st.frames]
        m.locals, m.stack, m.argc, m.pc = list(st.locals), list(st.stack), st.argc, st.pc
        m.rng.set_state(st.rng)
        m.input_buffer, m.parse_buffer = st.buffers
        m.undo_states = list(st.undo)
        if screen and m.version == 6:
            if TYPE_CHECKING:
                assert isinstance(m.screen, V6Screen) and isinstance(st.screen, dict)
            m.screen.restore_snapshot(st.screen)
        elif screen:
            s = m.screen
            if TYPE_CHECKING:
                assert isinstance(s, Screen) and isinstance(st.screen, tuple)
            s.window, s.upper_height, cells, cursor, s.style, s.buffering = st.screen
            s.cells = [list(row) for row in cells]
            s.cursor = list(cursor)
            m.frontend.set_buffering(s.buffering)
            if hasattr(m.frontend, "status"):
                m.frontend.status = st.status

    # -- Quetzal (the bytes of a snapshot) ------------------------------------------------
    def encode(self, st: MachineState, extra: dict[bytes, bytes]) -> bytes:
        """st as a Quetzal file (§ Quetzal 1.4) with zvm's own chunks."""
        m = self.m
        live = self.capture()
        self.restore(st, screen=False)
        try:
            saved = m.state(m.pc, keep_rng=False)
        finally:
            self.restore(live, screen=False)
        saved.extra[ZVM_TURN] = b"\x01"
        saved.extra[ZVM_RNG] = st.rng
        saved.extra[ZVM_BUFFERS] = b"".join(b.to_bytes(2, "big") for b in st.buffers)
        saved.extra.update(extra)
        from zvm.story import quetzal
        return quetzal.encode(saved, m.original_dynamic)

    def decode(self, data: bytes) -> tuple[MachineState, dict[bytes, bytes]]:
        """A Quetzal file made by ``encode`` (or any save of this story) as a
        state and its extra chunks; raises ``ValueError`` when unusable."""
        m = self.m
        from zvm.story import quetzal
        saved = quetzal.decode(data, m.original_dynamic, story_size=len(m.mem), code=m.mem)
        h = m.header
        if (saved.release, saved.serial, saved.checksum) != (h.release, h.serial, h.checksum):
            raise ValueError("the snapshot belongs to another story")
        live = self.capture()
        try:
            m.load_state(saved)
            m.pc = saved.pc
            m.rng.set_state(saved.extra.get(ZVM_RNG, b""))
            buffers = saved.extra.get(ZVM_BUFFERS, bytes(4))
            m.input_buffer = int.from_bytes(buffers[:2], "big")
            m.parse_buffer = int.from_bytes(buffers[2:4], "big")
            m.undo_states = []
            st = self.capture()
        finally:
            self.restore(live, screen=False)
        return st, saved.extra
