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
import os
import sys

# The format and the runners live in their own modules; their names are
# here too, as this module is what other tools import (``zvm record``, the
# pytest plugin).
from zvm.tools.regtest_format import (  # noqa: F401
    KEY_CODES,
    NO_ZSCII_KEYS,
    Check,
    Command,
    RegtestError,
    RegtestFile,
    Test,
    file_seed,
    parse_check,
    parse_command,
    parse_file,
    parse_text,
)
from zvm.tools.regtest_run import (  # noqa: F401
    Failure,
    TestResult,
    format_failures,
    load_story,
    run_test,
    status_lines,
)
from zvm.tools.regtest_subprocess import interpreter_argv, run_test_subprocess  # noqa: F401

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
