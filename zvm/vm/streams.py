"""Output streams (§7): where the text a story prints goes.

Stream 1 is the screen (the screen model, ``zvm.screen.model``); stream 2
the transcript, a text file (§7.1.1; Flags 2 bit 0 mirrors it, §7.4,
§11.1.2.1); stream 3 a table in memory, nested up to 16 deep (§7.1.2.1.1),
which while selected takes all text and nothing else gets it (§7.1.2.2);
stream 4 the player's commands, recorded one a line (§7.1.2.3). Text
arrives as Unicode and goes into memory as ZSCII (§3.8, §7.5.3).

In version 6 stream 3 also measures what it takes: when the table is
closed, the width of the text in units goes into the header's word at $30
(§7.1.2.1). Given a width, it takes formatted text instead (§15
output_stream, print_form): lines of at most that many units (a window's
width between its margins, or -width units), each a word count and its
characters, ended by a zero word.
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import GATHERED_PIECES
from zvm.story.header import OFFSET

if TYPE_CHECKING:
    from typing import Callable, TextIO

    from zvm.screen.model import Screen
    from zvm.screen.protocol import Frontend
    from zvm.screen.v6 import V6Screen
    from zvm.vm.text import TextCodec

FLAGS2_LOW = OFFSET["flags2"] + 1     # the byte holding the transcript bit (§11.1.2.1)
MEMORY_DEPTH = 16                     # §7.1.2.1.1
STREAM3_WIDTH = OFFSET["stream3_width"]   # version 6: the width of stream 3's text
# A memory stream: [table, count, width of the line in units, width of the
# lines before it, formatted line width in units or 0].
TABLE, COUNT, WIDTH, TOTAL, XSIZE = range(5)


class OutputStreams:
    """The four output streams of one machine."""

    def __init__(self, mem: bytearray, dyn_end: int, codec: TextCodec,
                 screen: Screen | V6Screen, frontend: Frontend, transcript_path: str,
                 record_path: str) -> None:
        self.mem = mem
        self.dyn_end = dyn_end
        self.codec = codec
        self.screen = screen
        self.frontend = frontend
        self.screen_on = True                       # stream 1
        self.transcript_on = False                  # stream 2
        self.transcript_path = transcript_path
        self._transcript: TextIO | None = None
        self.memory: list[list[int]] = []           # stream 3: see TABLE, COUNT ...
        self.record_on = False                      # stream 4
        self.record_path = record_path
        self.out: Callable[[str], None] = self._out
        if frontend.gathered is not None and screen.version != 6:
            self.out = self._appending_out(frontend.gathered)

    def reset(self, transcript_on: bool) -> None:
        """At start and restart (§6.1.3 keeps the transcript bit)."""
        self.screen_on = True
        self.memory = []
        self.transcript_on = transcript_on
        self.record_on = False

    # -- printing ----------------------------------------------------------
    def _appending_out(self, gathered: list[str]) -> Callable[[str], None]:
        """``out`` for a frontend that gathers text (``Frontend.gathered``):
        the usual case, text for the lower window (§8.7.2) in the style the
        frontend holds, with no memory stream or transcript, is appended
        there at once, up to ``GATHERED_PIECES`` pieces; anything else goes
        the whole way (``_out``). Two calls fewer for each piece the story
        prints."""
        screen, frontend, slow = self.screen, self.frontend, self._out
        if TYPE_CHECKING:
            assert isinstance(screen, Screen)

        def out(text: str) -> None:
            if (screen.style is frontend.gathered_style and not screen.window
                    and not self.memory and self.screen_on and not self.transcript_on
                    and len(gathered) < GATHERED_PIECES):
                gathered.append(text)
            else:
                slow(text)
        return out

    def _out(self, text: str) -> None:
        """Send text to the selected streams (§7.1; stream 3 alone, §7.1.2.2)."""
        if self.memory:
            if self.memory[-1][XSIZE]:
                self._formatted_write(text)
                return
            to_zscii = self.codec.unicode_to_zscii
            self._memory_write([13 if ch == "\n" else to_zscii(ch) for ch in text])
            return
        if self.screen_on:
            self.screen.print(text)
        if self.transcript_on and self.screen.transcribed():
            self.write_transcript(text)

    def print_zscii(self, code: int) -> None:
        """print_char: one ZSCII code (§3.8); a memory stream gets it
        unchanged, and ZSCII 0 prints nothing (§3.8.2.1)."""
        if code == 0:
            return
        if self.memory:
            self._memory_write([code])
        else:
            self.out(self.codec.zscii_to_unicode(code))

    def print_unicode(self, code: int) -> None:
        """print_unicode (§3.8.5.4): a memory stream gets its ZSCII (§7.5.3)."""
        if self.memory:
            self._memory_write([self.codec.unicode_to_zscii(chr(code))])
        else:
            self.out(chr(code) if code >= 32 else "?")

    def _memory_write(self, codes: list[int]) -> None:
        entry = self.memory[-1]
        table, count = entry[TABLE], entry[COUNT]
        a = table + 2 + count
        end = a + len(codes)
        if end > self.dyn_end:
            raise ZMachineError("memory stream table runs past dynamic memory")
        self.mem[a:end] = bytes(c & 255 for c in codes)
        entry[COUNT] = count = count + len(codes)
        self.mem[table] = (count >> 8) & 255
        self.mem[table + 1] = count & 255
        if self.screen.version == 6:             # widths, for header word $30
            if TYPE_CHECKING:
                assert isinstance(self.screen, V6Screen)
            unit = self.screen.fw
            for c in codes:
                if c == 13:
                    entry[TOTAL] += entry[WIDTH]
                    entry[WIDTH] = 0
                else:
                    entry[WIDTH] += unit

    def _formatted_write(self, text: str) -> None:
        """Version 6 formatted text (§15 output_stream): words that do not
        fit the line start a new line, without the space before them."""
        to_zscii = self.codec.unicode_to_zscii
        entry = self.memory[-1]
        if TYPE_CHECKING:                   # formatted text is version 6's
            assert isinstance(self.screen, V6Screen)
        unit = self.screen.fw
        for i, line in enumerate(text.split("\n")):
            if i:
                self._formatted_line()
            import re                   # (only here: a start-up does not import re)
            for word in re.findall(r" ?[^ ]*", line):
                if not word:
                    continue
                width = len(word) * unit
                if entry[WIDTH] + width > entry[XSIZE] and entry[WIDTH]:
                    if word.startswith(" "):
                        word, width = word[1:], width - unit
                    self._formatted_line()
                self._memory_write([to_zscii(ch) for ch in word])
                entry[WIDTH] += width

    def _formatted_line(self) -> None:
        """The next line of formatted text starts after this one."""
        entry = self.memory[-1]
        entry[TOTAL] += entry[WIDTH]
        entry[WIDTH] = 0
        entry[TABLE] += 2 + entry[COUNT]
        entry[COUNT] = 0
        table = entry[TABLE]
        if table + 1 >= self.dyn_end:
            raise ZMachineError("memory stream table runs past dynamic memory")
        self.mem[table] = self.mem[table + 1] = 0

    # -- selecting (§7.1.2, output_stream) ------------------------------------
    def select(self, number: int, table: int = 0, width: int | None = None) -> None:
        """output_stream with a signed stream number: positive selects,
        negative deselects; 3 takes the table to write into and, in
        version 6, the width of formatted text (a window's number, or
        -units)."""
        if number == 3:
            if len(self.memory) >= MEMORY_DEPTH:
                raise ZMachineError("memory streams nested more than 16 deep (§7.1.2.1.1)")
            xsize = 0
            if width is not None and self.screen.version == 6:
                if TYPE_CHECKING:
                    assert isinstance(self.screen, V6Screen)
                width = width - 0x10000 if width & 0x8000 else width
                xsize = self.screen.line_width(width) if width >= 0 else -width
                xsize = max(1, xsize)
            self.memory.append([table, 0, 0, 0, xsize])
            self.mem[table] = self.mem[table + 1] = 0
        elif number == -3:
            if self.memory:
                if self.memory[-1][XSIZE]:
                    self._formatted_line()
                entry = self.memory.pop()
                if self.screen.version == 6:
                    shown = entry[TOTAL] if entry[XSIZE] else entry[WIDTH]
                    self.mem[STREAM3_WIDTH] = (shown >> 8) & 255
                    self.mem[STREAM3_WIDTH + 1] = shown & 255
        elif abs(number) == 1:
            self.screen_on = number > 0
        elif abs(number) == 2:
            self.set_transcript(number > 0)
        elif abs(number) == 4:
            self.record_on = number > 0

    def set_transcript(self, on: bool) -> None:
        """Stream 2 on or off, and Flags 2 bit 0 with it (§7.4, §11.1.2.1)."""
        self.transcript_on = on
        if on:
            self.mem[FLAGS2_LOW] |= 1
        else:
            self.mem[FLAGS2_LOW] &= 0xFE

    def start_transcript(self, path: str) -> None:
        """Stream 2 to path from now on."""
        if path != self.transcript_path:
            self._close_transcript()
        self.transcript_path = path
        self.set_transcript(True)

    def flags_written(self) -> None:
        """The story wrote Flags 2: its bit 0 turns stream 2 on or off
        (§7.4), its bit 1 asks for fixed-pitch text (§11.1.2.1)."""
        self.transcript_on = bool(self.mem[FLAGS2_LOW] & 1)
        self.screen.fixed_pitch = bool(self.mem[FLAGS2_LOW] & 2)

    def close_transcript(self) -> None:
        """Close the transcript's file (stream 2 stays as it is: the next
        text opens the file again)."""
        if self._transcript is not None:
            try:
                self._transcript.close()
            except OSError:
                pass
            self._transcript = None

    def write_transcript(self, text: str) -> None:
        """Stream 2: text into the transcript file. A file that cannot be
        opened or written (a full disk, /dev/full) is said once and turns
        the stream off; play goes on. Characters UTF-8 cannot hold (a lone
        surrogate from a story's Unicode table, §3.8.5) become "?"."""
        path = self.transcript_path
        try:
            if self._transcript is None:
                self._transcript = open(path, "a", encoding="utf-8", errors="replace")
            self._transcript.write(text)
            self._transcript.flush()
        except OSError as e:
            self.frontend.message(f"zvm: cannot write the transcript to {path}: "
                                  f"{e.strerror or e}; transcript off")
            self._close_transcript()
            self.set_transcript(False)

    def _close_transcript(self) -> None:
        if self._transcript is not None:
            try:
                self._transcript.close()
            except OSError:                 # its last text could not be written: said
                pass
            self._transcript = None

    def record(self, line: str) -> None:
        """Stream 4: a command the player typed, when recording; a file
        that cannot be written is said once and recording stops."""
        if self.record_on and self.record_path:
            try:
                with open(self.record_path, "a", encoding="utf-8", errors="replace") as f:
                    f.write(line + "\n")
            except OSError as e:
                self.frontend.message(f"zvm: cannot write the record to {self.record_path}: "
                                      f"{e.strerror or e}; recording off")
                self.record_on = False
