"""Version 6's pictures, mouse and menus (§8.8.6, §10.3, §10.4, §15):
draw_picture, picture_data, erase_picture, picture_table, read_mouse,
mouse_window, make_menu.

The pictures and the mouse are the screen model's (``zvm.screen.v6media``);
these functions read the operands and write the answers into the story's
arrays. Menus (§10.4) were the Macintosh interpreters' alone: zvm has none,
says so in the header (Flags 2 bit 8 clear) and make_menu never branches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zvm.vm.ops.windows import read_word, write_words

if TYPE_CHECKING:
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine

PICTURE_TABLE_LIMIT = 4096     # entries read from a picture_table list at most


def op_draw_picture(m: Machine, ins: Instruction, number: int, y: int = 0, x: int = 0) -> int:
    """§15 draw_picture: at (y, x) of the current window; 0 takes the
    cursor's coordinate. A picture that cannot be drawn is said once and
    the story goes on."""
    m.screen.draw_picture(number, y, x)
    return ins.next


def op_picture_data(m: Machine, ins: Instruction, number: int, array: int) -> int:
    """§15 picture_data: height and width (picture 0: how many pictures,
    and the release of the file); branches when the picture is there."""
    branch, words = m.screen.picture_data(number)
    if words is not None:
        write_words(m, array, words, "picture_data")
    return m.branch_on(ins, branch)


def op_erase_picture(m: Machine, ins: Instruction, number: int, y: int = 0,
                     x: int = 0) -> int:
    m.screen.erase_picture(number, y, x)
    return ins.next


def op_picture_table(m: Machine, ins: Instruction, table: int) -> int:
    """§15 picture_table: a list of picture numbers ended by 0, about to be
    drawn (a hint: the frontend may get them ready)."""
    numbers = []
    for i in range(PICTURE_TABLE_LIMIT):
        number = read_word(m, table + 2 * i, "picture_table")
        if number == 0:
            break
        numbers.append(number)
    m.screen.picture_table(numbers)
    return ins.next


def op_read_mouse(m: Machine, ins: Instruction, array: int) -> int:
    """§15 read_mouse: y, x, the buttons held down, the menu word."""
    write_words(m, array, m.screen.read_mouse(), "read_mouse")
    return ins.next


def op_mouse_window(m: Machine, ins: Instruction, window: int) -> int:
    """§15 mouse_window: clicks count only inside this window (-1: all)."""
    m.screen.set_mouse_window(window)
    return ins.next


def op_make_menu(m: Machine, ins: Instruction, number: int, table: int) -> int:
    """§15 make_menu: zvm offers no menus (§10.4.1.1), so it never
    branches, whether asked to make a menu or to remove one."""
    return m.branch_on(ins, False)
