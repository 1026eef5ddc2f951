"""The frontend of a game played from Python: it keeps the text, the status
line and the upper window (through the screen model, §8.6-8.7), and stops
the machine when the story asks for input.

``read_line``/``read_char`` (§15 read, read_char) raise ``WaitInput`` when no
command is pending: the machine leaves its run loop with the PC still at the
read instruction, which runs again when the next command arrives. So the
machine can be stopped, snapshot or copied between any two commands.
"""

from __future__ import annotations

from dataclasses import dataclass

from zvm.screen.protocol import CharRequest, Features, Frontend, LineRequest, LineResult, Style

DEFAULT_WIDTH = 255          # the columns a story is told when no width is given


class WaitInput(Exception):
    """The story asks for input: the machine stops at the read."""


@dataclass(frozen=True)
class StepResult:
    """What one command did: the text the story printed (unwrapped, up to
    and including the next prompt), the score and the moves after it (None
    when the story keeps none), whether the game is over, and, once over,
    whether it was won or lost. ``error`` says why a game of ``zvm.Games``
    was ended by a failure (its story hung, died or failed)."""
    text: str
    score: int | None
    moves: int | None
    done: bool
    won: bool = False
    lost: bool = False
    error: str | None = None


class LibraryFrontend(Frontend):
    """Collects the text a story prints; stops the machine at input."""

    def __init__(self, width: int = 0):
        self.features = Features(width=width or DEFAULT_WIDTH, height=255, status_line=True,
                                 split=True, timed_input=False)
        self.buffer: list[str] = []
        self.status: tuple[str, str] | None = None
        self.pending: str | None = None
        self.waiting = "line"                     # what the story asked for last
        self.discard = False                      # tries whose text nobody reads

    def write(self, text: str, style: Style) -> None:
        if not self.discard:
            self.buffer.append(text)

    def status_line(self, left: str, right: str) -> None:
        self.status = (left, right)

    def read_line(self, request: LineRequest) -> LineResult:
        if self.pending is None:
            self.waiting = "line"
            raise WaitInput
        line, self.pending = self.pending, None
        return LineResult((request.preloaded or "") + line, 13)

    def read_char(self, request: CharRequest) -> int:
        if self.pending is None:
            self.waiting = "char"
            raise WaitInput
        line, self.pending = self.pending, None
        return self.char_to_zscii(line[0]) if line else 13

    def take_text(self) -> str:
        text = "".join(self.buffer)
        self.buffer.clear()
        return text
