"""The Z-machine: its state, the run loop, calls and returns (§5, §6).

Everything the machine is lives in ``Machine.__init__``: memory (a
bytearray), the parts that read and write it (text, objects,
dictionaries, output streams, the screen model), and the execution state:
the current routine's locals and evaluation stack (Python lists), the
frames of its callers, the PC. Opcode implementations (``zvm.vm.ops``) are
functions that receive the machine and use these attributes.

The run loop fetches the code compiled for the PC (``zvm.compile``), calls
it with the machine and takes the next PC it returns. Code outside dynamic
memory is compiled once per story and shared by every machine that runs
it (``zvm.compile.code.StoryCode``); code in dynamic memory is the
machine's own, checked against the bytes it came from before each run
(a story may rewrite it). Restart and the end of the game are exceptions
caught by the run loop (§6.1.3); a ``ZMachineError`` leaves it with the PC
of the instruction that failed.
"""

from __future__ import annotations

import os
from functools import partial

from zvm.compile import shapes
from zvm.compile.code import StoryCode
from zvm.compile.shapes import Layout
from zvm.errors import Quit, Restart, ZMachineError, diagnose
from zvm.records import TYPE_CHECKING
from zvm.screen.font3 import story_codes
from zvm.screen.model import Screen
from zvm.screen.protocol import Frontend, InputEnded
from zvm.story.header import EXT_FLAGS3, EXT_TRUE_BG, EXT_TRUE_FG, EXT_UNICODE_TABLE, OFFSET
from zvm.story.loader import Story
from zvm.story.state import (HELD_LOOK, MAX_FRAMES, MAX_HELD, MAX_STACK, ZVM_RNG, Moment,
                              SavedState, StackFrame)
from zvm.vm.decoder import Instruction, decode
from zvm.vm.dictionary import Dictionaries
from zvm.vm.meta import MetaCommands, Resume
from zvm.vm.objects import ObjectTable
from zvm.vm.optable import OpSpec
from zvm.vm.optable import table as opcode_table
from zvm.vm.rng import FrotzRandom
from zvm.vm.streams import OutputStreams
from zvm.vm.text import TextCodec

if TYPE_CHECKING:
    from zvm.compile.shapes import Code
    from zvm.screen.v6 import V6Screen

INTERP_NUMBER = 6          # §11.1.3: IBM PC, the usual choice for modern interpreters
INTERP_VERSION = ord("Z")

FLAGS1 = OFFSET["flags1"]
FLAGS2_LOW = OFFSET["flags2"] + 1
EVER = range(1 << 62)   # the run loop counts by it: one step a pass, where n += 1 takes four

# A frame of a calling routine: (return PC, store variable or -1 to discard
# the result or -2 for an interrupt routine, locals, evaluation stack,
# argument count).
Frame = tuple[int, int, list[int], list[int], int]


class _InterruptDone(Exception):
    """An interrupt routine returned (see ``Machine.call_interrupt``)."""


def _interrupt_return(m: Machine, _: None = None) -> int:
    """The code at the return address of interrupt routines: it ends the nested
    run that ``call_interrupt`` started (``_``: see ``zvm.compile.code``)."""
    raise _InterruptDone


class Machine:
    """One running story."""

    def __init__(self, story: Story, frontend: Frontend, seed: int | None = None,
                 warnings: str = "off", save_dir: str = ".", overwrite: bool = False,
                 meta: bool = True,
                 interpreter: tuple[int, int] = (INTERP_NUMBER, INTERP_VERSION)) -> None:
        # -- the story and the user's options
        self.story = story
        self.header = h = story.header
        self.version: int = h.version
        self.frontend = frontend
        self.warnings = warnings            # "off", "once", "always", "fatal"
        self._warned: set[str] = set()
        self.save_dir = save_dir            # every file the game writes goes here
        self.overwrite = overwrite          # replace existing files without asking
        self.stem = os.path.splitext(os.path.basename(story.path))[0]
        self.interpreter = interpreter      # §11.1.3: number, version (a letter's code)
        # -- memory (§1)
        self.mem = bytearray(story.data)
        self.dyn_end: int = h.static_base
        self.globals_addr: int = h.globals
        self.original_dynamic = bytes(story.data[:h.static_base])
        # -- the parts that give memory its meaning
        v = self.version
        self.rng = FrotzRandom(seed)
        self.optable: dict[tuple[str, int], OpSpec] = opcode_table(v)
        frontend.start(v)
        if v == 6:                  # §8.8: a screen model of its own, pictures and all
            from zvm.screen.v6 import V6Screen
            self.screen: Screen | V6Screen = V6Screen(frontend, story, interpreter[0])
            self.screen.call_routine = self.call_interrupt     # newline interrupts
        else:
            self.screen = Screen(v, frontend)
        ext = self.ext_word_addr(EXT_UNICODE_TABLE)
        self.unicode_table = ((self.mem[ext] << 8) | self.mem[ext + 1]) if ext else 0
        self.codec = TextCodec(self.mem, v, h.abbreviations, h.alphabet_table if v >= 5 else 0,
                               self.unicode_table, h.static_base)
        # Beyond Zork told it runs on an IBM PC prints that machine's line
        # codes (§16, remarks): they show as line drawing.
        self._line_codes = story_codes(h.release, h.serial_text, interpreter[0])
        self.codec.unicode_out.update(self._line_codes)
        self.objects = ObjectTable(self.mem, v, h.objects, self.warn, h.static_base)
        self.dictionaries = Dictionaries(self.mem, v, self.codec, h.static_base, h.dictionary)
        self.streams = OutputStreams(self.mem, self.dyn_end, self.codec, self.screen, frontend,
                                     transcript_path=os.path.join(save_dir, self.stem + ".txt"),
                                     record_path="")
        self.meta = MetaCommands(self, enabled=meta)
        # -- execution (§5, §6)
        self.layout = Layout(self.globals_addr, self.dyn_end, len(self.mem), story.data, v,
                             h.routine_address, MAX_FRAMES, h.objects)
        # Text in compiled code depends on the line codes above: a story
        # that has them gets code of its own for each interpreter number.
        variant = f"i{interpreter[0]}" if self._line_codes else ""
        self.code = StoryCode.of(story.data, self.layout, self._decoder, variant)
        self.codec.share(self.code.strings)
        self._dynamic_code: dict[int, tuple[Code, int, bytes]] = {}
        self._routines = self.code.routines     # (static: the same for every machine)
        # The code cache has one more slot than memory: the return address
        # of interrupt routines, whose code ends a nested run.
        self.interrupt_pc = len(self.mem)
        self.code.cache[self.interrupt_pc] = _interrupt_return
        self.interrupt_value = 0
        self.interrupt_depths: list[int] = []    # frames below each running interrupt
        self.pc: int = h.initial_pc
        self.locals: list[int] = []
        self.stack: list[int] = []
        self.argc = 0
        self.frames: list[Frame] = []
        self.instructions = 0               # executed, for --stats
        self.undo_states: list[SavedState] = []     # @save_undo (§15)
        self.undo_limit = 100
        self.input_buffer = 0               # the latest read's text and parse buffers
        self.parse_buffer = 0
        self.reset(restart=False)

    # -- start and restart (§6.1.3, §11.1) -----------------------------------
    def reset(self, restart: bool = True) -> None:
        """The state at start, or at restart, which keeps the transcript
        and fixed-pitch bits of Flags 2 (§6.1.3)."""
        mem = self.mem
        keep = (mem[FLAGS2_LOW] & 0x03) if restart else 0
        mem[:self.dyn_end] = self.original_dynamic
        mem[FLAGS2_LOW] |= keep
        self.locals = []
        self.stack = []
        self.argc = 0
        self.frames = []
        self.streams.reset(transcript_on=bool(keep & 1))
        self.screen.reset(restart)
        self.rng.reset()
        self.set_header()
        if self.version == 6:
            # §5.4: the main routine is called. Its locals are the bottom
            # context, so that returning from it is the error it should be.
            self.pc = self.call(self.header.initial_pc, (), -1, 0)
            self.frames.clear()
        else:
            self.pc = self.header.initial_pc

    def set_header(self) -> None:
        """Fields the interpreter sets at start, restart, restore and after
        a resize (§11.1), from what the frontend can do."""
        mem, v, f = self.mem, self.version, self.frontend.features
        at = OFFSET
        if v <= 3:
            flags = mem[FLAGS1] & ~0x70
            if not f.status_line:
                flags |= 0x10
            if f.split:
                flags |= 0x20
            mem[FLAGS1] = flags
        else:
            flags = mem[FLAGS1] & 0x02            # keep only the status-line-type bit
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
            mem[FLAGS1] = flags
            mem[at["interpreter_number"]], mem[at["interpreter_version"]] = self.interpreter
            mem[at["screen_height"]] = min(f.height, 255) if f.height else 255
            mem[at["screen_width"]] = min(f.width, 255) if f.width else 255
        if v >= 5 and v != 6:
            self._set_word(at["screen_width_units"], f.width or 255)
            self._set_word(at["screen_height_units"], f.height or 255)
            mem[at["font_width"]] = mem[at["font_height"]] = 1
            mem[at["default_bg"]] = f.default_bg
            mem[at["default_fg"]] = f.default_fg
        flags2 = (mem[FLAGS2_LOW - 1] << 8) | mem[FLAGS2_LOW]
        pictures = f.pictures
        if v == 6:
            if TYPE_CHECKING:
                assert isinstance(self.screen, V6Screen)
            self.screen.write_header(mem)            # §11.1: the screen in units
            pictures = self.screen.shows_pictures
            if pictures and self.screen.infocom.wants_pictures:
                flags2 |= 0x0008
            if self.screen.redraw_wanted:
                flags2 |= 0x0004             # §8.8.2: please redraw the screen
                self.screen.redraw_wanted = False
        if not pictures:
            flags2 &= ~0x0008
        if not (v == 6 and f.mouse):
            flags2 &= ~0x0020                # no mouse (§10.3.1.1)
        if not f.colour:
            flags2 &= ~0x0040
        if not f.sound:
            flags2 &= ~0x0080
        flags2 &= ~0x0100                    # no menus
        if self.streams.transcript_on:
            flags2 |= 1
        self._set_word(FLAGS2_LOW - 1, flags2)
        self._set_word(at["standard_revision"], 0x0101)     # Standard 1.1 (§11.1.5)
        flags3 = self.ext_word_addr(EXT_FLAGS3)
        if flags3:                           # no transparency (§11.1.7.4)
            self._set_word(flags3, 0)
        for word, value in ((EXT_TRUE_FG, 0x7FFF if f.default_fg == 9 else 0),
                            (EXT_TRUE_BG, 0x0000 if f.default_bg == 2 else 0x7FFF)):
            a = self.ext_word_addr(word)
            if a:
                self._set_word(a, value)

    def _set_word(self, a: int, value: int) -> None:
        self.mem[a] = (value >> 8) & 255
        self.mem[a + 1] = value & 255

    def notice_resize(self) -> None:
        """After input: when the frontend's display changed size, the
        screen model and the header's screen fields follow (§8.4.1); the
        game may redraw when it next looks."""
        f = self.frontend.features
        if (f.width or 255, f.height or 255) != (self.screen.width, self.screen.height):
            self.screen.resize(f.width or 255, f.height or 255)
            self.set_header()

    def ext_word_addr(self, word: int) -> int:
        """Address of header extension word n, or 0 if absent (§11.1.7)."""
        if self.version < 5:
            return 0
        mem = self.mem
        at = OFFSET["extension"]
        table = (mem[at] << 8) | mem[at + 1]
        if not table or table + 1 >= len(mem):
            return 0
        if ((mem[table] << 8) | mem[table + 1]) < word or table + 2 * word + 1 >= len(mem):
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

    def _loop(self, pc: int) -> int:
        cache = self.code.cache
        code_at = self.code_at
        m = self
        n = 0
        try:
            for n in EVER:  # noqa: B007 (n: the functions that returned, read below)
                f = cache[pc]
                if f is None:
                    f = code_at(pc)
                pc = f(m)
            raise ZMachineError("the run loop ran out of steps", pc)
        except _InterruptDone:
            # The slot past memory is an interrupt routine's return only when
            # one is running and its frame is the one just gone; otherwise the
            # PC simply ran past the last byte.
            depths = self.interrupt_depths
            if depths and len(self.frames) == depths[-1]:
                return self.interrupt_value
            raise ZMachineError("PC ran off the end of memory", pc) from None
        except ZMachineError as e:
            pc, ran = self.code.fault(e.__traceback__, pc)
            n += ran
            if e.pc is None:
                e.pc = pc
            raise
        except IndexError as e:
            pc, ran = self.code.fault(e.__traceback__, pc)
            n += ran
            raise ZMachineError(diagnose(self, pc, e), pc) from None
        except RecursionError:
            raise ZMachineError("interrupt routines nested too deeply", pc) from None
        finally:
            self.pc = pc
            self.instructions += n

    def decode(self, pc: int) -> Instruction:
        """The instruction at pc (§4)."""
        return decode(self.mem, pc, self.optable, self.version, self.codec.decode)

    def _decoder(self) -> partial[Instruction]:
        """A decoder of the story's code for StoryCode, over a copy of the
        story of its own (code outside dynamic memory never changes)."""
        h, v = self.header, self.version
        copy = bytearray(self.story.data)
        codec = TextCodec(copy, v, h.abbreviations, h.alphabet_table if v >= 5 else 0,
                          self.unicode_table, h.static_base)
        codec.unicode_out.update(self._line_codes)
        return partial(decode, copy, ops=self.optable, version=v, text_decoder=codec.decode)

    def code_at(self, pc: int) -> Code:
        """The code at pc when none is cached: compiled for the story, or
        in dynamic memory, the machine's own, checked against its bytes."""
        if pc >= self.dyn_end:
            if pc >= len(self.mem):
                raise ZMachineError(f"PC outside memory (${pc:x})", pc)
            return self.code.compile_at(pc)
        if pc < 0:
            raise ZMachineError(f"PC outside memory (${pc:x})", pc)
        if len(self.stack) > MAX_STACK:            # (code here may loop, pushing)
            self.stack_overflow()
        known = self._dynamic_code.get(pc)
        mem = self.mem
        if known is not None and mem[pc:known[1]] == known[2]:
            return known[0]
        ins = self.decode(pc)
        f = shapes.build(ins, self.layout)
        self._dynamic_code[pc] = (f, ins.next, bytes(mem[pc:ins.next]))
        return f

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

    # -- results of opcode implementations (§4.6, §4.7) ----------------------
    def store_result(self, ins: Instruction, value: int) -> int:
        """Store value in the instruction's result variable; the next PC."""
        if TYPE_CHECKING:                    # an instruction that stores
            assert ins.store is not None
        self.set_var(ins.store, value & 0xFFFF)
        return ins.next

    def branch_on(self, ins: Instruction, cond: bool) -> int:
        """Branch when cond is the instruction's branch sense; the next PC."""
        if TYPE_CHECKING:                    # an instruction that branches
            assert ins.branch is not None
        on_true, off = ins.branch
        if bool(cond) == on_true:
            if off in (0, 1):
                return self.ret(off)
            return self.jump_to(ins.next + off - 2)
        return ins.next

    # -- calls and returns (§6.4, §6.5) -------------------------------------
    def call(self, packed: int, args: tuple[int, ...], store: int, return_pc: int) -> int:
        """§6.4: start a routine; returns the address of its first instruction."""
        routine = self._routines.get(packed)
        if routine is None:
            if packed == 0:                      # §6.4.3: calling 0 returns false
                if store >= 0:
                    self.set_var(store, 0)
                return return_pc
            routine = self._routine(packed)
        start, initial = routine
        frames = self.frames
        if len(frames) >= MAX_FRAMES:
            raise ZMachineError("call stack overflow")
        stack = self.stack
        if len(stack) > HELD_LOOK:
            self.check_held()
        frames.append((return_pc, store, self.locals, stack, self.argc))
        n = len(args)
        if n:                   # the arguments, then the other locals' values (§6.4.4)
            self.locals = [*args, *initial[n:]] if n <= len(initial) else list(args[:len(initial)])
        else:
            self.locals = [*initial]
        self.stack = []
        self.argc = n
        return start

    def _routine(self, packed: int) -> tuple[int, tuple[int, ...]]:
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
            self.code.mark_entry(start)
        return start, initial

    def ret(self, value: int) -> int:
        """§6.4.4: back to the caller, which stores the value if it asked."""
        try:
            return_pc, store, self.locals, self.stack, self.argc = self.frames.pop()
        except IndexError:
            raise ZMachineError("return from the main routine") from None
        if store == 0:
            self.stack.append(value)
        elif store > 0:
            if store < 16:
                self.locals[store - 1] = value
            else:
                a = self.globals_addr + 2 * (store - 16)
                self.mem[a] = value >> 8
                self.mem[a + 1] = value & 255
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
        """Run an interrupt routine (timed input, §10.5.3, §15 read) to
        its return; the value it returned."""
        self.interrupt_depths.append(len(self.frames))
        self.interrupt_value = 0                 # routine 0 returns false at once (§6.4.3)
        saved_pc = self.pc
        try:
            pc = self.call(packed, (), -2, self.interrupt_pc)
            return self._loop(pc)
        finally:
            self.interrupt_depths.pop()
            self.pc = saved_pc

    def jump_to(self, target: int) -> int:
        if not 0 <= target < len(self.mem):
            return self.bad_jump(target)
        return target

    def bad_jump(self, target: int) -> int:
        raise ZMachineError(f"jump to ${target & 0xFFFFFF:x}, outside memory")

    def check_held(self) -> None:
        """A call leaves many values on the caller's stack: the stacks of
        the routines waiting for a return hold MAX_HELD values at most."""
        if len(self.stack) + sum(len(frame[3]) for frame in self.frames) > MAX_HELD:
            raise ZMachineError(f"stack overflow: more than {MAX_HELD} values on waiting stacks")

    def stack_overflow(self) -> None:
        raise ZMachineError(f"stack overflow: more than {MAX_STACK} values on a routine's stack")

    def fatal(self, message: str) -> None:
        raise ZMachineError(message)

    def warn(self, what: str, pc: int | None = None) -> None:
        """A survivable error (Appendix A) at pc (if known), as the user asked."""
        mode = self.warnings
        if mode == "off":
            return
        if mode == "fatal":
            raise ZMachineError(what, pc)
        if mode == "once":
            if what in self._warned:
                return
            self._warned.add(what)
        self.frontend.message(f"zvm: warning: {what} (PC = ${self.pc if pc is None else pc:04x})")

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
        if addr <= FLAGS2_LOW < addr + width:         # Flags 2 (§11.1.2.1)
            self.streams.flags_written()

    def verify(self) -> bool:
        return self.story.checksum() == self.header.checksum

    # -- saved states (Quetzal) -----------------------------------------------
    def state(self, pc: int, keep_rng: bool = True) -> SavedState:
        """The machine as a SavedState that resumes at pc; keep_rng adds a
        seeded generator's state (disk saves, not undo: Frotz's undo does not
        rewind the generator, and seeded runs must play as dfrotz's do)."""
        # A seeded game is meant to be reproducible, restores included: its
        # generator travels in a chunk of zvm's own, which others skip.
        extra = {ZVM_RNG: self.rng.state()} if keep_rng and self.rng.seeded else {}
        return self.moment(pc).saved(self.header, extra)

    def moment(self, pc: int) -> Moment:
        """The machine as a Moment that resumes at pc (a turn's snapshot)."""
        return Moment(pc, bytes(self.mem[:self.dyn_end]), (
            *[(f[0], f[1], (*f[2],), (*f[3],), f[4]) for f in self.frames],
            (0, 0, (*self.locals,), (*self.stack,), self.argc)))

    def load_state(self, s: SavedState) -> None:
        """Put the machine into state s (the caller checked it is ours)."""
        if len(s.memory) != self.dyn_end:
            raise ZMachineError("saved memory does not match the story")
        mem = self.mem
        transcript = mem[FLAGS2_LOW] & 3
        mem[:self.dyn_end] = s.memory
        mem[FLAGS2_LOW] = (mem[FLAGS2_LOW] & ~3) | transcript
        first = s.frames[0] if s.frames else StackFrame(0, [], [], None, 0)
        self.frames = []
        loc, stk, argc = list(first.locals), list(first.stack), first.argc
        for f in s.frames[1:]:
            self.frames.append((f.return_pc, -1 if f.store is None else f.store, loc, stk, argc))
            loc, stk, argc = list(f.locals), list(f.stack), f.argc
        self.locals, self.stack, self.argc = loc, stk, argc
        if self.rng.seeded and ZVM_RNG in s.extra:
            self.rng.set_state(s.extra[ZVM_RNG])
        self.set_header()
