#!/usr/bin/env python3
"""Benchmark zvm on fixed CPU-bound workloads (stdlib only).

Each workload runs zvm as a subprocess, ``python -m zvm --headless --stats
[--seed N] STORY`` with the workload's commands on standard input, and reads
the line zvm's ``--stats`` prints to standard error at exit:

    zvm: stats: N instructions in S.SSS s

where S is the time zvm spent in its run loop. Reported per workload (best of
--repeat runs): instructions, zvm's whole-process wall time, instructions per
second (N / S), and, when dfrotz is installed, dfrotz's wall time on the same
input measured in the same run and the ratio zvm wall / dfrotz wall.

    python tools/bench.py                   # all workloads, best of 3
    python tools/bench.py --only zork1 --repeat 1
    python tools/bench.py --zvm "./dist/zvm"  # benchmark another zvm command
    python tools/bench.py --startup         # time to first prompt only
    python tools/bench.py --startup-terminal  # ... and in the terminal UI

``--startup`` times ``zvm --headless STORY`` on empty input (and dfrotz on
the same). ``--startup-terminal`` adds, for the bundled story too, the time
from launching ``zvm STORY`` in a pseudo-terminal (TERM=xterm-256color,
80x24, BLESSED_QUERY_TIMEOUT_SECONDS=0.1) until its first prompt ">" is
drawn, twice: in a pty that answers the cursor position reports blessed
sends after its start-up queries (as a real terminal does, so blessed does
not wait), and in a silent one (blessed waits out its query timeout).

Workloads whose story (under ../shared) is absent are skipped with a message.
A zvm run that fails is reported with the last line of its standard error and
the benchmark goes on.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import signal
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BUNDLED = ROOT / "stories" / "hollinbrook.z5"

STATS = re.compile(r"^zvm: stats: (\d+) instructions in (\d+(?:\.\d+)?) s\s*$", re.M)

# Praxix test groups that are pure computation (no undo, no streams to files).
# Praxix's "quit" ends the story at once ("Goodbye."), with no confirmation.
PRAXIX_GROUPS = "operand comarith bitwise inc incchk indirect streamop specfixes".split()
PRAXIX_REPEAT = 25


@dataclass
class Workload:
    name: str
    story: Path
    commands: Path | None = None      # a file of commands, or
    text: str | None = None           # the commands themselves
    seed: int | None = None
    about: str = ""

    def missing(self) -> Path | None:
        for path in (self.story, self.commands):
            if path is not None and not path.is_file():
                return path
        return None

    def input(self) -> str:
        if self.commands is not None:
            return self.commands.read_text()
        return self.text or ""


def workloads(shared: Path) -> list[Workload]:
    praxix_input = "".join(f"{g}\n" * PRAXIX_REPEAT for g in PRAXIX_GROUPS) + "quit\n"
    return [
        Workload("praxix", shared / "stories" / "praxix.z5", text=praxix_input,
                 about=f"{len(PRAXIX_GROUPS)} Praxix groups x {PRAXIX_REPEAT}, then quit"),
        Workload("zork1", shared / "stories" / "zork1.z3",
                 commands=shared / "transcripts" / "zork1.cmd", seed=12,
                 about="Zork I walkthrough (zork1.cmd), seed 12"),
    ]


@dataclass
class Result:
    walls: list[float] = field(default_factory=list)
    loops: list[float] = field(default_factory=list)
    instructions: int | None = None
    error: str | None = None
    stdout: str | None = None

    @property
    def wall(self) -> float | None:
        return min(self.walls) if self.walls else None

    @property
    def loop(self) -> float | None:
        return min(self.loops) if self.loops else None


def find_dfrotz(given: str | None) -> str | None:
    if given:
        return given if given != "none" else None
    found = shutil.which("dfrotz")
    if found:
        return found
    if os.access("/usr/games/dfrotz", os.X_OK):
        return "/usr/games/dfrotz"
    return None


def run(cmd: list[str], stdin: str, timeout: float) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, BLESSED_QUERY_TIMEOUT_SECONDS="0.1")
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", cwd=ROOT, env=env,
                          timeout=timeout)
    return time.perf_counter() - start, proc


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output on stderr)"


def bench_zvm(zvm: list[str], w: Workload, repeat: int, timeout: float,
              stats: bool = True) -> Result:
    cmd = [*zvm, "--headless"]
    if stats:
        cmd.append("--stats")
    if w.seed is not None:
        cmd += ["--seed", str(w.seed)]
    cmd.append(str(w.story))
    stdin = w.input() if stats else ""
    res = Result()
    for _ in range(repeat):
        try:
            wall, proc = run(cmd, stdin, timeout)
        except subprocess.TimeoutExpired:
            res.error = f"timed out after {timeout:g} s"
            return res
        except OSError as exc:
            res.error = f"cannot run {shlex.join(cmd)}: {exc}"
            return res
        if proc.returncode != 0:
            res.error = f"exit {proc.returncode}: {last_line(proc.stderr)}"
            return res
        res.walls.append(wall)
        res.stdout = proc.stdout
        if stats:
            found = STATS.findall(proc.stderr)
            if not found:
                res.error = f"no stats line: {last_line(proc.stderr)}"
                return res
            count, seconds = found[-1]
            res.instructions = int(count)
            res.loops.append(float(seconds))
    return res


def bench_dfrotz(dfrotz: str, w: Workload, repeat: int, timeout: float,
                 stdin: str | None = None) -> Result:
    cmd = [dfrotz, "-m", "-p", "-q", "-w", "80", "-h", "24", "-Z", "0"]
    if w.seed is not None:
        cmd += ["-s", str(w.seed)]
    cmd.append(str(w.story))
    res = Result()
    for _ in range(repeat):
        try:
            wall, proc = run(cmd, w.input() if stdin is None else stdin, timeout)
        except (subprocess.TimeoutExpired, OSError) as exc:
            res.error = str(exc)
            return res
        if proc.returncode != 0:
            res.error = f"exit {proc.returncode}: {last_line(proc.stderr)}"
            return res
        res.walls.append(wall)
        res.stdout = proc.stdout
    return res


# Escape sequences (CSI, DCS, OSC, two-byte ESC x) stripped from a pty's
# output before looking for the prompt: "\x1b[>q" is no prompt.
ESCAPES = re.compile(rb"\x1bP.*?\x1b\\|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
                     rb"|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[ -~]", re.S)
CPR_QUERY = b"\x1b[6n"


def _terminal_once(cmd: list[str], answer: bool, timeout: float) -> float:
    """Seconds from starting ``cmd`` in a new 80x24 pseudo-terminal until
    a ">" is drawn (escape sequences aside). With ``answer``, each cursor
    position query is answered at once, as a terminal would."""
    import fcntl
    import pty
    import struct
    import termios

    env = dict(os.environ, TERM="xterm-256color", BLESSED_QUERY_TIMEOUT_SECONDS="0.1",
               LINES="24", COLUMNS="80")
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:                                    # the child: the pty is its terminal
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            os.chdir(ROOT)
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    out = b""
    queries = 0
    found = None
    try:
        while found is None:
            left = start + timeout - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no prompt after {timeout:g} s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:                         # EIO: the child is gone
                chunk = b""
            if not chunk:
                tail = ESCAPES.sub(b"", out).decode("utf-8", "replace").strip()
                raise RuntimeError(f"zvm ended before a prompt: {tail[-200:]!r}")
            out += chunk
            if answer:
                while out.count(CPR_QUERY) > queries:
                    queries += 1
                    os.write(fd, b"\x1b[1;1R")
            if b">" in ESCAPES.sub(b"", out):
                found = time.perf_counter() - start
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        end = time.monotonic() + 5
        while time.monotonic() < end:             # read on, so the child can restore and exit
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return found


def bench_terminal(zvm: list[str], story: Path, repeat: int, timeout: float,
                   answer: bool = True) -> Result:
    """``zvm STORY`` in a pseudo-terminal: time to the first prompt."""
    res = Result()
    cmd = [*zvm, str(story)]
    for _ in range(repeat):
        try:
            res.walls.append(_terminal_once(cmd, answer, timeout))
        except (OSError, RuntimeError, TimeoutError) as exc:
            res.error = str(exc)
            return res
    return res


def fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def bench_library(shared: Path, repeat: int) -> int:
    """zvm.Game steps per second on Zork I's walkthrough, without and with a
    snapshot taken after every step (the issue's library workload)."""
    story, commands = shared / "stories" / "zork1.z3", shared / "transcripts" / "zork1.cmd"
    if not story.exists() or not commands.exists():
        print(f"skip library: {story} or {commands} is absent")
        return 0
    import zvm
    lines = commands.read_text().splitlines()
    print(f"library: zvm.Game on Zork I's walkthrough ({len(lines)} steps), best of {repeat}")
    for label, snap in (("step", False), ("step + snapshot", True)):
        best = None
        for _ in range(repeat):
            game = zvm.Game(story, seed=12)
            game.reset()
            start = time.perf_counter()
            for command in lines:
                game.step(command)
                if snap:
                    game.snapshot()
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        print(f"  {label:<16} {len(lines) / best:8.0f} steps/s  ({best:.3f} s)")
    game = zvm.Game(story, seed=12)
    game.reset()
    state = game.snapshot()
    start = time.perf_counter()
    for _ in range(200):
        game.restore(state)
    print(f"  restore          {200 / (time.perf_counter() - start):8.0f} /s  "
          f"(snapshot {len(state)} bytes)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark zvm against fixed workloads.")
    ap.add_argument("--repeat", type=int, default=3, metavar="N",
                    help="runs per measurement; the best is reported (default 3)")
    ap.add_argument("--only", metavar="NAME", help="run only this workload (praxix, zork1)")
    ap.add_argument("--zvm", metavar="CMD",
                    help="zvm command to benchmark (default: this Python's -m zvm)")
    ap.add_argument("--startup", action="store_true",
                    help="measure only the time to the first prompt (empty input, headless)")
    ap.add_argument("--startup-terminal", action="store_true",
                    help="as --startup, and also in the terminal UI in a pseudo-terminal "
                         "(adds the bundled story)")
    ap.add_argument("--library", action="store_true",
                    help="measure zvm.Game steps per second (Zork I walkthrough, with and "
                         "without a snapshot each step)")
    ap.add_argument("--dfrotz", metavar="PATH",
                    help="dfrotz to compare with (default: found on PATH or /usr/games; 'none' to skip)")
    ap.add_argument("--shared", metavar="DIR", type=Path, default=SHARED,
                    help=f"where the stories and transcripts are (default {SHARED})")
    ap.add_argument("--timeout", type=float, default=1800, metavar="S",
                    help="give up on one run after S seconds (default 1800)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.library:
        from zvm.tools import bench_library; return bench_library.run(args.shared, args.repeat)  # noqa: E702

    zvm = shlex.split(args.zvm) if args.zvm else [sys.executable, "-m", "zvm"]
    dfrotz = find_dfrotz(args.dfrotz)
    chosen = workloads(args.shared)
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

    rows, notes = [], []
    if args.startup:
        for w in ready:
            print(f"{w.name}: startup ...", flush=True)
            z = bench_zvm(zvm, w, args.repeat, args.timeout, stats=False)
            d = bench_dfrotz(dfrotz, w, args.repeat, args.timeout, stdin="") if dfrotz else None
            if z.error:
                notes.append(f"{w.name}: zvm failed: {z.error}")
            if d is not None and d.error:
                notes.append(f"{w.name}: dfrotz failed: {d.error}")
            ratio = (z.wall / d.wall) if (d and z.wall and d.wall) else None
            row = [w.name, fmt(z.wall, ".3f"), fmt(d.wall if d else None, ".3f"),
                   fmt(ratio, ".1f")]
            if terminal:
                for answer in (True, False):
                    t = bench_terminal(zvm, w.story, args.repeat, min(args.timeout, 60), answer)
                    if t.error:
                        notes.append(f"{w.name}: zvm in a pty ({'answering' if answer else 'silent'})"
                                     f" failed: {t.error}")
                    row.append(fmt(t.wall, ".3f"))
            rows.append(row)
        print()
        print("Time to first prompt (empty input, headless), seconds")
        header = ["story", "zvm s", "dfrotz s", "zvm/dfrotz"]
        if terminal:
            print("and to the first prompt drawn by the terminal UI in an 80x24 pty "
                  "(target < 0.300 s):")
            print("  'pty s' answers blessed's cursor-position queries like a terminal; "
                  "'silent pty s' waits out BLESSED_QUERY_TIMEOUT_SECONDS=0.1")
            header += ["pty s", "silent pty s"]
        print(table(header, rows))
    else:
        for w in ready:
            print(f"{w.name}: {w.about} ...", flush=True)
            z = bench_zvm(zvm, w, args.repeat, args.timeout)
            d = bench_dfrotz(dfrotz, w, args.repeat, args.timeout) if dfrotz else None
            if z.error:
                notes.append(f"{w.name}: zvm failed: {z.error}")
            if d is not None and d.error:
                notes.append(f"{w.name}: dfrotz failed: {d.error}")
            ips = (z.instructions / z.loop) if (z.instructions and z.loop) else None
            ratio = (z.wall / d.wall) if (d and z.wall and d.wall) else None
            same = "-"
            if d is not None and z.stdout is not None and d.stdout is not None:
                same = "yes" if z.stdout == d.stdout else "no"
            rows.append([w.name, fmt(z.instructions, ","), fmt(z.wall, ".3f"),
                         fmt(z.loop, ".3f"), fmt(ips, ",.0f"),
                         fmt(d.wall if d else None, ".3f"), fmt(ratio, ".1f"), same])
        print()
        print(table(["workload", "instructions", "zvm wall s", "zvm loop s", "instr/s",
                     "dfrotz s", "zvm/dfrotz", "same text"], rows))
        print()
        print("instr/s = instructions / the run-loop seconds zvm reports; "
              "zvm/dfrotz compares whole-process wall times;")
        print("same text = zvm's standard output equals dfrotz's "
              "(dfrotz 2.54 drops bold/italic text, so styled stories may differ)")
    if notes:
        print()
        for note in notes:
            print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
