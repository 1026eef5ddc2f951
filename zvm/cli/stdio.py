"""The standard streams of the ``zvm`` command, whatever state they are in.

A stream may be closed before zvm starts (``<&-``, ``>&-``), standard
output may be a pipe whose reader left or a full disk, and standard input
may never end a line (``/dev/zero``). ``secure_streams`` gives a closed
stream /dev/null (so no file opened later takes its descriptor) and wraps
standard output so that a failed write raises ``OutputFailed``, which the
command's guard (``zvm.cli.guard``) turns into one line and a status;
``LineInput`` reads standard input a bounded line at a time.
"""

from __future__ import annotations

import errno
import os
import sys

from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

# Errors that mean "the output cannot be written", not a fault of zvm's.
OUTPUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


class OutputFailed(Exception):
    """Standard output cannot be written; ``error`` says why."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


MAX_LINE = 255              # the longest line a story's text buffer takes (§15 read)
MAX_DISCARD = 1 << 20       # past this much on one line, input is not text: it ends


class GuardedOutput:
    """A text stream whose write errors raise ``OutputFailed`` (standard
    output) or are ignored (``quiet``: standard error, where nothing could
    be said about them anyway)."""

    def __init__(self, stream: Any, quiet: bool = False) -> None:
        self._stream, self._quiet = stream, quiet

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as e:
            return self._failed(e)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except (OSError, ValueError) as e:
            self._failed(e)

    def _failed(self, e: Exception) -> int:
        if self._quiet:
            return 0
        if not isinstance(e, OSError):          # written after it was closed
            e = OSError(errno.EBADF, "the stream is closed")
        raise OutputFailed(e) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class LineInput:
    """Standard input for the headless frontend, read a line at a time with
    a bound: a line longer than MAX_LINE characters is cut (said once, on
    standard error), and a line that runs past MAX_DISCARD characters (such
    as /dev/zero) is taken as the end of input, said in one line.

    A stream with a binary buffer (standard input) is read in chunks and
    split here at each ``\n``, as standard input's text stream splits it,
    so that ``ready()`` can tell whether the next line has already
    arrived: the frontend then need not flush its output before reading
    it (a flush is a system call, and wakes the reader of a pipe). Any
    other stream (a ``StringIO``) is read through its ``readline``."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._said = False
        self._ended = False
        buffer = getattr(stream, "buffer", None)
        self._raw = buffer if callable(getattr(buffer, "read1", None)) else None
        self._encoding = getattr(stream, "encoding", None) or "utf-8"
        self._errors = getattr(stream, "errors", None) or "replace"
        self._data = bytearray()     # read, not yet given out
        self._eof = False

    def ready(self) -> bool:
        """Whether a whole line has arrived: ``readline`` will not wait."""
        return self._raw is not None and not self._ended and b"\n" in self._data

    def readline(self) -> str:
        if self._ended:
            return ""
        if self._raw is None:
            return self._text_line()
        data = self._data
        while True:
            end = data.find(b"\n")
            if end >= 0:
                line = bytes(data[:end])
                del data[:end + 1]
                return self._bounded(line.decode(self._encoding, self._errors)) + "\n"
            if self._eof:
                line = bytes(data)
                data.clear()
                text = line.decode(self._encoding, self._errors)
                return self._bounded(text) + "\n" if len(text) > MAX_LINE else text
            if len(data) > MAX_DISCARD:
                return self._too_long()
            try:
                chunk = self._raw.read1(65536)
            except (OSError, ValueError):
                chunk = b""
            if not chunk:
                self._eof = True
            data += chunk

    def _bounded(self, line: str) -> str:
        if len(line) <= MAX_LINE:
            return line
        self._say_cut()
        return line[:MAX_LINE]

    def _text_line(self) -> str:
        line = self._stream.readline(MAX_LINE + 1)
        if len(line) <= MAX_LINE or line.endswith("\n"):
            return line
        skipped = 0
        while True:
            more = self._stream.readline(65536)
            skipped += len(more)
            if not more or more.endswith("\n"):
                break
            if skipped > MAX_DISCARD:
                return self._too_long()
        self._say_cut()
        return line[:MAX_LINE] + "\n"

    def _too_long(self) -> str:
        self._ended = True
        self._data = bytearray()
        sys.stderr.write(f"zvm: standard input holds a line of more than {MAX_DISCARD} "
                         f"characters: not commands; input ends here\n")
        return ""

    def _say_cut(self) -> None:
        if not self._said:
            self._said = True
            sys.stderr.write(f"zvm: input lines longer than {MAX_LINE} characters are cut\n")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def secure_streams() -> set[str]:
    """Give each closed standard stream /dev/null (taking its descriptor,
    so no file opened later lands on it) and guard standard output and
    error; the names of the streams that were closed."""
    closed = set()
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        mode = "r" if fd == 0 else "w"
        try:
            os.fstat(fd)
        except OSError:
            closed.add(name)
            os.open(os.devnull, os.O_RDWR)          # the lowest free descriptor: fd
            setattr(sys, name, open(fd, mode, closefd=False))
            continue
        if getattr(sys, name) is None:              # closed at start, reused since
            closed.add(name)
            setattr(sys, name, open(os.devnull, mode))
    if sys.stdout is not None and not isinstance(sys.stdout, GuardedOutput):
        sys.stdout = GuardedOutput(sys.stdout)
    if sys.stderr is not None and not isinstance(sys.stderr, GuardedOutput):
        sys.stderr = GuardedOutput(sys.stderr, quiet=True)
    return closed


def writable(path: str, what: str) -> bool:
    """Whether a file can be opened to add to at path; when not, say so in
    one line (the game plays on without that stream)."""
    try:
        with open(path, "a", encoding="utf-8"):
            pass
        return True
    except OSError as e:
        sys.stderr.write(f"zvm: cannot write the {what} to {path}: {e.strerror or e}; "
                         f"playing on without it\n")
        return False
