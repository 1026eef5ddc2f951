"""The full-screen terminal UI, drawn with blessed (§8 screen model, §10 input).

What the player sees, top to bottom:

* versions 1-3: the status line (§8.2) in reverse video across the top;
* the upper window (§8.6, §8.7), drawn cell for cell from the machine's
  ``zvm.screen.Screen`` (in version 3 below the status line);
* the lower window: the game's text, word-wrapped at the terminal's width
  (§7.2), scrolling upwards (§8.7.3.1), with ``[MORE]`` (§8.4.1) before text the
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
Version 6 stories have a screen model of their own, and a half of this
frontend of their own: ``ui.terminal_v6``.

blessed is imported inside the constructor, so importing ``zvm`` never
needs it.
"""

from __future__ import annotations


from zvm.records import TYPE_CHECKING
from zvm.screen.font3 import graphics
from zvm.screen.model import TRUE_COLOURS
from zvm.screen.protocol import PLAIN, REVERSE, Cell, Features, Frontend, Style

from .render import FrameWriter, Painter, overlay, status_row, upper_rows
from .session import HungUp, Session, open_terminal
from .terminal_v6 import V6Terminal
from .terminput import INPUT_STYLE, REDRAW, RESIZED, KeyInput
from .wrap import flow_chars, runs_width, wrap_runs

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import FrameType

    from blessed import Terminal

    from .graphics import Capabilities
    from .wrap import Row

MORE_TEXT = "[MORE]"


class TerminalFrontend(V6Terminal, KeyInput, Frontend):
    """Plays a story full-screen in a terminal.

    Keyword arguments (all optional):

    ``no_colour``: draw no colours, only text styles (§8.3 colours are
    then also not offered to the game: Flags 1 bit 0 clear); ``NO_COLOR``
    in the environment does the same. ``fg``, ``bg``: the default colours
    as §8.3.1 colour numbers (2-12; None: the terminal's own).
    ``title``: the window title while the story plays. ``mouse``: page
    through the scrollback with the mouse wheel (the terminal then
    reports mouse buttons to zvm: select text with Shift held).
    ``term``: a ready ``blessed.Terminal`` (tests pass one writing to a
    StringIO; default: ``ui.session.open_terminal``, which raises
    ``ui.session.Unsuitable`` for a terminal that cannot move the
    cursor); ``enter``: enter the full screen, cbreak and keypad modes
    and install the signal handlers (False for drawing tests);
    ``size``: a fixed ``(width, height)`` instead of the terminal's;
    ``colours``: the colour depth to draw for (default: the terminal's);
    ``scrollback``: how many logical lines to keep for reflowing and for
    paging back with Page Up. ``pictures``: version 6 stories may show
    their pictures (False: ``--no-pictures``); ``graphics``: how the
    terminal can draw them (``zvm.ui.graphics.Capabilities``; default:
    the terminal is asked, ``zvm.ui.graphics.detect``).

    After a resize ``size_changed`` is True (clear it when handled) and
    ``features`` holds the new width and height, which the machine reads
    after the input that noticed it (§8.4.1).
    """

    def __init__(self, *, no_colour: bool = False, term: Terminal | None = None,
                 enter: bool = True, size: tuple[int, int] | None = None,
                 colours: int | None = None, scrollback: int = 20000, fg: int | None = None,
                 bg: int | None = None, title: str = "", mouse: bool = True,
                 pictures: bool = True, graphics: Capabilities | None = None) -> None:
        super().__init__()
        self.show_pictures = pictures
        self.caps = graphics
        if term is None:
            term, no_color_env = open_terminal()
            no_colour = no_colour or no_color_env
        self.term = term
        self.no_colour = no_colour
        self._fixed_size = size
        self.painter = Painter(term, no_colour=no_colour, colours=colours,
                               default_fg=TRUE_COLOURS.get(fg or 0, -1),
                               default_bg=TRUE_COLOURS.get(bg or 0, -1))
        self.writer = FrameWriter(term, self.painter, on_gone=self._terminal_gone)
        width, height = self._size()
        depth = self.painter.colours
        self.features = Features(
            width=width, height=height,
            colour=depth >= 8,
            bold=bool(term.bold), italic=bool(term.italic or term.underline),
            fixed=True, timed_input=True, status_line=True, split=True, graphics_font=True,
            default_fg=fg if fg in TRUE_COLOURS else 9,
            default_bg=bg if bg in TRUE_COLOURS else 2)
        self.version = 5
        self.scrollback = max(50, scrollback)
        self.lines: list[Row] = [[]]            # logical lines of (text, Style) runs
        self._wrapped: list[list[Row] | None] = [None]
        self._wrap_width = width
        # The display lines of the region's logical lines but its last, kept
        # between calls (``_region``): (erase mark, width) they were made for.
        self._flat: list[Row] = []
        self._flat_upto = 0
        self._flat_key: tuple[int, int] | None = None
        self.erase_mark = 0                     # first logical line of the lower window
        self.seen = 0                           # display lines (from erase_mark) read
        self.status: tuple[str, str] | None = None
        self.history: list[str] = []
        self.size_changed = False
        self.ghosts: dict[int, list[Cell]] = {}  # display-line index -> upper cells left behind
        self._upper_known = 0                   # the upper window's height (its split)
        self._split: int | None = None          # the story's split_window (None: not told)
        self._upper_snapshot: list[list[Cell]] = []   # and a copy of its cells
        self._partial: tuple[int, Row, int] | None = None   # see _set_aside
        self._resized = False
        self._closed = False
        self._player_quit = False               # the player chose to quit (Ctrl-C, Ctrl-D)
        self.session = Session(term, {"SIGWINCH": self._on_sigwinch,
                                      "SIGTERM": self._on_sigterm},
                               on_resume=self._on_resume, title=title, mouse=mouse)
        if enter:
            self.session.enter()
            self.writer.invalidate()

    # -- signals and restoring the terminal --------------------------------------
    def _on_sigwinch(self, signum: int, frame: FrameType | None) -> None:
        self._resized = True

    def _terminal_gone(self, error: OSError) -> None:
        """Writing to the terminal failed: it has gone (a hangup)."""
        self.session.hang_up()
        raise HungUp(f"the terminal cannot be written: {error.strerror or error}")

    def _on_resume(self) -> None:
        """Back after Ctrl-Z and ``fg``: everything is drawn again."""
        self._resized = True
        self.writer.invalidate()

    def ask_filename(self, default: str, saving: bool) -> str:
        if self.v6 is not None:
            return self._v6_ask_filename(default)
        return super().ask_filename(default, saving)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        # zvm.cli.main's ``finally`` calls close(), which restores the terminal.
        raise SystemExit(128 + signum)

    def close(self) -> None:
        """Leave the full screen and restore the terminal's modes and the
        signal handlers. Text the player has not seen yet (the game's last
        words before it quit) is printed on the normal screen."""
        if self._closed:
            return
        self._closed = True
        leftover: list[str] = []
        if self.v6 is not None:
            self._v6_close()
        elif self.session.active and not self.session.hung_up:
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
        if version == 6:
            self._v6_setup()

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
            self.features = f._replace(width=width, height=height)
            self.size_changed = True
        self.writer.invalidate()
        if self.v6 is not None:
            self._v6_resize()
            return
        self.ghosts = {}
        self.seen = max(0, self._region_size() - self._layout()[4])

    def _layout(self) -> tuple[int, int, int, int, int]:
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
        if self.v6 is not None:
            self._v6_write(text)
            return
        if "\t" in text or "\r" in text:
            text = text.replace("\t", " ").replace("\r", "")
        if style.font == 3:
            text = graphics(text)               # §16 character graphics
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

    def split_changed(self, height: int) -> None:
        """The story's split_window (§8.6.1): the upper window's room; rows
        written below it are drawn over the lower window (``compose``)."""
        self._split = height

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
        if self._split is not None:
            # Rows below the story's split hold what it wrote there: they
            # are shown over the lower window, which keeps its room.
            height = min(height, self._split)
        self._upper_known = height               # the layout from here on
        drawn = len(self._upper_snapshot)
        if height < old:
            self._keep_lower_in_place(old - height)
        if self._upper_snapshot and height < drawn:
            # Rows given up (or written below the split and now gone) stay
            # on the screen as they were.
            self._capture_ghosts(height, range(height, old) if drawn <= old else
                                 [*range(height, old), *range(max(old, len(cells)), drawn)])
        self._upper_snapshot = [[(graphics(ch), st) if st.font == 3 else (ch, st)
                                 for ch, st in r] for r in cells]

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
        if self._region_size() > lower_old:
            return                                # scrolled: the text is at the bottom
        at = self.erase_mark
        self.lines[at:at] = [[] for _ in range(rows)]
        self._wrapped[at:at] = [None] * rows
        self._lines_moved()
        self.seen += rows
        if self.ghosts:
            self.ghosts = {k + rows: v for k, v in self.ghosts.items()}

    def _capture_ghosts(self, new_height: int, given_up: Iterable[int]) -> None:
        """The rows ``given_up`` of the upper window as it was drawn become
        ghosts over the lower window's lines under them."""
        width, _, status, _, lower = self._layout()
        old = self._upper_snapshot
        n = self._region_size()
        for r in given_up:
            if r >= len(old):
                break
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
        if self.v6 is not None:
            self._v6_note(text)
            return
        if self.lines[-1]:
            self.write("\n", PLAIN)
        self.write(text + "\n", PLAIN)

    # -- composing the screen -------------------------------------------------
    def _region(self) -> list[Row]:
        """The lower window's display lines: the logical lines since the
        last erase, wrapped at the current width."""
        flat, last = self._region_parts()
        return flat + last

    def _region_parts(self) -> tuple[list[Row], list[Row]]:
        """The region's display lines in two parts: those of all but its
        last logical line, kept from one call to the next (so that a page
        of a long output does not walk the whole region again), and those
        of the last, which the game may go on writing."""
        width = self._wrap_width_now()
        first, last = self.erase_mark, len(self.lines) - 1
        if self._flat_key != (first, width) or self._flat_upto > last:
            self._flat, self._flat_upto, self._flat_key = [], first, (first, width)
        flat = self._flat
        for i in range(self._flat_upto, last):
            flat.extend(self._wrap(i, width))
        self._flat_upto = last
        return flat, self._wrap(last, width)

    def _region_size(self) -> int:
        """How many display lines the region has (``len(self._region())``)."""
        flat, last = self._region_parts()
        return len(flat) + len(last)

    def _region_rows(self, start: int, end: int) -> list[Row]:
        """The region's display lines start..end-1 (``self._region()[start:end]``)."""
        flat, last = self._region_parts()
        k = len(flat)
        if end <= k:
            return flat[start:end]
        return flat[start:] + last[max(0, start - k):end - k]

    def _lines_moved(self) -> None:
        """Logical lines were put in or taken out before the last one: the
        display lines ``_region`` keeps are made again."""
        self._flat_key = None

    def _wrap_width_now(self) -> int:
        """The current width; every line is wrapped afresh when it changed."""
        width = self._size()[0]
        if width != self._wrap_width:
            self._wrap_width = width
            self._wrapped = [None] * len(self.lines)
        return width

    def _wrap(self, i: int, width: int) -> list[Row]:
        """Logical line i's display lines (wrapped once, kept in ``_wrapped``)."""
        w = self._wrapped[i]
        if w is None:
            w = self._wrapped[i] = wrap_runs(self.lines[i], width)
        return w

    def _wrapped_lines(self, first: int) -> list[Row]:
        """The display lines of the logical lines from ``first`` on (0:
        the whole scrollback), wrapped at the current width."""
        width = self._wrap_width_now()
        out: list[Row] = []
        for i in range(first, len(self.lines)):
            out.extend(self._wrap(i, width))
        return out

    def _view(self, lines: list[Row], end: int, rows: int,
              base: int = 0) -> tuple[list[Row], int]:
        """The ``rows`` display lines ending before ``end``, padded with
        blank rows (below them in versions 5+, where an erased window's
        cursor is at the top; above them in versions 1-4, where it is at
        the bottom, §8.7.3.2.1 and §8.5.2). Returns (rows, offset of the
        first line). ``lines`` begins at display line ``base``."""
        start = max(0, end - rows)
        view = [list(r) for r in lines[start - base:end - base]]
        pad = rows - len(view)
        offset = 0
        if pad > 0:
            blank: list[Row] = [[] for _ in range(pad)]
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

    def compose(self, lower_rows: list[Row], footer: Row | None = None) -> list[Row]:
        """The whole screen, top to bottom, with ``lower_rows`` as the
        lower window and ``footer`` (a line of the interpreter's own, such
        as ``[MORE]``) on the last row, over anything else."""
        width, height, status, upper, lower = self._layout()
        rows: list[Row] = []
        if status:
            rows.append(status_row(*self.status, width) if self.status else [])
        if upper:
            rows.extend(upper_rows(self._upper_snapshot, upper, width))
        rows.extend(lower_rows[:lower])
        while len(rows) < height:
            rows.append([])
        # Upper window rows with no room of their own (written below the
        # split, or below the last row the lower window leaves) lie over the
        # lower window where the story put them, as on Frotz's screen.
        for r in range(upper, len(self._upper_snapshot)):
            if status + r >= height:
                break
            rows[status + r] = overlay(rows[status + r], self._upper_snapshot[r][:width])
        if footer is not None:
            rows[height - 1] = footer
        return rows[:height]

    def render(self, typed: str = "", pos: int | None = None) -> str:
        """Draw the screen with the lower window scrolled to its end and
        ``typed`` (the line being edited) after the last line, the cursor
        at ``pos`` in it (default: its end). Returns what was written."""
        width, height, status, upper, lower = self._layout()
        n = self._region_size()
        k = max(n - 1, 0)                       # the last line's index, typing after it
        last = self._region_rows(k, n)[0] if n else []
        pieces, where = flow_chars(typed, runs_width(last), width)
        if typed:
            ext = [last + [(pieces[0], INPUT_STYLE)]] \
                + [[(p, INPUT_STYLE)] if p else [] for p in pieces[1:]]
        else:
            ext = [last] + [[] for _ in pieces[1:]]
        cy, cx = where[len(typed) if pos is None else pos]
        cline = n - 1 + cy
        end = k + len(ext)
        # Only the lines the lower window shows (a long scrollback is not copied).
        base = min(max(0, end - lower), k)
        view, offset = self._view(self._region_rows(base, k) + ext, end, lower, base=base)
        y = status + upper + offset + (cline - max(0, end - lower))
        return self.writer.draw(self.compose(view), width, (min(y, height - 1), min(cx, width - 1)))

    def render_more(self, end: int) -> str:
        """Draw the lower window's display lines up to ``end`` with
        ``[MORE]`` on its last row (§8.4.1)."""
        width, height, status, upper, lower = self._layout()
        rows = max(0, lower - 1)
        start = max(0, end - rows)
        view, offset = self._view(self._region_rows(start, end), end, rows, base=start)
        return self.writer.draw(self.compose(view, [(MORE_TEXT, PLAIN)]), width,
                                (height - 1, min(len(MORE_TEXT), width - 1)))

    def pending_pages(self) -> int | None:
        """Where the next ``[MORE]`` page ends (a display-line index), or
        None when all unread text fits on the screen."""
        lower = self._layout()[4]
        n = self._region_size()
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
                self.seen = max(self.seen, self._region_size() - 1)
                return
            self.render_more(end)
            key = self._next_key(None)
            if key is RESIZED or key is REDRAW:
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
            self._lines_moved()
            self.erase_mark = max(0, self.erase_mark - cut)
            self.ghosts = {}
        self.seen = max(0, self._region_size() - 1)
