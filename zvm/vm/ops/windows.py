"""Version 6's screen opcodes (§8.8, §10.3, §10.4, §6.6, §15): the windows
(move_window, window_size, window_style, get_wind_prop, put_wind_prop,
scroll_window, set_margins, buffer_screen), text tables (print_form, the
version 6 print_table), pictures (draw_picture, picture_data,
erase_picture, picture_table), the mouse (read_mouse, mouse_window), menus
(make_menu) and user stacks (push_stack, pop_stack, and ``pull_stack``:
version 6's pull, which stores and may take a user stack).

The windows, pictures and mouse are the screen model's (``zvm.screen.v6``,
``zvm.screen.v6media``); these functions read the operands, hand them on
and write the answers into the story's arrays. A window operand of -3
means the current window (§8.8.3); one that names no window stops the
story with a line that says so. Menus (§10.4) were the Macintosh
interpreters' alone: zvm has none, says so in the header (Flags 2 bit 8
clear) and make_menu never branches.
"""

from __future__ import annotations

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING

if TYPE_CHECKING:
    from zvm.screen.v6 import V6Screen
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine

    class Machine6(Machine):
        """The machine of a version 6 story as type checkers see it: its
        screen is a V6Screen (the opcodes here are version 6's alone)."""
        screen: V6Screen

CURRENT = 0xFFFD               # -3 as an operand: the current window


# -- reading and writing words where the story says -----------------------------

def read_word(m: Machine, addr: int, what: str) -> int:
    mem = m.mem
    if not 0 <= addr < len(mem) - 1:
        raise ZMachineError(f"{what}: address ${addr:x} is outside memory")
    return (mem[addr] << 8) | mem[addr + 1]


def write_word(m: Machine, addr: int, value: int, what: str) -> None:
    if not 0 <= addr < m.dyn_end - 1:
        raise ZMachineError(f"{what}: address ${addr:x} is outside dynamic memory")
    m.mem[addr] = (value >> 8) & 255
    m.mem[addr + 1] = value & 255


def write_words(m: Machine, addr: int, values: tuple[int, ...], what: str) -> None:
    for i, value in enumerate(values):
        write_word(m, addr + 2 * i, value & 0xFFFF, what)


# -- windows (§8.8.3, §15) ------------------------------------------------------

def op_move_window(m: Machine6, ins: Instruction, window: int, y: int, x: int) -> int:
    m.screen.move_window(window, y, x)
    return ins.next


def op_window_size(m: Machine6, ins: Instruction, window: int, y: int, x: int) -> int:
    m.screen.window_size(window, y, x)
    return ins.next


def op_window_style(m: Machine6, ins: Instruction, window: int, flags: int,
                    operation: int = 0) -> int:
    m.screen.window_style(window, flags, operation)
    return ins.next


def op_get_wind_prop(m: Machine6, ins: Instruction, window: int, prop: int) -> int:
    return m.store_result(ins, m.screen.get_property(window, prop))


def op_put_wind_prop(m: Machine6, ins: Instruction, window: int, prop: int, value: int) -> int:
    m.screen.put_property(window, prop, value)
    return ins.next


def op_scroll_window(m: Machine6, ins: Instruction, window: int, pixels: int) -> int:
    m.screen.scroll_window(window, pixels)
    return ins.next


def op_set_margins(m: Machine6, ins: Instruction, left: int, right: int,
                   window: int = CURRENT) -> int:
    m.screen.set_margins(left, right, window)
    return ins.next


def op_buffer_screen(m: Machine6, ins: Instruction, mode: int) -> int:
    """§8.8.7 [1.1]: the old state."""
    return m.store_result(ins, m.screen.buffer_screen(mode))


# -- text tables ------------------------------------------------------------------

def print_table_v6(m: Machine6, table: int, width: int, height: int, skip: int) -> None:
    """§15 print_table in version 6: each row starts a line lower at the
    column of the first (with output stream 3, rows end with newlines)."""
    screen = m.screen
    zscii = m.codec.zscii_to_unicode
    out = m.streams.out
    column = screen.get_cursor()[1]
    mem = m.mem
    for row in range(height):
        a = table + row * (width + skip)
        if row:
            if m.streams.memory:
                out("\n")
            else:
                screen.next_table_row(column)
        out("".join(zscii(mem[a + i]) for i in range(width)))


def op_print_form(m: Machine, ins: Instruction, table: int) -> int:
    """§15 print_form: lines of a word count and that many characters, up
    to a zero word, with a new line between them (as Frotz)."""
    a = table
    first = True
    zscii = m.codec.zscii_to_unicode
    limit = len(m.mem)
    while True:
        count = read_word(m, a, "print_form")
        a += 2
        if count == 0:
            break
        if a + count > limit:
            raise ZMachineError(f"print_form: a line of {count} characters at ${a:x} runs "
                                f"past the end of memory")
        if not first:
            m.streams.out("\n")
        m.streams.out("".join(zscii(c) for c in m.mem[a:a + count]))
        a += count
        first = False
    return ins.next


# -- user stacks (§6.6) ----------------------------------------------------------------
# A user stack is a table of words whose first word counts the slots still
# free; the top of the stack is the word just after the free ones.

def op_push_stack(m: Machine, ins: Instruction, value: int, stack: int) -> int:
    """§15 push_stack: branches when there was room; a full stack is left
    as it is (no error)."""
    free = read_word(m, stack, "push_stack")
    if free == 0:
        return m.branch_on(ins, False)
    write_word(m, stack + 2 * free, value, "push_stack")
    write_word(m, stack, free - 1, "push_stack")
    return m.branch_on(ins, True)


def op_pop_stack(m: Machine, ins: Instruction, items: int, stack: int | None = None) -> int:
    """§15 pop_stack: throw away items from the game stack or a user one."""
    if stack is None:
        if items > len(m.stack):
            raise ZMachineError(f"pop_stack {items}: stack underflow")
        if items:
            del m.stack[-items:]
        return ins.next
    free = read_word(m, stack, "pop_stack")
    write_word(m, stack, free + items, "pop_stack")
    return ins.next


def op_pull_stack(m: Machine, ins: Instruction, stack: int | None = None) -> int:
    """§15 pull in version 6: the top of a user stack, or of the game stack
    when none is given, stored."""
    if stack is None:
        if not m.stack:
            raise ZMachineError("stack underflow")
        return m.store_result(ins, m.stack.pop())
    free = read_word(m, stack, "pull") + 1
    value = read_word(m, stack + 2 * free, "pull")
    write_word(m, stack, free, "pull")
    return m.store_result(ins, value)


# -- pictures, the mouse, menus (§8.8.6, §10.3, §10.4) ------------------------------

PICTURE_TABLE_LIMIT = 4096     # entries read from a picture_table list at most


def op_draw_picture(m: Machine6, ins: Instruction, number: int, y: int = 0, x: int = 0) -> int:
    """§15 draw_picture: at (y, x) of the current window; 0 takes the
    cursor's coordinate. A picture that cannot be drawn is said once and
    the story goes on."""
    m.screen.draw_picture(number, y, x)
    return ins.next


def op_picture_data(m: Machine6, ins: Instruction, number: int, array: int) -> int:
    """§15 picture_data: height and width (picture 0: how many pictures,
    and the release of the file); branches when the picture is there."""
    branch, words = m.screen.picture_data(number)
    if words is not None:
        write_words(m, array, words, "picture_data")
    return m.branch_on(ins, branch)


def op_erase_picture(m: Machine6, ins: Instruction, number: int, y: int = 0,
                     x: int = 0) -> int:
    m.screen.erase_picture(number, y, x)
    return ins.next


def op_picture_table(m: Machine6, ins: Instruction, table: int) -> int:
    """§15 picture_table: a list of picture numbers ended by 0, about to be
    drawn (a hint: the frontend may get them ready)."""
    numbers: list[int] = []
    for i in range(PICTURE_TABLE_LIMIT):
        number = read_word(m, table + 2 * i, "picture_table")
        if number == 0:
            break
        numbers.append(number)
    m.screen.picture_table(numbers)
    return ins.next


def op_read_mouse(m: Machine6, ins: Instruction, array: int) -> int:
    """§15 read_mouse: y, x, the buttons held down, the menu word."""
    write_words(m, array, m.screen.read_mouse(), "read_mouse")
    return ins.next


def op_mouse_window(m: Machine6, ins: Instruction, window: int) -> int:
    """§15 mouse_window: clicks count only inside this window (-1: all)."""
    m.screen.set_mouse_window(window)
    return ins.next


def op_make_menu(m: Machine, ins: Instruction, number: int, table: int) -> int:
    """§15 make_menu: zvm offers no menus (§10.4.1.1), so it never
    branches, whether asked to make a menu or to remove one."""
    return m.branch_on(ins, False)
