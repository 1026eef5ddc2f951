"""Line editing for the terminal UI as a table of key -> action (§10.5,
§15 read).

``action_for`` names what a key does while a line is typed; ``LineEditor``
holds the line, the cursor and the place in the command history and has a
method for every editing action. The terminal UI (``ui.terminal``) looks a
key up and either ends the line (``enter``, a story's terminating key,
§10.5.2.1), handles it itself (``eof``, ``redraw``) or calls the editor.

The keys (blessed names, or the control character):

=====================  ==========================================
Enter                  end the line
Backspace, Ctrl-H      delete the character before the cursor
Delete                 delete the character under the cursor
Ctrl-D                 as Delete; on an empty line: end the game
Left, Ctrl-B           cursor left
Right, Ctrl-F          cursor right
Home, Ctrl-A           start of the line
End, Ctrl-E            end of the line
Ctrl-U                 erase to the start of the line
Ctrl-K                 erase to the end of the line
Ctrl-W                 erase the word before the cursor
Ctrl-L                 redraw the screen
Up, Down               earlier and later lines of the history
=====================  ==========================================
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING

from .keys import KEYPAD_TEXT

if TYPE_CHECKING:
    from .pager import Key

# Keys by blessed's name, then by the text they send.
BY_NAME = {
    "KEY_ENTER": "enter", "KEY_KP_ENTER": "enter",
    "KEY_BACKSPACE": "backspace",
    "KEY_DELETE": "delete", "KEY_KP_DELETE": "delete",
    "KEY_LEFT": "left", "KEY_KP_LEFT": "left",
    "KEY_RIGHT": "right", "KEY_KP_RIGHT": "right",
    "KEY_HOME": "home", "KEY_KP_HOME": "home",
    "KEY_END": "end", "KEY_KP_END": "end",
    "KEY_UP": "history_up", "KEY_KP_UP": "history_up",
    "KEY_DOWN": "history_down", "KEY_KP_DOWN": "history_down",
}
BY_TEXT = {
    "\r": "enter", "\n": "enter",
    "\x7f": "backspace", "\x08": "backspace",
    "\x04": "eof",
    "\x02": "left", "\x06": "right", "\x01": "home", "\x05": "end",
    "\x15": "kill_start", "\x0b": "kill_end", "\x17": "kill_word",
    "\x0c": "redraw",
}


def action_for(key: Key) -> str | None:
    """The editing action of a blessed ``Keystroke`` (see the table
    above); None for a key that types text or does nothing."""
    if getattr(key, "is_sequence", False):
        name = getattr(key, "name", None)
        action = BY_NAME.get(name) if name else None
        if action is None and str(key) in BY_TEXT:
            action = BY_TEXT[str(key)]
        return action
    return BY_TEXT.get(str(key))


def typed_text(key: Key) -> str | None:
    """The character a key types into the line: a printable character, or
    a keypad key's digit or sign; None for anything else."""
    if getattr(key, "is_sequence", False):
        name = getattr(key, "name", None)
        return KEYPAD_TEXT.get(name) if name else None
    text = str(key)
    if len(text) == 1 and ord(text) >= 32 and text != "\x7f":
        return text
    return None


class LineEditor:
    """The line being typed: ``buf`` (a list of characters), the cursor
    ``pos`` in it, at most ``room`` characters, and a place in
    ``history`` (oldest first) for Up and Down."""

    def __init__(self, text: str, room: int, history: list[str]) -> None:
        self.room = room
        self.buf: list[str] = list(text[:room])
        self.pos = len(self.buf)
        self.history = history
        self.hist = len(history)
        self.draft = ""

    @property
    def text(self) -> str:
        return "".join(self.buf)

    def insert(self, ch: str) -> None:
        if len(self.buf) < self.room:
            self.buf.insert(self.pos, ch)
            self.pos += 1

    def backspace(self) -> None:
        if self.pos > 0:
            del self.buf[self.pos - 1]
            self.pos -= 1

    def delete(self) -> None:
        if self.pos < len(self.buf):
            del self.buf[self.pos]

    def left(self) -> None:
        self.pos = max(0, self.pos - 1)

    def right(self) -> None:
        self.pos = min(len(self.buf), self.pos + 1)

    def home(self) -> None:
        self.pos = 0

    def end(self) -> None:
        self.pos = len(self.buf)

    def kill_start(self) -> None:
        del self.buf[:self.pos]
        self.pos = 0

    def kill_end(self) -> None:
        del self.buf[self.pos:]

    def kill_word(self) -> None:
        start = self.pos
        while start > 0 and self.buf[start - 1] == " ":
            start -= 1
        while start > 0 and self.buf[start - 1] != " ":
            start -= 1
        del self.buf[start:self.pos]
        self.pos = start

    def history_up(self) -> None:
        if self.hist > 0:
            if self.hist == len(self.history):
                self.draft = self.text
            self.hist -= 1
            self.buf = list(self.history[self.hist][:self.room])
        self.pos = len(self.buf)

    def history_down(self) -> None:
        if self.hist < len(self.history):
            self.hist += 1
            line = self.history[self.hist] if self.hist < len(self.history) else self.draft
            self.buf = list(line[:self.room])
        self.pos = len(self.buf)

    # The actions a LineEditor carries out itself (the others are the UI's).
    EDITS = frozenset({"backspace", "delete", "left", "right", "home", "end",
                       "kill_start", "kill_end", "kill_word", "history_up", "history_down"})

    def apply(self, action: str) -> None:
        """Carry out one of ``EDITS``."""
        if action not in self.EDITS:
            raise ValueError(f"LineEditor.apply: {action!r} is not an editing action")
        getattr(self, action)()
