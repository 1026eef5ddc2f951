"""Running a regtest file's tests in process: each test runs a fresh
machine on the story with the headless frontend (dfrotz's output) on a
virtual clock, and each command's output is judged by its checks. Also the
results both runners report (``Failure``, ``TestResult``).
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from zvm.tools.regtest_format import (
    KEY_CODES,
    NO_ZSCII_KEYS,
    Check,
    Command,
    RegtestError,
    RegtestFile,
    Test,
    file_seed,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from zvm.story.loader import Story
    from zvm.ui.headless import HeadlessFrontend

    # observe(command, lines, status) of run_test
    Observer = Callable[[Command, list[str], list[str]], None]

@dataclass
class Failure:
    """A check that failed (``check`` None: the test could not go on)."""

    test: str
    command: Command | None
    check: Check | None
    reason: str
    output: list[str]
    status: list[str]
    where: str = ""

    def format(self, indent: str = "  ") -> str:
        return format_failures([self], indent)


MAX_SHOWN = 60          # output lines shown for a failure (the last ones)


def format_failures(failures: list[Failure], indent: str = "  ") -> str:
    """The failures, readably: each command once, its failed checks, then
    the actual output (or status line) they were made on."""
    lines: list[str] = []
    i = 0
    while i < len(failures):
        f = failures[i]
        group = [f]
        while (i + len(group) < len(failures)
               and failures[i + len(group)].command is f.command):
            group.append(failures[i + len(group)])
        i += len(group)
        if f.command is not None:
            at = f" (line {f.command.lineno})" if f.command.kind != "init" else ""
            lines.append(f"{indent}command: {f.command.label()}{at}")
        shown = {}
        for g in group:
            if g.check is not None:
                lines.append(f"{indent}check (line {g.check.lineno}): {g.check.source}")
                lines.append(f"{indent}  -> {g.reason}")
                key = "status line" if g.check.status else "output"
                shown[key] = g.status if g.check.status else g.output
            else:
                lines.append(f"{indent}error: {g.reason}")
                if g.output and any(x.strip() for x in g.output):
                    shown["output"] = g.output
        for what in ("output", "status line"):
            if what not in shown:
                continue
            body = _trim_prompt(shown[what])
            if not body:
                lines.append(f"{indent}actual {what}: (none)")
                continue
            lines.append(f"{indent}actual {what}:")
            if len(body) > MAX_SHOWN:
                lines.append(f"{indent}  ({len(body) - MAX_SHOWN} lines before these; "
                             "zvm test -v shows them all)")
                body = body[-MAX_SHOWN:]
            lines += [f"{indent}  | {x}".rstrip() for x in body]
    return "\n".join(lines)


def _trim_prompt(lines: list[str]) -> list[str]:
    """Lines without the leading and trailing empty ones and the prompt."""
    lines = list(lines)
    if lines and lines[-1].strip() == ">":
        lines.pop()
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


@dataclass
class TestResult:
    name: str
    failures: list[Failure] = field(default_factory=list)
    skipped: str | None = None     # why the test did not run
    commands_run: int = 0


class _StopTest(Exception):
    """A vital check failed: end the test now."""


def status_lines(frontend: HeadlessFrontend) -> list[str]:
    """What ``{status}`` checks look at: the version 1-3 status line as
    Frotz lays it out, or the upper window's rows (versions 4 and later)."""
    if frontend.version <= 3:
        if frontend.last_status is None:
            return []
        left, right = frontend.last_status
        return [frontend.status_text(left, right).rstrip()]
    return [row.rstrip() for row in frontend.upper_rows]


class CommandFeed:
    """Standard input for the headless frontend, fed one regtest command at
    a time. Each time the story wants input, the output since the previous
    command (written to ``output``) is that command's output:
    ``on_output(command, text)`` judges it (and may raise to stop), then
    the next command is typed. ``frontend`` (set once it exists) tells
    whether the story waits for a line or a key."""

    def __init__(self, commands: list[Command],
                 on_output: Callable[[Command | None, str], None]) -> None:
        self.commands = list(commands)
        self.on_output = on_output
        self.output = io.StringIO()
        self.frontend: HeadlessFrontend | None = None
        self.current: Command | None = None   # the command whose output is coming
        self.mark = 0
        self.error: str | None = None
        self.exhausted = False                 # every command was sent

    def take_output(self) -> str:
        """The output written since the last call."""
        out = self.output.getvalue()
        text, self.mark = out[self.mark:], len(out)
        return text

    def finish(self, command: Command | None) -> None:
        """Judge the output since the last command as ``command``'s."""
        self.on_output(command, self.take_output())

    def readline(self) -> str:
        """The next command as a line of input ("" at the end)."""
        from zvm.screen.protocol import InputEnded
        try:
            return self.next_line() + "\n"
        except InputEnded:
            return ""

    def next_line(self) -> str:
        """The text of the next command, as a line of input; its
        output so far is judged first."""
        from zvm.screen.protocol import InputEnded
        from zvm.ui.headless import KEY_BASE, TIMER_INPUT
        self.finish(self.current)
        if not self.commands:
            self.current = None
            self.exhausted = True
            raise InputEnded()
        cmd = self.current = self.commands.pop(0)
        if cmd.kind == "line":
            return cmd.text
        if cmd.kind == "timer":
            return TIMER_INPUT
        if cmd.kind == "char":
            if self.frontend is None or self.frontend.waiting_for != "char":
                self.error = "the story is waiting for a line, not a key"
                raise _StopTest()
            key = cmd.text
            if key in NO_ZSCII_KEYS:
                self.error = f"the key {key!r} has no Z-machine code"
                raise _StopTest()
            if key in KEY_CODES:
                code = KEY_CODES[key]
                if code == 13:
                    return ""
                return chr(KEY_BASE + code)
            if key == "\n":
                return ""
            return key
        self.error = f"{{{cmd.kind}}} input is not supported by zvm"
        raise _StopTest()


def load_story(path: str, cache: dict | None = None) -> Story:
    """The story at path, loaded once per cache. Raises StoryError."""
    from zvm.story.loader import load
    if cache is not None and path in cache:
        return cache[path]
    story = load(path)
    if cache is not None:
        cache[path] = story
    return story


def game_and_commands(rf: RegtestFile, test: Test,
                      result: TestResult) -> tuple[str, list[Command]] | None:
    """(game path, commands) for a test, or None with the reason recorded
    in result: no game named (a failure), a game not found (a skip), or
    commands that do not parse (a failure)."""
    game = rf.game_path(test)
    if game is None:
        result.failures.append(Failure(test.name, None, None,
                                       "no game file given (** game: or --game)", [], []))
        return None
    if not os.path.exists(game):
        result.skipped = f"game not found: {game}"
        return None
    try:
        return game, rf.commands_of(test)
    except RegtestError as e:
        result.failures.append(Failure(test.name, None, None, str(e), [], []))
        return None


def run_test(rf: RegtestFile, test: Test, *, seed: int | None = None,
             vital: bool = False, verbose: bool = False, out: TextIO | None = None,
             stories: dict | None = None, width: int = 80, height: int = 24,
             observe: Observer | None = None) -> TestResult:
    """Run one test in process. ``seed`` (when not None) overrides the
    file's ``** zvm-seed``. ``out`` receives the transcript when verbose.
    ``observe(command, lines, status)``, when given, sees each command's
    output (the opening text comes with the test's ``init`` command)."""
    from zvm.errors import StoryError, ZMachineError
    from zvm.ui.headless import HeadlessFrontend
    from zvm.vm.machine import Machine

    result = TestResult(test.name)
    ready = game_and_commands(rf, test, result)
    if ready is None:
        return result
    game, commands = ready
    try:
        story = load_story(game, stories)
    except StoryError as e:
        result.failures.append(Failure(test.name, None, None, f"{game}: {e}", [], []))
        return result
    if seed is None:
        seed = file_seed(rf, test)

    frontend: HeadlessFrontend | None = None
    out = out or sys.stdout

    def judge(command: Command | None, text: str) -> None:
        if command is None:
            command = test.init
        lines = text.split("\n")
        if command.kind != "init":
            result.commands_run += 1
        if verbose:
            if command.kind != "init":
                out.write(command.written() + "\n")
            for line in lines:
                if line.strip() != ">":
                    out.write(line + "\n")
        assert frontend is not None             # judging begins when it reads
        status = status_lines(frontend)
        if observe is not None:
            observe(command, lines, status)
        stop = False
        for check in command.checks:
            why = check.evaluate(status if check.status else lines)
            if why:
                result.failures.append(Failure(test.name, command, check, why, lines, status))
                if check.vital or vital:
                    stop = True
        if stop:
            raise _StopTest()

    feed = CommandFeed(commands, judge)
    frontend = feed.frontend = HeadlessFrontend(
        stdin=feed, stdout=feed.output, width=width, height=height, virtual_clock=True)
    try:
        machine = Machine(story, frontend, seed=seed)
        machine.run()
        if not feed.exhausted:
            # The story ended by itself: what it printed last is the last
            # command's; commands it never read get no output.
            frontend.close()
            feed.finish(feed.current)
            feed.current = None
            for cmd in feed.commands:
                if cmd.checks:
                    result.failures.append(Failure(
                        test.name, cmd, None,
                        "the story ended before this command was sent", [], []))
                    break
    except _StopTest:
        if feed.error:
            result.failures.append(Failure(test.name, feed.current, None,
                                           feed.error, [], []))
    except ZMachineError as e:
        text = feed.take_output()
        result.failures.append(Failure(test.name, feed.current or test.init, None,
                                       f"fatal Z-machine error: {e}", text.split("\n"), []))
    except Exception as e:                      # a fault of zvm's own
        result.failures.append(Failure(test.name, feed.current or test.init, None,
                                       f"internal error: {type(e).__name__}: {e}",
                                       feed.take_output().split("\n"), []))
    return result

