"""argparse as every ``zvm`` command uses it: usage errors in one line,
and help that reaches its reader or fails loudly.

Importing this module changes one thing in argparse for the whole
process: ``--help`` and ``--version`` text that cannot be written (a
closed pipe, a full disk) is no longer dropped with exit status 0; the
failure reaches ``zvm.cli.guard``, which says it in one line. The ``zvm``
command imports it only when it needs argparse (help, a usage error, a
configuration file, a subcommand): a plain run parses its options without
argparse (``zvm.cli.options``).
"""

from __future__ import annotations

import argparse
import os
import sys

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import NoReturn

    from _typeshed import SupportsWrite


def _print_message(parser: argparse.ArgumentParser, message: str,
                   file: SupportsWrite[str] | None = None) -> None:
    if message:
        (file or sys.stderr).write(message)


# (replacing a method of argparse's class: mypy checks no such assignment)
argparse.ArgumentParser._print_message = _print_message  # type: ignore[method-assign, assignment]


def help_width() -> int:
    """The terminal's width as argparse would find it, without importing
    shutil (which argparse does for every option it is given)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns if columns > 0 else 80) - 2


class Parser(argparse.ArgumentParser):
    """Usage errors as one line after the usage, exit status 2 (the
    subcommands in tools/ use it too)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {message}\n")
        sys.exit(2)

    def _get_formatter(self):
        return self.formatter_class(prog=self.prog, width=help_width())
