"""Text and the output streams (§3, §7, §15): print_addr, print_paddr,
print_obj, print_unicode, check_unicode, print_table, output_stream,
input_stream. The output streams themselves are ``zvm.vm.streams``."""

from __future__ import annotations

from zvm.records import TYPE_CHECKING
from zvm.vm.ops.control import signed
from zvm.vm.ops.windows import print_table_v6

if TYPE_CHECKING:
    from zvm.screen.model import Screen
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine
    from zvm.vm.ops.windows import Machine6


def print_addr(m: Machine, addr: int) -> None:
    """print_addr: the string at a byte address (§3)."""
    m.streams.out(m.codec.decode(addr)[0])


def print_paddr(m: Machine, packed: int) -> None:
    """print_paddr: the string at a packed address (§1.2.3, §3)."""
    m.streams.out(m.codec.decode(m.header.string_address(packed))[0])


def print_obj(m: Machine, obj: int) -> None:
    """print_obj: an object's short name (§12.4)."""
    if obj == 0:
        m.warn("print_obj of object 0")
        return
    m.streams.out(object_name(m, obj))


def object_name(m: Machine, obj: int) -> str:
    """The short name (§12.4): none when its length byte is 0."""
    if obj == 0 or not m.objects.has_name(obj):
        return ""
    return m.codec.decode(m.objects.name_address(obj))[0]


def op_print_unicode(m: Machine, ins: Instruction, code: int) -> int:
    m.streams.print_unicode(code)
    return ins.next


def op_check_unicode(m: Machine, ins: Instruction, code: int) -> int:
    """§15 check_unicode: bit 0 can print, bit 1 can read."""
    if 32 <= code <= 126 or 160 <= code <= 0xFFFF and not 0xD800 <= code <= 0xDFFF:
        return m.store_result(ins, 3)
    return m.store_result(ins, 0)


def op_print_table(m: Machine, ins: Instruction, table: int, width: int, height: int = 1,
                   skip: int = 0) -> int:
    """§15 print_table: rows of width characters; in the upper window
    each row starts below the previous one at the same column."""
    screen = m.screen
    screen.word_break()
    if m.version == 6:
        if TYPE_CHECKING:
            assert isinstance(m, Machine6)
        print_table_v6(m, table, width, height, skip)
        return ins.next
    if TYPE_CHECKING:
        assert isinstance(screen, Screen)
    mem = m.mem
    out = m.streams.out
    zscii = m.codec.zscii_to_unicode
    column = screen.cursor[1]
    for row in range(height):
        a = table + row * (width + skip)
        if row:
            if screen.window == 1 and not m.streams.memory:
                screen.cursor = [screen.cursor[0] + 1, column]
            else:
                out("\n")
        out("".join(zscii(mem[a + i]) for i in range(width)))
    return ins.next


def op_output_stream(m: Machine, ins: Instruction, number: int, table: int = 0,
                     width: int | None = None) -> int:
    """§7.1.2, §15 output_stream: select (positive) or deselect (negative)
    a stream; 0 does nothing. Version 6 may give stream 3 a width: the
    text is then formatted (see ``zvm.vm.streams``)."""
    m.screen.word_break()
    n = signed(number)
    if n:
        m.streams.select(n, table, width)
    return ins.next


def op_input_stream(m: Machine, ins: Instruction, number: int) -> int:
    """§10.2: stream 1 (a file of commands) is offered by the frontend's
    replay; the story's choice needs no more than a word break."""
    m.screen.word_break()
    return ins.next
