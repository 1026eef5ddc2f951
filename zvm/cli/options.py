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

Every option is described once, in ``OPTIONS``. A plain command line (known
long options, a story) is read straight from that table, in a fraction of
the time argparse takes to import and set up; anything else (``--help``,
an abbreviation, a mistake, a configuration file) goes to the argparse
parser built from the same table, which reads it or says what is wrong.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from typing import Any, Callable

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


class OptionValueError(ValueError):
    """A value an option cannot take (the message says why)."""


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
    raise OptionValueError(
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
        raise OptionValueError(
            f"{value!r}: the interpreter number is 1-11 (6 is the IBM PC)")
    version = version or "Z"
    if not (len(version) == 1 and version.isascii() and version.isprintable()) and not (
            version.isdigit() and int(version) < 256):
        raise OptionValueError(
            f"{value!r}: the interpreter version is one letter (or a number up to 255)")
    return n, version


class Option:
    """One option: its names, where its value goes (``dest``), and either
    the value it stands for (a flag: ``const``) or the type of the value it
    takes (``takes``)."""

    __slots__ = ("names", "dest", "help", "takes", "type", "default", "const", "metavar",
                 "choices")

    def __init__(self, names: tuple[str, ...], help: str, *, dest: str | None = None,
                 takes: bool = False, type: Callable[[str], Any] | None = None,
                 default: Any = None, const: Any = True, metavar: str | None = None,
                 choices: list[str] | None = None) -> None:
        self.names, self.help, self.takes, self.type = names, help, takes, type
        self.dest = dest or names[0].lstrip("-").replace("-", "_")
        self.default = default if takes or default is not None else False
        self.const, self.metavar, self.choices = const, metavar, choices


OPTIONS = [
    Option(("--list",), "list the bundled stories and exit"),
    Option(("--info",), "describe the story (header, IFID, title, Blorb resources) and exit"),
    Option(("--headless",), "read commands from standard input and write plain text, like dfrotz"),
    Option(("--seed",), "seed the random numbers exactly as 'dfrotz -s N' does",
           takes=True, type=int, metavar="N"),
    Option(("--width",), "wrap text at N columns (headless; 0 = no wrapping; default 80)",
           takes=True, type=int, default=80, metavar="N"),
    Option(("--height",), "screen height in lines (headless; default 24)",
           takes=True, type=int, default=24, metavar="N"),
    Option(("--save-dir",), "the folder for saves, transcripts and records (default: here); "
           "nothing is written outside it", takes=True, default=".", metavar="DIR"),
    Option(("--restore",), "start from a saved game (a Quetzal file of this story)",
           takes=True, metavar="FILE"),
    Option(("--transcript",), "copy the game's text to FILE (output stream 2, §7.1.1)",
           takes=True, metavar="FILE"),
    Option(("--record",), "record the commands typed to FILE (output stream 4)",
           takes=True, metavar="FILE"),
    Option(("--replay",), "play the commands in FILE first (input stream 1, §10.2)",
           takes=True, metavar="FILE"),
    Option(("--no-meta",), "pass lines starting with / to the game instead of treating "
           "them as meta-commands (/undo, /save, /help ...)"),
    Option(("--autosave",), "save at every turn to STORY.autosave.qzl in the save folder and "
           "offer to continue from it at the next start (kept until the game quits)"),
    Option(("--overwrite",), "headless: replace an existing save without asking"),
    Option(("--no-colour", "--no-color"), "terminal UI: show no colours (as NO_COLOR does)"),
    Option(("--fg",), "terminal UI: the default text colour (black, red, green, yellow, "
           "blue, magenta, cyan, white, light-grey, grey, dark-grey)",
           takes=True, type=colour, metavar="COLOUR"),
    Option(("--bg",), "terminal UI: the default background colour",
           takes=True, type=colour, metavar="COLOUR"),
    Option(("--no-mouse",), "terminal UI: leave the mouse to the terminal (no wheel "
           "scrollback, no clicks for version 6 stories)"),
    Option(("--no-pictures",), "version 6: no pictures (the story is told there are none)"),
    Option(("--interpreter",), "the interpreter number and version the story is told "
           "(§11.1.3), as frotz -I; default 6:Z (IBM PC)",
           takes=True, type=interpreter, default=(6, "Z"), metavar="N[:LETTER]"),
    Option(("--echo",), "print each command after its prompt, as a transcript shows it"),
    Option(("--warnings",), "report survivable Z-machine errors on standard error, once per "
           "kind; --warnings=always reports each, --warnings=fatal stops the game",
           const="once", default="off"),
    # "--warnings=MODE" arrives here (see parse): a flag that takes no value
    # cannot swallow the story name that follows it.
    Option(("--warnings-mode",), "", dest="warnings", takes=True, choices=WARNING_MODES),
    Option(("--no-cache",), "compile the story afresh: neither read nor write the compiled "
           "code kept in $XDG_CACHE_HOME/zvm"),
    Option(("--stats",), "at exit, print the instructions executed and the time to "
           "standard error"),
]
STORY_HELP = "the story file (.z1-.z8); without one, the bundled story"


def _for_argparse(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """convert, its refusals told to argparse in their own words."""
    if convert is int:
        return convert                    # argparse's "invalid int value"
    import argparse

    def converted(value: str) -> Any:
        try:
            return convert(value)
        except OptionValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    converted.__name__ = convert.__name__
    return converted


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``OPTIONS``: for help and for what the quick
    reading in ``parse`` leaves to it."""
    import argparse

    from zvm.cli.parser import Parser
    p = Parser(prog="zvm", description="A Z-machine interpreter: play interactive fiction.",
               epilog=SUBCOMMANDS + "\n" + KEYS,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("story", nargs="?", help=STORY_HELP)
    for o in OPTIONS:
        help = o.help or argparse.SUPPRESS
        if o.takes:
            p.add_argument(*o.names, dest=o.dest, default=o.default, metavar=o.metavar,
                           type=str if o.type is None else _for_argparse(o.type),
                           choices=o.choices, help=help)
        else:
            p.add_argument(*o.names, dest=o.dest, action="store_const", const=o.const,
                           default=o.default, help=help)
    p.add_argument("--version", action="version", version=version_text())
    return p


def quick_parse(argv: list[str], defaults: dict[str, Any]) -> SimpleNamespace | None:
    """The options of a plain command line (each option by its whole name,
    at most one story), read from ``OPTIONS``; None for anything else."""
    values: dict[str, Any] = {"story": None}
    for option in OPTIONS:
        values.setdefault(option.dest, option.default)  # the first of a dest's, as argparse
    values.update(defaults)
    names = {name: o for o in OPTIONS for name in o.names}
    story = False
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":
            if story:
                return None
            values["story"], story = arg, True
            continue
        name, eq, value = arg.partition("=")
        o = names.get(name)
        if o is None or (eq and not o.takes):
            return None
        if not o.takes:
            values[o.dest] = o.const
            continue
        if not eq:
            if i == len(argv) or argv[i].startswith("-"):
                return None
            value = argv[i]
            i += 1
        try:
            converted = value if o.type is None else o.type(value)
        except ValueError:
            return None
        if o.choices is not None and converted not in o.choices:
            return None
        values[o.dest] = converted
    return SimpleNamespace(**values)


class ConfigError(Exception):
    """The configuration file cannot be used (the message says why)."""


def config_path() -> str:
    """``$XDG_CONFIG_HOME/zvm/config.toml``, or under ``~/.config``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "zvm", "config.toml")


def config_defaults(path: str) -> dict[str, Any]:
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
    options = {o.dest: o for o in OPTIONS if o.dest not in NOT_CONFIGURABLE}
    for o in OPTIONS:                         # long names too: no-colour, save-dir
        for name in o.names:
            if o.dest in options:
                options.setdefault(name[2:].replace("-", "_"), options[o.dest])
    defaults: dict[str, Any] = {}
    for key, value in table.items():
        option = options.get(key.replace("-", "_"))
        if option is None:
            raise ConfigError(f"{path}: {key!r} is not an option zvm has")
        defaults[option.dest] = _config_value(path, key, option, value)
    return defaults


def _config_value(path: str, key: str, option: Option, value: Any) -> Any:
    """A value from the file as the option would take it from the command line."""
    if not option.takes:                      # a flag: true or false
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {key} takes true or false")
        return option.const if value else option.default
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{path}: {key} takes a {'number' if option.type is int else 'text'}")
    if option.type is not None:
        try:
            value = option.type(str(value))
        except OptionValueError as e:
            raise ConfigError(f"{path}: {key}: {e}") from None
        except ValueError:
            raise ConfigError(f"{path}: {key} takes a number") from None
    elif isinstance(value, int):
        raise ConfigError(f"{path}: {key} takes text")
    if option.choices is not None and value not in option.choices:
        raise ConfigError(f"{path}: {key} is one of {', '.join(map(str, option.choices))}")
    if option.dest in ("save_dir", "transcript", "record", "replay", "restore"):
        value = os.path.expanduser(value)
    return value


def parse(argv: list[str]) -> Any:
    """The options (``args.story``, ``args.width`` ...): the command line
    over the configuration file's defaults over zvm's own. A bad file is a
    usage error (one line, status 2)."""
    argv = [a.replace("--warnings=", "--warnings-mode=", 1) if a.startswith("--warnings=")
            else a for a in argv]
    try:
        defaults = config_defaults(config_path())
    except ConfigError as e:
        sys.stderr.write(f"zvm: {e}\n")
        sys.exit(2)
    args: SimpleNamespace | argparse.Namespace | None = quick_parse(argv, defaults)
    if args is None:
        parser = build_parser()
        parser.set_defaults(**defaults)
        args = parser.parse_args(argv)
    # Where each value came from, for messages about it: the file, for the
    # values the command line left as the file set them.
    args.from_config = {dest: config_path() for dest, value in defaults.items()
                        if getattr(args, dest, None) == value}
    return args
