"""The terminal's modes and signals while a story plays full-screen.

``Session`` enters the full screen (the alternate screen), cbreak mode
(keys arrive one at a time, unechoed) and keypad mode, and installs the
signal handlers the terminal UI needs; ``leave`` undoes all of it.
``Timer`` is the real-time interval of timed input (§10.5.3, §15 read and
read_char).
"""

from __future__ import annotations

import signal
import time
from contextlib import ExitStack
from typing import Any, Callable


class Timer:
    """Real-time interval for timed input (§15 read, read_char): fires every
    ``tenths`` tenths of a second, 0 for never."""

    def __init__(self, tenths: int):
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
    the functions to call; names this system lacks are left out."""

    def __init__(self, term: Any, handlers: dict[str, Callable[[int, Any], None]]):
        self.term = term
        self.handlers = handlers
        self.active = False
        self._stack: ExitStack | None = None
        self._old_signals: dict = {}

    def enter(self) -> None:
        """Full screen, cbreak and keypad modes and the signal handlers."""
        t = self.term
        stack = ExitStack()
        stack.enter_context(t.fullscreen())
        stack.enter_context(t.cbreak())
        stack.enter_context(t.keypad())
        self._stack = stack
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
        stream = self.term.stream
        try:
            if self._stack is not None:
                stream.write(self.term.normal + self.term.normal_cursor)
                stream.flush()
                self._stack.close()
        finally:
            self._stack = None
            for sig, old in self._old_signals.items():
                try:
                    signal.signal(sig, old)
                except (ValueError, OSError, TypeError):
                    pass
            self._old_signals = {}
