"""The full-screen terminal UI, drawn with blessed (§8 screen model, §10 input).

What the player sees, top to bottom:

* versions 1-3: the status line (§8.2) in reverse video across the top;
* the upper window (§8.6, §8.7), drawn cell for cell from the machine's
  ``zvm.screen.Screen`` (in version 3 below the status line);
* the lower window: the game's text, word-wrapped at the terminal's width
  (§8.7.2.1), scrolling upwards, with ``[MORE]`` (§8.4.1) before text the
  player has not had a chance to read would scroll off the screen.

The lower window is kept as a scrollback of *logical lines* (the game's own
lines, as runs of styled text) and re-cut into display lines for the
current width whenever it is drawn, so a resize (SIGWINCH) reflows it.
Nothing is drawn while the story runs: the whole screen is composed and
drawn (only the rows that changed) when the story waits for input, when a
``[MORE]`` is due and when a timed input's interrupt routine printed.

The modules beside this one do the tty-free work: ``ui.wrap`` (widths,
word-wrap), ``ui.render`` (styles, colours, rows, frames), ``ui.keys``
(keys to ZSCII, §10.5) and ``ui.lineedit`` (line editing as a table of
key -> action); ``ui.session`` holds the terminal's modes and signals.

blessed is imported inside the constructor, so importing ``zvm`` never
needs it.
"""

from __future__ import annotations

import dataclasses

from zvm.screen.protocol import (
    PLAIN,
    REVERSE,
    TIMED_OUT,
    Cell,
    CharRequest,
    Features,
    Frontend,
    InputEnded,
    LineRequest,
    LineResult,
    Style,
)

from .keys import key_zscii
from .lineedit import LineEditor, action_for, typed_text
from .render import FrameWriter, Painter, overlay, status_row, upper_rows
from .session import Session, Timer
from .wrap import flow_chars, runs_width, wrap_runs

INPUT_STYLE = PLAIN
MORE_TEXT = "[MORE]"
QUIT_TEXT = "Quit the game? (y/n) "
_POLL = 0.1          # seconds between checks for a resize while waiting for a key
_RESIZE = object()   # _next_key: the screen was resized (redraw)
_REDRAW = object()   # _next_key: redraw and carry on (after a refused quit)


class TerminalFrontend(Frontend):
    """Plays a story full-screen in a terminal.

    Keyword arguments (all optional; ``zvm.cli.main`` passes none):

    ``no_colour``: draw no colours, only text styles (§8.3 colours are
    then also not offered to the game: Flags 1 bit 0 clear).
    ``term``: a ready ``blessed.Terminal`` (tests pass one writing to a
    StringIO); ``enter``: enter the full screen, cbreak and keypad modes
    and install the signal handlers (False for drawing tests);
    ``size``: a fixed ``(width, height)`` instead of the terminal's;
    ``colours``: the colour depth to draw for (default: the terminal's);
    ``scrollback``: how many logical lines to keep for reflowing.

    After a resize ``size_changed`` is True (clear it when handled) and
    ``features`` holds the new width and height, which the machine reads
    after the input that noticed it (§8.4.1).
    """

    def __init__(self, *, no_colour: bool = False, term=None, enter: bool = True,
                 size: tuple[int, int] | None = None, colours: int | None = None,
                 scrollback: int = 2000):
        super().__init__()
        if term is None:
            import blessed
            term = blessed.Terminal()
        self.term = term
        self.no_colour = no_colour
        self._fixed_size = size
        self.painter = Painter(term, no_colour=no_colour, colours=colours)
        self.writer = FrameWriter(term, self.painter)
        width, height = self._size()
        depth = self.painter.colours
        self.features = Features(
            width=width, height=height,
            colour=depth >= 8,
            bold=bool(term.bold), italic=bool(term.italic or term.underline),
            fixed=True, timed_input=True, status_line=True, split=True)
        self.version = 5
        self.scrollback = max(50, scrollback)
        self.lines: list[list] = [[]]           # logical lines of (text, Style) runs
        self._wrapped: list[list | None] = [None]
        self._wrap_width = width
        self.erase_mark = 0                     # first logical line of the lower window
        self.seen = 0                           # display lines (from erase_mark) read
        self.status: tuple[str, str] | None = None
        self.history: list[str] = []
        self.size_changed = False
        self.ghosts: dict[int, list] = {}       # display-line index -> upper cells left behind
        self._upper_known = 0                   # the upper window's height
        self._upper_snapshot: list = []         # and a copy of its cells
        self._partial: tuple[int, list, int] | None = None   # see _set_aside
        self._resized = False
        self._closed = False
        self.session = Session(term, {"SIGWINCH": self._on_sigwinch,
                                      "SIGTERM": self._on_sigterm})
        if enter:
            self.session.enter()
            self.writer.invalidate()

    # -- signals and restoring the terminal --------------------------------------
    def _on_sigwinch(self, signum, frame) -> None:
        self._resized = True

    def _on_sigterm(self, signum, frame) -> None:
        # zvm.cli.main's ``finally`` calls close(), which restores the terminal.
        raise SystemExit(128 + signum)

    def close(self) -> None:
        """Leave the full screen and restore the terminal's modes and the
        signal handlers. Text the player has not seen yet (the game's last
        words before it quit) is printed on the normal screen."""
        if self._closed:
            return
        self._closed = True
        leftover = []
        if self.session.active:
            leftover = [("".join(t for t, _ in row)).rstrip()
                        for row in self._region()[self.seen:]]
            while leftover and not leftover[-1]:
                leftover.pop()
            while leftover and not leftover[0]:
                leftover.pop(0)
        self.session.leave()
        if leftover:
            stream = self.term.stream
            stream.write("\n".join(leftover) + "\n")
            stream.flush()

    def start(self, version: int) -> None:
        self.version = version

    # -- sizes ---------------------------------------------------------------
    def _size(self) -> tuple[int, int]:
        if self._fixed_size:
            return self._fixed_size
        t = self.term
        return max(1, t.width or 80), max(2, t.height or 24)

    def resize(self, size: tuple[int, int] | None = None) -> None:
        """Take up a new screen size: the terminal's (after SIGWINCH) or
        ``size``. Updates ``features`` and sets ``size_changed``."""
        self._resized = False
        if size is not None:
            self._fixed_size = size
        width, height = self._size()
        f = self.features
        if (width, height) != (f.width, f.height):
            self.features = dataclasses.replace(f, width=width, height=height)
            self.size_changed = True
        self.writer.invalidate()
        self.ghosts = {}
        region = self._region()
        self.seen = max(0, len(region) - self._layout()[4])

    def _layout(self):
        """(width, height, status rows, upper rows, lower rows)."""
        width, height = self._size()
        status = 1 if self.version <= 3 else 0
        upper = max(0, min(self._upper_known, height - status - 1))
        lower = max(1, height - status - upper)
        return width, height, status, upper, lower

    # -- output --------------------------------------------------------------
    def write(self, text: str, style: Style = PLAIN) -> None:
        """Append lower-window text; a newline starts a new logical line."""
        if not text:
            return
        if "\t" in text or "\r" in text:
            text = text.replace("\t", " ").replace("\r", "")
        parts = text.split("\n")
        lines = self.lines
        for i, part in enumerate(parts):
            if i:
                lines.append([])
                self._wrapped.append(None)
            if part:
                line = lines[-1]
                if line and line[-1][1] == style:
                    line[-1] = (line[-1][0] + part, style)
                else:
                    line.append((part, style))
                self._wrapped[-1] = None

    def status_line(self, left: str, right: str) -> None:
        """Versions 1-3 (§8.2): remembered and drawn with the next screen."""
        self.status = (left, right)

    def erase_lower(self, which: int = 0) -> None:
        """erase_window (§8.7.3.2, §8.7.3.3): the lower window starts
        afresh after what was written so far (kept for scrollback)."""
        if self.lines[-1]:
            self.lines.append([])
            self._wrapped.append(None)
        self.erase_mark = len(self.lines) - 1
        self.seen = 0
        self.ghosts = {}
        if which in (-1, -2):
            self._upper_snapshot = []
            self._upper_known = 0

    def upper_changed(self, cells: list[list[Cell]],
                      touched: list[tuple[int, int]]) -> None:
        """The upper window is drawn from the screen model with the next
        screen. When it shrinks, the rows it gives up stay on the screen
        as they were (§8.6.1, §8.7.2.1: resizing a window does not change
        the screen's appearance) - that is how quote boxes stay visible
        after the game has split the window back to one line. Those rows
        become *ghosts*: overlays on the lower window's display lines that
        were under them, scrolling away with them."""
        height, old = len(cells), self._upper_known
        self._upper_known = height               # the layout from here on
        if height < old:
            self._keep_lower_in_place(old - height)
            if self._upper_snapshot:
                self._capture_ghosts(height, old)
        self._upper_snapshot = [list(r) for r in cells]

    def _keep_lower_in_place(self, rows: int) -> None:
        """Versions 5+: the upper window gave up ``rows`` rows while the
        lower window's text still fits below where it was (it starts at the
        top of the lower window). The text stays on the rows it was on
        (§8.7.2.1) - it does not jump up under the rows given up - so
        ``rows`` blank lines go in before it, under the ghosts. (A quote
        box is drawn with a tall split and then split back to one line
        before the text after it is printed: that text goes below the box,
        where the lower window's cursor was moved, §8.7.2.2.)"""
        if self.version < 5 or rows <= 0:
            return
        lower_old = self._layout()[4] - rows
        if len(self._region()) > lower_old:
            return                                # scrolled: the text is at the bottom
        at = self.erase_mark
        self.lines[at:at] = [[] for _ in range(rows)]
        self._wrapped[at:at] = [None] * rows
        self.seen += rows
        if self.ghosts:
            self.ghosts = {k + rows: v for k, v in self.ghosts.items()}

    def _capture_ghosts(self, new_height: int, old_height: int) -> None:
        width, _, status, _, lower = self._layout()
        old = self._upper_snapshot
        n = len(self._region())
        for r in range(new_height, min(old_height, len(old))):
            j = r - new_height                    # row of the lower window it now covers
            if j >= lower:
                break
            index = j if (self.version >= 5 and n < lower) else n - lower + j
            cells = [(ch, st) for ch, st in old[r][:width]]
            if any(ch != " " or st.bits & REVERSE for ch, st in cells):
                self.ghosts[index] = cells

    def sound_effect(self, number: int) -> None:
        """Bleeps 1 and 2 (§9.2) as the terminal's bell."""
        try:
            self.term.stream.write("\a")
            self.term.stream.flush()
        except (OSError, ValueError):
            pass

    def message(self, text: str) -> None:
        """The interpreter's own message, on a line of its own."""
        if self.lines[-1]:
            self.write("\n", PLAIN)
        self.write(text + "\n", PLAIN)

    # -- composing the screen -------------------------------------------------
    def _region(self) -> list[list]:
        """The lower window's display lines: the logical lines since the
        last erase, wrapped at the current width."""
        width = self._size()[0]
        if width != self._wrap_width:
            self._wrap_width = width
            self._wrapped = [None] * len(self.lines)
        out: list[list] = []
        wrapped = self._wrapped
        for i in range(self.erase_mark, len(self.lines)):
            w = wrapped[i]
            if w is None:
                w = wrapped[i] = wrap_runs(self.lines[i], width)
            out.extend(w)
        return out

    def _view(self, lines, end: int, rows: int):
        """The ``rows`` display lines ending before ``end``, padded with
        blank rows (below them in versions 5+, where an erased window's
        cursor is at the top; above them in versions 1-4, where it is at
        the bottom, §8.7.3.2.1 and §8.5.2). Returns (rows, offset of the
        first line)."""
        start = max(0, end - rows)
        view = [list(r) for r in lines[start:end]]
        pad = rows - len(view)
        offset = 0
        if pad > 0:
            blank = [[] for _ in range(pad)]
            if self.version >= 5:
                view = view + blank
            else:
                view = blank + view
                offset = pad
        if self.ghosts:
            first = 0 if (pad > 0 and self.version >= 5) else end - rows
            for k in range(len(view)):
                cells = self.ghosts.get(first + k)
                if cells is not None:
                    view[k] = overlay(view[k], cells)
        return view, offset

    def compose(self, lower_rows: list) -> list:
        """The whole screen, top to bottom, with ``lower_rows`` as the
        lower window."""
        width, height, status, upper, lower = self._layout()
        rows: list = []
        if status:
            rows.append(status_row(*self.status, width) if self.status else [])
        if upper:
            rows.extend(upper_rows(self._upper_snapshot, upper, width))
        rows.extend(lower_rows[:lower])
        while len(rows) < height:
            rows.append([])
        return rows[:height]

    def render(self, typed: str = "", pos: int | None = None) -> str:
        """Draw the screen with the lower window scrolled to its end and
        ``typed`` (the line being edited) after the last line, the cursor
        at ``pos`` in it (default: its end). Returns what was written."""
        width, height, status, upper, lower = self._layout()
        lines = self._region()
        last = lines[-1] if lines else []
        pieces, where = flow_chars(typed, runs_width(last), width)
        if typed:
            ext = lines[:-1] + [last + [(pieces[0], INPUT_STYLE)]] \
                + [[(p, INPUT_STYLE)] if p else [] for p in pieces[1:]]
        else:
            ext = lines[:-1] + [last] + [[] for _ in pieces[1:]]
        cy, cx = where[len(typed) if pos is None else pos]
        cline = len(lines) - 1 + cy
        end = len(ext)
        view, offset = self._view(ext, end, lower)
        y = status + upper + offset + (cline - max(0, end - lower))
        return self.writer.draw(self.compose(view), width, (min(y, height - 1), min(cx, width - 1)))

    def render_more(self, end: int) -> str:
        """Draw the lower window's display lines up to ``end`` with
        ``[MORE]`` on its last row (§8.4.1)."""
        width, height, status, upper, lower = self._layout()
        lines = self._region()
        view, offset = self._view(lines, end, max(0, lower - 1))
        view.append([(MORE_TEXT, PLAIN)])
        y = status + upper + len(view) - 1
        return self.writer.draw(self.compose(view), width, (y, min(len(MORE_TEXT), width - 1)))

    def pending_pages(self) -> int | None:
        """Where the next ``[MORE]`` page ends (a display-line index), or
        None when all unread text fits on the screen."""
        lower = self._layout()[4]
        n = len(self._region())
        if n - self.seen > lower:
            return self.seen + max(1, lower - 1)
        return None

    def _present(self) -> None:
        """Show the text written since the player last read the screen,
        a page at a time with ``[MORE]`` while it does not fit."""
        while True:
            if self._resized:
                self.resize()
            end = self.pending_pages()
            if end is None:
                # Everything is on the screen now: read, but for the last
                # line, which the game may go on writing.
                self.seen = max(self.seen, len(self._region()) - 1)
                return
            self.render_more(end)
            key = self._next_key(None)
            if key is _RESIZE:
                continue
            self.seen = end

    def _mark_seen(self) -> None:
        """All of the lower window has been read (at the end of input);
        old scrollback beyond the limit is dropped here."""
        excess = len(self.lines) - self.scrollback
        if excess > 0:
            cut = excess + self.scrollback // 4
            del self.lines[:cut]
            del self._wrapped[:cut]
            self.erase_mark = max(0, self.erase_mark - cut)
            self.ghosts = {}
        self.seen = max(0, len(self._region()) - 1)

    # -- keys ------------------------------------------------------------------
    def _next_key(self, timer: Timer | None):
        """The next key; None when ``timer`` expires (it is restarted),
        ``_RESIZE`` after a resize, ``_REDRAW`` after a refused quit."""
        while True:
            if self._resized:
                self.resize()
                return _RESIZE
            wait = _POLL
            if timer is not None:
                left = timer.remaining()
                if left is not None:
                    if left <= 0:
                        timer.restart()
                        return None
                    wait = min(wait, left)
            try:
                key = self.term.inkey(timeout=wait)
            except KeyboardInterrupt:
                self._confirm_quit()
                return _REDRAW
            if key:
                return key

    def _confirm_quit(self) -> None:
        """Ctrl-C: ask before quitting; 'y' ends the game (InputEnded)."""
        width, height, status, upper, lower = self._layout()
        view, _ = self._view(self._region(), len(self._region()), max(0, lower - 1))
        view.append([(QUIT_TEXT, PLAIN)])
        self.writer.draw(self.compose(view), width,
                         (height - 1, min(len(QUIT_TEXT), width - 1)))
        while True:
            try:
                key = self.term.inkey(timeout=_POLL)
            except KeyboardInterrupt:
                key = "y"
            if self._resized:
                self.resize()
            if not key:
                continue
            if str(key) in ("y", "Y"):
                self.seen = len(self._region())
                raise InputEnded("quit at Ctrl-C")
            self.writer.invalidate()
            return

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
            if key is _RESIZE or key is _REDRAW:
                continue
            code = key_zscii(key)
            if code is not None and code in terminators and code not in (8, 13, 27):
                return self._finish_line(prefix, editor.buf, code)
            action = action_for(key)
            if action == "enter":
                return self._finish_line(prefix, editor.buf, 13)
            if action == "eof" and not editor.buf:
                self.seen = len(self._region())
                raise InputEnded("Ctrl-D")
            if action == "eof":
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

    def read_char(self, request: CharRequest) -> int | str:
        """One key (§10.7): a character as itself; arrows 129-132, function
        keys 133-144, keypad 145-154, Escape 27, Enter 13, Backspace and
        Delete 8 as their ZSCII codes. Timed as ``read_line``."""
        self._present()
        timer = Timer(request.timeout) if request.timeout else None
        while True:
            self.render()
            key = self._next_key(timer)
            if key is None:
                return TIMED_OUT
            if key is _RESIZE or key is _REDRAW:
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
