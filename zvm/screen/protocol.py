"""The one seam between the machine and whatever shows it (§7, §8, §10).

The machine never draws. It keeps a screen model (``zvm.screen.model``): which
window is selected, the upper window's grid of cells and cursor, the current
style, colours and font. It hands lower-window text and input requests to a
``Frontend``. Two frontends exist: the headless backend (``ui.headless``),
which writes text the way Frotz's dumb interpreter does, and the terminal UI
(``ui.terminal``), which draws with blessed.

Frontends are found by name (``load_frontend``) through the ``zvm.frontends``
entry-point group, so nothing in ``zvm`` imports ``ui``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

# Text style bits (§8.7.1, set_text_style).
REVERSE = 1
BOLD = 2
ITALIC = 4
FIXED = 8

# Colour numbers (§8.3.1).
COLOUR_CURRENT = 0
COLOUR_DEFAULT = 1
BLACK, RED, GREEN, YELLOW, BLUE, MAGENTA, CYAN, WHITE = range(2, 10)
GREY_LIGHT, GREY_MEDIUM, GREY_DARK = 10, 11, 12


@dataclass(frozen=True)
class Style:
    """What text looks like: style bits, colours as 15-bit true colours
    (§8.3.7; -1 = the frontend's default), and the font (§8.1.2)."""

    bits: int = 0
    fg: int = -1
    bg: int = -1
    font: int = 1


PLAIN = Style()


@dataclass(frozen=True)
class Features:
    """What a frontend can do; the machine turns this into header flags
    (§11.1) at start, restart and restore."""

    width: int = 80
    height: int = 24
    status_line: bool = True   # v1-3: can show the status line (Flags 1 bit 4 clear)
    split: bool = True         # upper window available (v3 Flags 1 bit 5)
    colour: bool = False
    true_colour: bool = False
    bold: bool = False
    italic: bool = False
    fixed: bool = True
    timed_input: bool = False
    pictures: bool = False
    sound: bool = False
    default_fg: int = 9        # §8.3.1 colour numbers for the header (white on black)
    default_bg: int = 2


@dataclass
class LineRequest:
    """A request for a line of input (§15 read/sread/aread).

    ``preloaded``: text already shown before the cursor that counts as typed
    (§15.4 aread, v5+). ``timeout``: tenths of a second, 0 = none; when it
    expires the frontend calls ``on_timeout()``, which runs the game's
    interrupt routine and returns True when input should stop (the line then
    ends with terminator 0). ``terminators``: ZSCII codes besides 13 that end
    input (§10.5.2.1). ``max_len``: most characters the buffer accepts."""

    max_len: int
    preloaded: str = ""
    timeout: int = 0
    on_timeout: Callable[[], bool] | None = None
    terminators: frozenset[int] = field(default_factory=frozenset)


@dataclass
class LineResult:
    """The whole input line (without the terminator), the request's
    preloaded text included as the player left it, and the ZSCII code that
    ended it: 13 for Enter, another terminator, or 0 for a timeout."""

    text: str
    terminator: int = 13


@dataclass
class CharRequest:
    """A request for one keypress (§15 read_char). Same timeout rules as
    ``LineRequest``; a timeout that stops input yields 0."""

    timeout: int = 0
    on_timeout: Callable[[], bool] | None = None


class InputEnded(Exception):
    """The frontend has no more input (end of standard input, a closed
    terminal): the run ends normally."""


class Frontend:
    """Base of every frontend. Subclasses override what they show."""

    features = Features()
    # Set by the machine at start: a callable turning a typed character
    # into ZSCII with the story's own Unicode table (§3.8.5), and the
    # callback to run when the display changes size (§8.4).
    char_to_zscii: Callable[[str], int] | None = None
    on_resize: Callable[[int, int], None] | None = None

    def script(self, lines) -> None:
        """Lines to take as the player's next commands before reading the
        keyboard (replay, input stream 1); they are shown as typed."""
        if not hasattr(self, "scripted"):
            from collections import deque
            self.scripted = deque()
        self.scripted.extend(lines)

    def next_scripted(self) -> str | None:
        """The next scripted command, or None."""
        queue = getattr(self, "scripted", None)
        return queue.popleft() if queue else None

    def attach(self, screen) -> None:
        """Called once with the machine's ``zvm.screen.Screen`` before the
        story starts, so the frontend can read the upper window's cells."""
        self.screen = screen

    # -- output ---------------------------------------------------------
    def write(self, text: str, style: Style) -> None:
        """Append text (which may contain newlines) to the lower window."""
        raise NotImplementedError(f"{type(self).__name__}.write")

    def upper_changed(self) -> None:
        """The upper window's cells or size changed (§8.6, §8.7)."""

    def erase_lower(self, which: int = 0) -> None:
        """erase_window's argument: 0 the lower window; -1 the whole screen,
        unsplit (also at restart); -2 the whole screen, split kept (§8.7.3.3)."""

    def status_line(self, left: str, right: str) -> None:
        """Versions 1-3: show the status line (§8.2)."""

    def flush(self) -> None:
        """A word boundary forced by the game: the machine calls this where
        text buffering must break (window, cursor, colour, stream and buffer
        mode changes), as Frotz's core does."""

    def sound_effect(self, number: int) -> None:
        """Bleeps 1 and 2 (§9.2); other sounds need sound resources."""

    # -- input ----------------------------------------------------------
    def read_line(self, request: LineRequest) -> LineResult:
        raise NotImplementedError(f"{type(self).__name__}.read_line")

    def read_char(self, request: CharRequest) -> int:
        raise NotImplementedError(f"{type(self).__name__}.read_char")

    def ask_filename(self, default: str, saving: bool) -> str:
        """The file name the player wants for a save or restore (§15 save):
        asked in the lower window as Frotz asks it; Enter takes the default."""
        self.write(f"Please enter a filename [{default}]: ", PLAIN)
        answer = self.read_line(LineRequest(max_len=255)).text.strip()
        return answer or default

    def confirm(self, question: str, default: bool) -> bool:
        """A yes/no question from the interpreter (overwrite a file?). The
        base answers with default; an interactive frontend asks."""
        return default

    # -- lifecycle ------------------------------------------------------
    def message(self, text: str) -> None:
        """A line from the interpreter itself (warnings, meta-commands)."""

    def close(self) -> None:
        """Restore whatever the frontend changed (the terminal)."""


def load_entry(group: str, name: str, builtin: dict[str, str]):
    """The object registered as name in an entry-point group; when zvm runs
    from a source tree that was never installed, the same name in builtin
    ("module:attribute"). None when there is no such name."""
    from importlib import import_module
    from importlib.metadata import entry_points

    for ep in entry_points(group=group):
        if ep.name == name:
            return ep.load()
    if name not in builtin:
        return None
    module, _, attr = builtin[name].partition(":")
    return getattr(import_module(module), attr)


def load_frontend(name: str) -> type[Frontend]:
    """The frontend class registered under ``name`` in the ``zvm.frontends``
    entry-point group (``headless``, ``terminal``)."""
    found = load_entry("zvm.frontends", name, {"headless": "zvm.ui.headless:HeadlessFrontend",
                                               "terminal": "zvm.ui.terminal:TerminalFrontend"})
    if found is None:
        raise LookupError(f"no frontend named {name!r}")
    return found
