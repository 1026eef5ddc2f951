"""What every part of zvm as a library shares: its exceptions, the frontend
that stops the machine at input, what a step returns, how the end of a game
is recognised, and the time limit of commands the library tries itself.

The frontend (§8, §15 read, read_char): ``read_line``/``read_char`` raise
``WaitInput`` when no command is pending, so the machine leaves its run
loop with the PC still at the read instruction, which runs again when the
next command arrives: the machine can be stopped, snapshot or copied
between any two commands. Text is kept unwrapped; the upper window lives in
the screen model (§8.6-8.7), the version 1-3 status line here (§8.2).

The end of a game: the story stops (@quit, §15), or the last sentence it
printed before asking for input offers at least two of restart (start
over, play again), restore (load), quit (end the session) and undo, in any
form: Infocom's "(Type RESTART, RESTORE, or QUIT)", the Inform library's
"Would you like to RESTART, RESTORE a saved game ... or QUIT?", numbered
menus such as "(1) Quit, (2) Restart". A paragraph that mentions them and
goes on (a help text: "... RESTART or QUIT at any time. Good luck!") is
not an ending. Won: the score reached the maximum
the story states, or the last text says so ("You have won",
"Congratulations" ...); lost: over, not won, and not the player's own quit.

Tried commands (learning a story, valid actions) run under a real-time
limit (SIGALRM, main thread only), so a story that loops on one of them
cannot hang the caller; elsewhere use ``isolated=True`` or ``zvm.Games``.
"""

from __future__ import annotations

import gc
import re
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Iterator

from zvm.errors import ZMachineError
from zvm.screen.protocol import (GATHERED_PIECES, CharRequest, Features, Frontend, LineRequest,
                                 LineResult, Style)


# -- exceptions ----------------------------------------------------------------------
class GameError(Exception):
    """A game cannot go on: the story file cannot be loaded (the message
    names the path), the story stopped with a fatal Z-machine error
    (Appendix A), or a snapshot cannot be restored."""


class GameTimeout(GameError):
    """The story did not answer within the time allowed for a step; the
    process that ran it was stopped."""


class GameProcessError(GameError):
    """The process that ran the story ended unexpectedly."""


# -- the frontend --------------------------------------------------------------------
DEFAULT_WIDTH = 255          # the columns a story is told when no width is given
MAX_TEXT = 1 << 20           # characters a story may print before it asks for input


class WaitInput(Exception):
    """The story asks for input: the machine stops at the read."""


@dataclass(frozen=True)
class StepResult:
    """What one command did: the text the story printed (unwrapped, without
    the prompt it printed before waiting for the next command: that is
    ``prompt``, so ``text + prompt`` is all it printed), the score and the
    moves after it (None when the story keeps none), whether the game is
    over, and, once over, whether it was won or lost. ``error`` says why a
    game of ``zvm.Games`` was ended by a failure (its story hung, died or
    failed)."""
    text: str
    score: int | None
    moves: int | None
    done: bool
    won: bool = False
    lost: bool = False
    error: str | None = None
    prompt: str = ""


PROMPT_MAX = 40                           # characters a prompt's line may hold


def split_prompt(text: str) -> tuple[str, str]:
    """(what the story printed, its prompt): the prompt is the short last
    line the story left the cursor on (">", "What next? "), with the line
    breaks before it."""
    cut = text.rfind("\n") + 1
    tail = text[cut:]
    if not tail.strip() or len(tail) > PROMPT_MAX:
        return text, ""
    body = text[:cut].rstrip("\n")
    return body, text[len(body):]


class LibraryFrontend(Frontend):
    """Collects the text a story prints; stops the machine at input."""

    def __init__(self, width: int = 0) -> None:
        super().__init__()
        self.features = Features(width=width or DEFAULT_WIDTH, height=255, status_line=True,
                                 split=True, timed_input=False)
        self.buffer: list[str] = []
        self._chunks: list[str] = []             # the buffer's text so far, joined
        self._held = 0          # characters printed since the last take: joined or dropped
        self.status: tuple[str, str] | None = None
        self.pending: str | None = None
        self.waiting = "line"                     # what the story asked for last
        self._discard = False
        # Text in the style of the latest write may go straight onto the
        # buffer (``Frontend.gathered``); never while text is discarded.
        self.gathered = self.buffer

    @property
    def discard(self) -> bool:
        """Tries whose text nobody reads: their text is dropped."""
        return self._discard

    @discard.setter
    def discard(self, value: bool) -> None:
        self._discard = value
        self.gathered_style = None

    def write(self, text: str, style: Style) -> None:
        if not self._discard:
            buffer = self.buffer
            buffer.append(text)
            if len(buffer) >= GATHERED_PIECES:
                self._hold()
            self.gathered_style = style
        else:                          # (dropped, but a try that prints without end ends)
            self._held += len(text)
            if self._held > MAX_TEXT:
                self._too_much()

    def status_line(self, left: str, right: str) -> None:
        self.status = (left, right)

    def read_line(self, request: LineRequest) -> LineResult:
        if self.pending is None:
            self.waiting = "line"
            raise WaitInput
        line, self.pending = self.pending, None
        return LineResult((request.preloaded or "") + line, 13)

    def read_char(self, request: CharRequest) -> int | str:
        if self.pending is None:
            self.waiting = "char"
            raise WaitInput
        line, self.pending = self.pending, None
        return line[0] if line else 13

    def _hold(self) -> None:
        """Join the buffer's pieces; a story that prints more than
        ``MAX_TEXT`` characters without asking for input has stopped
        making sense (a loop that only prints), and stops with an error."""
        chunk = "".join(self.buffer)
        self.buffer.clear()
        self._chunks.append(chunk)
        self._held += len(chunk)
        if self._held > MAX_TEXT:
            self._too_much()

    def _too_much(self) -> None:
        self.clear_text()
        raise ZMachineError(f"the story printed more than {MAX_TEXT:,} characters "
                            "without asking for input")

    def take_text(self) -> str:
        text = "".join(self._chunks) + "".join(self.buffer)
        self.clear_text()
        return text

    def clear_text(self) -> None:
        self.buffer.clear()
        self._chunks.clear()
        self._held = 0


# -- the end of a game --------------------------------------------------------------
# The choices a game-over question offers, each by the wordings that name it.
WORDINGS = (
    ("restart", "start again", "start over", "begin again", "play again", "new game"),
    ("restore", "load saved", "load a saved"),
    ("quit", "end this session", "end this game", "end the session", "end the game"),
    ("undo",),
)
CHOICES = tuple(re.compile("|".join(rf"\b{w}\b" for w in words), re.I) for words in WORDINGS)
WON = re.compile(r"\byou (?:have )?won\b|\byou win\b|\bcongratulations\b|\bvictor(?:y|ious)\b"
                 r"|\byou have (?:completed|finished) the game\b", re.I)
LAST_PARAGRAPH = 400                      # characters before the prompt searched for choices


def last_paragraph(text: str) -> str:
    """The end of text without the prompt, as far back as a blank line
    (or LAST_PARAGRAPH characters)."""
    body = text.rstrip()
    if body.endswith(">"):
        body = body[:-1].rstrip()
    tail = body[-LAST_PARAGRAPH:]
    cut = tail.rfind("\n\n")
    if cut >= 0 and len(tail) - cut > 40:
        tail = tail[cut:]
    return tail


SENTENCE_BREAK = re.compile(r"(?<=[^\d\s][.!?])\s+")   # not after "1." of a menu


def last_sentence(paragraph: str) -> str:
    """The last sentence of a paragraph (a menu of numbered lines is one
    sentence; so is "(Type RESTART, RESTORE, or QUIT):")."""
    parts = SENTENCE_BREAK.split(paragraph.strip())
    return parts[-1] if parts else ""


def _two_choices_named(paragraph: str) -> bool:
    """Whether an ASCII paragraph holds wordings of two choices: plain
    string search that rules out nearly every turn's text before the
    patterns run (a pattern matches only where one of its wordings is)."""
    low = paragraph.lower()
    named = 0
    for words in WORDINGS:
        for w in words:
            if w in low:
                named += 1
                break
    return named >= 2


def asks_game_over(text: str) -> bool:
    """Whether text ends with a game-over question or menu: its last
    sentence offers at least two of the CHOICES. A paragraph that mentions
    them and then goes on (a help text) does not."""
    paragraph = last_paragraph(text)
    if paragraph.isascii() and not _two_choices_named(paragraph):
        return False
    tail = last_sentence(paragraph)
    return sum(1 for choice in CHOICES if choice.search(tail)) >= 2


def says_won(text: str) -> bool:
    return bool(WON.search(text))


# -- the time limit of tried commands ----------------------------------------------
class TryTimeout(Exception):
    """A tried command ran past its time limit."""


def _expired(signum: int, frame: FrameType | None) -> None:
    raise TryTimeout


@contextmanager
def forking() -> Iterator[None]:
    """Around starting worker processes by fork: the workers' garbage
    collector leaves alone what they inherit. A collection would write to
    every object and so copy every page of the parent's memory (the
    story's compiled code among them)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_handling = 0          # blocks open with _expired as SIGALRM's handler


@contextmanager
def alarm_handler() -> Iterator[None]:
    """In this block SIGALRM raises TryTimeout (main thread only), so that
    the ``time_limit`` blocks inside it only set timers: trying thousands
    of commands installed and removed the handler for each."""
    global _handling
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _expired)
    _handling += 1
    try:
        yield
    finally:
        _handling -= 1
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TryTimeout in the block after seconds (main thread only); the
    caller's own SIGALRM handler and timer are put back afterwards."""
    if threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    if not _handling:
        with alarm_handler(), time_limit(seconds):
            yield
        return
    left, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        if left:
            signal.setitimer(signal.ITIMER_REAL, left, interval)
