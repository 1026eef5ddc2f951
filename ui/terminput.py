"""Keys and input for the terminal UI (§10 input, §15 read, read_char).

``KeyInput`` is the input half of ``ui.terminal.TerminalFrontend`` (a
mixin: it uses the frontend's screen, scrollback and drawing): the next
key with resizes, timers (§10.5.3), Ctrl-C and the scrollback handled;
line input with the editing keys of ``ui.lineedit``; single keys as
ZSCII (§10.7); the quit question and the last screen at the story's end.
"""

from __future__ import annotations

from enum import Enum

from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import (
    PLAIN,
    TIMED_OUT,
    CharRequest,
    InputEnded,
    LineRequest,
    LineResult,
)

from .keys import key_zscii
from .lineedit import LineEditor, action_for, typed_text
from .pager import IGNORED, ask_key, is_paging_key, key_name, read_key, scrollback
from .session import HungUp, Timer

if TYPE_CHECKING:
    from typing import Final

    from blessed import Terminal

    from zvm.screen.protocol import Click, Style

    from .display6 import Display
    from .pager import Key
    from .render import FrameWriter
    from .session import Session
    from .wrap import Row

INPUT_STYLE = PLAIN
QUIT_TEXT = "Quit the game? (y/n) "
EXIT_TEXT = "[Hit any key to exit.]"
POLL = 0.1           # seconds between checks for a resize while waiting for a key


class Mark(Enum):
    """What ``_next_key`` returns that is not a key."""

    RESIZED = "resized"     # the screen was resized (redraw)
    REDRAW = "redraw"       # redraw and carry on (after a refused quit)


RESIZED: Final = Mark.RESIZED
REDRAW: Final = Mark.REDRAW


class KeyInput:
    """Input for ``TerminalFrontend`` (see the module's docstring)."""

    # What this half (and ``ui.pager``, which it hands itself) uses of the
    # frontend, declared for type checkers: ``TerminalFrontend`` and its
    # version 6 half ``V6Terminal`` have them.
    term: Terminal
    session: Session
    writer: FrameWriter
    v6: Display | None
    lines: list[Row]
    history: list[str]
    seen: int
    _wrapped: list[list[Row] | None]
    _partial: tuple[int, Row, int] | None
    _resized: bool
    _player_quit: bool

    if TYPE_CHECKING:
        def write(self, text: str, style: Style = PLAIN) -> None: ...
        def next_scripted(self) -> str | None: ...
        def resize(self, size: tuple[int, int] | None = None) -> None: ...
        def render(self, typed: str = "", pos: int | None = None) -> str: ...
        def compose(self, lower_rows: list[Row], footer: Row | None = None) -> list[Row]: ...
        def _layout(self) -> tuple[int, int, int, int, int]: ...
        def _region(self) -> list[Row]: ...
        def _region_size(self) -> int: ...
        def _wrapped_lines(self, first: int) -> list[Row]: ...
        def _view(self, lines: list[Row], end: int, rows: int) -> tuple[list[Row], int]: ...
        def _present(self) -> None: ...
        def _mark_seen(self) -> None: ...
        def _v6_wait(self, footer: str) -> Key: ...
        def _v6_read_line(self, request: LineRequest) -> LineResult: ...
        def _v6_read_char(self, request: CharRequest) -> int | str | Click: ...
        def _v6_confirm(self, question: str, default: bool) -> bool: ...

    # -- keys ------------------------------------------------------------------
    def _wait_key(self, timeout: float) -> Key:
        """The next key within ``timeout`` seconds ('' for none; the wheel
        as ``ui.pager`` names it). A terminal whose input failed has gone
        (``HungUp``)."""
        try:
            return read_key(self.term, timeout, clicks=self.v6 is not None)
        except (EOFError, OSError):
            self.session.hang_up()
            raise HungUp("the terminal's input ended") from None

    def _next_key(self, timer: Timer | None, paging: bool = True) -> Key | Mark | None:
        """The next key; None when ``timer`` expires (it is restarted),
        ``RESIZED`` after a resize, ``REDRAW`` after a refused quit or
        a look at the scrollback (Page Up, Page Down, the wheel)."""
        while True:
            if self._resized:
                self.resize()
                return RESIZED
            wait = POLL
            if timer is not None:
                left = timer.remaining()
                if left is not None:
                    if left <= 0:
                        timer.restart()
                        return None
                    wait = min(wait, left)
            try:
                key = self._wait_key(wait)
                if paging and is_paging_key(key):
                    scrollback(self, key)
                    return REDRAW
            except KeyboardInterrupt:
                self._confirm_quit()
                return REDRAW
            if key and key_name(key) != IGNORED:
                return key

    def _confirm_quit(self) -> None:
        """Ctrl-C (and Ctrl-D on an empty line): ask before quitting; 'y'
        (or Ctrl-C again) ends the game (InputEnded)."""
        try:
            key = self._v6_wait(QUIT_TEXT) if self.v6 is not None else ask_key(self, QUIT_TEXT)
        except KeyboardInterrupt:
            key = "y"
        if str(key) in ("y", "Y"):
            self._player_quit = True
            if self.v6 is None:
                self.seen = self._region_size()
            raise InputEnded("quit at Ctrl-C")
        self.writer.invalidate()

    def story_ended(self) -> None:
        """The story has ended by itself: its last screen stays until a key
        is pressed (``[Hit any key to exit.]``, as frotz), after the
        pages of text not yet read; then ``close`` leaves a clean terminal."""
        if not self.session.active or self.session.hung_up or self._player_quit:
            return
        if self.v6 is not None:
            try:
                self._v6_wait(EXIT_TEXT)
            except (KeyboardInterrupt, InputEnded):
                pass
            return
        try:
            self._present()
            ask_key(self, EXIT_TEXT)
        except (KeyboardInterrupt, InputEnded):
            pass
        self.seen = self._region_size()

    # -- input -------------------------------------------------------------------
    def _set_aside(self, text: str) -> None:
        """The timer ran out while the player was typing ``text``: it stays
        on the screen as typed (a game's routine may print after it) and
        is taken back if the same read goes on with nothing printed."""
        self.write(text, INPUT_STYLE)
        self._partial = (len(self.lines), list(self.lines[-1]), len(text))

    def _take_back(self) -> None:
        """A continued read: remove the text ``_set_aside`` left, when
        nothing was written after it."""
        partial, self._partial = self._partial, None
        if partial is None:
            return
        count, runs, length = partial
        if not length or count != len(self.lines) or runs != self.lines[-1]:
            return
        line = self.lines[-1]
        text, style = line[-1]
        if len(text) > length:
            line[-1] = (text[:-length], style)
        else:
            line.pop()
        self._wrapped[-1] = None

    def read_line(self, request: LineRequest) -> LineResult:
        """Read a line with editing (§10.5, §15 read).

        The keys are those of ``ui.lineedit`` (a table of key -> action);
        up and down recall earlier lines, unless the game made them
        terminating characters (§10.5.2.1). ``preloaded`` text is already
        on screen (the game printed it) and counts as typed; what is typed
        extends it. A timed read returns ``TIMED_OUT`` with the text typed
        so far when ``timeout`` tenths of a second pass; the same read
        continued (``request.continued``) goes on editing it. Ctrl-D on an
        empty line ends the game; Ctrl-C asks whether to quit."""
        if self.v6 is not None:
            return self._v6_read_line(request)
        if request.continued:
            self._take_back()
        self._present()
        prefix = request.preloaded or ""
        scripted = self.next_scripted()
        if scripted is not None:                     # replay: shown as if typed
            return self._finish_line(prefix, list(scripted), 13)
        room = max(0, request.max_len - len(prefix))
        editor = LineEditor(request.typed, room, self.history)
        timer = Timer(request.timeout) if request.timeout else None
        terminators = request.terminators or frozenset()
        while True:
            self.render(editor.text, editor.pos)
            key = self._next_key(timer)
            if key is None:
                self._set_aside(editor.text)
                return LineResult(prefix + editor.text, TIMED_OUT)
            if key is RESIZED or key is REDRAW:
                continue
            code = key_zscii(key)
            if code is not None and code in terminators and code not in (8, 13, 27):
                return self._finish_line(prefix, editor.buf, code)
            action = action_for(key)
            if action == "enter":
                return self._finish_line(prefix, editor.buf, 13)
            if action == "eof" and not editor.buf:
                self._confirm_quit()
            elif action == "eof":
                editor.delete()
            elif action == "redraw":
                self.writer.invalidate()
            elif action is not None:
                editor.apply(action)
            else:
                ch = typed_text(key)
                if ch is not None:
                    editor.insert(ch)

    def confirm(self, question: str, default: bool) -> bool:
        """Ask a yes/no question in the lower window; Enter gives default."""
        if self.v6 is not None:
            return self._v6_confirm(question, default)
        self.write(f"{question} ({'Y/n' if default else 'y/N'}) ", PLAIN)
        answer = self.read_line(LineRequest(max_len=8)).text.strip().lower()
        return default if not answer else answer.startswith("y")

    def _finish_line(self, prefix: str, buf: list[str], terminator: int) -> LineResult:
        """The typed text goes into the scrollback (with a newline only for
        Enter, §15 read) and the history; the result is the whole line,
        preloaded text included (LineResult)."""
        text = "".join(buf)
        self.write(text + ("\n" if terminator == 13 else ""), INPUT_STYLE)
        if terminator == 13 and text.strip() and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-200]
        self._mark_seen()
        self.render()
        return LineResult(prefix + text, terminator)

    def read_char(self, request: CharRequest) -> int | str | Click:
        """One key (§10.7): a character as itself; arrows 129-132, function
        keys 133-144, keypad 145-154, Escape 27, Enter 13, Backspace and
        Delete 8 as their ZSCII codes. Timed as ``read_line``."""
        if self.v6 is not None:
            return self._v6_read_char(request)
        self._present()
        timer = Timer(request.timeout) if request.timeout else None
        while True:
            self.render()
            key = self._next_key(timer)
            if key is None:
                return TIMED_OUT
            if key is RESIZED or key is REDRAW:
                continue
            if str(key) == "\x0c":
                self.writer.invalidate()
                continue
            text = str(key)
            code = key_zscii(key)
            if code is not None:
                self._mark_seen()
                if len(text) == 1 and text >= " " and text != "\x7f" \
                        and not getattr(key, "is_sequence", False):
                    return text                  # a character: the story's tables decide
                return code
