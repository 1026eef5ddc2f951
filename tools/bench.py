#!/usr/bin/env python3
"""Benchmark zvm beside dfrotz on fixed workloads (stdlib only).

Each workload runs zvm as a subprocess, ``python -m zvm --headless --stats
[--seed N] STORY`` with the workload's commands on standard input, and
reads the line ``--stats`` prints at exit (``zvm: stats: N instructions in
S.SSS s``, S the time spent in the run loop). dfrotz plays the same input
in the same run, so ratios hold even on a busy machine. For each workload:

* cold: ``--no-cache``, nothing compiled beforehand;
* first: a first run with the disk cache, from an empty cache folder (it
  compiles more than a cold run, for the runs after it);
* warm: with compiled code kept from an earlier run (a cache folder of
  the benchmark's own, filled by one run first);
* machine: the machine alone, in process, text thrown away at the
  frontend (``tools/bench_machine.py``), its second run (code compiled);
* instr/s = instructions / run-loop seconds; zvm/dfrotz = whole-process
  wall times; same text = zvm's output equals dfrotz's.

    python tools/bench.py                    # everything, best of 3
    python tools/bench.py --only zork1 --repeat 1
    python tools/bench.py --praxix-repeat 25 # a shorter Praxix workload
    python tools/bench.py --startup          # time to the first prompt only
    python tools/bench.py --startup-terminal # ... and in the terminal UI
    python tools/bench.py --profile          # the ten costliest opcodes
    python tools/bench.py --library          # zvm.Game: steps/s, snapshots
    python tools/bench.py --terminal-draw    # the terminal UI paging long outputs
    python tools/bench.py --zvm ./dist/zvm   # another zvm command

``--startup`` times ``zvm --headless STORY`` on empty input beside dfrotz,
a bare ``python -c pass`` and ``dist/zvm`` when it has been built.
``--startup-terminal`` adds the time from launching ``zvm STORY`` in an
80x24 pseudo-terminal until its first prompt is drawn, in a pty that
answers blessed's queries and in a silent one. Workloads whose story
(under ../shared) is absent are skipped with a message.
"""


from __future__ import annotations

import argparse
import platform
import shlex
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):                       # run as a script: tools/bench.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from zvm.tools.bench_runs import (Result, Workload, bench_command, bench_dfrotz,
                                      bench_machine, bench_terminal, bench_zvm, find_dfrotz)
else:
    from zvm.tools.bench_runs import (Result, Workload, bench_command, bench_dfrotz,
                                      bench_machine, bench_terminal, bench_zvm, find_dfrotz)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BUNDLED = ROOT / "stories" / "hollinbrook.z5"

# Praxix test groups that are pure computation (no undo, no streams to files).
# Praxix's "quit" ends the story at once ("Goodbye."), with no confirmation.
PRAXIX_GROUPS = "operand comarith bitwise inc incchk indirect streamop specfixes".split()
PRAXIX_REPEAT = 400      # each group 400 times: about 7.9 million instructions


def compile_bytecode() -> str:
    """Write the bytecode of zvm's modules before anything is timed; where,
    and whether all of it could be written. Python started with
    PYTHONDONTWRITEBYTECODE set (as on the machine these figures come from)
    never writes it for a source checkout, so every run would compile zvm's
    modules from their source first: Zork I's first prompt then takes 90 ms
    rather than 25. An installed wheel has its bytecode already, and what is
    up to date is not written again. (``compileall`` leaves out folders that
    are links, as ui/, tools/ and stories/ are inside the package: they are
    compiled where they are.)"""
    import compileall

    import zvm
    package = Path(zvm.__file__).resolve().parent
    folders = {package, *(p.resolve() for p in package.iterdir() if p.is_symlink() and p.is_dir())}
    ok = all([compileall.compile_dir(str(f), quiet=2) for f in sorted(folders)])
    return f"{package}" + ("" if ok else " (not all written: those runs compile from source)")


def shape_library() -> str:
    """The library of tier-0 shapes zvm ships, written now when it is stale
    (``make bytecode`` writes it too): what was done."""
    from zvm.tools import shape_library
    try:
        return shape_library.ensure()
    except OSError as e:
        return f"not written ({e.strerror or e}): every run compiles its shapes"


def workloads(shared: Path, praxix_repeat: int = PRAXIX_REPEAT) -> list[Workload]:
    praxix_input = "".join(f"{g}\n" * praxix_repeat for g in PRAXIX_GROUPS) + "quit\n"
    return [
        Workload("praxix", shared / "stories" / "praxix.z5", text=praxix_input,
                 about=f"{len(PRAXIX_GROUPS)} Praxix groups x {praxix_repeat}, then quit"),
        Workload("zork1", shared / "stories" / "zork1.z3",
                 commands=shared / "transcripts" / "zork1.cmd", seed=12,
                 about="Zork I walkthrough (zork1.cmd), seed 12"),
    ]


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def throughput(zvm: list[str], python: str, dfrotz: str | None, ready: list[Workload],
               repeat: int, timeout: float, notes: list[str]) -> None:
    rows = []
    for w in ready:
        print(f"{w.name}: {w.about} ...", flush=True)
        d = bench_dfrotz(dfrotz, w, repeat, timeout) if dfrotz else None
        if d is not None and d.error:
            notes.append(f"{w.name}: dfrotz failed: {d.error}")
        with tempfile.TemporaryDirectory(prefix="zvm-bench-cache-") as cache:
            bench_zvm(zvm, w, 1, timeout, cache=cache)               # fills the cache
            results = [("cold", bench_zvm(zvm, w, repeat, timeout)),
                       ("first", first_runs(zvm, w, repeat, timeout)),
                       ("warm", bench_zvm(zvm, w, repeat, timeout, cache=cache))]
        alone = bench_machine(python, w, repeat, timeout)
        if alone.error:
            notes.append(f"{w.name}: machine alone failed: {alone.error}")
        for label, z in results:
            if z.error:
                notes.append(f"{w.name} ({label}): zvm failed: {z.error}")
            ips = (z.instructions / z.loop) if (z.instructions and z.loop) else None
            ratio = (z.wall / d.wall) if (d and z.wall and d.wall) else None
            same = "-"
            if d is not None and z.stdout is not None and d.stdout is not None:
                same = "yes" if z.stdout == d.stdout else "no"
            machine = (alone.instructions / alone.loop) \
                if (alone.instructions and alone.loop and label == "warm") else None
            rows.append([f"{w.name} {label}", fmt(z.instructions, ","), fmt(z.wall, ".3f"),
                         fmt(ips and ips / 1e6, ".2f"), fmt(machine and machine / 1e6, ".2f"),
                         fmt(d.wall if d else None, ".3f"), fmt(ratio, ".1f"), same])
    print()
    print(table(["workload", "instructions", "zvm wall s", "M instr/s", "machine M/s",
                 "dfrotz s", "zvm/dfrotz", "same text"], rows))
    print()
    print("M instr/s: with output (headless), over the run loop; machine M/s: the machine "
          "alone, text dropped at the frontend")
    print("zvm/dfrotz: whole-process wall times in the same run; same text: zvm's output "
          "equals dfrotz's (dfrotz 2.54 drops bold/italic text)")


def first_runs(zvm: list[str], w: Workload, repeat: int, timeout: float) -> Result:
    """zvm's first run of w with the disk cache, each from an empty folder."""
    res = Result()
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="zvm-bench-cache-") as cache:
            one = bench_zvm(zvm, w, 1, timeout, cache=cache)
        if one.error:
            return one
        res.walls += one.walls
        res.loops += one.loops
        res.instructions, res.stdout = one.instructions, one.stdout
    return res


def startup(zvm: list[str], python: str, dfrotz: str | None, ready: list[Workload],
            repeat: int, timeout: float, terminal: bool, notes: list[str]) -> None:
    rows = []
    bare = bench_command([python, "-c", "pass"], repeat, timeout)
    dist = ROOT / "dist" / "zvm"
    for w in ready:
        print(f"{w.name}: startup ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="zvm-bench-cache-") as cache:
            bench_zvm(zvm, w, 1, timeout, stats=False, cache=cache)   # fills the cache
            z = bench_zvm(zvm, w, repeat, timeout, stats=False, cache=cache)
        cold = bench_zvm(zvm, w, repeat, timeout, stats=False)
        d = bench_dfrotz(dfrotz, w, repeat, timeout, stdin="") if dfrotz else None
        b = bench_zvm([str(dist)], w, repeat, timeout, stats=False) if dist.exists() else None
        if z.error:
            notes.append(f"{w.name}: zvm failed: {z.error}")
        ratio = (z.wall / d.wall) if (d and z.wall and d.wall) else None
        row = [w.name, fmt(z.wall, ".3f"), fmt(cold.wall, ".3f"), fmt(b.wall if b else None, ".3f"),
               fmt(d.wall if d else None, ".3f"), fmt(bare.wall, ".3f"), fmt(ratio, ".1f")]
        if terminal:
            for answer in (True, False):
                t = bench_terminal(zvm, w.story, repeat, min(timeout, 60), answer)
                if t.error:
                    notes.append(f"{w.name}: zvm in a pty ({'answering' if answer else 'silent'})"
                                 f" failed: {t.error}")
                row.append(fmt(t.wall, ".3f"))
        rows.append(row)
    print()
    print("Time to the first prompt (empty input, headless), seconds: zvm with the code an "
          "earlier run kept, and with none (--no-cache); 'python' is a bare 'python -c pass'")
    header = ["story", "zvm s", "no cache s", "dist/zvm s", "dfrotz s", "python s", "zvm/dfrotz"]
    if terminal:
        print("pty s: the terminal UI in an 80x24 pty that answers blessed's queries; "
              "silent pty s: one that never answers")
        header += ["pty s", "silent pty s"]
    print(table(header, rows))


def profile(python: str, ready: list[Workload], timeout: float, notes: list[str]) -> None:
    for w in ready:
        print(f"{w.name}: the ten costliest opcodes (tier 0, clocked one by one)")
        r = bench_machine(python, w, 1, timeout, profile=True)
        if r.error:
            notes.append(f"{w.name}: profile failed: {r.error}")
        else:
            print(r.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark zvm beside dfrotz.")
    ap.add_argument("--repeat", type=int, default=3, metavar="N",
                    help="runs per measurement; the best is reported (default 3)")
    ap.add_argument("--only", metavar="NAME", help="run only this workload (praxix, zork1)")
    ap.add_argument("--praxix-repeat", type=int, default=PRAXIX_REPEAT, metavar="N",
                    help=f"times each Praxix group runs (default {PRAXIX_REPEAT})")
    ap.add_argument("--zvm", metavar="CMD",
                    help="zvm command to benchmark (default: this Python's -m zvm)")
    ap.add_argument("--startup", action="store_true",
                    help="measure only the time to the first prompt (empty input, headless)")
    ap.add_argument("--startup-terminal", action="store_true",
                    help="as --startup, and also in the terminal UI in a pseudo-terminal "
                         "(adds the bundled story)")
    ap.add_argument("--profile", action="store_true",
                    help="name the ten opcodes that take the most time")
    ap.add_argument("--library", action="store_true",
                    help="measure zvm.Game: steps per second, snapshots and restores")
    ap.add_argument("--terminal-draw", action="store_true",
                    help="measure the terminal UI drawing long outputs: [MORE] pages and "
                         "keys typed")
    ap.add_argument("--dfrotz", metavar="PATH",
                    help="dfrotz to compare with (default: found on PATH or /usr/games; "
                         "'none' to skip)")
    ap.add_argument("--shared", metavar="DIR", type=Path, default=SHARED,
                    help=f"where the stories and transcripts are (default {SHARED})")
    ap.add_argument("--timeout", type=float, default=1800, metavar="S",
                    help="give up on one run after S seconds (default 1800)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{platform.machine()}")
    print(f"zvm bytecode: {compile_bytecode()}")
    print(f"shape library: {shape_library()}")
    if args.library:
        from zvm.tools import bench_library
        return bench_library.run(args.shared, args.repeat)
    if args.terminal_draw:
        from zvm.tools import bench_draw
        return bench_draw.run(args.repeat)

    python = sys.executable
    zvm = shlex.split(args.zvm) if args.zvm else [python, "-m", "zvm"]
    dfrotz = find_dfrotz(args.dfrotz)
    chosen = workloads(args.shared, args.praxix_repeat)
    terminal = args.startup_terminal
    if terminal:
        args.startup = True
        chosen.append(Workload("hollinbrook", BUNDLED, about="the bundled story"))
    if args.only:
        chosen = [w for w in chosen if w.name == args.only]
        if not chosen:
            ap.error(f"no workload named {args.only!r} "
                     f"(have: {', '.join(w.name for w in workloads(args.shared))})")
    print(f"zvm:    {shlex.join(zvm)}")
    print(f"dfrotz: {dfrotz or 'not found (no comparison)'}")
    print(f"best of {args.repeat}")
    print()
    ready = []
    for w in chosen:
        absent = w.missing()
        if absent is not None:
            print(f"skip {w.name}: {absent} is absent")
        else:
            ready.append(w)
    if not ready:
        print("nothing to run")
        return 0
    notes: list[str] = []
    if args.profile:
        profile(python, ready, args.timeout, notes)
    elif args.startup:
        startup(zvm, python, dfrotz, ready, args.repeat, args.timeout, terminal, notes)
    else:
        throughput(zvm, python, dfrotz, ready, args.repeat, args.timeout, notes)
    if notes:
        print()
        for note in notes:
            print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
