"""The regtest file format (Andrew Plotkin's regtest.py, with zvm's
additions): parsing a file into tests, commands and checks, and evaluating
a check on a command's output. ``zvm.tools.regtest`` describes the format;
``zvm.tools.regtest_run`` and ``zvm.tools.regtest_subprocess`` run it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

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
            pattern = self.pattern
            assert pattern is not None              # parse_check compiles it
            found = any(pattern.search(line) for line in lines)
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

    def _expand(self, commands: list[Command], out: list[Command],
                nested: tuple[str, ...]) -> None:
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
    common: dict[str, Any] = dict(source=source, lineno=lineno, inverse=inverse,
                                  status=status, vital=vital)
    if line.startswith("/"):
        text = line[1:].strip()
        try:
            pattern = re.compile(text)
        except re.error as e:
            raise RegtestError(
                f"{where}:{lineno}: bad regular expression {text!r}: {e}") from None
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
                    raise RegtestError(
                        f"{path}:{lineno}: ** zvm-seed takes a number") from None
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
            test = Test(name, lineno, Command("init", "", lineno))
            rf.tests.append(test)
            continue
        if test is None:
            raise RegtestError(f"{path}:{lineno}: a check or command before the first "
                               f"* test: {line}")
        if line.startswith(">"):
            test.commands.append(parse_command(line[1:], lineno, path))
            continue
        # A check belongs to the command above it (the test's init at first).
        last = test.commands[-1] if test.commands else test.init
        last.checks.append(parse_check(line, lineno, path))
    return rf


def is_zvm(argv: list[str]) -> bool:
    """Whether a command line runs zvm."""
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
        if is_zvm(argv):
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

