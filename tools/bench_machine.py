"""The machine alone, and where its time goes (``tools/bench.py`` runs this).

    python -m zvm.tools.bench_machine STORY COMMANDS [--seed N] [--profile]

Plays STORY with the commands in the file COMMANDS in this process, through
a frontend that reads the commands and throws every piece of output away
at once, twice (the first run compiles what proves hot), and prints one
line for the second: ``instructions N seconds S`` (S the CPU time of the
run). So the figure is the machine's own speed, compiled code included,
without the cost of laying text out.

``--profile`` runs every instruction as tier-0 code (one function each,
units never made) with a clock around each, and prints the ten opcodes
that took the most time in all: how often each ran, its total and its
cost per run. The clock's own cost is in the figures, so compare them
with each other, not with the plain run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from zvm.screen.protocol import CharRequest, Frontend, InputEnded, LineRequest, LineResult, Style


class NullFrontend(Frontend):
    """Reads commands from a list; shows nothing."""

    def __init__(self, commands: list[str]) -> None:
        super().__init__()
        self.commands = commands

    def write(self, text: str, style: Style) -> None:
        pass

    def read_line(self, request: LineRequest) -> LineResult:
        if not self.commands:
            raise InputEnded()
        return LineResult(self.commands.pop(0), 13)

    def read_char(self, request: CharRequest) -> int | str:
        if not self.commands:
            raise InputEnded()
        line = self.commands.pop(0)
        return line[0] if line else 13


def _profile(m: Any) -> tuple[Counter[str], dict[str, float]]:
    """Run m with a clock around each instruction's code."""
    from zvm.compile import code as storecode
    storecode.HOT = storecode.HOT_ALONE = 10 ** 9
    counts: Counter[str] = Counter()
    times: defaultdict[str, float] = defaultdict(float)
    clock = time.perf_counter
    original = m.code.compile_at

    def timed(pc: int) -> Any:
        f = original(pc)
        name = m.code.instruction(pc).name

        def run(machine: Any) -> int:
            start = clock()
            try:
                return f(machine)
            finally:
                times[name] += clock() - start
                counts[name] += 1
        m.code.cache[pc] = run
        return run
    m.code.compile_at = timed
    m.run()
    return counts, times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_machine", description=__doc__.split("\n")[0])
    ap.add_argument("story")
    ap.add_argument("commands")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args(argv)
    from zvm.story.loader import load
    from zvm.vm.machine import Machine
    from zvm.compile import code as storecode
    from zvm.compile import diskcache
    diskcache.enabled = False
    # The first run stands in for the disk cache: it compiles as a run that
    # keeps its code does (at HOT, with the entries and units of such a
    # run: SPARE_ALONE), not as a run without the cache.
    storecode.HOT_ALONE = storecode.HOT
    storecode.SPARE_ALONE = False
    with open(args.commands, encoding="utf-8") as f:
        commands = f.read().splitlines()
    story = load(args.story)
    m = Machine(story, NullFrontend(list(commands)), seed=args.seed)
    if args.profile:
        counts, times = _profile(m)
        total = sum(times.values())
        print(f"{'opcode':<16}{'runs':>10}{'seconds':>10}{'share':>8}{'ns/run':>9}")
        for name, t in sorted(times.items(), key=lambda e: e[1], reverse=True)[:10]:
            print(f"{name:<16}{counts[name]:>10,}{t:>10.3f}{100 * t / total:>7.1f}%"
                  f"{1e9 * t / counts[name]:>9.0f}")
        return 0
    m.run()                               # compiles what proves hot
    m = Machine(story, NullFrontend(list(commands)), seed=args.seed)
    start = time.process_time()
    m.run()
    print(f"instructions {m.instructions} seconds {time.process_time() - start:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
