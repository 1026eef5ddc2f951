"""Fuzzing zvm: ``python -m zvm.tools.fuzz --minutes 30 --seeds 1-3`` (or
``make fuzz FUZZ_ARGS="..."``) runs zvm on damaged and crafted stories,
saves, input lines and faulty streams and folders until the time is up,
and reports every run that ended in a failure — a traceback, an internal
error or crash report, an exit status other than 0/1/2, a run past its
time, memory or output bound, temporary files left behind — with the
input that caused it, minimised. It ends with a table: runs and failures
by family and kind, and the time taken. Exit status 1 when anything failed.

A seed fixes the sequence of cases (``fuzz_cases.generate``): the same
seed runs the same cases in the same order; the time given only decides
how far along the sequence a run gets (``--runs N`` fixes that too).
The modules: ``fuzz_cases`` (what to run), ``fuzz_saves`` (saves),
``fuzz_run`` (running and judging, and the ``zvm.Game`` driver a library case
runs), ``fuzz_shrink`` (minimising).
"""

from __future__ import annotations

import argparse
import glob
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TextIO

from zvm.tools import fuzz_saves
from zvm.tools.fuzz_cases import FAMILIES, Case, Pool, generate
from zvm.tools.fuzz_run import KINDS, Limits, Outcome, run_case, zvm_command
from zvm.tools.fuzz_shrink import Budget, shrink

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.realpath(HERE))
STORY_FILES = ("*.z[1-8]", "*.zblorb", "*.zlb")
# Stories made to run forever or to wait for real time, or to print without
# end (print_loop.z5 at key 2): every case on them would only measure the
# time or output bound.
SKIP = {"loop.z5", "print_loop.z5"}


@dataclass
class Failure:
    outcome: Outcome
    case: Case
    seed: int
    index: int
    count: int = 1
    shrunk: Case | None = None
    shrink_runs: int = 0


@dataclass
class Tally:
    runs: dict = field(default_factory=dict)            # family -> runs
    failures: dict = field(default_factory=dict)        # (family, kind) -> count
    excused: dict = field(default_factory=dict)         # remark -> count
    busy: dict = field(default_factory=dict)            # family -> seconds in runs
    seconds: float = 0.0
    distinct: dict = field(default_factory=dict)        # signature -> Failure

    @property
    def total_failures(self) -> int:
        return sum(self.failures.values())


def default_story_folders() -> list[str]:
    folders = [os.path.join(ROOT, "tests", "stories"), os.path.join(ROOT, "stories"),
               os.path.join(os.path.dirname(ROOT), "shared", "stories")]
    return [f for f in folders if os.path.isdir(f)]


def find_stories(folders: list[str]) -> list[str]:
    found = []
    for folder in folders:
        for pattern in STORY_FILES:
            found += [p for p in glob.glob(os.path.join(folder, pattern))
                      if os.path.basename(p) not in SKIP]
    # Real paths: a case number names the same story however the folders are spelt.
    return sorted({os.path.realpath(p) for p in found})


def parse_case(text: str) -> tuple[int, int]:
    """'2:55' -> (2, 55): the seed and case number of a report; ValueError
    for anything else."""
    seed, colon, index = text.partition(":")
    if not (colon and seed.isdigit() and index.isdigit()):
        raise ValueError(text)
    return int(seed), int(index)


MAX_SEEDS = 100_000      # more would give each seed no time, and fill memory first


def parse_seeds(text: str) -> list[int]:
    """'1-3' -> [1, 2, 3]; '1,5,7-8' -> [1, 5, 7, 8]; ValueError for anything
    else, a range that runs backwards, or more than MAX_SEEDS seeds."""
    seeds: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        first, last = int(a), int(b or a)
        if first < 0 or last < first or len(seeds) + last - first >= MAX_SEEDS:
            raise ValueError(part)
        seeds += range(first, last + 1)
    return seeds


class Campaign:
    """Cases of each seed in turn, until their share of the time is used."""

    def __init__(self, stories: list[str], limits: Limits, zvm: list[str], workdir: str,
                 shrink_runs: int = 40, families: Collection[str] | None = None,
                 out: TextIO = sys.stdout, saves: bool = True) -> None:
        self.limits, self.zvm, self.workdir = limits, zvm, workdir
        self.shrink_runs, self.families, self.out = shrink_runs, families, out
        self.pool = Pool(stories)
        self.tally = Tally()
        if saves:
            self.pool.make_saves = lambda story: fuzz_saves.make_saves(story, workdir, zvm)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def run(self, seeds: list[int], seconds: float, runs: int | None = None) -> Tally:
        start = time.monotonic()
        for k, seed in enumerate(seeds):
            # Each seed gets an equal share of what is left.
            share = (seconds - (time.monotonic() - start)) / (len(seeds) - k)
            self.run_seed(seed, time.monotonic() + share, runs)
        self.tally.seconds = time.monotonic() - start
        return self.tally

    def run_seed(self, seed: int, deadline: float, runs: int | None) -> None:
        index = 0
        while time.monotonic() < deadline and (runs is None or index < runs):
            case = generate(seed, index, self.pool, self.families)
            outcome = run_case(case, self.workdir, self.limits, self.zvm, self.pool.cache)
            self.record(case, outcome, seed, index)
            index += 1

    def record(self, case: Case, outcome: Outcome, seed: int, index: int) -> None:
        t = self.tally
        t.runs[case.family] = t.runs.get(case.family, 0) + 1
        t.busy[case.family] = t.busy.get(case.family, 0.0) + outcome.seconds
        if outcome.kind is None:
            if outcome.remark:
                remark = outcome.remark.split(":")[0]
                t.excused[remark] = t.excused.get(remark, 0) + 1
            return
        key = (case.family, outcome.kind)
        t.failures[key] = t.failures.get(key, 0) + 1
        known = t.distinct.get(outcome.signature)
        if known:
            known.count += 1
            return
        failure = Failure(outcome, case, seed, index)
        t.distinct[outcome.signature] = failure
        self.minimise(failure)
        self.report(failure, len(t.distinct))

    def minimise(self, failure: Failure) -> None:
        budget = Budget(self.shrink_runs)
        signature = failure.outcome.signature

        def fails(candidate: Case) -> bool:
            result = run_case(candidate, self.workdir, self.limits, self.zvm, self.pool.cache)
            return result.signature == signature
        failure.shrunk = shrink(failure.case, fails, budget)
        failure.shrink_runs = budget.used

    def report(self, failure: Failure, number: int) -> None:
        o = failure.outcome
        case = failure.shrunk or failure.case
        self.say(f"FAILURE {number}: {o.signature}")
        self.say(f"  seed {failure.seed}, case {failure.index}; exit status {o.status}, "
                 f"{o.seconds:.1f} s; minimised in {failure.shrink_runs} runs")
        for line in case.describe():
            self.say("  " + line)
        for line in o.detail.splitlines()[-16:]:
            self.say("  | " + line[:200])
        self.say()


def summary(tally: Tally, seeds: list[int]) -> list[str]:
    """The closing table: runs and failures by family and kind, the time."""
    families = sorted(tally.runs)
    kinds = [k for k in KINDS if any(kind == k for _, kind in tally.failures)]
    head = (f"{'family':<10}{'runs':>7}{'seconds':>9}{'failures':>10}"
            + "".join(f"{k:>16}" for k in kinds))
    lines = [f"zvm fuzz: seeds {','.join(map(str, seeds))}, {sum(tally.runs.values())} runs "
             f"in {tally.seconds / 60:.1f} minutes (minimising included)", head, "-" * len(head)]
    for fam in families + ["total"]:
        runs = sum(tally.runs.values()) if fam == "total" else tally.runs[fam]
        busy = sum(tally.busy.values()) if fam == "total" else tally.busy[fam]
        counts = {k: sum(n for (f, kind), n in tally.failures.items()
                         if kind == k and (fam == "total" or f == fam)) for k in kinds}
        lines.append(f"{fam:<10}{runs:>7}{busy:>9.0f}{sum(counts.values()):>10}"
                     + "".join(f"{counts[k]:>16}" for k in kinds))
    lines.append(f"distinct failures: {len(tally.distinct)}")
    for remark, n in sorted(tally.excused.items()):
        lines.append(f"not counted: {n} run(s): {remark}")
    return lines


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zvm-fuzz", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=None, help="time for all seeds (default 1)")
    p.add_argument("--seconds", type=float, default=None, help="the same, in seconds")
    p.add_argument("--seeds", default="1", help="seeds: 1-3 or 1,4,9 (default 1)")
    p.add_argument("--runs", type=int, help="at most this many cases a seed")
    p.add_argument("--family", action="append", choices=sorted(FAMILIES),
                   help="only these families of cases (repeatable)")
    p.add_argument("--stories", action="append", metavar="DIR",
                   help="folders of stories to start from (default: tests/stories, "
                        "stories, ../shared/stories)")
    p.add_argument("--zvm", metavar="COMMAND", help="the command to test (default: "
                                                    "this Python -m zvm)")
    p.add_argument("--timeout", type=float, default=Limits.seconds,
                   help=f"seconds a run may take (default {Limits.seconds})")
    p.add_argument("--memory", type=int, default=Limits.memory_mb,
                   help=f"megabytes of address space a run may use (default {Limits.memory_mb})")
    p.add_argument("--shrink-runs", type=int, default=40,
                   help="runs to spend minimising each distinct failure (default 40)")
    p.add_argument("--workdir", help="scratch folder (default: a new one in TMPDIR)")
    p.add_argument("--case", metavar="SEED:INDEX",
                   help="run only that case of a report (\"seed 2, case 55\"), minimised")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    seconds = args.seconds if args.seconds is not None else 60 * (args.minutes or 1)
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError:
        print(f"zvm-fuzz: seeds are numbers and ranges (1-3,7), at most {MAX_SEEDS:,}, "
              f"not {args.seeds!r}", file=sys.stderr)
        return 2
    try:
        case = parse_case(args.case) if args.case is not None else None
    except ValueError:
        print(f"zvm-fuzz: a case is SEED:INDEX (2:55), not {args.case!r}", file=sys.stderr)
        return 2
    stories = find_stories(args.stories or default_story_folders())
    if not stories:
        print("zvm-fuzz: no stories found", file=sys.stderr)
        return 2
    zvm = shlex.split(args.zvm) if args.zvm else zvm_command()
    try:
        workdir = tempfile.mkdtemp(prefix="zvm-fuzz-", dir=args.workdir)
    except OSError as e:
        print(f"zvm-fuzz: cannot make a scratch folder in "
              f"{args.workdir or tempfile.gettempdir()}: {e.strerror or e}", file=sys.stderr)
        return 2
    try:
        campaign = Campaign(stories, Limits(seconds=args.timeout, memory_mb=args.memory),
                            zvm, workdir, args.shrink_runs, args.family)
        campaign.say(f"zvm fuzz: {len(stories)} stories, seeds {args.seeds}, "
                     f"{seconds / 60:.1f} minutes")
        if case is not None:
            seed, index = case
            seeds = [seed]
            made = generate(seed, index, campaign.pool, args.family)
            campaign.record(made, run_case(made, workdir, campaign.limits, zvm,
                                           campaign.pool.cache), seed, index)
            if not campaign.tally.distinct:
                campaign.say("\n".join(["no failure:"] + made.describe()))
            tally = campaign.tally
        else:
            tally = campaign.run(seeds, seconds, args.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for line in summary(tally, seeds):
        print(line)
    return 1 if tally.total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
