"""The ``zvm`` command's options, its help and its configuration file.

``build_parser`` describes every option; ``parse`` reads the command line
over the defaults from the configuration file
``$XDG_CONFIG_HOME/zvm/config.toml`` (``~/.config/zvm/config.toml`` when
that variable is unset), read with ``tomllib``. The file holds defaults for
any option, by its long name with or without dashes::

    width = 100
    no-colour = true
    fg = "green"
    bg = "black"
    save-dir = "~/saves"
    interpreter = "6:Z"
    warnings = "once"

``--help`` lists the subcommands and the terminal UI's keys.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from zvm import __version__

STANDARD = "1.1"
WARNING_MODES = ["off", "once", "always", "fatal"]

# §8.3.1: the colour numbers of the named colours.
COLOURS = {"black": 2, "red": 3, "green": 4, "yellow": 5, "blue": 6, "magenta": 7,
           "cyan": 8, "white": 9, "light-grey": 10, "grey": 11, "dark-grey": 12}

SUBCOMMANDS = """subcommands (zvm COMMAND --help for each):
  zvm test FILE.regtest ...   run regression tests (golden transcripts)
  zvm record STORY COMMANDS   write a regtest file from a story's replies
  zvm dis STORY               disassemble a story's routines
  zvm dump STORY --header ... show a story's header, objects, dictionary
"""

KEYS = """keys in the terminal UI:
  Enter                 end the command
  Left, Right, Home, End (or Ctrl-B, Ctrl-F, Ctrl-A, Ctrl-E)  move in the line
  Backspace, Delete     delete a character; Ctrl-W a word
  Ctrl-U, Ctrl-K        erase to the start, to the end of the line
  Up, Down              earlier commands (unless the story uses the arrows)
  Page Up, Page Down    read back through everything shown (also the mouse
                        wheel; select text with Shift held); any other key returns
  Ctrl-L                redraw the screen
  Ctrl-C, or Ctrl-D on an empty line   ask whether to quit
  Ctrl-Z                suspend (fg to come back)

defaults for every option: $XDG_CONFIG_HOME/zvm/config.toml (see README)
"""

# Options that are actions, not settings: not in the configuration file.
NOT_CONFIGURABLE = {"help", "version", "list", "info", "story", "warnings_mode"}


class Parser(argparse.ArgumentParser):
    """Usage errors as one line after the usage, exit status 2 (the
    subcommands in tools/ use it too)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: {message}\n")
        sys.exit(2)


def version_text() -> str:
    """What ``--version`` prints: zvm's version, the Standard it follows and
    the Python it runs on."""
    name = {"cpython": "CPython", "pypy": "PyPy"}.get(sys.implementation.name,
                                                      sys.implementation.name)
    version = ".".join(map(str, sys.version_info[:3]))
    return f"zvm {__version__} (Z-Machine Standard {STANDARD}; {name} {version})"


def colour(value: str) -> int:
    """A colour option: a name of §8.3.1 (``green``) or its number 2-12."""
    v = value.strip().lower().replace("_", "-").replace(" ", "-")
    if v in COLOURS:
        return COLOURS[v]
    if v.isdigit() and 2 <= int(v) <= 12:
        return int(v)
    raise argparse.ArgumentTypeError(
        f"{value!r} is not a colour ({', '.join(COLOURS)}, or 2-12)")


def interpreter(value: str) -> tuple[int, str]:
    """``--interpreter N[:LETTER]`` (§11.1.3): the interpreter number the
    header reports (1-11: 1 DECSystem-20 ... 6 IBM PC ... 11 Commodore 128)
    and its version, a letter (or a number, for version 6 stories)."""
    number, _, version = str(value).partition(":")
    try:
        n = int(number)
    except ValueError:
        n = -1
    if not 1 <= n <= 11:
        raise argparse.ArgumentTypeError(
            f"{value!r}: the interpreter number is 1-11 (6 is the IBM PC)")
    version = version or "Z"
    if not (len(version) == 1 and version.isascii() and version.isprintable()) and not (
            version.isdigit() and int(version) < 256):
        raise argparse.ArgumentTypeError(
            f"{value!r}: the interpreter version is one letter (or a number up to 255)")
    return n, version


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="zvm", description="A Z-machine interpreter: play interactive fiction.",
               epilog=SUBCOMMANDS + "\n" + KEYS,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("story", nargs="?",
                   help="the story file (.z1-.z8); without one, the bundled story")
    p.add_argument("--list", action="store_true", help="list the bundled stories and exit")
    p.add_argument("--info", action="store_true",
                   help="describe the story (header, IFID, title, Blorb resources) and exit")
    p.add_argument("--headless", action="store_true",
                   help="read commands from standard input and write plain text, like dfrotz")
    p.add_argument("--seed", type=int, metavar="N",
                   help="seed the random numbers exactly as 'dfrotz -s N' does")
    p.add_argument("--width", type=int, default=80, metavar="N",
                   help="wrap text at N columns (headless; 0 = no wrapping; default 80)")
    p.add_argument("--height", type=int, default=24, metavar="N",
                   help="screen height in lines (headless; default 24)")
    p.add_argument("--save-dir", metavar="DIR", default=".",
                   help="the folder for saves, transcripts and records (default: here); "
                        "nothing is written outside it")
    p.add_argument("--restore", metavar="FILE",
                   help="start from a saved game (a Quetzal file of this story)")
    p.add_argument("--transcript", metavar="FILE",
                   help="copy the game's text to FILE (output stream 2, §7.1.1)")
    p.add_argument("--record", metavar="FILE",
                   help="record the commands typed to FILE (output stream 4)")
    p.add_argument("--replay", metavar="FILE",
                   help="play the commands in FILE first (input stream 1, §10.2)")
    p.add_argument("--no-meta", action="store_true",
                   help="pass lines starting with / to the game instead of treating "
                        "them as meta-commands (/undo, /save, /help ...)")
    p.add_argument("--autosave", action="store_true",
                   help="save at every turn to STORY.autosave.qzl in the save folder and "
                        "offer to continue from it at the next start (kept until the game quits)")
    p.add_argument("--overwrite", action="store_true",
                   help="headless: replace an existing save without asking")
    p.add_argument("--no-colour", "--no-color", dest="no_colour", action="store_true",
                   help="terminal UI: show no colours (as NO_COLOR does)")
    p.add_argument("--fg", type=colour, metavar="COLOUR",
                   help="terminal UI: the default text colour (black, red, green, yellow, "
                        "blue, magenta, cyan, white, light-grey, grey, dark-grey)")
    p.add_argument("--bg", type=colour, metavar="COLOUR",
                   help="terminal UI: the default background colour")
    p.add_argument("--no-mouse", action="store_true",
                   help="terminal UI: leave the mouse to the terminal (no wheel scrollback, "
                        "no clicks for version 6 stories)")
    p.add_argument("--no-pictures", action="store_true",
                   help="version 6: no pictures (the story is told there are none)")
    p.add_argument("--interpreter", type=interpreter, default=(6, "Z"), metavar="N[:LETTER]",
                   help="the interpreter number and version the story is told (§11.1.3), "
                        "as frotz -I; default 6:Z (IBM PC)")
    p.add_argument("--echo", action="store_true",
                   help="print each command after its prompt, as a transcript shows it")
    p.add_argument("--warnings", dest="warnings", action="store_const", const="once",
                   default="off",
                   help="report survivable Z-machine errors on standard error, once per "
                        "kind; --warnings=always reports each, --warnings=fatal stops the game")
    # "--warnings=MODE" arrives here (see main): a flag that takes no value
    # cannot swallow the story name that follows it.
    p.add_argument("--warnings-mode", dest="warnings", choices=WARNING_MODES,
                   help=argparse.SUPPRESS)
    p.add_argument("--no-cache", dest="no_cache", action="store_true",
                   help="compile the story afresh: neither read nor write the compiled "
                        "code kept in $XDG_CACHE_HOME/zvm")
    p.add_argument("--stats", action="store_true",
                   help="at exit, print the instructions executed and the time to standard error")
    p.add_argument("--version", action="version", version=version_text())
    return p


class ConfigError(Exception):
    """The configuration file cannot be used (the message says why)."""


def config_path() -> str:
    """``$XDG_CONFIG_HOME/zvm/config.toml``, or under ``~/.config``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "zvm", "config.toml")


def config_defaults(parser: argparse.ArgumentParser, path: str) -> dict[str, Any]:
    """The option defaults in the TOML file at ``path`` (none when there
    is no file), checked against the options they set."""
    if not os.path.exists(path):
        return {}                             # the usual case: tomllib is not even loaded
    import tomllib
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: {getattr(e, 'strerror', None) or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not TOML: {e}") from None
    actions = {a.dest: a for a in parser._actions if a.dest not in NOT_CONFIGURABLE}
    for a in parser._actions:                 # long names too: no-colour, save-dir
        for opt in a.option_strings:
            if opt.startswith("--") and a.dest in actions:
                actions.setdefault(opt[2:].replace("-", "_"), actions[a.dest])
    defaults: dict[str, Any] = {}
    for key, value in table.items():
        action = actions.get(key.replace("-", "_"))
        if action is None:
            raise ConfigError(f"{path}: {key!r} is not an option zvm has")
        defaults[action.dest] = _config_value(path, key, action, value)
    return defaults


def _config_value(path: str, key: str, action: argparse.Action, value: Any) -> Any:
    """A value from the file as the option would take it from the command line."""
    if action.nargs == 0:                     # a flag: true or false
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {key} takes true or false")
        return action.const if value else action.default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{path}: {key} takes a {'number' if action.type is int else 'text'}")
    if action.type is not None:
        try:
            value = action.type(str(value))
        except ValueError:
            raise ConfigError(f"{path}: {key} takes a number") from None
        except argparse.ArgumentTypeError as e:
            raise ConfigError(f"{path}: {key}: {e}") from None
    elif isinstance(value, int):
        raise ConfigError(f"{path}: {key} takes text")
    if action.choices is not None and value not in action.choices:
        raise ConfigError(f"{path}: {key} is one of {', '.join(map(str, action.choices))}")
    if action.dest in ("save_dir", "transcript", "record", "replay", "restore"):
        value = os.path.expanduser(value)
    return value


def parse(argv: list[str]) -> argparse.Namespace:
    """The options: the command line over the configuration file's defaults
    over zvm's own. A bad file is a usage error (one line, status 2)."""
    parser = build_parser()
    argv = [a.replace("--warnings=", "--warnings-mode=", 1) if a.startswith("--warnings=")
            else a for a in argv]
    try:
        defaults = config_defaults(parser, config_path())
    except ConfigError as e:
        sys.stderr.write(f"zvm: {e}\n")
        sys.exit(2)
    parser.set_defaults(**defaults)
    return parser.parse_args(argv)
