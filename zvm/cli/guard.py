"""Every ``zvm`` command's last line of defence: output that cannot be
written and Ctrl-C end in one line and a status, never a traceback.

The ``zvm`` script and ``python -m zvm`` run ``main`` here, which runs
``zvm.cli.main.main`` (and through it the subcommands ``test``, ``record``,
``dis``, ``dump``) and then flushes standard output, so that a full disk
is noticed before the exit status is decided. Standard output into a
closed pipe (``zvm --list | head -1``) or onto a full disk
(``zvm --info STORY > /dev/full``) gives one line on standard error and
status 1, as any failure of a run does (the ``zvm`` command's statuses are
0, 1 and 2); Ctrl-C before the game has started gives status 130.
"""

from __future__ import annotations

import errno
import gc
import os
import sys

from zvm.cli.stdio import OUTPUT_ERRORS, OutputFailed
from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Callable

OUTPUT_FAILED = 1
INTERRUPTED = 130
YOUNG_OBJECTS = 10_000      # allocations between collections of the youngest objects


def _silence_stdout() -> None:
    """Send what is still buffered for standard output nowhere, so that
    Python's own flush at exit cannot fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def output_failed(error: OSError) -> int:
    """Say in one line on standard error that the output could not be
    written; the exit status."""
    _silence_stdout()
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        reason = "the reading end of the pipe was closed"
    else:
        reason = error.strerror or str(error)
    try:
        sys.stderr.write(f"zvm: cannot write the output: {reason} (standard output)\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return OUTPUT_FAILED


def run(command: Callable[[list[str] | None], int | None], argv: list[str] | None) -> int:
    """``command(argv)``'s exit status, with standard output flushed and
    the failures above turned into one line. Every argument parser in this
    process (zvm's and its subcommands') lets a failed write through
    (``zvm.cli.parser``)."""
    try:
        try:
            status: int | str | None = command(argv)
        except SystemExit as e:               # argparse: --help, --version, usage errors
            status = e.code
        if status is None:
            status = 0
        elif not isinstance(status, int):     # sys.exit("message")
            sys.stderr.write(f"{status}\n")
            status = 1
        if sys.stdout is not None:            # None: started with standard output closed
            sys.stdout.flush()
        return status
    except OutputFailed as e:
        return output_failed(e.error)
    except OSError as e:
        if e.errno not in OUTPUT_ERRORS:
            raise
        return output_failed(e)
    except KeyboardInterrupt:
        try:
            sys.stderr.write("\n")
        except (OSError, ValueError):
            pass
        return INTERRUPTED


def _zvm(argv: list[str] | None) -> int | None:
    from zvm.cli.main import main as zvm_main  # imported under the guard: Ctrl-C
    return zvm_main(argv)


def main(argv: list[str] | None = None) -> int:
    """The ``zvm`` command: the process's entry point, which exits next, and
    so where the process's garbage collection is set (not in
    ``zvm.cli.main``, which tests and tools also call in process).

    A run allocates many short-lived objects (decoded instructions, code,
    text) and makes almost no cycles (Zork I's walkthrough: 129 objects in
    48 collections): the young generation is collected ten times less often
    than Python's default (700). Runs are 2-5% faster.

    Python's exit collects garbage two or three times, walking every object
    the run made (its compiled code, decoded instructions, undo history):
    8-9 ms of a Zork I walkthrough's 0.23 s. Frozen (``gc.freeze``), they
    are left to the operating system instead. Nothing is lost: by now the
    output is flushed, saves and the transcript were written when made,
    the terminal is restored, and the disk cache is written by ``atexit``
    handlers, which still run."""
    gc.set_threshold(YOUNG_OBJECTS)
    status = run(_zvm, argv)
    gc.freeze()
    return status
