"""The shape of the code (issue: the house): every opcode of every
version has an implementation; the rooms import in one direction only;
zvm's own code never imports the frontends, the tools or blessed; no
module grows past 600 lines.

Imports are read from the source with ``ast``, function-level ones
included (a cycle through a lazy import is still a cycle); imports under
``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import ROOT
from zvm.compile.templates import TEMPLATES
from zvm.vm.ops import IMPLEMENTATIONS
from zvm.vm.optable import table

SUPPORTED_VERSIONS = (1, 2, 3, 4, 5, 6, 7, 8)

# The folders whose modules make up the package, by the name they import as.
PACKAGES = {"zvm": ROOT / "zvm", "zvm.ui": ROOT / "ui", "zvm.tools": ROOT / "tools",
            "zvm.stories": ROOT / "stories"}


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_opcode_has_an_implementation(version):
    """Each entry of the version's opcode table (§14) is compiled inline
    or has a function in zvm.vm.ops: none waits to fail at run time."""
    missing = sorted({spec.name for spec in table(version).values()
                      if spec.name not in TEMPLATES and spec.name not in IMPLEMENTATIONS})
    assert not missing, f"version {version}: no implementation for {missing}"


def test_every_implementation_is_an_opcode():
    """No implementation outlives its opcode (a misspelt name would)."""
    names = {spec.name for v in SUPPORTED_VERSIONS for spec in table(v).values()}
    assert not sorted(set(IMPLEMENTATIONS) - names)
    assert not sorted(set(TEMPLATES) - names)


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder)
            if package == "zvm" and rel.parts[0] in ("ui", "tools", "stories"):
                continue                       # links to the folders above
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that module imports when it runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking(node):
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[:len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {m: _imports(m, p, known) for m, p in modules.items()}


def test_no_import_cycles():
    graph = _graph()
    # A package imports its own submodules to gather them (zvm.vm.ops
    # collects the implementations): that edge is not a cycle.
    edges = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in sorted(edges.get(m, ())):
            if state.get(d) == 1:
                cycles.append(path[path.index(d):] + [d] if d in path else [m, d])
            elif d not in state:
                walk(d, path + [d])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            walk(m, [m])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_machine_never_imports_frontends_tools_or_blessed():
    graph = _graph()
    bad = {}
    for module, deps in graph.items():
        if module.startswith(("zvm.ui", "zvm.tools", "zvm.stories")) \
                or module in ("zvm.cli.plugins",):
            continue                           # the one place that names them by string
        wrong = sorted(d for d in deps if d.startswith(("zvm.ui", "zvm.tools")))
        if wrong:
            bad[module] = wrong
    assert not bad
    for module, path in _modules().items():
        if module.startswith(("zvm.ui", "zvm.tools", "zvm.stories")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                assert not [n for n in names if n.split(".")[0] == "blessed"], module


def test_no_module_over_600_lines():
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long


def test_header_fields_are_read_by_name():
    """The header's fields are named in zvm.story.header (§11.1): code reads
    them through OFFSET or the Header record, not as memory at a raw
    offset such as mem[0x12] (issue 10, item 4)."""
    import re
    raw = re.compile(r"\bmem\[0x[0-9a-fA-F]+")
    found = [f"{m}:{i}" for m, p in _modules().items() if m != "zvm.story.header"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if raw.search(line)]
    assert not found, found


HEAVY_AT_START = ["construct", "typing", "argparse", "inspect", "tempfile", "shutil",
                  "dataclasses", "importlib.metadata", "blessed", "re", "enum"]


@pytest.mark.parametrize("story", ["zork1.z3", "praxix.z5"])
def test_start_up_imports_nothing_heavy(story, tmp_path):
    """Start-up is budgeted (issue 11: 50 ms to the first prompt): a
    headless game, played to its first prompt and saved at exit with the
    disk cache on, never imports a file format library, typing, argparse
    or the other modules each costing milliseconds that a run may not
    need."""
    import os
    import subprocess
    import sys

    from helpers import shared_story
    path = shared_story(story)
    probe = ("import sys\nfrom zvm.cli.guard import main\n"
             f"sys.argv = ['zvm', '--headless', {str(path)!r}]\n"
             "try:\n    main()\nfinally:\n"
             "    import atexit\n    atexit._run_exitfuncs()     # the cache is saved at exit\n"
             f"    heavy = [m for m in {HEAVY_AT_START!r} if m in sys.modules]\n"
             "    print('heavy:', *heavy, file=sys.stderr)\n")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    for _ in range(2):                             # cold cache, then warm
        p = subprocess.run([sys.executable, "-c", probe], input="", capture_output=True,
                           text=True, env=env, timeout=120)
        assert "heavy:" in p.stderr, p.stderr
        assert p.stderr.split("heavy:")[1].split() == [], p.stderr
