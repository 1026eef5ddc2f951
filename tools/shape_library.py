"""Build the shape library: tier-0 shapes compiled before any story runs.

A tier-0 shape (``zvm.compile.shapes``) is the code of one instruction
with its numbers taken out, so which shapes exist depends on the
templates alone, not on a story: on the opcode (§14, per version), on
what kind each operand is (a constant, the stack, a local or a global,
§4.2), where a result goes (§4.6) and whether a branch returns or jumps
(§4.7). This tool writes every such instruction, for every version, with
up to ``MOST`` operands, through the templates, and keeps each distinct
shape's compiled code in one file beside the compiler (``shapes.LIBRARY``,
a ``diskcache.Shelf`` by shape key). A run then finds most of its shapes
there rather than compiling them: Zork I's first run compiles none of its
328. Shapes it does not hold (a call with more arguments, an inline
routine) are compiled as before, and the library is found by source, so
one left from older templates is never wrong, only less useful.

    python tools/shape_library.py [--force] [PATH]

writes the library when it is missing, unreadable, or older than the
sources that decide shapes (``make bytecode`` and ``tools/bench.py`` run
it; ``--force``: write it anyway).
"""

from __future__ import annotations

import itertools
import marshal
import os
import sys
import time

from zvm.compile import diskcache, shapes
from zvm.compile.shapes import Layout, ShapeEmitter, shape_key
from zvm.compile.templates import TEMPLATES
from zvm.story.files import write_atomically
from zvm.vm.decoder import LARGE, SMALL, VARIABLE, Instruction
from zvm.vm.ops import IMPLEMENTATIONS
from zvm.vm.optable import table

USAGE = "usage: python tools/shape_library.py [--force] [PATH]\n"
MOST = 4                # operands: a call with more arguments compiles its shape when run
# One operand of each kind that gives the templates another shape: small and
# large constants, one an attribute every version has and one none has
# (§12.1); the stack; two locals and two globals (an instruction that names
# the same variable twice, as dec_chk may, is written apart, §4.4).
OPERANDS = ((SMALL, 1), (LARGE, 200), (VARIABLE, 0), (VARIABLE, 1), (VARIABLE, 2),
            (VARIABLE, 16), (VARIABLE, 17))
STORES = (0, 1, 16)                                     # the stack, a local, a global
# Return false or true, or jump (§4.7.1-§4.7.2), for either sense.
BRANCHES = ((True, 0), (True, 40), (False, 0), (False, 40))
ADDRESS, DYNAMIC, SIZE = 0x5000, 0x4000, 0x20000        # where the instruction stands


def instructions(version: int) -> list[Instruction]:
    """Every instruction of the version's opcodes that compile to a shape
    (a template, or the function an opcode without one calls) with up to
    MOST operands of each kind, each store and each branch."""
    out = []
    for (kind, number), spec in table(version).items():
        if spec.name not in TEMPLATES and spec.name not in IMPLEMENTATIONS:
            continue
        for count in range(spec.least, min(spec.most, MOST) + 1):
            for operands in itertools.product(OPERANDS, repeat=count):
                for store in STORES if spec.store else (None,):
                    for branch in BRANCHES if spec.branch else (None,):
                        ins = Instruction()
                        ins.addr, ins.kind, ins.number, ins.spec = ADDRESS, kind, number, spec
                        ins.operands, ins.store, ins.branch = list(operands), store, branch
                        ins.store_addr = ins.branch_addr = ins.text_addr = None
                        ins.text = "text" if spec.text else None
                        ins.next = ADDRESS + 8
                        out.append(ins)
    return out


def sources() -> dict[str, str]:
    """Every shape's source, with an opcode whose shape it is."""
    found: dict[str, str] = {}
    for version in range(1, 9):
        layout = Layout(0x100, DYNAMIC, SIZE, b"", version, None, 16384, 0x200)
        for ins in instructions(version):
            e = ShapeEmitter(ins, layout)
            template = TEMPLATES.get(ins.spec.name)
            if template is None:
                e.call_implementation()
            else:
                template(e)
            found.setdefault(e.source(), ins.spec.name)
    return found


def records(found: dict[str, str]) -> dict[int, bytes]:
    """The shelf's records: by shape key, each source with the code of the
    function it defines (a list: two sources may share a key), as
    ``shapes`` reads them."""
    by_key: dict[int, list[tuple[str, bytes]]] = {}
    for src, name in found.items():
        key = shape_key(src)
        code = shapes.compile_shape(src, shapes.shape_filename(name, key))
        by_key.setdefault(key, []).append((src, marshal.dumps(code)))
    return {key: marshal.dumps(entries) for key, entries in sorted(by_key.items())}


def build(path: str = shapes.LIBRARY) -> int:
    """Write the library to path; the number of shapes it holds."""
    found = sources()
    write_atomically(path, diskcache.shelf_bytes(shapes.library_identity(), records(found)),
                     durable=False)
    return len(found)


def sources_newer(path: str) -> bool:
    """Whether a source that decides shapes (the compiler, the machine and
    its opcodes, this tool) changed after the library at path was written."""
    try:
        written = os.stat(path).st_mtime
    except OSError:
        return True
    files = [os.path.abspath(__file__), *diskcache.source_files(*diskcache.compiler_folders())]
    return any(os.stat(f).st_mtime > written for f in files)


def stale(path: str = shapes.LIBRARY) -> bool:
    """Whether the library at path must be written again: missing, not
    readable by this Python, or older than its sources."""
    shelf = diskcache.Shelf.at(path, shapes.library_identity(), touch=False)
    readable = len(shelf) > 0
    shelf.close()
    return not readable or sources_newer(path)


def ensure(path: str = shapes.LIBRARY, force: bool = False) -> str:
    """Write the library at path if it is stale (or with force); a line
    saying what was done."""
    if not force and not stale(path):
        return f"{os.path.relpath(path)} is up to date"
    start = time.perf_counter()
    count = build(path)
    return (f"{count} shapes in {os.path.relpath(path)} "
            f"({time.perf_counter() - start:.1f} s)")


def main(argv: list[str]) -> int:
    force = "--force" in argv
    rest = [a for a in argv if a != "--force"]
    asked = rest in (["-h"], ["--help"])
    if asked or len(rest) > 1 or any(a.startswith("-") for a in rest):
        (sys.stdout if asked else sys.stderr).write(USAGE)
        return 0 if asked else 2
    path = rest[0] if rest else shapes.LIBRARY
    try:
        done = ensure(path, force)
    except OSError as e:
        sys.stderr.write(f"shape_library: cannot write {path}: {e.strerror or e}\n")
        return 1
    sys.stdout.write(f"shape_library: {done}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
