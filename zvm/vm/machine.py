"""The Z-machine: state, the run loop, calls and returns (§5, §6).

State: memory (a bytearray), the current routine's locals and evaluation
stack (Python lists), the frames of its callers, and the PC. The run loop
fetches the closure compiled for the PC (``zvm.compile.closures``), calls it and
takes the next PC it returns; closures for code outside dynamic memory are
compiled once and kept in ``cache``, indexed by address.

Restart and the end of the game are exceptions caught by the run loop
(§6.1.3); a ``ZMachineError`` leaves it with the PC of the instruction that
failed. Opcodes that are not inline templates are the ``op_*`` methods of
``Opcodes`` (``zvm.vm.ops``), mixed in here.
"""

from __future__ import annotations

from zvm.vm.decoder import decode
from zvm.vm.dictionary import Dictionaries
from zvm.errors import Quit, Restart, ZMachineError
from zvm.screen.protocol import Frontend, InputEnded
from zvm.story.loader import Story
from zvm.vm.objects import ObjectTable
from zvm.vm.optable import table as opcode_table
from zvm.vm.meta import MetaCommands, Resume
from zvm.vm.ops import Opcodes
from zvm.story.quetzal import SavedState, StackFrame
from zvm.vm.rng import FrotzRandom
from zvm.screen.model import Screen
from zvm.vm.text import TextCodec
from zvm.compile.closures import Compiler

INTERP_NUMBER = 6          # §11.1.3: IBM PC, the usual choice for modern interpreters
INTERP_VERSION = ord("Z")
RNG_CHUNK = b"ZVMr"         # zvm's Quetzal chunk for a seeded generator's state
MAX_FRAMES = 16384         # at 4+ words a frame, a stack of well over 64K words (§6.3)


class _InterruptDone(Exception):
    """An interrupt routine returned (see ``Machine.call_interrupt``)."""


class Machine(Opcodes, MetaCommands):
    def __init__(self, story: Story, frontend: Frontend, seed: int | None = None,
                 warnings: str = "off", save_dir: str = ".", overwrite: bool = False,
                 meta: bool = True):
        self.story = story
        self.header = h = story.header
        self.version = v = h.version
        self.frontend = frontend
        self.warnings = warnings            # "off", "once", "always", "fatal"
        self.save_dir = save_dir            # every file the game writes goes here
        self.overwrite = overwrite          # replace existing files without asking
        self._warned: set[str] = set()
        self.mem = bytearray(story.data)
        self.dyn_end = h.static_base
        self.globals_addr = h.globals
        self.original_dynamic = bytes(story.data[:h.static_base])
        self.rng = FrotzRandom(seed)
        self.ops = opcode_table(v)
        self.screen = Screen(v, frontend)
        frontend.attach(self.screen)
        ext = self._ext_word_addr(3)
        unicode_table = ((self.mem[ext] << 8) | self.mem[ext + 1]) if ext else 0
        self.codec = TextCodec(self.mem, v, h.abbreviations,
                               h.alphabet_table if v >= 5 else 0, unicode_table, h.static_base)
        frontend.char_to_zscii = self.codec.unicode_to_zscii
        frontend.on_resize = self.resize
        self.objects = ObjectTable(self.mem, v, h.objects, self.warn)
        self.dictionaries = Dictionaries(self.mem, v, self.codec, h.static_base, h.dictionary)
        self.compiler = Compiler(self)
        self._routines: dict[int, tuple[int, tuple]] = {}
        # The cache has one more slot than memory: the return address of
        # interrupt routines, whose closure ends a nested run.
        self.cache: list = [None] * len(self.mem) + [self._interrupt_return]
        self.interrupt_pc = len(self.mem)
        self.instructions = 0
        self.undo_states: list[bytes] = []
        self.undo_limit = 100
        self.init_meta(meta)
        self.input_buffer = self.parse_buffer = 0    # the latest read's buffers
        self.transcript_path: str | None = None
        self.record_path: str | None = None
        self.reset()

    # -- start and restart (§6.1.3, §11.1) -----------------------------------
    def reset(self) -> None:
        keep = 0
        restart = hasattr(self, "frames")
        if restart:
            keep = ((self.mem[0x10] << 8) | self.mem[0x11]) & 0x0003   # transcript, fixed pitch
        self.mem[:self.dyn_end] = self.original_dynamic
        self.mem[0x11] |= keep
        self.locals: list[int] = []
        self.stack: list[int] = []
        self.argc = 0
        self.frames: list[tuple] = []
        self.mem_streams: list[list] = []     # [table address, count] per stream 3
        self.screen_stream = True
        self.transcript_on = bool(keep & 1)
        self._transcript = None
        self.record_on = False
        self.screen.reset(restart)
        self.rng.reset()
        self.set_header()
        self.pc = self.header.initial_pc

    def set_header(self) -> None:
        """Fields the interpreter sets at start, restart and restore (§11.1)."""
        mem, v, f = self.mem, self.version, self.frontend.features
        if v <= 3:
            flags = mem[1] & ~0x70
            if not f.status_line:
                flags |= 0x10
            if f.split:
                flags |= 0x20
            mem[1] = flags
        else:
            flags = mem[1] & 0x02            # keep only the status-line-type convention bit
            if f.colour and v >= 5:
                flags |= 0x01
            if f.bold:
                flags |= 0x04
            if f.italic:
                flags |= 0x08
            if f.fixed:
                flags |= 0x10
            if f.timed_input:
                flags |= 0x80
            mem[1] = flags
            mem[0x1E] = INTERP_NUMBER
            mem[0x1F] = INTERP_VERSION
            mem[0x20] = min(f.height, 255) if f.height else 255
            mem[0x21] = min(f.width, 255) if f.width else 255
        if v >= 5:
            width = f.width or 255
            height = f.height or 255
            mem[0x22], mem[0x23] = width >> 8, width & 255
            mem[0x24], mem[0x25] = height >> 8, height & 255
            mem[0x26] = mem[0x27] = 1
            mem[0x2C] = f.default_bg
            mem[0x2D] = f.default_fg
        flags2 = (mem[0x10] << 8) | mem[0x11]
        if not f.pictures:
            flags2 &= ~0x0008
        flags2 &= ~0x0020                    # no mouse
        if not f.colour:
            flags2 &= ~0x0040
        if not f.sound:
            flags2 &= ~0x0080
        flags2 &= ~0x0100                    # no menus
        if self.transcript_on:
            flags2 |= 1
        mem[0x10], mem[0x11] = flags2 >> 8, flags2 & 255
        mem[0x32], mem[0x33] = 1, 1          # Standard 1.1 (§11.1.5)
        ext = self._ext_word_addr(4)
        if ext:                              # Flags 3: no transparency (§11.1.7.4)
            mem[ext] = mem[ext + 1] = 0
        for word, value in ((5, 0x7FFF if f.default_fg == 9 else 0),
                            (6, 0x0000 if f.default_bg == 2 else 0x7FFF)):
            a = self._ext_word_addr(word)
            if a:
                mem[a], mem[a + 1] = value >> 8, value & 255

    def resize(self, width: int, height: int) -> None:
        """The display changed size: the screen model and the header's
        screen fields follow (§8.4); the game may redraw when it next looks."""
        self.screen.resize(width, height)
        self.set_header()

    def _ext_word_addr(self, word: int) -> int:
        """Address of header extension word n, or 0 if absent (§11.1.7)."""
        if self.version < 5:
            return 0
        mem = self.mem
        table = (mem[0x36] << 8) | mem[0x37]
        if not table or table + 1 >= len(mem):
            return 0
        if ((mem[table] << 8) | mem[table + 1]) < word:
            return 0
        return table + 2 * word

    # -- the run loop ------------------------------------------------------
    def run(self) -> None:
        """Run until the story quits or input ends. Raises ZMachineError."""
        try:
            self.run_until_input()
        except (Quit, InputEnded):
            pass

    def run_until_input(self) -> None:
        """Run from the PC, restarting and resuming as the story asks; every
        other exception reaches the caller (quit, the end of input, the
        library's stop at input)."""
        while True:
            try:
                self._loop(self.pc)
                return
            except Restart:
                self.reset()
            except Resume as r:
                self.pc = r.pc

    def get_global(self, n: int, signed: bool = False) -> int:
        """Global variable n (0-239; variable 16 + n, §6.2)."""
        a = self.globals_addr + 2 * n
        v = (self.mem[a] << 8) | self.mem[a + 1]
        return v - 0x10000 if signed and v & 0x8000 else v

    def _loop(self, pc: int):
        cache = self.cache
        compile_at = self.compile_at
        n = 0
        try:
            while True:
                f = cache[pc]
                if f is None:
                    f = compile_at(pc)
                pc = f()
                n += 1
        except _InterruptDone:
            return self.interrupt_value
        except ZMachineError as e:
            if e.pc is None:
                e.pc = pc
            raise
        except IndexError as e:
            raise ZMachineError(self._diagnose(pc, e), pc) from None
        except RecursionError:
            raise ZMachineError("interrupt routines nested too deeply", pc) from None
        finally:
            self.pc = pc
            self.instructions += n

    def compile_at(self, pc: int):
        if pc >= len(self.mem) or pc < 0:
            raise ZMachineError(f"PC outside memory (${pc:x})", pc)
        ins = decode(self.mem, pc, self.ops, self.version, self.codec.decode)
        f = self.compiler.compile(ins)
        if pc >= self.dyn_end:
            self.cache[pc] = f
        return f

    def _diagnose(self, pc: int, e: IndexError) -> str:
        text = str(e)
        if "pop from empty list" in text:
            return "stack underflow"
        try:
            ins = decode(self.mem, pc, self.ops, self.version, self.codec.decode)
        except ZMachineError as inner:
            return inner.message
        except IndexError:
            return "instruction runs past the end of memory"
        vars_used = [v for t, v in ins.operands if t == 2]
        if ins.store is not None:
            vars_used.append(ins.store)
        if ins.name in ("inc", "dec", "inc_chk", "dec_chk", "load", "store", "pull") \
                and ins.operands and ins.operands[0][0] != 2:
            vars_used.append(ins.operands[0][1])
        for var in vars_used:
            if 0 < var < 16 and var > len(self.locals):
                return f"local variable {var} does not exist in this routine"
        if 0 in vars_used and not self.stack:
            return "stack underflow"
        return "memory access out of range"

    # -- variables (§6.2, §6.3) -------------------------------------------
    def get_var(self, var: int) -> int:
        if var == 0:
            return self.stack.pop()
        if var < 16:
            return self.locals[var - 1]
        a = self.globals_addr + 2 * (var - 16)
        return (self.mem[a] << 8) | self.mem[a + 1]

    def set_var(self, var: int, value: int) -> None:
        if var == 0:
            self.stack.append(value)
        elif var < 16:
            self.locals[var - 1] = value
        else:
            a = self.globals_addr + 2 * (var - 16)
            self.mem[a] = value >> 8
            self.mem[a + 1] = value & 255

    def read_ind(self, var: int) -> int:
        """Indirect variable read (§6.3.4): the stack's top is not popped."""
        var &= 255
        if var == 0:
            return self.stack[-1]
        return self.get_var(var)

    def write_ind(self, var: int, value: int) -> None:
        """Indirect variable write (§6.3.4): the stack's top is replaced."""
        var &= 255
        if var == 0:
            self.stack[-1] = value
        else:
            self.set_var(var, value)

    # -- calls and returns (§6.4, §6.5) -------------------------------------
    def call(self, packed: int, args: tuple, store: int, return_pc: int) -> int:
        """§6.4: start a routine; returns the address of its first instruction."""
        routine = self._routines.get(packed)
        if routine is None:
            if packed == 0:                      # §6.4.3: calling 0 returns false
                if store >= 0:
                    self.set_var(store, 0)
                return return_pc
            routine = self._routine(packed)
        start, initial = routine
        if len(self.frames) >= MAX_FRAMES:
            raise ZMachineError("call stack overflow")
        new_locals = list(initial)
        if args:
            k = len(initial)
            if len(args) < k:
                k = len(args)
            new_locals[:k] = args[:k]
        self.frames.append((return_pc, store, self.locals, self.stack, self.argc))
        self.locals = new_locals
        self.stack = []
        self.argc = len(args)
        return start

    def _routine(self, packed: int) -> tuple[int, tuple]:
        """A routine's first instruction and initial locals (§5.2); kept when
        the routine lies outside dynamic memory, where it cannot change."""
        addr = self.header.routine_address(packed)
        mem = self.mem
        if addr >= len(mem):
            raise ZMachineError(f"call to ${addr:x}, outside memory")
        n = mem[addr]
        if n > 15:
            raise ZMachineError(f"call to ${addr:x}, which is not a routine ({n} locals)")
        if self.version <= 4:
            a = addr + 1
            initial = tuple((mem[a + 2 * i] << 8) | mem[a + 2 * i + 1] for i in range(n))
            start = addr + 1 + 2 * n
        else:
            initial = (0,) * n
            start = addr + 1
        if addr >= self.dyn_end:
            self._routines[packed] = (start, initial)
        return start, initial

    def ret(self, value: int) -> int:
        try:
            return_pc, store, self.locals, self.stack, self.argc = self.frames.pop()
        except IndexError:
            raise ZMachineError("return from the main routine") from None
        if store >= 0:
            self.set_var(store, value)
        elif store == -2:
            self.interrupt_value = value
        return return_pc

    def throw(self, value: int, frame: int) -> int:
        """§15 throw: return from the routine that ran catch -> frame."""
        if frame > len(self.frames) or frame < 1:
            raise ZMachineError(f"throw to a frame that does not exist ({frame})")
        del self.frames[frame:]
        return self.ret(value)

    def call_interrupt(self, packed: int) -> int:
        """Run an interrupt routine (timed input, §10.2) to its return."""
        pc = self.call(packed, (), -2, self.interrupt_pc)
        saved_pc = self.pc
        try:
            return self._loop(pc)
        finally:
            self.pc = saved_pc

    def _interrupt_return(self):
        raise _InterruptDone

    def jump_to(self, target: int) -> int:
        if not 0 <= target < len(self.mem):
            return self.bad_jump(target)
        return target

    def bad_jump(self, target: int) -> int:
        raise ZMachineError(f"jump to ${target & 0xFFFFFF:x}, outside memory")

    def fatal(self, message: str):
        raise ZMachineError(message)

    def warn(self, what: str) -> None:
        """A survivable error (Appendix A), reported as the user asked."""
        mode = self.warnings
        if mode == "off":
            return
        if mode == "fatal":
            raise ZMachineError(what)
        if mode == "once":
            if what in self._warned:
                return
            self._warned.add(what)
        self.frontend.message(f"zvm: warning: {what} (PC = ${self.pc:04x})")

    # -- memory writes outside the fast path ----------------------------------
    def write_special(self, addr: int, value: int, width: int) -> None:
        """storeb/storew to the header or beyond dynamic memory (§1.1, §11.1)."""
        if addr + width > self.dyn_end:
            raise ZMachineError(f"write to ${addr:x}, outside dynamic memory")
        mem = self.mem
        if width == 2:
            mem[addr] = (value >> 8) & 255
            mem[addr + 1] = value & 255
        else:
            mem[addr] = value & 255
        if addr <= 0x11 < addr + width:           # Flags 2 (§11.1.2.1)
            self.transcript_on = bool(mem[0x11] & 1)

    def verify(self) -> bool:
        return self.story.checksum() == self.header.checksum

    # -- saved states (Quetzal) -----------------------------------------------
    def state(self, pc: int, keep_rng: bool = True) -> SavedState:
        """The machine as a SavedState that resumes at pc; keep_rng adds a
        seeded generator's state (disk saves, not undo: Frotz's undo does not
        rewind the generator, and seeded runs must play as dfrotz's do)."""
        contexts = [(f[2], f[3], f[4]) for f in self.frames] + [(self.locals, self.stack, self.argc)]
        # Quetzal: the dummy frame below the main routine has every field 0
        # (dfrotz refuses a save whose dummy frame says "discard result").
        frames = [StackFrame(0, list(contexts[0][0]), list(contexts[0][1]), 0, 0)]
        for i, (return_pc, store, *_rest) in enumerate(self.frames):
            loc, stk, argc = contexts[i + 1]
            if store == -2:
                raise ZMachineError("cannot save inside an interrupt routine")
            frames.append(StackFrame(return_pc, list(loc), list(stk),
                                     None if store < 0 else store, argc))
        h = self.header
        # A seeded game is meant to be reproducible, restores included: its
        # generator travels in a chunk of zvm's own, which others skip.
        extra = {RNG_CHUNK: self.rng.state()} if keep_rng and self.rng.seeded else {}
        return SavedState(release=h.release, serial=h.serial, checksum=h.checksum,
                          pc=pc, memory=bytes(self.mem[:self.dyn_end]), frames=frames,
                          extra=extra)

    def load_state(self, s: SavedState) -> None:
        """Put the machine into state s (the caller checked it is ours)."""
        if len(s.memory) != self.dyn_end:
            raise ZMachineError("saved memory does not match the story")
        transcript = self.mem[0x11] & 3
        self.mem[:self.dyn_end] = s.memory
        self.mem[0x11] = (self.mem[0x11] & ~3) | transcript
        first = s.frames[0] if s.frames else StackFrame(0, [], [], None, 0)
        self.frames = []
        loc, stk, argc = list(first.locals), list(first.stack), first.argc
        for f in s.frames[1:]:
            self.frames.append((f.return_pc, -1 if f.store is None else f.store, loc, stk, argc))
            loc, stk, argc = list(f.locals), list(f.stack), f.argc
        self.locals, self.stack, self.argc = loc, stk, argc
        if self.rng.seeded and RNG_CHUNK in s.extra:
            self.rng.set_state(s.extra[RNG_CHUNK])
        self.set_header()
