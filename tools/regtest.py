"""``zvm test``: run regression tests written in the format of Andrew Plotkin's
regtest.py (https://eblong.com/zarf/plotex/regtest.html), in process.

A regtest file::

    # a comment
    ** game: ../stories/zork1.z3          (relative to the regtest file)
    ** interpreter: python -m zvm --headless   (only used with --subprocess)
    ** precommand: verbose                (sent before each test's commands)
    ** zvm-seed: 12                       (zvm's own: seed the random numbers)

    * opening                             (a test: the story from its start)
    West of House                         (checks on the opening text)
    {status} Score: 0                     (... on the status line)

    > open mailbox                        (a command, then checks on its output)
    leaflet                               (the output contains this text)
    /lea+flet                             (a regular expression matches a line)
    !banana                               (no line contains this)
    {count=2} the                         (the text appears at least twice)
    {vital} leaflet                       (a failure ends the test)
    >{char} space                         (a key for read_char)
    >{timer}                              (one interval of a timed read passes)
    >{include} other test                 (that test's commands and checks)

Each test runs a fresh machine on the story (loaded once per file), with
the headless frontend (dfrotz's output) on a virtual clock; the output of
a command is everything the story writes from the command up to its next
input request, split into lines, as regtest.py's "cheap" mode sees it.
``{status}`` checks look at the status line (versions 1-3: location, then
score and moves or time, laid out as Frotz draws them) or, in versions 4
and later, the rows of the upper window. Tests whose names start with
``-`` or ``_`` run only when named (or included).

Beyond regtest.py: ``** zvm-seed: N`` (or ``--seed N``; without either, a
``--seed N`` in a zvm ``** interpreter:`` line, which regtest.py passes on
too) seeds the random numbers; checks after an ``>{include}`` line apply
to the included test's last command (regtest.py drops them); a command that
the story never reads because it ended fails its checks. A line command
may answer a read_char (the headless frontend hands out its characters, as
dfrotz does); a ``{char}`` at a line read is an error.

Exit status: 0 when every check passed (tests whose story file is absent
are reported as ``skipped: game not found: PATH`` and do not fail), 1 when a
check failed or a test could not run, 2 for a usage error or a regtest file
that cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import os
import re
import shlex
import sys
from dataclasses import dataclass, field

# -- the file format ---------------------------------------------------------

# regtest.py's key names (Glk keys) and the Z-machine input codes (§10.7)
# they stand for; keys without a Z-machine code are refused.
KEY_CODES = {
    "left": 131, "right": 132, "up": 129, "down": 130,
    "return": 13, "delete": 8, "escape": 27, "tab": 9,
    **{f"func{n}": 132 + n for n in range(1, 13)},
}
NO_ZSCII_KEYS = {"pageup", "pagedown", "home", "end"}

COMMAND_TYPES = {"line", "char", "timer", "include",
                 # regtest.py's RemGlk-only kinds: parsed, refused when run
                 "hyperlink", "mouse", "refresh", "arrange", "fileref_prompt", "debug"}


class RegtestError(Exception):
    """A regtest file that cannot be read or parsed: ``FILE:LINE: what``."""


@dataclass
class Check:
    """One check on a command's output."""

    source: str                 # the line as written (stripped)
    lineno: int
    kind: str                   # "literal", "regex" or "count"
    text: str
    inverse: bool = False
    status: bool = False
    vital: bool = False
    count: int = 1
    pattern: re.Pattern | None = None

    def evaluate(self, lines: list[str]) -> str | None:
        """None when the check holds for these lines, else why not."""
        if self.kind == "regex":
            found = any(self.pattern.search(line) for line in lines)
            res = None if found else "not found"
        elif self.kind == "count":
            n = sum(_count(line, self.text) for line in lines)
            if n >= self.count:
                res = None
            else:
                res = ("not found" if n == 0 else "only found once" if n == 1
                       else f"only found {n} times")
        else:
            res = None if any(self.text in line for line in lines) else "not found"
        if self.inverse:
            return None if res else "found, and it should not be (an inverse check)"
        return res


def _count(line: str, text: str) -> int:
    """Occurrences of text in line, overlapping ones too (as regtest.py)."""
    n, start = 0, 0
    while text:
        pos = line.find(text, start)
        if pos < 0:
            break
        n += 1
        start = pos + 1
    return n


@dataclass
class Command:
    """One input to the story and the checks on its output."""

    kind: str                   # "line", "char", "timer", "include", "init"
    text: str                   # the line, the key, the included test's name
    lineno: int
    source: str = ""            # as written
    checks: list[Check] = field(default_factory=list)

    def label(self) -> str:
        if self.kind == "init":
            return "(the story's opening text)"
        return self.written()

    def written(self) -> str:
        """The command as a regtest file line: ``> look``, ``>{timer}``."""
        if self.kind == "line":
            return f"> {self.text}" if self.text else ">"
        return ">" + self.source


@dataclass
class Test:
    name: str
    lineno: int
    init: Command
    commands: list[Command] = field(default_factory=list)
    game: str | None = None
    interpreter: str | None = None
    seed: int | None = None


@dataclass
class RegtestFile:
    path: str
    game: str | None = None
    interpreter: str | None = None
    seed: int | None = None
    precommands: list[Command] = field(default_factory=list)
    tests: list[Test] = field(default_factory=list)

    def find(self, name: str) -> Test | None:
        for t in self.tests:
            if t.name == name:
                return t
        return None

    def selected(self, patterns: list[str] | None = None) -> list[Test]:
        """The tests named by the glob patterns (default ``*``, which leaves
        out names starting with ``-`` or ``_``), in file order."""
        patterns = patterns or ["*"]
        chosen = []
        for t in self.tests:
            for pat in patterns:
                if pat == "*" and t.name[:1] in ("-", "_"):
                    continue
                if fnmatch.fnmatchcase(t.name, pat):
                    chosen.append(t)
                    break
        return chosen

    def game_path(self, test: Test) -> str | None:
        """The test's story file, relative paths taken from the regtest
        file's folder."""
        game = test.game or self.game
        if game is None:
            return None
        game = os.path.expanduser(game)
        if not os.path.isabs(game):
            game = os.path.join(os.path.dirname(os.path.abspath(self.path)), game)
        return os.path.normpath(game)

    def commands_of(self, test: Test) -> list[Command]:
        """The precommands, then the test's commands with ``{include}``
        replaced by the included test's commands (recursively)."""
        out: list[Command] = []
        self._expand(self.precommands + test.commands, out, (test.name,))
        return out

    def _expand(self, commands, out, nested) -> None:
        for cmd in commands:
            if cmd.kind != "include":
                out.append(cmd)
                continue
            if cmd.text in nested:
                raise RegtestError(f"{self.path}:{cmd.lineno}: test {cmd.text!r} "
                                   "includes itself")
            inc = self.find(cmd.text)
            if inc is None:
                raise RegtestError(f"{self.path}:{cmd.lineno}: included test "
                                   f"{cmd.text!r} not found")
            start = len(out)
            self._expand(inc.commands, out, nested + (cmd.text,))
            if cmd.checks:
                # zvm: checks after an {include} line are made on the output
                # of the included test's last command (regtest.py drops them).
                if len(out) == start:
                    raise RegtestError(f"{self.path}:{cmd.lineno}: checks after an "
                                       f"{{include}} of a test with no commands")
                last = out[-1]
                out[-1] = Command(last.kind, last.text, last.lineno, last.source,
                                  last.checks + cmd.checks)


_MODIFIER = re.compile(r"!|\{[a-z]*\}")


def parse_check(line: str, lineno: int, where: str) -> Check:
    source = line
    inverse = status = vital = False
    while True:
        m = _MODIFIER.match(line)
        if not m:
            break
        line = line[m.end():].strip()
        val = m.group()
        if val in ("!", "{invert}"):
            inverse = True
        elif val == "{status}":
            status = True
        elif val == "{vital}":
            vital = True
        elif val in ("{graphic}", "{graphics}"):
            raise RegtestError(f"{where}:{lineno}: graphics windows are not supported "
                               f"by zvm: {source}")
        else:
            raise RegtestError(f"{where}:{lineno}: unknown check modifier {val}")
    common = dict(source=source, lineno=lineno, inverse=inverse, status=status, vital=vital)
    if line.startswith("/"):
        text = line[1:].strip()
        try:
            pattern = re.compile(text)
        except re.error as e:
            raise RegtestError(f"{where}:{lineno}: bad regular expression {text!r}: {e}")
        return Check(kind="regex", text=text, pattern=pattern, **common)
    m = re.match(r"\{count=([0-9]+)\}", line)
    if m:
        return Check(kind="count", text=line[m.end():].strip(), count=int(m.group(1)),
                     **common)
    if re.match(r"\{(hyperlink=|image=|json )", line):
        raise RegtestError(f"{where}:{lineno}: RemGlk checks are not supported by zvm: "
                           f"{source}")
    return Check(kind="literal", text=line, **common)


def parse_command(text: str, lineno: int, where: str) -> Command:
    """``text`` is what follows ``>``."""
    source = text.strip()
    m = re.match(r"\{([a-z_]*)\}", text)
    if not m:
        return Command("line", text.strip(), lineno, source)
    kind = m.group(1)
    arg = text[m.end():].strip()
    if kind not in COMMAND_TYPES:
        raise RegtestError(f"{where}:{lineno}: unknown command type {{{kind}}}")
    if kind == "char":
        key = None
        if arg == "":
            key = "\n"
        elif len(arg) == 1:
            key = arg
        elif arg.lower() in KEY_CODES or arg.lower() in NO_ZSCII_KEYS:
            key = arg.lower()
        elif arg.lower() == "space":
            key = " "
        elif arg.lower().startswith("0x"):
            try:
                key = chr(int(arg[2:], 16))
            except ValueError:
                pass
        else:
            try:
                key = chr(int(arg))
            except ValueError:
                pass
        if key is None:
            raise RegtestError(f"{where}:{lineno}: cannot read the key {arg!r}")
        return Command("char", key, lineno, source)
    return Command(kind, arg, lineno, source)


def parse_file(path: str) -> RegtestFile:
    """Read a regtest file; raises RegtestError (with file and line)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise RegtestError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    return parse_text(text, path)


def parse_text(text: str, path: str = "<regtest>") -> RegtestFile:
    rf = RegtestFile(path)
    test: Test | None = None
    cmd: Command | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("**"):
            key, sep, val = line[2:].partition(":")
            if not sep:
                continue
            key, val = key.strip(), val.strip()
            target = test if test is not None else rf
            if key in ("pre", "precommand") and test is None:
                rf.precommands.append(parse_command(val, lineno, path))
            elif key == "game":
                target.game = val
            elif key == "interpreter":
                target.interpreter = val
            elif key == "zvm-seed":
                try:
                    target.seed = int(val)
                except ValueError:
                    raise RegtestError(f"{path}:{lineno}: ** zvm-seed takes a number")
            elif key in ("remformat", "checkclass") and test is None:
                # regtest.py's RemGlk format and custom check classes.
                raise RegtestError(f"{path}:{lineno}: ** {key} is not supported by zvm")
            else:
                where = f" in * {test.name}" if test else ""
                raise RegtestError(f"{path}:{lineno}: unknown option ** {key}{where}")
            continue
        if line.startswith("*"):
            name = line[1:].strip()
            if rf.find(name) is not None:
                raise RegtestError(f"{path}:{lineno}: test name used twice: {name}")
            cmd = Command("init", "", lineno)
            test = Test(name, lineno, cmd)
            rf.tests.append(test)
            continue
        if test is None:
            raise RegtestError(f"{path}:{lineno}: a check or command before the first "
                               f"* test: {line}")
        if line.startswith(">"):
            cmd = parse_command(line[1:], lineno, path)
            test.commands.append(cmd)
            continue
        cmd.checks.append(parse_check(line, lineno, path))
    return rf


# -- running -----------------------------------------------------------------

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


def status_lines(frontend) -> list[str]:
    """What ``{status}`` checks look at: the version 1-3 status line as
    Frotz lays it out, or the upper window's rows (versions 4 and later)."""
    if frontend.version <= 3:
        if frontend.last_status is None:
            return []
        left, right = frontend.last_status
        return [frontend.status_text(left, right).rstrip()]
    return [row.rstrip() for row in frontend.upper_rows]


def _frontend_class():
    from zvm.ui.headless import KEY_BASE, TIMER_INPUT, HeadlessFrontend
    from zvm.screen.protocol import InputEnded

    class RegtestFrontend(HeadlessFrontend):
        """The headless frontend fed one regtest command at a time. Each
        time the story wants input, the output since the previous command
        is that command's output: ``on_output(command, text)`` judges it
        (and may raise to stop), then the next command is typed."""

        def __init__(self, commands, on_output, width, height):
            super().__init__(stdin=_Feed(self), stdout=io.StringIO(), width=width,
                             height=height, virtual_clock=True)
            self.commands = list(commands)
            self.on_output = on_output
            self.current = None           # the command whose output is coming
            self.mark = 0
            self.wanted = "line"
            self.error = None
            self.exhausted = False        # every command was sent

        def take_output(self) -> str:
            out = self.stdout.getvalue()
            text, self.mark = out[self.mark:], len(out)
            return text

        def finish(self, command) -> None:
            self.on_output(command, self.take_output())

        def read_line(self, request):
            self.wanted = "line"
            return super().read_line(request)

        def read_char(self, request):
            self.wanted = "char"
            return super().read_char(request)

        def next_line(self) -> str:
            """The text of the next command, as a line of input; its
            output so far is judged first."""
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
                if self.wanted != "char":
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

    class _Feed:
        """Standard input for the frontend: each line is the next command."""

        def __init__(self, frontend):
            self.frontend = frontend

        def readline(self) -> str:
            try:
                return self.frontend.next_line() + "\n"
            except InputEnded:
                return ""

    return RegtestFrontend


def _is_zvm(argv: list[str]) -> bool:
    return any(os.path.basename(a) == "zvm" for a in argv)


def file_seed(rf: RegtestFile, test: Test) -> int | None:
    """The seed a test asks for: its own or the file's ``** zvm-seed``, or
    else a ``--seed N`` in a zvm ``** interpreter:`` line (the way to seed
    a file that regtest.py runs too)."""
    if test.seed is not None:
        return test.seed
    if rf.seed is not None:
        return rf.seed
    line = test.interpreter or rf.interpreter
    if line:
        try:
            argv = shlex.split(line)
        except ValueError:
            return None
        if _is_zvm(argv):
            for i, a in enumerate(argv):
                value = None
                if a == "--seed" and i + 1 < len(argv):
                    value = argv[i + 1]
                elif a.startswith("--seed="):
                    value = a[7:]
                if value is not None:
                    try:
                        return int(value)
                    except ValueError:
                        return None
    return None


def load_story(path: str, cache: dict | None = None):
    """The story at path, loaded once per cache. Raises StoryError."""
    from zvm.story.loader import load
    if cache is not None and path in cache:
        return cache[path]
    story = load(path)
    if cache is not None:
        cache[path] = story
    return story


def _game_and_commands(rf: RegtestFile, test: Test, result: TestResult):
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
             vital: bool = False, verbose: bool = False, out=None,
             stories: dict | None = None, width: int = 80, height: int = 24,
             observe=None) -> TestResult:
    """Run one test in process. ``seed`` (when not None) overrides the
    file's ``** zvm-seed``. ``out`` receives the transcript when verbose.
    ``observe(command, lines, status)``, when given, sees each command's
    output (the opening text comes with the test's ``init`` command)."""
    from zvm.errors import StoryError, ZMachineError
    from zvm.vm.machine import Machine

    result = TestResult(test.name)
    ready = _game_and_commands(rf, test, result)
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

    frontend = None
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

    frontend = _frontend_class()(commands, judge, width, height)
    try:
        machine = Machine(story, frontend, seed=seed)
        machine.run()
        if not frontend.exhausted:
            # The story ended by itself: what it printed last is the last
            # command's; commands it never read get no output.
            frontend.close()
            frontend.finish(frontend.current)
            frontend.current = None
            for cmd in frontend.commands:
                if cmd.checks:
                    result.failures.append(Failure(
                        test.name, cmd, None,
                        "the story ended before this command was sent", [], []))
                    break
    except _StopTest:
        if frontend.error:
            result.failures.append(Failure(test.name, frontend.current, None,
                                           frontend.error, [], []))
    except ZMachineError as e:
        text = frontend.take_output()
        result.failures.append(Failure(test.name, frontend.current or test.init, None,
                                       f"fatal Z-machine error: {e}", text.split("\n"), []))
    except Exception as e:                      # a fault of zvm's own
        result.failures.append(Failure(test.name, frontend.current or test.init, None,
                                       f"internal error: {type(e).__name__}: {e}",
                                       frontend.take_output().split("\n"), []))
    return result


# -- running through another interpreter (--subprocess) ----------------------

def interpreter_argv(command_line: str, seed: int | None) -> list[str]:
    """The interpreter's command line: ``python``/``python3`` as the first
    word means this Python; a seed is passed on as ``--seed N`` when the
    interpreter is zvm."""
    argv = shlex.split(command_line)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    if seed is not None and _is_zvm(argv) and "--seed" not in argv \
            and not any(a.startswith("--seed=") for a in argv):
        argv += ["--seed", str(seed)]
    return argv


def run_test_subprocess(rf: RegtestFile, test: Test, *, interpreter: str | None,
                        seed: int | None = None, vital: bool = False,
                        verbose: bool = False, out=None, timeout: float = 10.0) -> TestResult:
    """Run one test as regtest.py does in its default ("cheap") mode: start
    the interpreter on the game, write each command as a line, and take the
    output up to the next ``\\n>`` as the command's. No status line."""
    import select
    import subprocess
    import time

    result = TestResult(test.name)
    out = out or sys.stdout
    ready = _game_and_commands(rf, test, result)
    if ready is None:
        return result
    game, commands = ready
    if seed is None:
        seed = test.seed if test.seed is not None else rf.seed
    for cmd in commands:
        if cmd.kind not in ("line", "char") or (
                cmd.kind == "char" and len(cmd.text) != 1 and cmd.text != "return"):
            result.failures.append(Failure(
                test.name, cmd, None,
                f"--subprocess cannot send {cmd.written()} (it needs the in-process "
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


# -- the command -------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zvm test",
        description="Run regtest.py-style regression tests (golden transcripts) in process.",
        epilog="Exit status: 0 all passed (tests whose game file is absent are skipped), "
               "1 a check failed, 2 a usage error or a bad regtest file.")
    p.add_argument("file", metavar="FILE.regtest", help="the regtest file")
    p.add_argument("tests", nargs="*", metavar="TEST",
                   help="tests to run, as glob patterns (default: all whose names do "
                        "not start with - or _)")
    p.add_argument("-g", "--game", help="the story file (overrides ** game:)")
    p.add_argument("-l", "--list", action="store_true", help="list the tests and exit")
    p.add_argument("-p", "--pre", "--precommand", dest="precommands", action="append",
                   default=[], metavar="CMD", help="a command to send before each test")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="show each command and the story's output")
    p.add_argument("--vital", action="count", default=0,
                   help="end a test at its first failure (given twice: the whole run)")
    p.add_argument("--seed", type=int, metavar="N",
                   help="seed the random numbers (overrides ** zvm-seed:)")
    p.add_argument("--width", type=int, default=80, metavar="N",
                   help="screen width (default 80)")
    p.add_argument("--height", type=int, default=24, metavar="N",
                   help="screen height (default 24)")
    p.add_argument("--subprocess", action="store_true",
                   help="run the ** interpreter: command line (default python -m zvm "
                        "--headless) with the game, as regtest.py does")
    p.add_argument("-i", "--interpreter", "--terp", metavar="CMD",
                   help="with --subprocess: the interpreter command line")
    p.add_argument("-t", "--timeout", type=float, default=10.0, metavar="SECS",
                   help="with --subprocess: how long to wait for output (default 10)")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    out = sys.stdout
    try:
        rf = parse_file(args.file)
        rf.precommands += [parse_command(c, 0, "--precommand") for c in args.precommands]
    except RegtestError as e:
        sys.stderr.write(f"zvm test: {e}\n")
        return 2
    if args.game:
        rf.game = os.path.abspath(args.game)
        for t in rf.tests:
            t.game = None
    tests = rf.selected(args.tests)
    if args.list:
        for t in tests:
            out.write(t.name + "\n")
        return 0
    if not tests:
        out.write("No tests performed!\n")
        return 1 if args.tests else 0

    stories: dict = {}
    errors = skipped = 0
    failed_tests = []
    for test in tests:
        out.write(f"* {test.name}\n")
        out.flush()
        if args.subprocess:
            result = run_test_subprocess(rf, test, interpreter=args.interpreter,
                                         seed=args.seed, vital=args.vital > 0,
                                         verbose=args.verbose > 0, out=out,
                                         timeout=args.timeout)
        else:
            result = run_test(rf, test, seed=args.seed, vital=args.vital > 0,
                              verbose=args.verbose > 0, out=out, stories=stories,
                              width=args.width, height=args.height)
        if result.skipped:
            skipped += 1
            out.write(f"  skipped: {result.skipped}\n")
            continue
        if result.failures:
            out.write(f"  FAILED: {test.name}\n")
            out.write(format_failures(result.failures, "    ") + "\n")
        if result.failures:
            errors += len(result.failures)
            failed_tests.append(test.name)
            if args.vital >= 2:
                break
        out.flush()
    ran = len(tests) - skipped
    if errors:
        out.write(f"\nFAILED: {errors} error{'s' if errors != 1 else ''} in "
                  f"{len(failed_tests)} of {ran} tests ({', '.join(failed_tests)})\n")
        return 1
    note = f", {skipped} skipped" if skipped else ""
    out.write(f"\npassed: {ran} test{'s' if ran != 1 else ''}{note}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
