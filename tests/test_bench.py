"""tools/bench.py (issue 11 item 7): its table has a row for each way a
workload runs, zvm beside dfrotz in the same run, and zvm's text must be
dfrotz's. Timings are not asserted (they are benchmarks, not tests)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dfrotz_ref import DFROTZ
from helpers import ROOT, shared_story, shared_transcript

pytestmark = pytest.mark.slow


def test_the_throughput_table_has_cold_first_and_warm_rows_beside_dfrotz():
    shared_story("zork1.z3")
    shared_transcript("zork1.cmd")
    if not os.access(DFROTZ, os.X_OK):
        pytest.skip(f"{DFROTZ} is absent")
    p = subprocess.run([sys.executable, str(ROOT / "tools" / "bench.py"), "--only", "zork1",
                        "--repeat", "1", "--dfrotz", DFROTZ],
                       capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    rows = {line.split()[1]: line.split() for line in p.stdout.splitlines()
            if line.startswith("zork1 ")}
    assert sorted(rows) == ["cold", "first", "warm"], p.stdout
    for label, cells in rows.items():
        # workload, label, instructions, wall, M/s, machine M/s, dfrotz s, ratio, same text
        assert cells[2] == "702,334", (label, cells)
        assert float(cells[3]) > 0 and float(cells[6]) > 0 and float(cells[7]) > 0
        assert cells[8] == "yes", (label, "zvm's text differs from dfrotz's")
    assert rows["warm"][5] != "-"                 # the machine alone, measured once
    assert rows["cold"][5] == rows["first"][5] == "-"


def test_the_terminal_draw_benchmark_pages_through_the_whole_output():
    """``bench.py --terminal-draw``: each output is paged to its end (every
    logical line takes two rows at 80 columns, a page shows 23 new rows at
    most, and the last one needs no key), and a key typed after it is timed."""
    pytest.importorskip("blessed")
    from zvm.tools import bench_draw
    for lines in (300, 3000):
        write, paging, pages, per_key = bench_draw.draw(lines)
        assert pages >= (2 * lines - 24) / 23, (lines, pages)   # (the last screen: no key)
        assert write > 0 and paging > 0 and per_key > 0


def test_the_benchmark_writes_zvm_bytecode_before_timing_linked_rooms_included():
    """Runs are timed with zvm's modules compiled: Python started with
    PYTHONDONTWRITEBYTECODE set writes no bytecode itself, and each run
    would compile them from source. ui/ sits in the package as a link,
    which compileall passes over unless told."""
    from zvm.tools import bench
    tag = sys.implementation.cache_tag
    written = [ROOT / "ui" / "__pycache__" / f"headless_grid.{tag}.pyc",
               ROOT / "zvm" / "vm" / "__pycache__" / f"machine.{tag}.pyc"]
    for pyc in written:
        pyc.unlink(missing_ok=True)
    assert bench.compile_bytecode() == str((ROOT / "zvm").resolve())
    assert all(pyc.is_file() for pyc in written)


def test_the_library_benchmark_times_a_first_process_that_fills_a_cache_for_the_rest(
        tmp_path, monkeypatch, capsys):
    """Game.step is timed in a first process with an empty disk cache, which
    keeps what it compiles in the benchmark's own folder, so the rows after
    it never depend on what the user's cache holds."""
    story, walkthrough = shared_story("zork1.z3"), shared_transcript("zork1.cmd")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from zvm.tools import bench_library
    bench_library.first_process(story, walkthrough, 1)
    out = capsys.readouterr().out
    assert out.split()[:3] == ["step,", "first", "process"] and float(out.split()[3]) > 0
    assert any(name.endswith(".zvmc") for name in os.listdir(tmp_path / "zvm"))
