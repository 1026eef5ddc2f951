"""Tier 0: one small function per instruction, for code that runs rarely.

Building Python code with ``exec`` is slow, so cold code must not pay for
it once per instruction. An instruction's code is generated from its
template (``zvm.compile.templates``) with every number in it (constants,
variable addresses, branch targets, the next address) and its inline text
taken out as parameters: what is left, the instruction's *shape*, is the
same for thousands of instructions. Each shape is compiled once per
process into a function ``op(m, p0, p1, ...)``; an instruction's own
function is the shape's code with the instruction's numbers as the
defaults of the parameters after the machine (``FunctionType``,
with no factory to call and no closure cells to read), so ``op(m)`` runs
the instruction on the machine ``m`` and returns the address of the next
one. These functions hold nothing of a machine, so every machine of a
story shares them.

A shape's code comes from this process, else from the shape library that
ships with zvm (``LIBRARY``: every shape the templates give an opcode of
any version with up to four operands of each kind, §4.2-§4.7, compiled
when zvm is built by ``tools/shape_library.py``), else from the shapes
earlier runs kept in the user's cache, else it is compiled now. A shape
is found by its source, so a library or cache that does not match the
templates simply has nothing for them.
"""

from __future__ import annotations

import atexit
import marshal
import os
import sys
import zlib
from types import FunctionType

from zvm import __version__
from zvm.compile import diskcache
from zvm.compile.templates import TEMPLATES, Emitter
from zvm.errors import Unimplemented
from zvm.records import TYPE_CHECKING
from zvm.vm.decoder import Instruction
from zvm.vm.ops import IMPLEMENTATIONS
from zvm.vm.ops.control import op_ret_popped
from zvm.vm.ops.output import print_addr, print_obj, print_paddr

if TYPE_CHECKING:
    from typing import Any, Callable
    Code = Callable[[Any], int]


# The names generated code may use besides its parameters.
SCOPE: dict[str, Any] = {"print_addr": print_addr, "print_paddr": print_paddr,
                         "print_obj": print_obj, "ret_popped": op_ret_popped}

# What each of the names an emitter hands out is read from, and the line
# that loads it into that name.
ATTRS = {"mem": "m.mem", "L": "m.locals", "S": "m.stack", "O": "m.objects", "ST": "m.streams"}
LOADS = {name: f"{name} = {attr}" for name, attr in ATTRS.items()}
ORDER = ("mem", "L", "S", "O", "ST")
# In a shape's source, until it is finished: where each name is used.
MARKS = {name: f"\x00{name}\x01" for name in ORDER}

FUNCTION = 0x3                            # CO_OPTIMIZED | CO_NEWLOCALS: a function's code
_factories: dict[str, Any] = {}           # shape source -> its compiled op's code
_scope: dict[str, Any] = dict(SCOPE)      # the globals of every shape's function
_new: list[tuple[str, Any, int]] = []      # (source, code, key) compiled, not yet saved
_saved: list[str] = []                     # sources compiled and saved in this process
_stored: dict[str, bytes] = {}             # kept by earlier runs: source -> marshal bytes
_by_key: dict[int, str | None] = {}        # every known source by shape_key
_loaded = False
_shelves: list[diskcache.Shelf] = []       # the library, the shapes earlier runs kept
_looked: set[int] = set()                  # keys looked up on the shelves

LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shapes.zvml")
LIBRARY_FORMAT = 3


def library_identity() -> bytes:
    """What the shape library's file names itself (``diskcache.Shelf``):
    code objects are this Python's own (its marshal format, its bytecode)."""
    return "\0".join(("zvm shape library", str(LIBRARY_FORMAT),
                      sys.implementation.cache_tag or "", hex(sys.hexversion))).encode()


class Layout:
    """What code generation needs to know of a story: where its globals
    are (§6.2), where dynamic memory ends (§1.1), how big memory is; and
    for calls written inline, the story's bytes and how a packed routine
    address unpacks (§1.2.3)."""

    def __init__(self, globals_addr: int, dyn_end: int, size: int, data: bytes = b"",
                 version: int = 5, routine_address: Callable[[int], int] | None = None,
                 max_frames: int = 16384, objects: int = 0) -> None:
        self.globals_addr = globals_addr
        self.max_frames = max_frames
        # The object table (§12.1-§12.3): where object n's entry is
        # (object_base + n * entry_size) and the attributes there are.
        v3 = version <= 3
        self.entry_size = 9 if v3 else 14
        self.object_base = objects + 2 * (31 if v3 else 63) - self.entry_size
        self.max_attr = 31 if v3 else 47
        self.dyn_end = dyn_end
        self.size = size
        self.data = data
        self.version = version
        self.routine_address = routine_address
        self.leaves: dict[Any, Any] = {}     # routines written in place (zvm.compile.inline)
        self.alike: dict[bytes, tuple[Any, ...]] = {}    # tier-0 code by its bytes (``_like``)

    def routine(self, address: int) -> tuple[int, tuple[int, ...]] | None:
        """The first instruction and the initial values of the locals of
        the routine whose header is at address (§5.2: given in the header
        in versions 1-4, zero in 5+); None outside static and high memory
        or for a header that is not one (more than 15 locals)."""
        data = self.data
        if not self.dyn_end <= address < self.size or data[address] > 15:
            return None
        count = data[address]
        if self.version >= 5:
            return address + 1, (0,) * count
        return address + 1 + 2 * count, tuple(
            (data[address + 1 + 2 * i] << 8) | data[address + 2 + 2 * i] for i in range(count))


class ShapeEmitter(Emitter):
    """The tier-0 emitter: numbers become parameters p0, p1 ..."""

    def __init__(self, ins: Instruction, layout: Layout) -> None:
        self.ins = ins
        self.layout = layout
        self.lines: list[str] = []
        self.params: list[Any] = []
        # For ``_like``: which numbers are addresses in the code around the
        # instruction (where it goes on), which is the instruction itself,
        # and whether another instruction of the same bytes can share them.
        self.addresses: list[int] = []
        self.itself = -1
        self.movable = True

    def const(self, value: int | str) -> str:
        if value == "DYN":
            value = self.layout.dyn_end
        params = self.params
        params.append(value)
        return PARAMS[len(params) - 1]

    def line(self, text: str) -> None:
        self.lines.append(text)

    def use(self, name: str) -> str:
        return MARKS[name]                  # (named or loaded in place: ``source``)

    def global_addr(self, var: int) -> int:
        return self.layout.globals_addr + 2 * (var - 16)

    def target(self, address: int) -> str:
        """Where the code goes on at address: an expression."""
        if 0 <= address < self.layout.size:
            return self.next_address(address)
        self.movable = False
        return f"m.bad_jump({self.const(address)})"

    def next_address(self, address: int | None = None) -> str:
        """An address the code goes on at (the next instruction's, or one
        a branch or jump names), noted as one."""
        self.addresses.append(len(self.params))
        return self.const(self.ins.next if address is None else address)

    def cont(self) -> None:
        self.line(f"return {self.next_address()}")

    # Fewer shapes, fewer compiles: what differs between instructions of
    # one opcode is a parameter wherever that costs nothing at run time
    # (a local's index, a return's value, the sense of a branch).
    def read_var(self, var: int) -> str:
        if 0 < var < 16:
            return f"{self.use('L')}[{self.const(var - 1)}]"
        return super().read_var(var)

    def write_var(self, var: int, expr: str, in_place: bool = False) -> None:
        if 0 < var < 16:
            self.line(f"{self.use('L')}[{self.const(var - 1)}] = {expr}")
        else:
            super().write_var(var, expr, in_place)

    def ret(self, value: str) -> None:
        self.leave(f"m.ret({self.const(int(value)) if value.isdigit() else value})")

    def branch(self, cond: str) -> None:
        """§4.7: the branch sense decides which way is which, not the code:
        ``A if cond else B`` goes to the outcome for true, whatever the
        sense. (One conditional expression compiles to the code an ``if``
        statement does, and compiles faster.)"""
        if TYPE_CHECKING:                   # an instruction that branches
            assert self.ins.branch is not None
        on_true, off = self.ins.branch

        def taken() -> str:
            if off in (0, 1):
                return f"m.ret({self.const(off)})"
            return self.target(self.ins.next + off - 2)

        def onward() -> str:
            return self.next_address()
        # (parameters are numbered in the order they are written, so that
        # both senses give the same source)
        first, second = (taken, onward) if on_true else (onward, taken)
        if " if " in cond or ":=" in cond:
            cond = f"({cond})"
        way = first()
        self.line(f"return {way} if {cond} else {second()}")

    def goto(self, target: int) -> None:
        self.line(f"return {self.target(target)}")

    def leave(self, expr: str) -> None:
        self.line(f"return {expr}")

    def call_implementation(self) -> None:
        """An opcode without a template: its function in zvm.vm.ops."""
        function = IMPLEMENTATIONS.get(self.ins.name)
        if function is None:
            raise Unimplemented(f"opcode {self.ins.name} is not implemented", self.ins.addr)
        args = "".join(f", {x}" for x in self.operands())
        self.itself = len(self.params) + 1
        self.line(f"return {self.const(function)}(m, {self.const(self.ins)}{args})")  # type: ignore[arg-type]

    def source(self) -> str:
        """The shape's source: a name used more than once is loaded first,
        one used once is read where it is used (a line less to compile)."""
        body = "\n    ".join(self.lines)
        loads = ""
        if "\x00" in body:
            for name in ORDER:
                mark = MARKS[name]
                uses = body.count(mark)
                if uses > 1:
                    loads += LOADS[name] + "\n    "
                if uses:
                    body = body.replace(mark, name if uses > 1 else ATTRS[name])
        return f"def op(m{PARAMETERS[len(self.params)]}):\n    " + loads + body + "\n"


# The parameters' names, and the parameter list after ``m`` of a shape with
# n numbers. The source gives them no defaults: a function's defaults are
# its own, not its code's, and each instruction's function is given its
# numbers as defaults when it is made (``_op``); written-out defaults would
# only lengthen what ``compile`` parses (Zork I's 328 shapes: 0.7% of a
# run with no cache).
PARAMS = [f"p{i}" for i in range(64)]
PARAMETERS = [", " + ", ".join(PARAMS[:n]) if n else "" for n in range(64)]


def shape_key(src: str) -> int:
    """A 64-bit name for a shape's source (kept with its code on disk, so
    that a story's tier-0 records can name shapes without their text)."""
    data = src.encode()
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


_unpublished: dict[str, str | Callable[[], str]] = {}   # generated code's sources, by file name


def remember_source(filename: str, src: str | Callable[[], str]) -> None:
    """Let tracebacks through generated code show its lines: its source
    (or a function that gives it, called only when it is needed) goes into
    ``linecache`` (which costs a start-up ``tokenize`` and ``re`` to
    import: until something has imported it, sources wait here for
    ``publish_sources``)."""
    linecache = sys.modules.get("linecache")
    if linecache is None:
        _unpublished[filename] = src
    else:
        text = src if isinstance(src, str) else src()
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)


def publish_sources() -> None:
    """Put every source kept so far into ``linecache`` (before a traceback
    is written: a crash report, or the library, whose users see them)."""
    import linecache                            # from now on, sources go straight there
    while _unpublished:
        filename, src = _unpublished.popitem()
        text = src if isinstance(src, str) else src()
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)


def _install(src: str, code: Any, filename: str) -> Any:
    """The code of a shape's function: code itself when it is a function's
    (as shapes are kept), else from the module code compiles its source
    to; None when it is neither."""
    if code.co_name == "op" and code.co_flags & FUNCTION == FUNCTION:
        shape = code
    else:
        exec(code, _scope)
        op = _scope.pop("op", None)
        if type(op) is not FunctionType:
            return None
        shape = op.__code__
    _factories[src] = shape
    remember_source(filename, src)
    return shape


def _know(src: str, key: int) -> None:
    """Sources by key; a key two sources share names neither."""
    if _by_key.setdefault(key, src) != src:
        _by_key[key] = None


def _load() -> None:
    """Open the shape library and the shapes compiled by earlier runs (of
    any story), once a process: shelves by shape key, each shape read when
    it is first needed. A library that is missing, damaged or another
    Python's is left alone."""
    global _loaded
    _loaded = True
    library = diskcache.Shelf.at(LIBRARY, library_identity(), touch=False)
    if len(library):
        _shelves.append(library)
    if diskcache.enabled:
        _shelves.append(diskcache.Shelf.open("shapes", __version__))


def _entries(data: bytes | None, key: int) -> list[tuple[str, bytes]]:
    """The (source, marshal bytes) a shelf record holds for key: every
    source whose key it is (nearly always one)."""
    try:
        entries = marshal.loads(data) if data is not None else []
    except (ValueError, EOFError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    return [(e[0], e[1]) for e in entries
            if isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], str)
            and isinstance(e[1], bytes) and shape_key(e[0]) == key]


def _look(key: int) -> None:
    """Learn the sources the library, else an earlier run, kept under key,
    once (a shape the library holds is not read from the cache as well)."""
    if not _loaded:
        _load()
    if key in _looked or not _shelves:
        return
    _looked.add(key)
    for shelf in _shelves:
        entries = _entries(shelf.get(key), key)
        for src, blob in entries:
            _stored.setdefault(src, blob)
            _know(src, key)
        if entries:
            return


def save() -> None:
    """Keep the shapes compiled in this process for later runs, with those
    already kept under the same keys."""
    global _new
    if _new and diskcache.enabled:
        compiled, _new = _new, []
        _saved.extend(src for src, _, _ in compiled)
        records: dict[int, list[tuple[str, bytes]]] = {}
        for src, blob, key in compiled:
            records.setdefault(key, []).append((src, blob))
        diskcache.save_shelf("shapes", __version__,
                             {key: marshal.dumps(e) for key, e in records.items()}, _merged)


def _merged(key: int, old: bytes, new: bytes) -> bytes:
    """The sources kept under key, and new ones not among them."""
    entries = _entries(old, key)
    entries += [e for e in _entries(new, key) if all(src != e[0] for src, _ in entries)]
    return marshal.dumps(entries)


def shape_filename(name: str, key: int) -> str:
    """The file name a shape's code carries (``name``: its opcode)."""
    return f"<zvm shape {name} {key >> 32:08x}>"


def compile_shape(src: str, filename: str) -> Any:
    """The code of the function a shape's source defines (as it is kept:
    ``_install`` takes it as it is)."""
    module = compile(src, filename, "exec")
    return next(c for c in module.co_consts if diskcache.is_code(c))


def _shape(src: str, name: str) -> Any:
    """The code of the shape whose source is src (``name``: its opcode),
    from this process, from disk, or compiled now."""
    shape = _factories.get(src)
    if shape is not None:
        return shape
    key = shape_key(src)
    _look(key)
    _know(src, key)
    blob = _stored.pop(src, None)
    code = diskcache.code_of(blob) if blob is not None else None
    if code is not None and code.co_filename.startswith("<zvm shape "):
        shape = _install(src, code, code.co_filename)
        if shape is not None:
            return shape
    filename = f"<zvm shape {name} {key >> 32:08x}>"
    code = compile(src, filename, "exec")
    shape = _install(src, code, filename)
    if diskcache.enabled:
        if not _new:
            atexit.register(save)
        _new.append((src, marshal.dumps(shape), key))
    return shape


def _op(shape: Any, params: tuple[Any, ...]) -> Code:
    """An instruction's function: its shape's code, its numbers the defaults."""
    return FunctionType(shape, _scope, "op", params)


def build(ins: Instruction, layout: Layout) -> Code:
    """The tier-0 function of one instruction."""
    return _built(ins, layout)[0]


def _built(ins: Instruction, layout: Layout,
           raw: bytes | None = None) -> tuple[Code, str, list[Any]]:
    """The tier-0 function of one instruction, its shape's source and its
    numbers; raw: its bytes, as the story has them outside dynamic memory,
    when code built for the same bytes elsewhere can be shared (``_like``)."""
    if raw is not None:
        known = layout.alike.get(raw)
        if known is not None:
            made = _like(known, ins, layout)
            if made is not None:
                return made
    e = ShapeEmitter(ins, layout)
    name = ins.spec.name
    template = TEMPLATES.get(name)
    if template is None:
        e.call_implementation()
    else:
        template(e)
    src = e.source()
    shape = _factories.get(src)
    if shape is None:
        shape = _shape(src, name)
    if raw is not None and e.movable:
        layout.alike[raw] = (shape, src, e.params, e.addresses, e.itself, ins.next)
    return FunctionType(shape, _scope, "op", tuple(e.params)), src, e.params


def _like(known: tuple[Any, ...], ins: Instruction,
          layout: Layout) -> tuple[Code, str, list[Any]] | None:
    """The code of an instruction whose bytes are those of one built
    before (known): the same shape and numbers, but for the addresses where
    it goes on, which move with it (§4.7.2: branches are relative); None
    when one would leave memory (``target``: another shape)."""
    shape, src, params, addresses, itself, base = known
    numbers = list(params)
    delta = ins.next - base
    size = layout.size
    for i in addresses:
        a = numbers[i] + delta
        if not 0 <= a < size:
            return None
        numbers[i] = a
    if itself >= 0:
        numbers[itself] = ins
    return FunctionType(shape, _scope, "op", tuple(numbers)), src, numbers


def build_recorded(ins: Instruction, layout: Layout,
                   raw: bytes | None = None) -> tuple[Code, tuple[Any, ...] | None]:
    """The tier-0 function of one instruction (raw: as ``_built``), and a
    record that gives it again without decoding the instruction
    (``from_record``): (its shape's key, its numbers and text, its opcode);
    None when its numbers are not all numbers and text, and when nothing is
    kept on disk to use it."""
    code, src, numbers = _built(ins, layout, raw)
    if not diskcache.enabled:
        return code, None
    params = tuple(numbers)
    for p in params:
        if type(p) is not int and type(p) is not str:
            return code, None
    return code, (shape_key(src), params, ins.name)


def from_record(record: Any) -> Code | None:
    """The tier-0 function a record of ``build_recorded`` gives; None when
    it cannot be trusted (a damaged cache, a shape no longer known)."""
    try:
        key, params, name = record
        _look(key)
        src = _by_key.get(key)
        if src is None or type(params) is not tuple or type(name) is not str:
            return None
        for p in params:
            if type(p) is not int and type(p) is not str:
                return None
        shape = _shape(src, name)
        if len(params) != shape.co_argcount - 1:      # numbers it does not take
            return None
        return _op(shape, params)
    except (TypeError, ValueError):
        return None
