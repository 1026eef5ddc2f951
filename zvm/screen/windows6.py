"""The eight windows of version 6 (§8.8.3): their properties, and the
Infocom stories whose screens need special handling.

A ``Window`` holds the 18 properties of §8.8.3.2 under names, in screen
units: position and size (§8.8.3.1, 8.8.3.4), cursor (relative to the
window, from (1, 1), §8.8.3.5), margins (§8.8.3.2.1), the newline
interrupt and its countdown (§8.8.3.2.2), text style, colours (numbers as
in §8.3.1, and the true colours of §8.3.7 they stand for), font, font size,
attributes (wrapping, scrolling, transcript, buffering: bits 0-3,
§8.8.3.1) and line count (§8.8.3.2.6). ``get`` and ``put`` read and write
them by number (get_wind_prop, put_wind_prop).

``InfocomStory`` names the Infocom version 6 stories by release and serial
(Zork Zero, Shogun, Arthur, Journey): Frotz, the reference, handles a few of
their known faults, and so does zvm (see ``zvm.screen.v6``).
"""

from __future__ import annotations

from zvm.errors import ZMachineError

# Attribute bits (§8.8.3.1).
WRAPPING, SCROLLING, TRANSCRIPT, BUFFERED = 1, 2, 4, 8

# Property numbers (§8.8.3.2).
(Y, X, HEIGHT, WIDTH, CURSOR_Y, CURSOR_X, LEFT, RIGHT, ROUTINE, COUNTDOWN, STYLE,
 COLOUR, FONT, FONT_SIZE, ATTRIBUTES, LINE_COUNT, TRUE_FG, TRUE_BG) = range(18)
PROPERTIES = 18
WRITABLE = 16           # properties 16 and 17 must not be written (§8.8.3.2)
NEVER_MORE = -999       # a line count that never asks for [MORE] (§8.8.3.2.6)


def signed(value: int) -> int:
    value &= 0xFFFF
    return value - 0x10000 if value & 0x8000 else value


class Window:
    """One window's properties (§8.8.3.2), in screen units. ``fg`` and
    ``bg`` are colour numbers (§8.3.1); ``true_fg`` and ``true_bg`` the
    colours shown, as 15-bit true colours or -1 for the frontend's own
    default colour (which the header's default colour numbers name)."""

    __slots__ = ("y", "x", "height", "width", "cursor_y", "cursor_x", "left", "right",
                 "routine", "countdown", "style", "fg", "bg", "true_fg", "true_bg",
                 "font", "font_size", "attributes", "line_count")

    def __init__(self, number: int, screen_width: int, font_size: int,
                 fg: int, bg: int) -> None:
        self.y = self.x = 1                       # §8.8.3.3: all begin at (1, 1)
        self.height = 0
        self.width = screen_width if number in (0, 1) else 0
        self.cursor_y = self.cursor_x = 1
        self.left = self.right = 0
        self.routine = self.countdown = 0
        self.style = 0
        self.fg, self.bg = fg, bg
        self.true_fg = self.true_bg = -1
        self.font = 1
        self.font_size = font_size
        # Window 0: wrapping, scrolling, transcript and buffering; the
        # others buffering alone (§8.8.3.3).
        self.attributes = 15 if number == 0 else BUFFERED
        self.line_count = 0

    def get(self, prop: int, style_shown: int, true_colours: tuple[int, int]) -> int:
        """Property ``prop`` as get_wind_prop reads it. ``style_shown``: the
        style actually in use (§8.8.3.2.4 [1.1]); ``true_colours``: the
        true foreground and background shown (§8.8.2.8 [1.1])."""
        if prop == STYLE:
            return style_shown
        if prop == COLOUR:
            return ((self.bg & 0xFF) << 8) | (self.fg & 0xFF)
        if prop == TRUE_FG:
            return true_colours[0]
        if prop == TRUE_BG:
            return true_colours[1]
        if not 0 <= prop < PROPERTIES:
            raise ZMachineError(f"get_wind_prop: no window property {prop} (0-17, §8.8.3.2)")
        return getattr(self, _NAMES[prop]) & 0xFFFF

    def put(self, prop: int, value: int) -> None:
        """put_wind_prop: the property set as given (the game's business,
        §8.8.3.2); colour data sets both colour numbers."""
        if prop in (TRUE_FG, TRUE_BG):
            raise ZMachineError(f"put_wind_prop: property {prop} (a true colour) cannot "
                                f"be written (§8.8.3.2)")
        if not 0 <= prop < WRITABLE:
            raise ZMachineError(f"put_wind_prop: no window property {prop} (0-15, §8.8.3.2)")
        if prop == COLOUR:
            self.fg, self.bg = value & 0xFF, (value >> 8) & 0xFF
            return
        if prop in (CURSOR_Y, CURSOR_X, LEFT, RIGHT, LINE_COUNT, Y, X):
            value = signed(value)
        setattr(self, _NAMES[prop], value)


_NAMES = ("y", "x", "height", "width", "cursor_y", "cursor_x", "left", "right",
          "routine", "countdown", "style", "", "font", "font_size", "attributes",
          "line_count")


# -- Infocom's version 6 stories (release, serial), as Frotz knows them -------

_INFOCOM = {
    "zork0": ((296, "881019"), (366, "890323"), (383, "890602"), (393, "890714")),
    "shogun": ((292, "890314"), (295, "890321"), (311, "890510"), (322, "890706")),
    "arthur": ((54, "890606"), (63, "890622"), (74, "890714")),
    "journey": ((26, "890316"), (30, "890322"), (77, "890616"), (83, "890706")),
}

# Pictures that the MCGA picture sets split in three (a border drawn as a
# middle part and two corners): drawing the first draws the others below
# its sides, and picture_data answers for the whole (as Frotz does, so that
# Amiga and Macintosh releases work with the MS-DOS pictures).
SPLIT_PICTURES = {
    "zork0": {5: (497, 498), 6: (501, 502), 7: (499, 500), 8: (503, 504)},
    "arthur": {54: (170, 171)},
    "shogun": {50: (61, 62)},
}


class InfocomStory:
    """Which Infocom version 6 story this is (``name``, None for any other)
    and the faults of its releases that an interpreter has to meet."""

    def __init__(self, release: int, serial: str, interpreter: int) -> None:
        self.name: str | None = None
        for name, releases in _INFOCOM.items():
            if (release, serial) in releases:
                self.name = name
        self.release = release
        self.interpreter = interpreter

    @property
    def late_interrupts(self) -> bool:
        """§8.8.3.2.2.1: Zork Zero release 393 under the MS-DOS interpreter
        number (6) calls the newline interrupt after the new line."""
        return self.name == "zork0" and self.release == 393 and self.interpreter == 6

    @property
    def wraps_window_0(self) -> bool:
        """Zork Zero 366 and Shogun up to 295 forget to turn wrapping on for
        window 0 when they print hints; it wraps regardless (as Frotz)."""
        return (self.name == "zork0" and self.release == 366) or \
            (self.name == "shogun" and self.release <= 295)

    @property
    def wants_pictures(self) -> bool:
        """Zork Zero's Macintosh release 296 does not set Flags 2 bit 3."""
        return self.name == "zork0" and self.release == 296

    def split_picture(self, number: int) -> tuple[int, int] | None:
        """The two corner pictures drawn with picture ``number``, if any."""
        return SPLIT_PICTURES.get(self.name or "", {}).get(number)

    def split_part(self, number: int) -> bool:
        """Whether ``number`` is a corner that only its whole may draw."""
        return any(number in pair for pair in SPLIT_PICTURES.get(self.name or "", {}).values())

    def extra_picture(self, number: int) -> int | None:
        """Shogun's picture 3 (its border) comes with picture 59 at the
        right edge of the screen."""
        return 59 if self.name == "shogun" and number == 3 else None
