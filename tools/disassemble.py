"""``zvm dis STORY``: a disassembler for Z-code, in the spirit of txd.

What it prints: a summary of the header (§11), then each routine (§5) with
its address, its local variables (with their initial values in versions
1-4, §5.2.1) and its instructions (§4), then the strings that ``print_paddr``
instructions name (§3, unless ``--no-strings``).

Which routines: the start of the program (§5.5: in versions 1-5, 7 and 8
the header's initial PC is the first instruction, not a routine header),
then every routine reached through a constant first operand of a call
instruction (a packed address, §1.2.3, unpacked by
``Header.routine_address``). Routines called only indirectly (through
properties, tables, variables) are found by scanning the gaps between the
routines already known: from the end of one routine, the next packed-aligned
address (§5.1) is tried as a routine header, and kept only when it decodes
cleanly and ends before the next known routine (``--reachable-only`` turns
the scan off).

Where a routine ends (§5.3 gives no end marker): instructions are decoded
one after another from the first; a routine ends after an instruction that
does not continue to the next one (rtrue, rfalse, ret, ret_popped,
print_ret, jump, quit, restart, throw, §15) when no branch or jump seen so
far goes beyond it. Decoding linearly, as txd does, means the instructions
of a routine always cover it exactly, unreachable ones included.

``disassemble(story)`` is the library entry: a list of ``Routine`` sorted
by address.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from zvm.cli.main import reader_gone
from zvm.cli.parser import Parser
from zvm.vm.decoder import ENDS, VARIABLE, Instruction, decode
from zvm.errors import StoryError, ZMachineError
from zvm.vm.optable import table

if TYPE_CHECKING:
    from zvm.story.loader import Story
    from zvm.vm.text import TextCodec

# Instructions whose first operand is a packed routine address (§15, §6.4).
CALLS = frozenset({"call", "call_vs", "call_vs2", "call_vn", "call_vn2",
                   "call_1s", "call_1n", "call_2s", "call_2n"})

# Instructions whose first operand names a variable by number (§6.3.4,
# "indirect variable references"): inc, dec, inc_chk, dec_chk, store,
# load, pull.
VARIABLE_BY_NUMBER = frozenset({"inc", "dec", "inc_chk", "dec_chk", "store",
                                "load", "pull"})


class DisError(Exception):
    """Code that cannot be a routine: why."""


@dataclass
class Routine:
    """One routine (§5).

    ``address``: the routine's header byte (the number of locals, §5.2);
    for a start of program without a header (§5.5), the first instruction.
    ``start``: the first instruction's address (after the header, §5.3).
    ``locals`` / ``initial``: the number of local variables and their
    initial values (stored in versions 1-4 only, §5.2.1; zeros otherwise).
    ``instructions``: decoded ``zvm.decoder.Instruction`` objects, in address
    order, contiguous from ``start`` to ``end`` (the address after the last).
    ``found_by``: "main" (the initial PC), "call" (a constant call operand)
    or "scan" (the gap scan). ``labels``: branch/jump target -> label name.
    ``calls``: byte addresses of the routines called with constant operands.
    ``notes``: anything odd (a call target that is not a routine ...)."""

    address: int
    start: int
    locals: int
    initial: list[int]
    instructions: list[Instruction]
    end: int
    found_by: str = "call"
    labels: dict[int, str] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def main(self) -> bool:
        return self.found_by == "main"


def make_codec(story: Story, mem: bytearray) -> TextCodec:
    """The story's text codec (§3), with its alphabet table (§3.5.5) and
    Unicode translation table (header extension word 3, §3.8.5)."""
    from zvm.vm.text import TextCodec
    h = story.header
    v = h.version
    unicode_table = 0
    if v >= 5 and h.extension and h.extension + 1 < len(mem):
        ext = h.extension
        if ((mem[ext] << 8) | mem[ext + 1]) >= 3 and ext + 7 < len(mem):
            unicode_table = (mem[ext + 6] << 8) | mem[ext + 7]
    return TextCodec(mem, v, h.abbreviations, h.alphabet_table if v >= 5 else 0,
                     unicode_table, h.static_base)


class Disassembler:
    """Finds and decodes the routines of one story."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.header = h = story.header
        self.version = h.version
        self.mem = bytearray(story.data)
        self.ops = table(h.version)
        self.codec = make_codec(story, self.mem)
        # §1.2.3: routines start at addresses a packed address can give.
        v = h.version
        self.align = 2 if v <= 3 else 4 if v <= 7 else 8
        self.align_base = h.routines_offset * 8 if v in (6, 7) else 0

    # -- single instructions and routines -----------------------------------
    def decode(self, addr: int) -> Instruction:
        try:
            return decode(self.mem, addr, self.ops, self.version, self.codec.decode)
        except ZMachineError as e:
            raise DisError(e.message) from None
        except IndexError:
            raise DisError(f"instruction at ${addr:x} runs past the end of the story") from None

    @staticmethod
    def targets(ins: Instruction) -> list[int]:
        """Addresses a branch (§4.7.2) or a constant jump (§15 jump) goes to."""
        return [t for t in (ins.branch_target(), ins.jump_target()) if t is not None]

    def aligned(self, addr: int) -> bool:
        return addr >= self.align_base and (addr - self.align_base) % self.align == 0

    def align_up(self, addr: int) -> int:
        r = (addr - self.align_base) % self.align
        return addr if r == 0 else addr + self.align - r

    def call_target(self, ins: Instruction) -> int | None:
        """The byte address a call with a constant routine operand goes to;
        None for a variable operand or packed address 0 (§6.4.3: returns false)."""
        if ins.name not in CALLS or not ins.operands:
            return None
        kind, value = ins.operands[0]
        if kind == VARIABLE or value == 0:
            return None
        return self.header.routine_address(value)

    def routine(self, addr: int, limit: int | None = None, found_by: str = "call",
                strict: bool = False) -> Routine:
        """Decode the routine whose header is at addr (§5.2), stopping
        before limit (the next known routine). strict: any oddity is a
        DisError (used for routines the gap scan proposes)."""
        mem = self.mem
        if found_by == "main" and addr == self.header.initial_pc:
            nlocals, initial, start = 0, [], addr
        else:
            if addr >= len(mem):
                raise DisError(f"routine address ${addr:x} is outside the story")
            nlocals = mem[addr]
            if nlocals > 15:
                raise DisError(f"${addr:x} is not a routine: {nlocals} locals (§5.2)")
            start = addr + 1
            initial = [0] * nlocals
            if self.version <= 4:
                if start + 2 * nlocals > len(mem):
                    raise DisError(f"routine header at ${addr:x} runs past the end")
                initial = [(mem[start + 2 * i] << 8) | mem[start + 2 * i + 1]
                           for i in range(nlocals)]
                start += 2 * nlocals
        instructions, end, targets, notes = self.sweep(start, limit, strict)
        r = Routine(addr, start, nlocals, initial, instructions, end, found_by, notes=notes)
        addrs = {ins.addr for ins in instructions}
        bad = sorted(t for t in targets if t not in addrs)
        if bad:
            what = ", ".join(f"${t:x}" for t in bad)
            if strict:
                raise DisError(f"branch to {what}, not an instruction of the routine")
            r.notes.append(f"branch or jump to {what}, not an instruction of this routine")
        for i, t in enumerate(sorted(t for t in targets if t in addrs)):
            r.labels[t] = f"L{i + 1:04d}"
        for ins in instructions:
            c = self.call_target(ins)
            if c is None:
                continue
            if c >= len(mem) or mem[c] > 15:
                if strict:
                    raise DisError(f"call to ${c:x}, not a routine")
                r.notes.append(f"${ins.addr:x}: call to ${c:x}, which is not a routine")
            elif c not in r.calls:
                r.calls.append(c)
        return r

    def sweep(self, start: int, limit: int | None,
              strict: bool) -> tuple[list[Instruction], int, set[int], list[str]]:
        """Decode instructions linearly from start until one that does not
        continue is reached with no branch beyond it (see the module's
        docstring). Returns (instructions, end, targets, notes)."""
        out: list[Instruction] = []
        targets: set[int] = set()
        notes: list[str] = []
        pc = high = start
        while True:
            if limit is not None and pc >= limit:
                if strict or high > pc:
                    raise DisError(f"code from ${start:x} runs into the routine at ${limit:x}")
                notes.append(f"the last instruction continues into the routine at ${limit:x}")
                return out, pc, targets, notes
            try:
                ins = self.decode(pc)
            except DisError as e:
                if strict or not out:
                    raise
                notes.append(f"decoding stopped at ${pc:x}: {e}")
                return out, pc, targets, notes
            out.append(ins)
            for t in self.targets(ins):
                if t < start:
                    if strict:
                        raise DisError(f"branch to ${t:x}, before the routine")
                else:
                    high = max(high, t)
                targets.add(t)
            if ins.name in ENDS and ins.next > high:
                return out, ins.next, targets, notes
            pc = ins.next

    # -- the whole story ------------------------------------------------------
    def main_address(self) -> int:
        """The start of the program (§5.5). Compilers put it just after a
        routine header of no locals; that header byte is taken as the
        routine's address when it is there, else the initial PC itself. In
        version 6 the header names the main routine itself (§5.4)."""
        pc = self.header.initial_pc
        if self.header.version == 6:             # §5.4: the packed address of a routine
            return self.header.routine_address(pc)
        if pc - 1 >= 0 and self.mem[pc - 1] == 0 and self.aligned(pc - 1):
            return pc - 1
        return pc

    def run(self, scan: bool = True) -> list[Routine]:
        main = self.main_address()
        kinds = {main: "main"}
        found: dict[int, Routine] = {}
        failed: dict[int, str] = {}
        entries: list[int] = [main]          # sorted addresses of known routines

        def limit_for(addr: int) -> int | None:
            i = bisect.bisect_right(entries, addr)
            return entries[i] if i < len(entries) else None

        def add(addr: int, how: str) -> None:
            if addr not in kinds:
                kinds[addr] = how
                bisect.insort(entries, addr)
                work.append(addr)

        work = [main]
        while True:
            while work:
                addr = work.pop()
                try:
                    r = self.routine(addr, limit_for(addr), kinds[addr])
                except DisError as e:
                    failed[addr] = str(e)
                    continue
                found[addr] = r
                for c in r.calls:
                    add(c, "call")
            if not scan:
                break
            new = self.scan_gaps(entries, found)
            for addr in new:
                add(addr, "scan")
            if not new:
                break
        # Decode each again bounded by the routines found after it.
        result = []
        for addr in entries:
            if addr in failed:
                continue
            try:
                r = self.routine(addr, limit_for(addr), kinds[addr])
            except DisError as e:
                failed[addr] = str(e)
                continue
            result.append(r)
        # "call": reachable from the start through constant calls, whichever
        # way the routine was first found.
        by_addr = {r.address: r for r in result}
        reach, todo = {main}, [main]
        while todo:
            caller = by_addr.get(todo.pop())
            for c in caller.calls if caller else ():
                if c not in reach:
                    reach.add(c)
                    todo.append(c)
        for r in result:
            if r.found_by != "main":
                r.found_by = "call" if r.address in reach else "scan"
        self.failed = failed
        return result

    def scan_gaps(self, entries: list[int], found: dict[int, Routine]) -> list[int]:
        """Routines that fill the gaps between routines already known: from
        each routine's end, the next aligned address (§5.1) is tried, and
        kept when it decodes cleanly before the next known routine (see
        ``_fill``); likewise after the last and before the first."""
        new: list[int] = []
        known = [a for a in entries if a in found]
        if not known:
            return new
        for here, after in zip(known, known[1:], strict=False):
            new += self._fill(self.align_up(found[here].end), after, found)
        # After the last routine known, up to the first string that code
        # names (strings follow the code in high memory, §1.1.3).
        last = found[known[-1]]
        limit = min([a for a in self.string_addresses(found.values()) if a >= last.end],
                    default=len(self.mem))
        new += self._chain(self.align_up(last.end), limit, found, to_limit=False)[0]
        # Before the first: from the start of high memory (§1.1.3), the
        # first address from which routines follow one another up to it.
        new += self._fill(self.align_up(self.header.high_base), known[0], found, False)
        return new

    def _fill(self, a: int, limit: int, found: dict[int, Routine],
              follow: bool = True) -> list[int]:
        """Routines in the gap from a to limit.

        follow (a gap between two known routines, where compilers put only
        code): routines that follow one another from a; past what is not a
        routine (code that no branch reaches, after a routine's end), each
        aligned address is tried in turn.

        Otherwise (before the first routine known, where data may lie): the
        first aligned address from which routines follow one another
        exactly up to limit."""
        new: list[int] = []
        if follow:
            while a < limit:
                chain, end = self._chain(a, limit, found)
                new += chain
                a = end if chain else a + self.align
            return new
        while a < limit:
            chain, end = self._chain(a, limit, {})
            if chain and end == limit:
                new += self._chain(a, limit, found)[0]
                break
            a += self.align
        return new

    def _chain(self, a: int, limit: int, found: dict[int, Routine],
               to_limit: bool = True) -> tuple[list[int], int]:
        """Routines one after another from a, each at the first aligned
        address after the one before, while they decode cleanly and end by
        limit; and the aligned address after the last."""
        out: list[int] = []
        while a < limit:
            try:
                r = self.routine(a, limit if to_limit else None, "scan", strict=True)
            except DisError:
                break
            if r.end > limit:
                break
            out.append(a)
            found[a] = r
            a = self.align_up(r.end)
        return out, a

    def string_addresses(self, routines: Iterable[Routine]) -> list[int]:
        """Byte addresses of the strings constant print_paddr operands name."""
        out = []
        for r in routines:
            for ins in r.instructions:
                if ins.name == "print_paddr" and ins.operands \
                        and ins.operands[0][0] != VARIABLE:
                    out.append(self.header.string_address(ins.operands[0][1]))
        return out


def disassemble(story: Story, scan: bool = True) -> list[Routine]:
    """Every routine found in the story (see the module's docstring), in
    address order."""
    return Disassembler(story).run(scan=scan)


# -- text -----------------------------------------------------------------------

def var_name(n: int) -> str:
    """§4.2.2: 0 the stack, 1-15 locals, 16-255 globals (G00-Gef, hex)."""
    if n == 0:
        return "sp"
    if n < 16:
        return f"L{n:02d}"
    return f"G{n - 16:02x}"


def quote(text: str) -> str:
    return '"' + text.replace("\n", "^") + '"'


def format_instruction(d: Disassembler, r: Routine, ins: Instruction) -> str:
    ops = []
    call = d.call_target(ins)
    for i, (kind, value) in enumerate(ins.operands):
        if kind == VARIABLE:
            s = var_name(value)
            if i == 0 and ins.name in VARIABLE_BY_NUMBER:
                s = f"[{s}]"                # the variable the value names
        elif i == 0 and ins.name in VARIABLE_BY_NUMBER and value < 256:
            s = var_name(value)
        elif i == 0 and call is not None:
            s = f"R{call:04x}"
        elif i == 0 and (target := ins.jump_target()) is not None:
            s = r.labels.get(target, f"${target:x}")
        else:
            s = str(value)
        ops.append(s)
    if call is not None or (ins.name in CALLS and ops):
        text = ops[0] + (" (" + ", ".join(ops[1:]) + ")" if len(ops) > 1 else "")
    else:
        text = ", ".join(ops)
    if ins.store is not None:
        text += f" -> {var_name(ins.store)}"
    if ins.branch is not None:
        on_true, offset = ins.branch
        neg = "" if on_true else "~"
        if offset in (0, 1):
            where = "rtrue" if offset else "rfalse"
        else:
            target = ins.branch_target()
            assert target is not None           # a branch offset other than 0 and 1
            where = r.labels.get(target, f"${target:x}")
        text += f" ?{neg}{where}"
    if ins.text is not None:
        text += " " + quote(ins.text)
    if ins.name == "print_paddr" and ins.operands and ins.operands[0][0] != VARIABLE:
        try:
            s, _ = d.codec.decode(d.header.string_address(ins.operands[0][1]))
            text += "  ; " + quote(s)
        except (ZMachineError, IndexError):
            pass
    label = r.labels.get(ins.addr, "")
    return f"{label:<7}{ins.addr:05x}:  {ins.name:<15} {text}".rstrip()


def format_routine(d: Disassembler, r: Routine) -> list[str]:
    if r.main:
        head = f"Main routine R{r.address:04x}"
    else:
        head = f"Routine R{r.address:04x}"
    if r.start != r.address + 1 + (2 * r.locals if d.version <= 4 else 0):
        head += f" (no header; starts at ${r.start:x})"
    head += f", {r.locals} local{'s' if r.locals != 1 else ''}"
    if r.locals and d.version <= 4:
        head += " (" + ", ".join(str(x) for x in r.initial) + ")"
    if r.found_by == "scan":
        head += "  [found by scanning]"
    lines = [head, ""]
    lines += [format_instruction(d, r, ins) for ins in r.instructions]
    for n in r.notes:
        lines.append(f"       ; note: {n}")
    lines.append("")
    return lines


def header_lines(story: Story) -> list[str]:
    h = story.header
    serial = "".join(c if c.isprintable() else "?" for c in h.serial.decode("latin-1"))
    return [
        f"Story file: {story.path}",
        f"Z-code version {h.version}, release {h.release}, serial {serial}",
        f"Length ${len(story.data):x} ({len(story.data)} bytes), checksum ${h.checksum:04x}",
        (f"Main routine ${h.routine_address(h.initial_pc):04x} (packed ${h.initial_pc:04x}), "
         if h.version == 6 else f"Initial PC ${h.initial_pc:04x}, ")
        + f"high memory ${h.high_base:04x}, "
        f"static memory ${h.static_base:04x}",
        f"Dictionary ${h.dictionary:04x}, objects ${h.objects:04x}, globals ${h.globals:04x}, "
        f"abbreviations ${h.abbreviations:04x}",
    ]


def referenced_strings(d: Disassembler, routines: list[Routine]) -> list[tuple[int, str]]:
    """Strings named by constant print_paddr operands (§15), by address."""
    seen: dict[int, str] = {}
    for a in d.string_addresses(routines):
        if a not in seen:
            try:
                seen[a] = d.codec.decode(a)[0]
            except (ZMachineError, IndexError):
                pass
    return sorted(seen.items())


def parse_address(text: str) -> int:
    """$4f04, 0x4f04 (hex) or 20228 (decimal)."""
    t = text.strip()
    if t.startswith("$"):
        return int(t[1:], 16)
    return int(t, 0)


def load_story(path: str) -> Story | None:
    """The story, or None after saying why on standard error (one line)."""
    from zvm.story.loader import load
    try:
        return load(path)
    except StoryError as e:
        sys.stdout.flush()
        sys.stderr.write(f"zvm: {path}: {e}\n")
        return None


def main(argv: list[str]) -> int:
    p = Parser(prog="zvm dis", description="Disassemble a Z-code story (routines and strings).")
    p.add_argument("story")
    p.add_argument("--routine", metavar="ADDR",
                   help="only the routine whose header is at ADDR ($4f04, 0x4f04 or decimal)")
    p.add_argument("--no-strings", action="store_true",
                   help="leave out the strings that print_paddr names")
    p.add_argument("--reachable-only", action="store_true",
                   help="only routines reached from the start through constant calls "
                        "(no scan of the gaps between routines)")
    p.add_argument("--python", action="store_true", help="with --routine: its Python code")
    args = p.parse_args(argv)
    only = None
    if args.routine is not None:
        try:
            only = parse_address(args.routine)
        except ValueError:
            p.error(f"--routine: not an address: {args.routine}")
    if args.python and only is None:
        p.error("--python needs --routine ADDR")
    story = load_story(args.story)
    if story is None:
        return 2
    if args.python and only is not None:    # the unit at the routine's first instruction
        from zvm.screen.protocol import Frontend
        from zvm.vm.machine import Machine
        try:
            source = Machine(story, Frontend()).code.source_of(only)
        except (ZMachineError, IndexError) as e:   # not a routine's header: no code decodes
            why = str(e) if isinstance(e, ZMachineError) else "its code runs off the end of memory"
            sys.stderr.write(f"zvm: {args.story}: ${only:x}: no routine's code here: {why}\n")
            return 1
        sys.stdout.write(source)
        return 0
    d = Disassembler(story)
    try:
        if only is not None:
            routines = [r for r in d.run(scan=not args.reachable_only) if r.address == only]
            if not routines:
                try:
                    routines = [d.routine(only)]
                except DisError as e:
                    sys.stderr.write(f"zvm: {args.story}: ${only:x}: {e}\n")
                    return 1
            lines = []
        else:
            routines = d.run(scan=not args.reachable_only)
            lines = header_lines(story)
            found = sum(1 for r in routines if r.found_by != "scan")
            lines.append(f"Routines: {len(routines)} ({found} reached from the start "
                         f"through calls, {len(routines) - found} found by scanning)")
            lines.append("")
        for r in routines:
            lines += format_routine(d, r)
        if only is None:
            for addr, why in sorted(d.failed.items()):
                lines.append(f"; ${addr:x} is called but is not a routine: {why}")
        if not args.no_strings and only is None:
            strings = referenced_strings(d, routines)
            if strings:
                lines.append("")
                lines.append(f"Strings named by print_paddr: {len(strings)}")
                lines.append("")
                for a, s in strings:
                    lines.append(f"S{a:05x}: {quote(s)}")
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        reader_gone()
    return 0
