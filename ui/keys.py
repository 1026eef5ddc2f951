"""Keys as the Z-machine sees them (§10.5 and §3.8).

``key_zscii`` turns a blessed ``Keystroke`` into the ZSCII code that
read_char returns (§10.7) or that can terminate line input (§10.5.2.1):
13 newline, 8 delete, 27 escape, 129-132 cursor up, down, left, right,
133-144 function keys f1-f12, 145-154 keypad 0-9, 32-126 as themselves
and the extra characters 155-223 by the default table of §3.8.5.3.
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING
from zvm.vm.text import DEFAULT_UNICODE as DEFAULT_EXTRA   # §3.8.5.3, Table 1

if TYPE_CHECKING:
    from .pager import Key

# Typed characters to ZSCII when the machine has not given the story's own
# table (``Frontend.char_to_zscii``).
UNICODE_TO_ZSCII = {ch: 155 + i for i, ch in enumerate(DEFAULT_EXTRA)}

# §3.8.4 (8, 13, 27: §3.8.2): the input codes of special keys, by blessed's names.
KEY_CODES = {
    "KEY_UP": 129, "KEY_DOWN": 130, "KEY_LEFT": 131, "KEY_RIGHT": 132,
    "KEY_KP_UP": 129, "KEY_KP_DOWN": 130, "KEY_KP_LEFT": 131, "KEY_KP_RIGHT": 132,
    "KEY_ESCAPE": 27, "KEY_ENTER": 13, "KEY_KP_ENTER": 13,
    "KEY_BACKSPACE": 8, "KEY_DELETE": 8,
}
KEY_CODES.update({f"KEY_F{i}": 132 + i for i in range(1, 13)})
KEY_CODES.update({f"KEY_KP_{i}": 145 + i for i in range(10)})

# Keypad keys that type a character into a line being edited.
KEYPAD_TEXT = {f"KEY_KP_{i}": str(i) for i in range(10)}
KEYPAD_TEXT.update({"KEY_KP_DECIMAL": ".", "KEY_KP_ADD": "+", "KEY_KP_SUBTRACT": "-",
                    "KEY_KP_MULTIPLY": "*", "KEY_KP_DIVIDE": "/", "KEY_KP_EQUAL": "=",
                    "KEY_KP_SEPARATOR": ","})


def char_zscii(ch: str) -> int:
    """One typed character as ZSCII: 32-126 as themselves, the extra
    characters of §3.8.5.3 as 155-223, anything else '?' (63)."""
    o = ord(ch)
    if 32 <= o <= 126:
        return o
    return UNICODE_TO_ZSCII.get(ch, 63)


def key_zscii(key: Key) -> int | None:
    """The ZSCII code of a blessed ``Keystroke`` (None: no Z-machine key,
    such as a lone control character or an unknown sequence)."""
    text = str(key)
    if len(text) == 1:
        if text in "\r\n":
            return 13
        if text in "\x7f\x08":
            return 8
        if text == "\x1b":
            return 27
        if text == "\t":
            return 32
        if ord(text) < 32:
            return None
        if not getattr(key, "is_sequence", False):
            return char_zscii(text)
    name = getattr(key, "name", None)
    if name in KEY_CODES:
        return KEY_CODES[name]
    if text and not getattr(key, "is_sequence", False) and len(text) == 1:
        return char_zscii(text)
    return None
