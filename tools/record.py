"""``zvm record STORY COMMANDS > FILE.regtest``: play a story with a list of
commands and write a golden transcript, a regtest file (``zvm test``) that
checks every line of output.

COMMANDS has one command a line, as typed after ``>`` in a regtest file (so
``{char} y`` and ``{timer}`` work too; an empty line is an empty command).
The file has a ``** game:`` line (the story's path relative to the
output file with ``-o``, else as given), ``** zvm-seed:`` with ``--seed``,
one test whose opening checks are the story's first text and then each
command followed by one check per non-empty line of its output. A line
that would read as something else (starting with ``/``, ``!``, ``{``,
``*``, ``>`` or ``#``) becomes an exact regular expression (``/\\*foo``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from zvm.tools import regtest

SPECIAL_START = ("/", "!", "{", "*", ">", "#")
_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def check_for(line: str) -> str | None:
    """The check that an output line is there, or None for a blank line."""
    text = line.strip()
    if not text:
        return None
    if text.startswith(SPECIAL_START):
        return "/" + _REGEX_SPECIAL.sub(r"\\\1", text)
    return text


def record(story: str, commands: list[str], *, name: str = "recorded",
           seed: int | None = None, game_line: str | None = None,
           status: bool = False, width: int = 80, height: int = 24) -> str:
    """The regtest file's text for the story played with the commands."""
    where = "<commands>"
    test = regtest.Test(name, 0, regtest.Command("init", "", 0))
    for i, line in enumerate(commands, 1):
        cmd = regtest.parse_command(line, i, where)
        if cmd.kind == "include":
            raise regtest.RegtestError(f"{where}:{i}: {{include}} cannot be recorded")
        test.commands.append(cmd)
    rf = regtest.RegtestFile(path=os.path.join(os.getcwd(), "recorded.regtest"),
                             game=os.path.abspath(story), seed=seed)
    rf.tests.append(test)

    blocks: list[list[str]] = []

    def observe(command: regtest.Command, lines: list[str], status_lines: list[str]) -> None:
        block = [] if command.kind == "init" else [command.written()]
        if lines and lines[-1].strip() == ">":      # the next prompt
            lines = lines[:-1]
        for line in lines:
            check = check_for(line)
            if check is not None:
                block.append(check)
        if status:
            for line in status_lines:
                check = check_for(line)
                if check is not None:
                    block.append("{status} " + check)
        blocks.append(block)

    result = regtest.run_test(rf, test, seed=seed, observe=observe, width=width,
                              height=height)
    problems = [f for f in result.failures if f.check is None]
    if result.skipped or problems:
        raise regtest.RegtestError(result.skipped or problems[0].reason)

    head = [f"# Golden transcript recorded by zvm record from {os.path.basename(story)}"
            + (f" (seed {seed})" if seed is not None else "") + ".",
            f"** game: {game_line or story}",
            "** interpreter: python -m zvm --headless"]
    if seed is not None:
        head.append(f"** zvm-seed: {seed}")
    out = head + ["", f"* {name}"]
    for i, block in enumerate(blocks):
        if i:
            out.append("")
        out += block
    return "\n".join(out) + "\n"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zvm record",
        description="Play a story with a list of commands and write a regtest file "
                    "that checks all its output (a golden transcript).")
    p.add_argument("story", help="the story file")
    p.add_argument("commands", help="the commands, one a line ('-' for standard input)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE (the game path is then relative to its folder) "
                        "instead of standard output")
    p.add_argument("--name", help="the test's name (default: the commands file's name)")
    p.add_argument("--seed", type=int, metavar="N",
                   help="seed the random numbers (written as ** zvm-seed: N)")
    p.add_argument("--status", action="store_true",
                   help="check the status line / upper window too ({status} checks)")
    p.add_argument("--width", type=int, default=80, metavar="N", help="screen width")
    p.add_argument("--height", type=int, default=24, metavar="N", help="screen height")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if args.commands == "-":
            text = sys.stdin.read()
        else:
            with open(args.commands, encoding="utf-8") as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        sys.stderr.write(f"zvm record: {args.commands}: {getattr(e, 'strerror', None) or e}\n")
        return 2
    if not os.path.isfile(args.story):
        sys.stderr.write(f"zvm record: {args.story}: no such file\n")
        return 2
    commands = text.splitlines()
    name = args.name or (os.path.splitext(os.path.basename(args.commands))[0]
                         if args.commands != "-" else "recorded")
    game_line = args.story
    if args.output and not os.path.isabs(args.story):
        folder = os.path.dirname(os.path.abspath(args.output))
        game_line = os.path.relpath(os.path.abspath(args.story), folder)
    try:
        data = record(args.story, commands, name=name, seed=args.seed,
                      game_line=game_line, status=args.status,
                      width=args.width, height=args.height)
    except regtest.RegtestError as e:
        sys.stderr.write(f"zvm record: {e}\n")
        return 2
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(data)
    else:
        sys.stdout.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
