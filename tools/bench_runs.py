"""Running zvm and dfrotz for ``tools/bench.py``: whole processes timed by
the clock on the wall, ``--stats`` read back, and the time to the first
prompt in a pseudo-terminal."""

from __future__ import annotations

import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATS = re.compile(r"^zvm: stats: (\d+) instructions in (\d+(?:\.\d+)?) s\s*$", re.M)


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


def run(cmd: list[str], stdin: str, timeout: float,
        env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    env = dict(os.environ, BLESSED_QUERY_TIMEOUT_SECONDS="0.1", **(env or {}))
    # As a user runs it: Python keeps its compiled modules (some sandboxes
    # and CI set PYTHONDONTWRITEBYTECODE, which would time compiling them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                          encoding="utf-8", errors="replace", cwd=ROOT, env=env,
                          timeout=timeout)
    return time.perf_counter() - start, proc


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output on stderr)"


def bench_zvm(zvm: list[str], w: Workload, repeat: int, timeout: float,
              stats: bool = True, cache: str | None = None) -> Result:
    """zvm on w: best wall time and run-loop time. cache: None for no disk
    cache (--no-cache), else the XDG_CACHE_HOME to use."""
    cmd = [*zvm, "--headless"]
    if stats:
        cmd.append("--stats")
    if cache is None:
        cmd.append("--no-cache")
    if w.seed is not None:
        cmd += ["--seed", str(w.seed)]
    cmd.append(str(w.story))
    stdin = w.input() if stats else ""
    res = Result()
    for _ in range(repeat):
        try:
            wall, proc = run(cmd, stdin, timeout,
                             None if cache is None else {"XDG_CACHE_HOME": cache})
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




def bench_command(cmd: list[str], repeat: int, timeout: float, stdin: str = "") -> Result:
    """Any command: best wall time."""
    res = Result()
    for _ in range(repeat):
        try:
            wall, proc = run(cmd, stdin, timeout)
        except (subprocess.TimeoutExpired, OSError) as exc:
            res.error = str(exc)
            return res
        res.walls.append(wall)
    return res


def bench_machine(python: str, w: Workload, repeat: int, timeout: float,
                  profile: bool = False) -> Result:
    """The machine alone (tools/bench_machine.py): best run-loop time; with
    profile, its opcode table in ``stdout``."""
    import tempfile
    res = Result()
    with tempfile.NamedTemporaryFile("w", suffix=".cmd", delete=False) as f:
        f.write(w.input())
    try:
        cmd = [python, "-m", "zvm.tools.bench_machine", str(w.story), f.name]
        if w.seed is not None:
            cmd += ["--seed", str(w.seed)]
        if profile:
            cmd.append("--profile")
        for _ in range(1 if profile else repeat):
            try:
                _, proc = run(cmd, "", timeout)
            except (subprocess.TimeoutExpired, OSError) as exc:
                res.error = str(exc)
                return res
            if proc.returncode != 0:
                res.error = f"exit {proc.returncode}: {last_line(proc.stderr)}"
                return res
            res.stdout = proc.stdout
            if not profile:
                words = proc.stdout.split()
                res.instructions = int(words[1])
                res.loops.append(float(words[3]))
    finally:
        os.unlink(f.name)
    return res
