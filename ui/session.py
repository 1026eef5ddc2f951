"""The terminal's modes and signals while a story plays full-screen.

``open_terminal`` makes the blessed ``Terminal``: it caps the time blessed
waits for answers to its queries (a terminal that never answers, such as
``script`` with piped input, would otherwise hold the start for seconds;
``BLESSED_QUERY_TIMEOUT_SECONDS`` set by the user wins), keeps cursor
addressing and text styles under ``NO_COLOR`` (no-color.org asks for no
colour, nothing more: blessed would drop every sequence) and refuses a
terminal that cannot address the cursor (``TERM=dumb``), which then plays
in line mode.

``Session`` enters the full screen (the alternate screen), cbreak mode
(keys arrive one at a time, unechoed), keypad mode and mouse-wheel
reports, and installs the signal handlers: Ctrl-Z (SIGTSTP) leaves all of
it and gives the terminal back as it was, ``fg`` (SIGCONT) takes it again
and asks for a full redraw; a hangup (SIGHUP) ends the game quietly.
``leave`` undoes everything. ``Timer`` is the real-time interval of timed
input (§10.5.3, §15 read and read_char).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from contextlib import ExitStack
from typing import TYPE_CHECKING, IO, Any, Callable

from zvm.screen.protocol import FrontendUnavailable, InputEnded

if TYPE_CHECKING:
    from blessed import Terminal

QUERY_TIMEOUT = 0.1          # seconds blessed may wait for each answer from the terminal
LINE_MODE_TERMS = ("", "dumb", "unknown", "emacs")
MOUSE_ON = "\x1b[?1000h\x1b[?1006h"       # button reports (the wheel), SGR encoding
MOUSE_OFF = "\x1b[?1006l\x1b[?1000l"
TITLE_PUSH, TITLE_POP = "\x1b[22;0t", "\x1b[23;0t"


class Unsuitable(FrontendUnavailable):
    """This terminal cannot show the full-screen UI (the reason is the
    message); the story plays in line mode instead."""


class HungUp(InputEnded):
    """The terminal went away (SIGHUP, or its input failed): the game ends
    as at the end of input, quietly."""


def open_terminal(stream: IO[str] | None = None) -> tuple[Terminal, bool]:
    """A blessed ``Terminal`` for full-screen play and whether the player
    asked for no colour (``NO_COLOR``). Raises ``Unsuitable`` for a
    terminal without cursor addressing."""
    kind = os.environ.get("TERM", "")
    if kind in LINE_MODE_TERMS:
        raise Unsuitable(f"this terminal (TERM={kind or 'unset'}) cannot move the cursor")
    os.environ.setdefault("BLESSED_QUERY_TIMEOUT_SECONDS", str(QUERY_TIMEOUT))
    import blessed
    import blessed.terminal
    try:
        wait = float(os.environ["BLESSED_QUERY_TIMEOUT_SECONDS"])
    except ValueError:
        wait = QUERY_TIMEOUT
    if hasattr(blessed.terminal, "TERMINAL_QUERY_TIMEOUT_SECONDS"):
        # Imported before (a test, a host program): the value read then.
        blessed.terminal.TERMINAL_QUERY_TIMEOUT_SECONDS = wait
    no_color = os.environ.pop("NO_COLOR", None)
    try:
        term = blessed.Terminal(stream=stream)
    finally:
        if no_color is not None:
            os.environ["NO_COLOR"] = no_color
    if not (term.move_yx(1, 1) and term.clear):
        raise Unsuitable(f"this terminal (TERM={kind}) cannot move the cursor")
    return term, bool(no_color)


class Timer:
    """Real-time interval for timed input (§15 read, read_char): fires every
    ``tenths`` tenths of a second, 0 for never."""

    def __init__(self, tenths: int) -> None:
        self.period = tenths / 10 if tenths and tenths > 0 else 0.0
        self.deadline = time.monotonic() + self.period if self.period else None

    def remaining(self) -> float | None:
        """Seconds until the timer fires (negative: overdue); None: never."""
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()

    def restart(self) -> None:
        self.deadline = time.monotonic() + self.period


class Session:
    """A blessed ``Terminal`` taken over for full-screen play.

    ``handlers`` maps signal names (``"SIGWINCH"``, ``"SIGTERM"`` ...) to
    the functions to call; names this system lacks are left out. Suspend
    and hangup are handled here; ``on_resume`` is called after ``fg``
    (the screen must be drawn whole). ``title``: the window title while
    the story plays; ``mouse``: ask for mouse-wheel reports."""

    def __init__(self, term: Terminal, handlers: dict[str, Callable[[int, Any], None]],
                 on_resume: Callable[[], None] | None = None, title: str = "",
                 mouse: bool = False) -> None:
        self.term = term
        self.handlers = dict(handlers)
        self.handlers.setdefault("SIGTSTP", self._on_sigtstp)
        self.handlers.setdefault("SIGHUP", self._on_sighup)
        self.on_resume = on_resume
        self.title = title
        self.mouse = mouse
        self.active = False          # the full screen is ours (entered, not left)
        self.hung_up = False
        self._stack: ExitStack | None = None
        self._old_signals: dict = {}

    # -- modes ---------------------------------------------------------------------
    def _take(self) -> None:
        t = self.term
        stack = ExitStack()
        stack.enter_context(t.fullscreen())
        stack.enter_context(t.cbreak())
        stack.enter_context(t.keypad())
        self._stack = stack
        extra = (MOUSE_ON if self.mouse else "")
        if self.title:
            extra += TITLE_PUSH + f"\x1b]2;{_printable(self.title)}\x07"
        self._write(extra)

    def _give_back(self) -> None:
        t = self.term
        extra = t.normal + t.normal_cursor + (MOUSE_OFF if self.mouse else "")
        if self.title:
            extra += TITLE_POP
        try:
            self._write(extra)
        finally:
            stack, self._stack = self._stack, None
            if stack is not None:
                try:
                    stack.close()
                except (OSError, ValueError):       # a terminal gone (hangup)
                    pass

    def _write(self, text: str) -> None:
        if not text or self.hung_up:
            return
        try:
            self.term.stream.write(text)
            self.term.stream.flush()
        except (OSError, ValueError):
            pass

    def enter(self) -> None:
        """Full screen, cbreak, keypad and mouse modes and the signal handlers."""
        self._take()
        self.active = True
        for name, handler in self.handlers.items():
            sig = getattr(signal, name, None)
            if sig is None:
                continue
            try:
                self._old_signals[sig] = signal.signal(sig, handler)
            except (ValueError, OSError):      # not the main thread
                pass

    def leave(self) -> None:
        """Restore the terminal's modes and the signal handlers."""
        try:
            if self.active:
                self._give_back()
        finally:
            self.active = False
            for sig, old in self._old_signals.items():
                try:
                    signal.signal(sig, old)
                except (ValueError, OSError, TypeError):
                    pass
            self._old_signals = {}

    # -- Ctrl-Z and fg, hangup -------------------------------------------------------
    def _on_sigtstp(self, signum: int, frame: Any) -> None:
        """Ctrl-Z: give the terminal back as it was, stop, and on ``fg``
        take it again (as curses programs such as frotz do)."""
        if not self.active:
            return
        self._give_back()
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        try:
            os.kill(os.getpid(), signal.SIGTSTP)      # stops here until SIGCONT
        finally:
            signal.signal(signal.SIGTSTP, self._on_sigtstp)
        self._take()
        if self.on_resume is not None:
            self.on_resume()

    def _on_sighup(self, signum: int, frame: Any) -> None:
        """The terminal was closed: nothing more can be shown or read."""
        self.hang_up()
        raise HungUp("the terminal hung up")

    def hang_up(self) -> None:
        """The terminal is gone (SIGHUP, or reading or writing it failed):
        from now on nothing is written, and what would go to it (standard
        output and error, the same terminal) goes nowhere, so the game ends
        quietly."""
        if self.hung_up:
            return
        self.hung_up = True
        try:
            fd = os.open(os.devnull, os.O_RDWR)
        except OSError:
            return
        for stream in (sys.stdout, sys.stderr, self.term.stream):
            try:
                if stream is not None and os.isatty(stream.fileno()):
                    os.dup2(fd, stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
        os.close(fd)


def _printable(text: str) -> str:
    """A window title without control characters."""
    return "".join(ch for ch in text if ch.isprintable())[:200]
