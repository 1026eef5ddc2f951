#!/usr/bin/env python3
"""Benchmarks of zvm as a library (zvm.Game, valid_actions, zvm.Games).

Usage:
    python3 tools/bench_library.py [--shared DIR] [--repeat N] [--games N] [--workers N]
    python3 tools/bench.py --library          (the same, through the main benchmark)

Reports, on Zork I (../shared/stories/zork1.z3) and its walkthrough:
  * Game.step steps per second over the walkthrough, alone and with a
    snapshot() after every step, with the disk cache an earlier process
    filled (a folder of the benchmark's own: the figures never depend on
    what the user's cache holds); and in that first process, whose cache
    was empty and which compiles as it goes;
  * snapshot() + restore() (kept in memory; bytes(snapshot) is the Quetzal
    file) and copy() per call;
  * valid_actions() after 0, 25 and 200 walkthrough commands: candidates,
    valid actions, wall and CPU seconds in one process, and wall seconds
    with 2 worker processes;
  * zvm.Games: steps per second of N games (default 16) stepped through
    the walkthrough by one process (plain Games in a loop) and by Games
    with 1 and 2 workers, and the speed-up of 2 workers over one process;
    beside it the same games split between 2 processes that share nothing
    and never wait for each other (the most a pool can get on this
    machine); each speed-up is taken within one round of the three, and
    the median of N rounds is reported with every round's figure;
  * the memory of 100 Games of Zork I, reset, in one fresh process (its
    largest resident set, and that of the process before the games).
Speeds depend on the machine and on what else runs on it (best of N runs).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median_high
from types import ModuleType

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest wall time of repeat calls of run() (repeat >= 1)."""
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    return best


def walkthrough(zvm: ModuleType, story: Path, lines: list[str], repeat: int,
                snap: bool = False) -> float:
    """The best time of repeat walkthroughs by Game.step (a snapshot after
    each step with snap), after one that is not timed."""
    def run() -> None:
        game = zvm.Game(story, seed=12)
        game.reset()
        _ = game.profile.status             # learned once per process, not timed
        for command in lines:
            game.step(command)
            if snap:
                game.snapshot()
    run()
    return best_of(repeat, run)


FIRST = """
import sys, zvm
from zvm.tools.bench_library import walkthrough
story, lines, repeat = sys.argv[1], open(sys.argv[2]).read().splitlines(), int(sys.argv[3])
print(len(lines) / walkthrough(zvm, story, lines, repeat))
"""


def first_process(story: Path, walkthrough: Path, repeat: int) -> None:
    """Game.step in a process of its own whose disk cache is empty (the
    folder ``run`` set): one walkthrough, then the best of repeat. What
    it compiles it keeps there for the steps measured after it."""
    done = subprocess.run([sys.executable, "-c", FIRST, str(story), str(walkthrough),
                           str(repeat)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"  first process failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    rate = float(done.stdout.split()[-1])
    print(f"  {'step, first process':<22} {rate:9.0f} steps/s   (empty cache: it compiles "
          f"as it goes)")


def steps(zvm: ModuleType, story: Path, lines: list[str], repeat: int) -> None:
    for label, snap in (("step", False), ("step + snapshot", True)):
        t = walkthrough(zvm, story, lines, repeat, snap)
        print(f"  {label:<22} {len(lines) / t:9.0f} steps/s   ({t:.3f} s for {len(lines)})")


def states(zvm: ModuleType, story: Path, lines: list[str], repeat: int) -> None:
    game = zvm.Game(story, seed=12)
    game.reset()
    for command in lines[:100]:
        game.step(command)
    state = game.snapshot()
    n = 200

    def both() -> None:
        for _ in range(n):
            game.restore(game.snapshot())

    def copies() -> None:
        for _ in range(n):
            game.copy()
    t = best_of(repeat, both)
    print(f"  snapshot + restore     {t / n * 1000:9.3f} ms     ({len(state)} bytes)")
    t = best_of(repeat, copies)
    print(f"  copy                   {t / n * 1000:9.3f} ms")


def valid(zvm: ModuleType, story: Path, lines: list[str]) -> None:
    from zvm.research.actions import generate
    for moves in (0, 25, 200):
        game = zvm.Game(story, seed=12)
        game.reset()
        for command in lines[:moves]:
            game.step(command)
        _ = game.profile.mask                   # learned once per story, not timed
        count = len(generate(game, game.access.capture()))
        wall, cpu = time.perf_counter(), time.process_time()
        found = game.valid_actions()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        two = time.perf_counter()
        again = game.valid_actions(workers=2)
        two = time.perf_counter() - two
        game.close()
        same = "same" if sorted(again) == sorted(found) else "DIFFERENT"
        print(f"  after {moves:3d} commands: {count:6d} candidates, {len(found):3d} valid, "
              f"{wall:6.2f} s wall, {cpu:6.2f} s CPU; 2 workers {two:6.2f} s ({same})")


def games(zvm: ModuleType, story: Path, lines: list[str], count: int, workers: int,
          repeat: int = 3) -> None:
    commands = lines[:60]

    def apart(seeds: range) -> float:
        """Seconds for these games, stepped in this process."""
        gs = [zvm.Game(story, seed=s) for s in seeds]
        for g in gs:
            g.reset()
            _ = g.profile.status
        start = time.perf_counter()
        for c in commands:
            for g in gs:
                g.step(c)
        return time.perf_counter() - start

    def pool(w: int) -> float:
        with zvm.Games([story] * count, seed=12, workers=w) as gs:
            gs.reset()
            gs.step(["look"] * count)             # every worker has learned the story
            start = time.perf_counter()
            for c in commands:
                gs.step([c] * count)
            return time.perf_counter() - start

    def ceiling(w: int) -> float:
        """The same games split between w processes that share nothing and
        never wait for each other: what this machine allows a pool."""
        import multiprocessing
        context = multiprocessing.get_context("fork")
        pipes, procs = [], []
        for k in range(w):
            mine, theirs = context.Pipe()
            procs.append(context.Process(
                target=lambda c=theirs, k=k: c.send(apart(range(12 + k, 12 + count, w)))))
            pipes.append(mine)
        for p in procs:
            p.start()
        times = [c.recv() for c in pipes]
        for p in procs:
            p.join()
        return max(times)

    # One process, the pools and the ceiling are measured one after another
    # in each round, and each speed-up is taken within its round: on a shared
    # machine the speed of a core changes from minute to minute, and a ratio
    # of two moments says more about the machine than about the pool.
    steps_n = count * len(commands)
    pools = sorted({1, workers})
    bases: list[float] = []                 # seconds of one process, by round
    pooled: dict[int, list[float]] = {w: [] for w in pools}    # speed-ups, by round
    apart_w: list[float] = []
    for _ in range(repeat):
        base = apart(range(12, 12 + count))
        bases.append(base)
        for w in pools:
            pooled[w].append(base / pool(w))
        apart_w.append(base / ceiling(workers))
    print(f"  one process            {steps_n / median_high(bases):9.0f} steps/s   "
          f"({count} games; median of {repeat} rounds)")

    def spread(values: list[float]) -> str:
        return f"{median_high(values):4.2f}x (rounds: {', '.join(f'{x:.2f}' for x in values)})"
    for w in pools:
        print(f"  Games, {w} worker{'s' if w > 1 else ' '}        speed-up "
              f"{spread(pooled[w])} over one process")
    print(f"  {workers} processes apart      speed-up {spread(apart_w)}"
          f"  (no pool, no waiting: the machine's ceiling)")


def run(shared: Path = SHARED, repeat: int = 3, count: int = 16, workers: int = 2) -> int:
    story, walkthrough = shared / "stories" / "zork1.z3", shared / "transcripts" / "zork1.cmd"
    if not story.exists() or not walkthrough.exists():
        print(f"skip library: {story} or {walkthrough} is absent")
        return 0
    # A disk cache of the benchmark's own, filled by the first process below
    # (removed at exit, after zvm has written to it: atexit runs the handlers
    # registered later first).
    cache = tempfile.mkdtemp(prefix="zvm-bench-cache-")
    atexit.register(shutil.rmtree, cache, True)
    os.environ["XDG_CACHE_HOME"] = cache
    import zvm
    lines = walkthrough.read_text().splitlines()
    print(f"library benchmarks on Zork I, best of {repeat}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    print("Game.step on the walkthrough (the rows after the first: the cache it filled):")
    first_process(story, walkthrough, repeat)
    steps(zvm, story, lines, repeat)
    print("states:")
    states(zvm, story, lines, repeat)
    print("valid_actions:")
    valid(zvm, story, lines)
    print("memory:")
    memory(story)
    print(f"zvm.Games, {count} games, 60 commands each:")
    games(zvm, story, lines, count, workers, repeat)
    return 0


MEMORY = """
import resource, sys


def peak():
    # The largest resident set of this process since it started (KB).
    # ru_maxrss can carry the high-water mark of the process that started
    # this one across exec on Linux; VmHWM belongs to this process alone.
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


import zvm
before = peak()
games = [zvm.Game(sys.argv[1], seed=i) for i in range(100)]
for g in games:
    g.reset()
print(before, peak())
"""


def memory(story: Path) -> None:
    """100 Games in a process of their own (largest resident set, in KB)."""
    done = subprocess.run([sys.executable, "-c", MEMORY, str(story)], capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        print(f"  failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    before, after = (int(x) / 1024 for x in done.stdout.split())
    print(f"  100 Games of Zork I        {after:7.1f} MB resident   "
          f"(the process before them {before:.1f} MB)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark zvm as a library.")
    ap.add_argument("--shared", type=Path, default=SHARED, metavar="DIR",
                    help=f"where the stories and transcripts are (default {SHARED})")
    ap.add_argument("--repeat", type=int, default=3, metavar="N", help="runs per measurement")
    ap.add_argument("--games", type=int, default=16, metavar="N", help="games for zvm.Games")
    ap.add_argument("--workers", type=int, default=2, metavar="N", help="workers for zvm.Games")
    args = ap.parse_args(argv)
    return run(args.shared, max(1, args.repeat), max(1, args.games), max(1, args.workers))


if __name__ == "__main__":
    sys.exit(main())
