"""Keys as the Z-machine sees them (§10.5 and §3.8).

``key_zscii`` turns a blessed ``Keystroke`` into the ZSCII code that
read_char returns (§10.7) or that can terminate line input (§10.5.2.1):
13 newline, 8 delete, 27 escape, 129-132 cursor up, down, left, right,
133-144 function keys f1-f12, 145-154 keypad 0-9, 32-126 as themselves
and the extra characters 155-223 by the default table of §3.8.5.3.
"""

from __future__ import annotations

# §3.8.5.3, Table 1: the default Unicode translations of ZSCII 155-223.
DEFAULT_EXTRA = (
    "\u00e4\u00f6\u00fc\u00c4\u00d6\u00dc\u00df\u00bb\u00ab\u00eb\u00ef\u00ff\u00cb\u00cf"
    "\u00e1\u00e9\u00ed\u00f3\u00fa\u00fd\u00c1\u00c9\u00cd\u00d3\u00da\u00dd\u00e0\u00e8"
    "\u00ec\u00f2\u00f9\u00c0\u00c8\u00cc\u00d2\u00d9\u00e2\u00ea\u00ee\u00f4\u00fb\u00c2"
    "\u00ca\u00ce\u00d4\u00db\u00e5\u00c5\u00f8\u00d8\u00e3\u00f1\u00f5\u00c3\u00d1\u00d5"
    "\u00e6\u00c6\u00e7\u00c7\u00fe\u00f0\u00de\u00d0\u00a3\u0153\u0152\u00a1\u00bf"
)
UNICODE_TO_ZSCII = {ch: 155 + i for i, ch in enumerate(DEFAULT_EXTRA)}

# §10.5.2: the "input character" codes of special keys, by blessed's names.
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


def key_zscii(key) -> int | None:
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
