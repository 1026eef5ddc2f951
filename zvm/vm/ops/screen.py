"""The screen (§8) and sound (§9): show_status, split_window, set_window,
erase_window, erase_line, set_cursor, get_cursor, set_text_style,
buffer_mode, set_colour, set_true_colour, set_font, sound_effect. The
screen model itself is ``zvm.screen.model`` (``zvm.screen.v6`` in version
6, where set_cursor, set_colour and set_font may name a window)."""

from __future__ import annotations

from zvm.records import TYPE_CHECKING
from zvm.story.header import OFFSET
from zvm.vm.ops.control import signed
from zvm.vm.ops.output import object_name

if TYPE_CHECKING:
    from zvm.screen.v6 import V6Screen
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine

FLAGS1 = OFFSET["flags1"]
CURRENT = 0xFFFD               # -3: version 6's current window (§8.8.3)


def show_status(m: Machine) -> None:
    """§8.2: the location's name, then the score and moves or, in a
    "time game" (Flags 1 bit 1, §8.2.1), the time (§8.2.3.2)."""
    if m.version > 3:
        return
    loc = m.get_global(0)
    a = m.get_global(1, signed=True)
    b = m.get_global(2)
    left = object_name(m, loc) if 0 < loc <= 255 else ""
    if m.mem[FLAGS1] & 0x02:
        hours = a % 24
        right = f"Time: {(hours % 12) or 12}:{b:02d} {'am' if hours < 12 else 'pm'}"
    else:
        right = f"Score: {a}  Moves: {signed(b)}"
    m.screen.status_line(left, right)


def op_show_status(m: Machine, ins: Instruction) -> int:
    show_status(m)
    return ins.next


def op_split_window(m: Machine, ins: Instruction, lines: int) -> int:
    m.screen.split(lines)
    return ins.next


def op_set_window(m: Machine, ins: Instruction, window: int) -> int:
    """§8.7.2: windows 0 and 1 (version 6: 0-7 and -3, ``zvm.screen.v6``).
    Another selects the lower window, reported as a survivable error."""
    if m.version != 6 and window > 1:
        m.warn(f"set_window {signed(window)}: no such window (0 or 1)", ins.addr)
    m.screen.set_window(window)
    return ins.next


def op_erase_window(m: Machine, ins: Instruction, window: int) -> int:
    """§8.7.3.3: windows 0 and 1, -1 and -2 for all (version 6: ``zvm.screen.v6``).
    Another is a survivable error that erases nothing."""
    w = signed(window)
    if m.version != 6 and not -2 <= w <= 1:
        m.warn(f"erase_window {w}: no such window (0, 1, -1 or -2)", ins.addr)
    m.screen.erase_window(w)
    return ins.next


def op_erase_line(m: Machine, ins: Instruction, value: int) -> int:
    m.screen.erase_line(value)
    return ins.next


def op_set_cursor(m: Machine, ins: Instruction, line: int, column: int = 1,
                  window: int = CURRENT) -> int:
    """§15 set_cursor; in version 6 of any window (default the current)."""
    if m.version == 6:
        if TYPE_CHECKING:
            assert isinstance(m.screen, V6Screen)
        m.screen.set_cursor(signed(line), signed(column), window)
    else:
        m.screen.set_cursor(signed(line), signed(column))
    return ins.next


def op_get_cursor(m: Machine, ins: Instruction, array: int) -> int:
    row, col = m.screen.get_cursor()
    row, col = row & 0xFFFF, col & 0xFFFF
    mem = m.mem
    mem[array], mem[array + 1] = row >> 8, row & 255
    mem[array + 2], mem[array + 3] = col >> 8, col & 255
    return ins.next


def op_set_text_style(m: Machine, ins: Instruction, style: int) -> int:
    m.screen.set_text_style(style)
    return ins.next


def op_buffer_mode(m: Machine, ins: Instruction, flag: int) -> int:
    m.screen.set_buffering(bool(flag))
    return ins.next


def op_set_colour(m: Machine, ins: Instruction, fg: int, bg: int,
                  window: int = CURRENT) -> int:
    """§15 set_colour; in version 6 of any window (default the current)."""
    if m.version == 6:
        if TYPE_CHECKING:
            assert isinstance(m.screen, V6Screen)
        m.screen.set_colour(fg, bg, window)
    else:
        m.screen.set_colour(fg, bg)
    return ins.next


def op_set_true_colour(m: Machine, ins: Instruction, fg: int, bg: int,
                       window: int = CURRENT) -> int:
    if m.version == 6:
        if TYPE_CHECKING:
            assert isinstance(m.screen, V6Screen)
        m.screen.set_true_colour(fg, bg, window)
    else:
        m.screen.set_true_colour(fg, bg)
    return ins.next


def op_set_font(m: Machine, ins: Instruction, font: int, window: int = CURRENT) -> int:
    """§15 set_font; in version 6 of any window (§15 [1.1])."""
    if m.version == 6:
        if TYPE_CHECKING:
            assert isinstance(m.screen, V6Screen)
        return m.store_result(ins, m.screen.set_font(font, window))
    return m.store_result(ins, m.screen.set_font(font))


def op_sound_effect(m: Machine, ins: Instruction, number: int = 1, effect: int = 2,
                    volume: int = 0, routine: int = 0) -> int:
    """§9.2: the bleeps 1 and 2; other sounds need sound resources."""
    if number in (1, 2):
        m.frontend.sound_effect(number)
    return ins.next
