"""What tools/build_dist.py puts into the one-file binary, without building
it (tests/test_dist.py builds it): the files left out of the folder
unpacked at every start."""

from __future__ import annotations

from zvm.tools import build_dist


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


def test_start_up_does_not_run_the_inspect_hook():
    scripts = ["pyiboot01_bootstrap", "pyi_rth_inspect", "launcher"]
    assert [s for s in scripts if build_dist.keep_script(entry(s, typecode="PYSOURCE"))] == \
        ["pyiboot01_bootstrap", "launcher"]


def test_the_binary_carries_zvms_commands_but_not_its_library_or_dev_tools():
    modules = build_dist.zvm_modules()
    for needed in ("zvm.cli.main", "zvm.ui.terminal", "zvm.ui.headless", "zvm.tools.regtest",
                   "zvm.tools.record", "zvm.tools.disassemble", "zvm.tools.dump"):
        assert needed in modules
    assert not [m for m in modules if m.startswith(("zvm.research", "zvm.tools.bench",
                                                    "zvm.tools.fuzz", "zvm.tools.build_dist",
                                                    "zvm.tools.pytest_regtest"))]
