"""The shape library (``tools/shape_library.py``): tier-0 shapes compiled
when zvm is built, found by their source by ``zvm.compile.shapes``. Its
code is its sources' code; a run takes every shape it holds from it and
compiles only the others, and plays the same; a library that is damaged,
another Python's or missing is not used; a stale one is written again."""

from __future__ import annotations

import io
import marshal
import os

import pytest

from helpers import ROOT
from zvm.compile import code as storecode
from zvm.compile import diskcache, shapes
from zvm.story.loader import load
from zvm.tools import shape_library
from zvm.ui.headless import HeadlessFrontend
from zvm.vm.decoder import SMALL, VARIABLE, Instruction
from zvm.vm.machine import Machine
from zvm.vm.optable import table

STORY = ROOT / "tests" / "stories" / "opcodes.z5"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A library written for this module: (its path, its shapes' sources)."""
    path = tmp_path_factory.mktemp("library") / "shapes.zvml"
    count = shape_library.build(str(path))
    shelf = diskcache.Shelf.at(str(path), shapes.library_identity())
    sources = {src for key in shelf.keys() for src, _ in shapes._entries(shelf.get(key), key)}
    shelf.close()
    assert len(sources) == count
    return path, sources


@pytest.fixture
def compiled(monkeypatch):
    """The shapes module with nothing loaded, compiled or kept (put back
    afterwards), no disk cache; the sources it compiles, as it compiles them."""
    for name, value in (("_factories", {}), ("_stored", {}), ("_by_key", {}),
                        ("_looked", set()), ("_shelves", []), ("_loaded", False),
                        ("_new", []), ("_saved", [])):
        monkeypatch.setattr(shapes, name, value)
    monkeypatch.setattr(diskcache, "enabled", False)
    monkeypatch.setattr(storecode, "_stories", {})
    monkeypatch.setattr(shapes, "LIBRARY", shapes.LIBRARY)      # (tests point it elsewhere)
    sources: list[str] = []

    def counting(src, filename, mode):
        sources.append(src)
        return compile(src, filename, mode)
    monkeypatch.setattr(shapes, "compile", counting, raising=False)
    return sources


def play(path: str) -> str:
    """The text of opcodes.z5, all of it in tier 0, with the library at path."""
    storecode._stories.clear()
    shapes.LIBRARY = path
    out = io.StringIO()
    m = Machine(load(str(STORY)), HeadlessFrontend(io.StringIO(""), out, 80, 24), seed=12)
    m.run()
    m.frontend.close()
    return out.getvalue()


def shape_source(ins: Instruction) -> str:
    layout = shapes.Layout(0x100, 0x4000, 0x20000, b"", 5, None, 16384, 0x200)
    return shapes._built(ins, layout)[1]


def instruction(name: str, operands: list[tuple[int, int]], store: int | None = 0) -> Instruction:
    spec = next(s for s in table(5).values() if s.name == name)
    ins = Instruction()
    ins.addr, ins.kind, ins.number, ins.spec = 0x5000, "VAR", 0, spec
    ins.operands, ins.store, ins.branch = operands, store if spec.store else None, None
    ins.store_addr = ins.branch_addr = ins.text = ins.text_addr = None
    ins.next = 0x5010
    return ins


def test_every_shape_in_the_library_is_its_source_compiled(library):
    path, sources = library
    shelf = diskcache.Shelf.at(str(path), shapes.library_identity())
    seen = 0
    for key in shelf.keys():
        for src, blob in shapes._entries(shelf.get(key), key):
            code = marshal.loads(blob)
            assert code == shapes.compile_shape(src, code.co_filename), src
            seen += 1
    shelf.close()
    assert seen == len(sources) > 0


def test_a_run_compiles_only_the_shapes_the_library_lacks(library, compiled):
    """opcodes.z5 plays the same with the library and without it; with it,
    no shape the library holds is compiled."""
    path, sources = library
    alone = play("")
    built_alone = set(shapes._factories)
    assert set(compiled) == built_alone and len(built_alone) > 50
    for name in ("_factories", "_stored", "_by_key", "_looked", "_shelves"):
        getattr(shapes, name).clear()
    shapes._loaded = False
    compiled.clear()
    assert play(str(path)) == alone
    assert set(shapes._factories) == built_alone
    assert compiled and not set(compiled) & sources
    assert set(compiled) == built_alone - sources


def test_calls_beyond_the_library_are_compiled_when_run(library, compiled):
    """The library holds each opcode with up to MOST operands: a call with
    seven arguments (call_vs2, §15) is compiled, one with three is not."""
    path, sources = library
    shapes.LIBRARY = str(path)
    few = instruction("call_vs2", [(SMALL, 9)] + [(VARIABLE, 1)] * 3)
    many = instruction("call_vs2", [(SMALL, 9)] + [(VARIABLE, 1)] * 7)
    assert shape_source(few) in sources and compiled == []
    assert shape_source(many) not in sources and compiled == [shape_source(many)]


def damaged(path, tmp_path, where: int):
    """A copy of the library at path with the byte at where flipped."""
    data = bytearray(path.read_bytes())
    data[where] ^= 0x55
    copy = tmp_path / "damaged.zvml"
    copy.write_bytes(bytes(data))
    return copy


def test_a_damaged_record_is_compiled_instead(library, compiled, tmp_path):
    path, _ = library
    shelf = diskcache.Shelf.at(str(path), shapes.library_identity())
    hit, spared = list(shelf.keys())[:2]
    (src, _), = shapes._entries(shelf.get(hit), hit)
    (other, _), = shapes._entries(shelf.get(spared), spared)
    offset, length, _ = shelf.where(hit)
    where = shelf.base + offset + length // 2
    shelf.close()
    shapes.LIBRARY = str(damaged(path, tmp_path, where))
    assert shapes._shape(src, "test").co_name == "op"
    assert shapes._shape(other, "test").co_name == "op"
    assert compiled == [src]


def test_a_damaged_index_leaves_the_library_unused(library, compiled, tmp_path):
    path, sources = library
    shapes.LIBRARY = str(damaged(path, tmp_path, 40))
    src = sorted(sources)[0]
    shapes._shape(src, "test")
    assert compiled == [src] and shapes._shelves == []


def test_another_pythons_library_is_not_used(library, compiled, monkeypatch):
    path, sources = library
    shapes.LIBRARY = str(path)
    monkeypatch.setattr(shapes, "library_identity", lambda: b"another python")
    src = sorted(sources)[0]
    shapes._shape(src, "test")
    assert compiled == [src]


def test_a_missing_library_means_compiling(compiled, tmp_path):
    shapes.LIBRARY = str(tmp_path / "none.zvml")
    src = "def op(m, p0):\n    return p0\n"
    assert shapes._shape(src, "test").co_argcount == 2 and compiled == [src]


def test_a_stale_library_is_written_again(tmp_path, monkeypatch):
    """Missing, unreadable, or older than a source of the compiler: written
    (here with one shape, for speed)."""
    monkeypatch.setattr(shape_library, "sources", lambda: {"def op(m):\n    return 0\n": "nop"})
    path = tmp_path / "shapes.zvml"
    assert shape_library.stale(str(path))
    assert "shapes in" in shape_library.ensure(str(path))
    assert not shape_library.stale(str(path))
    assert "up to date" in shape_library.ensure(str(path))
    os.utime(path, (0, 0))                          # older than templates.py
    assert shape_library.stale(str(path))
    shape_library.ensure(str(path))
    assert not shape_library.stale(str(path))
    path.write_bytes(b"not a shelf")
    os.utime(path, None)
    assert shape_library.stale(str(path))


def test_the_tool_refuses_what_it_does_not_take(capsys):
    assert shape_library.main(["--bogus"]) == 2
    assert shape_library.main(["a", "b"]) == 2
    assert "usage" in capsys.readouterr().err


def moved(ins: Instruction, by: int) -> Instruction:
    """ins as if its bytes stood by bytes further on."""
    copy = Instruction()
    for name in Instruction.__slots__:
        setattr(copy, name, getattr(ins, name))
    copy.addr, copy.next = ins.addr + by, ins.next + by
    return copy


def test_code_shared_by_the_same_bytes_is_the_code_they_would_get():
    """Tier-0 code built for an instruction's bytes serves the same bytes
    elsewhere (``shapes._like``): for every opcode and kind of operand, the
    function is the one built afresh there, its addresses moved and an
    opcode's own Instruction its own; a branch that would leave memory is
    built afresh (its shape differs)."""
    layout = shapes.Layout(0x100, 0x4000, 0x20000, b"", 5, None, 16384, 0x200)
    shared = afresh = 0
    for ins in shape_library.instructions(5):
        raw = repr((ins.spec.name, ins.operands, ins.store, ins.branch)).encode()
        shapes._built(ins, layout, raw)
        for by in (0x100, 0x20000 - ins.next + 8):
            there = moved(ins, by)
            if shapes._like(layout.alike[raw], there, layout) is None:
                afresh += 1
            else:
                shared += 1
            code, src, numbers = shapes._built(there, layout, raw)
            again, src_again, numbers_again = shapes._built(there, layout)
            assert code.__code__ is again.__code__ and src == src_again
            assert code.__defaults__ == again.__defaults__
            assert all(x is there for x in numbers if isinstance(x, Instruction))
    assert shared > afresh > 0


def test_a_shape_the_library_lacks_comes_from_the_cache(library, compiled, tmp_path,
                                                       monkeypatch):
    """With the library and the shapes earlier runs kept, each shape comes
    from the one that holds it: none is compiled."""
    path, sources = library
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(diskcache, "enabled", True)
    kept = "def op(m, p0, p1, p2, p3, p4, p5, p6, p7, p8):\n    return p8\n"
    key = shapes.shape_key(kept)
    code = compile(kept, "<zvm shape test 0>", "exec")
    diskcache.save_shelf("shapes", shapes.__version__,
                         {key: marshal.dumps([(kept, marshal.dumps(code))])})
    shapes.LIBRARY = str(path)
    assert shapes._shape(kept, "test").co_argcount == 10
    assert shapes._shape(sorted(sources)[0], "test") is not None
    assert compiled == []
