"""Character graphics as Unicode: font 3 (§16) and the IBM PC's line
drawing codes that Beyond Zork prints.

Font 3 (§16.1) is a set of 8x8 pictures for the codes 32-126: arrows,
lines, corners, blocks and the runes Beyond Zork shows for words the
player cannot read. ``FONT3`` gives each code the Unicode character that
looks most like its picture (box drawing U+2500-U+257F, block elements
U+2580-U+259F, arrows, runes U+16A0-U+16FF); a frontend shows text whose
style selects font 3 through ``graphics``. Where a picture has no single
Unicode character (a corner with a diagonal stub, a half block with a
line through it) the nearest shape is used, so that maps and borders stay
joined up.

Beyond Zork (§16 remarks) reads the interpreter number (§11.1.3): as an
IBM PC (6) without a graphical screen mode (Flags 2 bit 3 clear) it draws
its map and borders with the PC's own character codes 179-218 and its
arrows with codes 24-27 instead of font 3. ``ibm_pc_codes`` is the ZSCII
output table for that case, with those codes as the Unicode characters
the PC showed (code page 437), so the lines are lines and not accented
letters (§3.8.5.3 would give). ``story_codes`` decides when it applies.
"""

from __future__ import annotations

# §16.1, codes 32-126: the nearest Unicode character to each picture.
_FONT3_ROWS = (
    # 32-47: blank, arrows left and right, diagonals, blank, lines, T-junctions, corners
    " ←→╱╲ ──││┴┬├┤└┌",
    # 48-63: corners (four with a diagonal stub), full, half blocks (four with a
    # line through them), a quadrant
    "┐┘└┌┐┘█▀▄▌▐▄▀▌▐▝",
    # 64-79: quadrants (four with a diagonal stub), dots in the corners, the
    # four edges, an empty bar
    "▗▖▘▝▗▖▘····▔▁▏▕═",
    # 80-95: the bar filling from the left, its ends, a diagonal cross, a
    # cross, arrows up, down, up-and-down, a box
    "▏▎▍▌▋▊▉█▕▏╳┼↑↓↕□",
    # 96-111: a question mark, the runes a-o (late Anglian futhorc; Latin c is
    # eo, k the other k, §16 remarks)
    "?ᚪᛒᛇᛞᛖᚠᚷᚻᛁᛄᛣᛚᛗᚾᚩ",
    # 112-126: the runes p-z (q is k, v is ea, x is z, z is oe), then arrows
    # up, down, up-and-down and the question mark in reverse
    "ᛈᚳᚱᛋᛏᚢᛠᚹᛉᚣᛟ▲▼↕?",
)
FONT3: dict[str, str] = {}
for _row, _chars in enumerate(_FONT3_ROWS):
    for _i, _ch in enumerate(_chars):
        FONT3[chr(32 + 16 * _row + _i)] = _ch
del _row, _chars, _i, _ch


def graphics(text: str) -> str:
    """``text`` printed in font 3 (§16): each code 32-126 as its picture's
    Unicode character; anything else unchanged."""
    if not text:
        return text
    return "".join(FONT3.get(ch, ch) for ch in text)


# Code page 437 for the codes Beyond Zork prints as an IBM PC: 24-27 the
# arrows, 176-223 the shades, lines, corners and blocks.
_CP437_LINES = ("░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
                "└┴┬├─┼╞╟╚╔╩╦╠═╬╧"
                "╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀")


def ibm_pc_codes() -> dict[int, str]:
    """ZSCII output codes (§3.8) as an IBM PC shows them: the arrows 24-27
    and the line drawing 176-223 of code page 437."""
    table = {24: "↑", 25: "↓", 26: "→", 27: "←"}
    for i, ch in enumerate(_CP437_LINES):
        table[176 + i] = ch
    return table


# Beyond Zork's releases (release number, serial number).
BEYOND_ZORK = frozenset({(47, "870915"), (49, "870917"), (51, "870923"), (57, "871221")})


def is_beyond_zork(release: int, serial: str) -> bool:
    """The story is one of Infocom's releases of Beyond Zork."""
    return (release, serial) in BEYOND_ZORK


def story_codes(release: int, serial: str, interpreter_number: int) -> dict[int, str]:
    """The ZSCII output codes a story means differently from §3.8, to be
    laid over the machine's table: Beyond Zork told it runs on an IBM PC
    (interpreter number 6) prints code page 437's lines; otherwise none."""
    if interpreter_number == 6 and is_beyond_zork(release, serial):
        return ibm_pc_codes()
    return {}
