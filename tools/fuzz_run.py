"""Running one fuzz ``Case`` and judging the result (``zvm.tools.fuzz``).

Each run gets a scratch folder: the story, the save folder (the working
directory too), and its own TMPDIR, where a crash report would land. The
command runs in its own session with resource limits set before it starts
(address space, CPU time, no core files, and for a "full disk" the size a
file may reach); the harness reads its output with a cap and stops it past
its time or output bound.

A failure is one of ``KINDS``: a Python traceback on standard error, zvm's
"internal error" line, a crash report file, an exit status other than
0/1/2, a run past its time, memory or output bound, or a temporary file
left behind (or a stale one not cleaned, or someone else's removed). A run
past its time or output bound counts only when dfrotz, given the same story
and input, ends quickly: a story that loops is not zvm's fault.

Run as ``python -m zvm.tools.fuzz_run SPEC.json`` this module is the child
that drives the library (``library_main``) for the ``library`` cases.
"""

from __future__ import annotations

import glob
import io
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from zvm.tools.fuzz_cases import SAVE_NAME, Case

if TYPE_CHECKING:
    from zvm.research.game import Game
    from zvm.research.isolated import IsolatedGame

KINDS = ["timeout", "memory", "output", "traceback", "internal-error", "crash-file",
         "exit-status", "temp-left", "stale-temp", "foreign-removed"]
DFROTZ = shutil.which("dfrotz") or ("/usr/games/dfrotz" if os.path.exists("/usr/games/dfrotz")
                                    else None)
KEEP = 256 << 10            # bytes of each stream kept for reading


@dataclass
class Limits:
    seconds: float = 8.0             # wall-clock time of one run
    memory_mb: int = 768             # address space
    output: int = 4 << 20            # bytes on standard output and error together
    slowdown: float = 300.0          # how much slower than dfrotz zvm may be


@dataclass
class Outcome:
    kind: str | None                 # one of KINDS, or None
    signature: str                   # what makes two failures the same
    detail: str                      # the evidence: stderr's end, the crash report
    status: int | None
    seconds: float
    remark: str = ""                 # about a run that is no failure


def zvm_command() -> list[str]:
    return [sys.executable, "-m", "zvm"]


class ReadOnly:
    """How to make a folder read-only for a child: as root chmod does not
    stop writes, so the child runs in its own mount namespace with the folder
    bound read-only over itself (util-linux unshare), and starts inside it
    (a working directory entered before the mount would still be writable)."""

    def __init__(self) -> None:
        self.root = os.geteuid() == 0
        self.works = not self.root or self._try()

    @staticmethod
    def _try() -> bool:
        try:
            with tempfile.TemporaryDirectory() as d:
                r = subprocess.run(["unshare", "-m", "sh", "-c", _RO_SCRIPT, "sh", d, "sh", "-c",
                                    f"! touch '{d}/x' 2>/dev/null"], capture_output=True,
                                   timeout=10)
                return r.returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    def wrap(self, folder: str, cmd: list[str]) -> list[str]:
        if self.root:
            return ["unshare", "-m", "sh", "-c", _RO_SCRIPT, "sh", folder, *cmd]
        os.chmod(folder, 0o555)
        return cmd


_RO_SCRIPT = 'mount --bind -o ro "$1" "$1" && cd "$1" && shift && exec "$@"'
_READONLY: ReadOnly | None = None


def _story_name(data: bytes) -> str:
    return "story.z" + (str(data[0]) if data[:1] and 1 <= data[0] <= 8 else "5")


def prepare(case: Case, folder: str, cache: dict) -> dict:
    """Write the case's files into folder; the paths the command needs."""
    save_dir = os.path.join(folder, "save")
    tmp = os.path.join(folder, "tmp")
    os.makedirs(save_dir)
    os.makedirs(tmp)
    data = case.story_bytes(cache)
    story = os.path.join(folder, _story_name(data))
    with open(story, "wb") as f:
        f.write(data)
    save = case.save_bytes()
    if save is not None:
        with open(os.path.join(save_dir, SAVE_NAME), "wb") as f:
            f.write(save)
    for name, content in case.files.items():
        with open(os.path.join(save_dir, name), "wb") as f:
            f.write(content)
    old = time.time() - 7200
    for name in case.stale + case.foreign:
        path = os.path.join(save_dir, name)
        with open(path, "wb") as f:
            f.write(b"partial save")
        os.utime(path, (old, old))
    stdin = os.path.join(folder, "input.txt")
    with open(stdin, "wb") as f:
        f.write(b"".join(line + b"\n" for line in case.lines))
    return dict(save_dir=save_dir, tmp=tmp, story=story, stdin=stdin)


def command(case: Case, paths: dict, zvm: list[str]) -> list[str]:
    def expand(a: str) -> str:
        return (a.replace("{dir}", paths["save_dir"]).replace("{story}", paths["story"])
                .replace("{save}", os.path.join(paths["save_dir"], SAVE_NAME)))
    if case.library is not None:
        return [sys.executable, "-m", "zvm.tools.fuzz_run", paths["spec"]]
    if case.argv is not None:
        return zvm + [expand(a) for a in case.argv]
    return zvm + ["--headless", "--seed", "1", "--save-dir", paths["save_dir"],
                  *[expand(a) for a in case.args], paths["story"]]


class _Drain(threading.Thread):
    """Reads a pipe to its end, keeping the first KEEP bytes and counting all."""

    def __init__(self, pipe: IO[bytes]) -> None:
        super().__init__(daemon=True)
        assert isinstance(pipe, io.BufferedReader)   # as Popen's pipes are: it has read1
        self.pipe, self.kept, self.total = pipe, bytearray(), 0

    def run(self) -> None:
        while True:
            try:
                chunk = self.pipe.read1(65536)
            except (OSError, ValueError):
                break
            if not chunk:
                break
            self.total += len(chunk)
            if len(self.kept) < KEEP:
                self.kept += chunk[:KEEP - len(self.kept)]


def execute(cmd: list[str], cwd: str, env: dict[str, str], limits: Limits, stdin: str,
            stdin_path: str, stdout: str, stderr: str,
            disk_limit: int | None = None) -> tuple[int | None, float, bytes, bytes, str]:
    """Run cmd; (status or None if stopped, seconds, stdout, stderr, why stopped)."""
    close_fds_in_child = [fd for fd, state in ((0, stdin), (1, stdout), (2, stderr))
                          if state == "closed"]
    memory = limits.memory_mb << 20

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(limits.seconds * 2) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if disk_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (disk_limit, disk_limit))
        for fd in close_fds_in_child:
            os.close(fd)

    opened: list[IO[bytes]] = []
    in_arg: IO[bytes] | int
    out_arg: IO[bytes] | int
    if stdin == "zero":
        opened.append(open("/dev/zero", "rb"))
        in_arg = opened[-1]
    elif stdin == "lines":
        opened.append(open(stdin_path, "rb"))
        in_arg = opened[-1]
    else:
        in_arg = subprocess.DEVNULL
    if stdout == "full":
        opened.append(open("/dev/full", "wb"))
        out_arg = opened[-1]
    elif stdout == "broken":
        r, w = os.pipe()
        os.close(r)
        opened.append(os.fdopen(w, "wb"))
        out_arg = opened[-1]
    elif stdout == "closed":
        out_arg = subprocess.DEVNULL
    else:
        out_arg = subprocess.PIPE
    err_arg = subprocess.PIPE if stderr == "pipe" else subprocess.DEVNULL
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=in_arg, stdout=out_arg,
                                stderr=err_arg, preexec_fn=limit, start_new_session=True)
    finally:
        for f in opened:
            f.close()
    drains = [_Drain(p) for p in (proc.stdout, proc.stderr) if p is not None]
    for d in drains:
        d.start()
    stopped = ""
    while True:
        try:
            proc.wait(timeout=0.05)
            break
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() - start > limits.seconds:
            stopped = "timeout"
        elif sum(d.total for d in drains) > limits.output:
            stopped = "output"
        if stopped:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
            break
    seconds = time.monotonic() - start
    for d in drains:
        d.join(5)
    out = drains[0].kept if proc.stdout is not None else b""
    err = drains[-1].kept if proc.stderr is not None else b""
    return (None if stopped else proc.returncode), seconds, bytes(out), bytes(err), stopped


_FRAME = re.compile(r'File "([^"]+)", line (\d+), in (\S+)')
_EXC = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)\w*)"
                  r"(?::|$)", re.M)


def where(text: str) -> str:
    """'TypeError in ops.py:op_throw' from the last traceback in text."""
    last = text.rfind("Traceback (most recent call last)")
    if last < 0:
        last = text.rfind("Exception ignored")
    tail = text[max(0, last):]
    frames = _FRAME.findall(tail)
    ours = [f for f in frames if f[0].startswith("<zvm") or "/zvm/" in f[0]
            or "/tools/" in f[0] or "/ui/" in f[0]] or frames
    place = f"{os.path.basename(ours[-1][0])}:{ours[-1][2]}" if ours else "?"
    exc = _EXC.findall(tail)
    return f"{exc[-1] if exc else '?'} in {place}"


def classify(case: Case, status: int | None, seconds: float, out: bytes, err: bytes, stopped: str,
             save_dir: str, tmp: str, before: set[str]) -> Outcome:
    text = err.decode("utf-8", "replace")
    crashes = sorted(glob.glob(os.path.join(tmp, "zvm-crash-*.txt")))
    report = ""
    if crashes:
        with open(crashes[0], errors="replace") as f:
            report = f.read(20000)
    tail = "\n".join(text.strip().splitlines()[-12:])
    detail = tail + (f"\n--- {os.path.basename(crashes[0])}:\n" + report.strip()[-3000:]
                     if report else "")
    left = set(os.listdir(save_dir)) if os.path.isdir(save_dir) else set()
    temps = sorted(n for n in left - before if n.startswith(".zvm-") and n.endswith(".tmp"))

    def outcome(kind: str, sig: str) -> Outcome:
        return Outcome(kind, f"{kind}: {sig}", detail, status, seconds)

    if stopped == "timeout":
        return outcome("timeout", f"[{case.family}/{case.tag.split(' ')[0]}]")
    if "MemoryError" in text or "MemoryError" in report:
        return outcome("memory", where(report or text))
    if stopped == "output":
        return outcome("output", f"[{case.family}/{case.tag.split(' ')[0]}]")
    if "Traceback (most recent call last)" in text or "Exception ignored" in text:
        return outcome("traceback", where(text))
    if "internal error" in text:
        first = next((ln for ln in text.splitlines() if "internal error" in ln), "")
        m = re.search(r"internal error: (\w+)", first)
        return outcome("internal-error", where(report) if report else (m.group(1) if m else "?"))
    if crashes:
        return outcome("crash-file", where(report))
    if status is not None and status not in (0, 1, 2):
        name = f"signal {signal.Signals(-status).name}" if status < 0 else f"status {status}"
        return outcome("exit-status", f"{name} [{case.family}/{case.tag.split(' ')[0]}]")
    if status is not None and temps:
        return outcome("temp-left", f"[{case.family}/{case.tag.split(' ')[0]}]")
    # Stale temporaries are cleaned when zvm starts a game: not when it
    # refuses the story (exit 2, e.g. a version it does not support).
    if case.stale and status != 2 and any(n in left for n in case.stale):
        return outcome("stale-temp", "stale temporary files kept")
    if case.foreign and not all(n in left for n in case.foreign):
        return outcome("foreign-removed", "someone else's files removed")
    return Outcome(None, "", "", status, seconds)


def run_case(case: Case, workdir: str, limits: Limits, zvm: list[str] | None = None,
             cache: dict | None = None) -> Outcome:
    """Run case once in a fresh folder under workdir and judge it."""
    global _READONLY
    zvm = zvm or zvm_command()
    cache = {} if cache is None else cache
    folder = tempfile.mkdtemp(prefix="run-", dir=workdir)
    try:
        paths = prepare(case, folder, cache)
        if case.library is not None:
            paths["spec"] = write_spec(case, paths, folder)
        cmd = command(case, paths, zvm)
        if case.readonly:
            _READONLY = _READONLY or ReadOnly()
            if not _READONLY.works:
                return Outcome(None, "", "", 0, 0.0, remark="no read-only folders here")
            cmd = _READONLY.wrap(paths["save_dir"], cmd)
        env = dict(os.environ, TMPDIR=paths["tmp"], BLESSED_QUERY_TIMEOUT_SECONDS="0.1",
                   PYTHONDONTWRITEBYTECODE="1")
        before = set(os.listdir(paths["save_dir"]))
        status, seconds, out, err, stopped = execute(
            cmd, paths["save_dir"], env, limits, case.stdin, paths["stdin"], case.stdout,
            case.stderr, case.disk_limit)
        result = classify(case, status, seconds, out, err, stopped, paths["save_dir"],
                          paths["tmp"], before)
        if result.kind in ("timeout", "output") and case.dfrotz and DFROTZ:
            excuse = dfrotz_excuse(case, paths, limits)
            if excuse:
                return Outcome(None, "", "", None, seconds, remark=excuse)
        return result
    finally:
        if case.readonly and os.geteuid() != 0:
            os.chmod(os.path.join(folder, "save"), 0o755)
        shutil.rmtree(folder, ignore_errors=True)


def dfrotz_input(case: Case) -> tuple[list[str], bytes]:
    """dfrotz's options and standard input for the case's: zvm's /restore
    NAME becomes the game's own restore, then NAME at its prompt, and
    ``--restore NAME`` dfrotz's ``-L NAME``."""
    lines: list[bytes] = []
    for line in case.lines:
        if line.startswith(b"/restore "):
            lines += [b"restore", line[len(b"/restore "):]]
        else:
            lines.append(line)
    args = ["-L", SAVE_NAME] if "--restore" in case.args else []
    return args, b"".join(line + b"\n" for line in lines)


# Errors Frotz stops at that zvm survives (Appendix A; ``Machine.warn``; and
# a word longer than Frotz's text buffer, which zvm prints in bounded
# memory): after one, dfrotz -i (which goes on) is what zvm is judged beside.
SURVIVED = ("Illegal window", "Illegal attribute", "Text buffer overflow")


def dfrotz_excuse(case: Case, paths: dict, limits: Limits) -> str:
    """Why a run past its bound is no fault of zvm's: dfrotz on the same
    story and input (and save, in its own folder) also runs on (or needs so
    long that zvm, slower by limits.slowdown, could not finish in time), or
    stops at an error zvm survives and runs on with -i; "" when dfrotz ends
    quickly."""
    assert DFROTZ is not None                 # run_case asks only where dfrotz is
    folder = tempfile.mkdtemp(prefix="dfrotz-", dir=os.path.dirname(paths["save_dir"]))
    try:
        save = os.path.join(paths["save_dir"], SAVE_NAME)
        if case.save is not None and os.path.isfile(save):
            shutil.copy(save, folder)
        args, text = dfrotz_input(case)
        stdin = os.path.join(folder, "input.txt")
        with open(stdin, "wb") as f:
            f.write(text)
        cap = Limits(seconds=min(3.0, limits.seconds), memory_mb=limits.memory_mb,
                     output=limits.output)
        cmd = [DFROTZ, "-m", "-q", "-s", "1", "-w", "80", "-R", folder, *args, paths["story"]]
        status, seconds, out, err, stopped = execute(
            cmd, folder, dict(os.environ), cap, "lines", stdin, "pipe", "pipe")
        said = bytes(out) + bytes(err)
        if not stopped and b"Fatal error: Stack overflow" in said:
            # Frotz's one stack (locals and values of every routine) is far
            # smaller than zvm's bounds (zvm.story.state): a story that
            # keeps pushing overflows zvm's stacks too, later, and may
            # print past the output bound first.
            return "dfrotz stops at a stack overflow; zvm's larger stacks overflow later"
        survived = next((e for e in SURVIVED if f"Fatal error: {e}".encode() in said), None)
        if not stopped and survived is not None:
            _, _, _, _, stopped_i = execute(cmd[:1] + ["-i"] + cmd[1:], folder, dict(os.environ),
                                            cap, "lines", stdin, "pipe", "pipe")
            if stopped_i:
                return (f"dfrotz -i also runs past its bound ({stopped_i}) after "
                        f"'{survived}', an error zvm survives")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if stopped:
        return f"dfrotz also runs past its bound ({stopped}): the story loops"
    if seconds * limits.slowdown > limits.seconds:
        return f"dfrotz needs {seconds:.3f} s: too long for zvm's bound"
    return ""


def write_spec(case: Case, paths: dict, folder: str) -> str:
    spec = dict(story=paths["story"], save=os.path.join(paths["save_dir"], SAVE_NAME),
                actions=case.library,
                lines=[line.decode("utf-8", "replace") for line in case.lines])
    path = os.path.join(folder, "spec.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


# -- the library driver (the child of a library case) ----------------------------
def library_main(argv: list[str] | None = None) -> int:
    """Play spec's actions through zvm.Game (``python -m zvm.tools.fuzz_run
    SPEC.json``): every exception outside the library's documented family
    escapes as a traceback, which the harness counts as a failure. The
    family: ``zvm.GameError`` (``GameTimeout`` included) for anything a
    story, a save or a command does, a story that cannot be loaded at all
    included (at construction, in both modes)."""
    import zvm
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        spec = json.load(f)
    actions = list(spec["actions"])
    lines = list(spec["lines"])
    isolated = len(actions) > 1 and actions[1] == "isolated"
    try:
        game = zvm.Game(spec["story"], seed=1, isolated=isolated, timeout=3.0)
    except zvm.GameError as e:
        print(f"refused: {e}")
        return 0
    try:
        for action in actions[2:]:
            try:
                result = act(game, action, lines, spec)
            except zvm.GameError as e:
                result = f"GameError: {e}"
            print(f"{action}: {str(result)[:200]!r}")
    finally:
        game.close()
    return 0


def act(game: Game | IsolatedGame, action: str, lines: list[str], spec: dict) -> object:
    """One library action of the spec on game; what it gave back."""
    if action == "reset":
        return game.reset()
    if action == "step":
        return game.step(lines.pop(0) if lines else "")
    if action == "restore":
        with open(spec["save"], "rb") as f:
            return game.restore(f.read())
    if action == "snapshot":
        return game.restore(game.snapshot())
    if action == "copy":
        other = game.copy()
        try:
            return f"copied: {other.world_hash() == game.world_hash()}"
        finally:
            other.close()
    if action in ("objects", "dictionary", "world_hash", "inventory"):
        return len(getattr(game, action)())
    if action in ("location", "score", "moves", "player"):
        return getattr(game, action)
    raise ValueError(f"fuzz_run: no action {action!r}")


if __name__ == "__main__":
    sys.exit(library_main())
