"""Frontends and subcommands by name.

zvm's own (the ``headless`` and ``terminal`` frontends, the ``test``,
``record``, ``dis`` and ``dump`` commands) are imported directly: finding
them costs no scan of installed packages' metadata at start-up. Other
packages may add more through the entry-point groups ``zvm.frontends`` and
``zvm.commands``, which are read only for a name zvm does not know.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

FRONTENDS = {"headless": "zvm.ui.headless:HeadlessFrontend",
             "terminal": "zvm.ui.terminal:TerminalFrontend"}
COMMANDS = {"test": "zvm.tools.regtest:main", "record": "zvm.tools.record:main",
            "dis": "zvm.tools.disassemble:main", "dump": "zvm.tools.dump:main"}


def load(group: str, name: str, builtin: dict[str, str]) -> Any:
    """The object named name: zvm's own from builtin ("module:attribute"),
    else the entry point of that name in group; None when there is none."""
    target = builtin.get(name)
    if target is not None:
        module, _, attr = target.partition(":")
        return getattr(import_module(module), attr)
    from importlib.metadata import entry_points
    for ep in entry_points(group=group):
        if ep.name == name:
            return ep.load()
    return None


def load_frontend(name: str) -> Any:
    """The frontend class called name (``headless``, ``terminal``, or one
    registered in the ``zvm.frontends`` entry-point group)."""
    found = load("zvm.frontends", name, FRONTENDS)
    if found is None:
        raise LookupError(f"no frontend named {name!r}")
    return found


def load_command(name: str) -> Any:
    """The main function of a subcommand (``zvm test``, ``zvm dis`` ...),
    or None when there is no such command."""
    if name not in COMMANDS and not name.isidentifier():
        return None
    import zvm.cli.parser  # noqa: F401 (argparse's help then fails loudly)
    try:
        return load("zvm.commands", name, COMMANDS)
    except ImportError:
        return None
