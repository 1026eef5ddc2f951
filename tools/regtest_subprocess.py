"""Running a regtest file's tests through another interpreter (``zvm test
--subprocess``), as regtest.py does in its default ("cheap") mode."""

from __future__ import annotations

import os
import shlex
import sys
from typing import TextIO

from zvm.tools.regtest_format import RegtestFile, Test, is_zvm
from zvm.tools.regtest_run import Failure, TestResult, game_and_commands

def interpreter_argv(command_line: str, seed: int | None) -> list[str]:
    """The interpreter's command line: ``python``/``python3`` as the first
    word means this Python; a seed is passed on as ``--seed N`` when the
    interpreter is zvm."""
    argv = shlex.split(command_line)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    if seed is not None and is_zvm(argv) and "--seed" not in argv \
            and not any(a.startswith("--seed=") for a in argv):
        argv += ["--seed", str(seed)]
    return argv


def run_test_subprocess(rf: RegtestFile, test: Test, *, interpreter: str | None,
                        seed: int | None = None, vital: bool = False,
                        verbose: bool = False, out: TextIO | None = None,
                        timeout: float = 10.0) -> TestResult:
    """Run one test as regtest.py does in its default ("cheap") mode: start
    the interpreter on the game, write each command as a line, and take the
    output up to the next ``\\n>`` as the command's. No status line."""
    import select
    import subprocess
    import time

    result = TestResult(test.name)
    out = out or sys.stdout
    ready = game_and_commands(rf, test, result)
    if ready is None:
        return result
    game, commands = ready
    if seed is None:
        seed = test.seed if test.seed is not None else rf.seed
    for command in commands:
        if command.kind not in ("line", "char") or (
                command.kind == "char" and len(command.text) != 1
                and command.text != "return"):
            result.failures.append(Failure(
                test.name, command, None,
                f"--subprocess cannot send {command.written()} (it needs the in-process "
                "runner)", [], []))
            return result
    line = interpreter or test.interpreter or rf.interpreter or "python -m zvm --headless"
    argv = interpreter_argv(line, seed) + [game]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                bufsize=0)
    except OSError as e:
        result.failures.append(Failure(test.name, None, None,
                                       f"cannot run {line!r}: {e.strerror or e}", [], []))
        return result
    assert proc.stdin is not None and proc.stdout is not None     # both are pipes
    fd = proc.stdout.fileno()
    pending = bytearray()

    def read_output() -> str:
        deadline = time.monotonic() + timeout
        while True:
            pos = pending.find(b"\n>")
            if pos >= 0:
                data = bytes(pending[:pos + 2])
                del pending[:pos + 2]
                return data.decode("utf-8", "replace")
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError(f"timed out awaiting output ({timeout:g} s)")
            chunk = os.read(fd, 65536)
            if not chunk:
                data = bytes(pending)
                pending.clear()
                return data.decode("utf-8", "replace")
            pending.extend(chunk)

    current = test.init
    try:
        for cmd in [None] + commands:
            if cmd is not None:
                current = cmd
                # A key is a line of its own: dfrotz (and zvm headless)
                # hand read_char the characters of a line, Enter for an
                # empty one. Named keys other than return cannot be typed.
                if cmd.kind == "line":
                    data = cmd.text + "\n"
                elif cmd.kind == "char" and cmd.text in ("\n", "return"):
                    data = "\n"
                else:
                    data = cmd.text + "\n"
                try:
                    proc.stdin.write(data.encode("utf-8"))
                    proc.stdin.flush()
                except (BrokenPipeError, OSError):
                    pass
            text = read_output()
            lines = text.split("\n")
            if verbose:
                if cmd is not None:
                    out.write(cmd.written() + "\n")
                for ln in lines:
                    if ln.strip() != ">":
                        out.write(ln + "\n")
            failed_vital = False
            for check in current.checks:
                why = check.evaluate([] if check.status else lines)
                if why and check.status:
                    why += " (--subprocess sees no status line)"
                if why:
                    result.failures.append(Failure(test.name, current, check, why, lines, []))
                    failed_vital = failed_vital or check.vital or vital
            if failed_vital:
                break
    except TimeoutError as e:
        result.failures.append(Failure(test.name, current, None, str(e),
                                       pending.decode("utf-8", "replace").split("\n"), []))
    finally:
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        proc.kill()
        proc.wait()
    return result

