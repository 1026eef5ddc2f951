"""What tools/build_dist.py puts into the one-file binary, without building
it (tests/test_dist.py builds it): the runtime hook that defers
PyInstaller's hook for pkgutil until pkgutil is imported, and the files
left out of the folder unpacked at every start."""

from __future__ import annotations

import subprocess
import sys

from zvm.tools import build_dist

# Stands for PyInstaller's hook: records what it saw when it ran.
FAKE_HOOK = """\
import pkgutil, sys
pkgutil.HOOK_RUNS = getattr(pkgutil, "HOOK_RUNS", 0) + 1
pkgutil.SAW_ITER_MODULES = hasattr(pkgutil, "iter_modules")
"""

PROBE = """\
import sys
sys.frozen = {frozen}
{before}
exec(compile(open(sys.argv[1]).read(), "pyi_rth_lazy_pkgutil", "exec"), {{"__name__": "__main__"}})
print("at start:", "pkgutil" in sys.modules, "typing" in sys.modules)
import pkgutil
import pkgutil
print("hook runs:", getattr(pkgutil, "HOOK_RUNS", 0), getattr(pkgutil, "SAW_ITER_MODULES", None))
print("finder left:", any(type(f).__name__ == "_PkgutilFinder" for f in sys.meta_path))
print("modules listed:", any(m.name == "json" for m in pkgutil.iter_modules()))
"""


def run_hook(tmp_path, frozen=True, before=""):
    hook = tmp_path / "hook.py"
    hook.write_text(build_dist.lazy_hook_source(FAKE_HOOK))
    probe = PROBE.format(frozen=frozen, before=before)
    result = subprocess.run([sys.executable, "-S", "-c", probe, str(hook)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_pkgutil_hook_waits_for_pkgutil_then_runs_once(tmp_path):
    assert run_hook(tmp_path) == ["at start: False False", "hook runs: 1 True",
                                  "finder left: False", "modules listed: True"]


def test_the_pkgutil_hook_runs_at_once_when_pkgutil_is_already_there(tmp_path):
    lines = run_hook(tmp_path, before="import pkgutil")
    assert lines[1:] == ["hook runs: 1 True", "finder left: False", "modules listed: True"]


def test_the_pkgutil_hook_does_nothing_outside_a_frozen_binary(tmp_path):
    assert run_hook(tmp_path, frozen=False)[1] == "hook runs: 0 None"


def entry(dest, source=None, typecode="DATA"):
    return (dest, source or f"/src/{dest}", typecode)


def test_only_the_stories_are_unpacked_from_the_stories_folder():
    kept = [name for name in ("hollinbrook.z5", "v6demo.z6", "v6demo.blb", "hollinbrook.inf",
                              "v6demo.walkthrough", "README.md")
            if build_dist.keep(entry(f"zvm/stories/{name}"))]
    assert kept == ["hollinbrook.z5", "v6demo.z6", "v6demo.blb"]


def test_links_to_pillows_libraries_and_typing_stubs_are_not_unpacked():
    assert not build_dist.keep(entry("libjpeg-1.so.62", "pillow.libs/libjpeg-1.so.62", "SYMLINK"))
    assert not build_dist.keep(entry("wcwidth/_wcwidth_c.pyi"))
    assert not build_dist.keep(entry("wcwidth/py.typed"))
    assert build_dist.keep(entry("libpython3.11.so.1.0", typecode="BINARY"))
    assert build_dist.keep(entry("base_library.zip"))


def test_start_up_runs_neither_the_inspect_nor_the_eager_pkgutil_hook():
    scripts = ["pyiboot01_bootstrap", "pyi_rth_inspect", "pyi_rth_pkgutil",
               "pyi_rth_lazy_pkgutil", "launcher"]
    assert [s for s in scripts if build_dist.keep_script(entry(s, typecode="PYSOURCE"))] == \
        ["pyiboot01_bootstrap", "pyi_rth_lazy_pkgutil", "launcher"]


def test_the_binary_carries_zvms_commands_but_not_its_library_or_dev_tools():
    modules = build_dist.zvm_modules()
    for needed in ("zvm.cli.main", "zvm.ui.terminal", "zvm.ui.headless", "zvm.tools.regtest",
                   "zvm.tools.record", "zvm.tools.disassemble", "zvm.tools.dump"):
        assert needed in modules
    assert not [m for m in modules if m.startswith(("zvm.research", "zvm.tools.bench",
                                                    "zvm.tools.fuzz", "zvm.tools.build_dist",
                                                    "zvm.tools.pytest_regtest"))]
