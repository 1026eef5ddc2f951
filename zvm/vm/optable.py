"""The opcode tables (§14), built once per version at load.

Each entry says how the instruction is laid out after its operands: does it
store a result, branch, carry inline text (§4.6-4.8), and how many operands
it may be given (§4.5, §15). ``table(version)`` returns a dict keyed by
(kind, number), kind one of "2OP", "1OP", "0OP", "VAR", "EXT"; an opcode
missing from a version's table is illegal there.
"""

from __future__ import annotations

from zvm.records import NamedTuple


class OpSpec(NamedTuple):
    """How an opcode's instruction is laid out after its operands;
    ``least``/``most``: the operand counts it may be given, which the
    decoder checks once per instruction (set by ``table``)."""

    name: str
    store: bool = False
    branch: bool = False
    text: bool = False
    least: int = 0
    most: int = 0


def _s(name: str) -> OpSpec:
    return OpSpec(name, store=True)


def _b(name: str) -> OpSpec:
    return OpSpec(name, branch=True)


def _p(name: str) -> OpSpec:
    return OpSpec(name)


# (kind, number, first version, last version, spec)
_TABLE = [
    ("2OP", 1, 1, 8, _b("je")), ("2OP", 2, 1, 8, _b("jl")), ("2OP", 3, 1, 8, _b("jg")),
    ("2OP", 4, 1, 8, _b("dec_chk")), ("2OP", 5, 1, 8, _b("inc_chk")),
    ("2OP", 6, 1, 8, _b("jin")), ("2OP", 7, 1, 8, _b("test")),
    ("2OP", 8, 1, 8, _s("or")), ("2OP", 9, 1, 8, _s("and")),
    ("2OP", 10, 1, 8, _b("test_attr")), ("2OP", 11, 1, 8, _p("set_attr")),
    ("2OP", 12, 1, 8, _p("clear_attr")), ("2OP", 13, 1, 8, _p("store")),
    ("2OP", 14, 1, 8, _p("insert_obj")), ("2OP", 15, 1, 8, _s("loadw")),
    ("2OP", 16, 1, 8, _s("loadb")), ("2OP", 17, 1, 8, _s("get_prop")),
    ("2OP", 18, 1, 8, _s("get_prop_addr")), ("2OP", 19, 1, 8, _s("get_next_prop")),
    ("2OP", 20, 1, 8, _s("add")), ("2OP", 21, 1, 8, _s("sub")),
    ("2OP", 22, 1, 8, _s("mul")), ("2OP", 23, 1, 8, _s("div")),
    ("2OP", 24, 1, 8, _s("mod")), ("2OP", 25, 4, 8, _s("call_2s")),
    ("2OP", 26, 5, 8, _p("call_2n")), ("2OP", 27, 5, 8, _p("set_colour")),
    ("2OP", 28, 5, 8, _p("throw")),

    ("1OP", 0, 1, 8, _b("jz")),
    ("1OP", 1, 1, 8, OpSpec("get_sibling", store=True, branch=True)),
    ("1OP", 2, 1, 8, OpSpec("get_child", store=True, branch=True)),
    ("1OP", 3, 1, 8, _s("get_parent")), ("1OP", 4, 1, 8, _s("get_prop_len")),
    ("1OP", 5, 1, 8, _p("inc")), ("1OP", 6, 1, 8, _p("dec")),
    ("1OP", 7, 1, 8, _p("print_addr")), ("1OP", 8, 4, 8, _s("call_1s")),
    ("1OP", 9, 1, 8, _p("remove_obj")), ("1OP", 10, 1, 8, _p("print_obj")),
    ("1OP", 11, 1, 8, _p("ret")), ("1OP", 12, 1, 8, _p("jump")),
    ("1OP", 13, 1, 8, _p("print_paddr")), ("1OP", 14, 1, 8, _s("load")),
    ("1OP", 15, 1, 4, _s("not")), ("1OP", 15, 5, 8, _p("call_1n")),

    ("0OP", 0, 1, 8, _p("rtrue")), ("0OP", 1, 1, 8, _p("rfalse")),
    ("0OP", 2, 1, 8, OpSpec("print", text=True)),
    ("0OP", 3, 1, 8, OpSpec("print_ret", text=True)),
    ("0OP", 4, 1, 8, _p("nop")),
    ("0OP", 5, 1, 3, _b("save")), ("0OP", 5, 4, 4, _s("save")),
    ("0OP", 6, 1, 3, _b("restore")), ("0OP", 6, 4, 4, _s("restore")),
    ("0OP", 7, 1, 8, _p("restart")), ("0OP", 8, 1, 8, _p("ret_popped")),
    ("0OP", 9, 1, 4, _p("pop")), ("0OP", 9, 5, 8, _s("catch")),
    ("0OP", 10, 1, 8, _p("quit")), ("0OP", 11, 1, 8, _p("new_line")),
    ("0OP", 12, 3, 3, _p("show_status")), ("0OP", 12, 4, 8, _p("nop")),
    ("0OP", 13, 3, 8, _b("verify")), ("0OP", 15, 5, 8, _b("piracy")),

    ("VAR", 0, 1, 3, _s("call")), ("VAR", 0, 4, 8, _s("call_vs")),
    ("VAR", 1, 1, 8, _p("storew")), ("VAR", 2, 1, 8, _p("storeb")),
    ("VAR", 3, 1, 8, _p("put_prop")),
    ("VAR", 4, 1, 4, _p("sread")), ("VAR", 4, 5, 8, _s("aread")),
    ("VAR", 5, 1, 8, _p("print_char")), ("VAR", 6, 1, 8, _p("print_num")),
    ("VAR", 7, 1, 8, _s("random")), ("VAR", 8, 1, 8, _p("push")),
    # In version 6 pull stores, and takes a user stack (§15 pull): its
    # operand is no variable, so it has a name of its own.
    ("VAR", 9, 1, 5, _p("pull")), ("VAR", 9, 6, 6, _s("pull_stack")),
    ("VAR", 9, 7, 8, _p("pull")),
    ("VAR", 10, 3, 8, _p("split_window")), ("VAR", 11, 3, 8, _p("set_window")),
    ("VAR", 12, 4, 8, _s("call_vs2")), ("VAR", 13, 4, 8, _p("erase_window")),
    ("VAR", 14, 4, 8, _p("erase_line")), ("VAR", 15, 4, 8, _p("set_cursor")),
    ("VAR", 16, 4, 8, _p("get_cursor")), ("VAR", 17, 4, 8, _p("set_text_style")),
    ("VAR", 18, 4, 8, _p("buffer_mode")), ("VAR", 19, 3, 8, _p("output_stream")),
    ("VAR", 20, 3, 8, _p("input_stream")), ("VAR", 21, 3, 8, _p("sound_effect")),
    ("VAR", 22, 4, 8, _s("read_char")),
    ("VAR", 23, 4, 8, OpSpec("scan_table", store=True, branch=True)),
    ("VAR", 24, 5, 8, _s("not")), ("VAR", 25, 5, 8, _p("call_vn")),
    ("VAR", 26, 5, 8, _p("call_vn2")), ("VAR", 27, 5, 8, _p("tokenise")),
    ("VAR", 28, 5, 8, _p("encode_text")), ("VAR", 29, 5, 8, _p("copy_table")),
    ("VAR", 30, 5, 8, _p("print_table")), ("VAR", 31, 5, 8, _b("check_arg_count")),

    ("EXT", 0, 5, 8, _s("save")), ("EXT", 1, 5, 8, _s("restore")),
    ("EXT", 2, 5, 8, _s("log_shift")), ("EXT", 3, 5, 8, _s("art_shift")),
    ("EXT", 4, 5, 8, _s("set_font")), ("EXT", 9, 5, 8, _s("save_undo")),
    ("EXT", 10, 5, 8, _s("restore_undo")), ("EXT", 11, 5, 8, _p("print_unicode")),
    ("EXT", 12, 5, 8, _s("check_unicode")), ("EXT", 13, 5, 8, _p("set_true_colour")),

    # Version 6 (§8.8, §15): pictures, windows, the mouse, menus, user stacks.
    ("EXT", 5, 6, 6, _p("draw_picture")), ("EXT", 6, 6, 6, _b("picture_data")),
    ("EXT", 7, 6, 6, _p("erase_picture")), ("EXT", 8, 6, 6, _p("set_margins")),
    ("EXT", 16, 6, 6, _p("move_window")), ("EXT", 17, 6, 6, _p("window_size")),
    ("EXT", 18, 6, 6, _p("window_style")), ("EXT", 19, 6, 6, _s("get_wind_prop")),
    ("EXT", 20, 6, 6, _p("scroll_window")), ("EXT", 21, 6, 6, _p("pop_stack")),
    ("EXT", 22, 6, 6, _p("read_mouse")), ("EXT", 23, 6, 6, _p("mouse_window")),
    ("EXT", 24, 6, 6, _b("push_stack")), ("EXT", 25, 6, 6, _p("put_wind_prop")),
    ("EXT", 26, 6, 6, _p("print_form")), ("EXT", 27, 6, 6, _b("make_menu")),
    ("EXT", 28, 6, 6, _p("picture_table")), ("EXT", 29, 6, 6, _s("buffer_screen")),
]


# Operand counts (§4.5: 0OP, 1OP and 2OP take 0, 1 and 2; §15 for the
# rest): (fewest, most) for each VAR and EXT opcode and for the 2OP ones that
# differ. An operand §15 calls optional lowers the fewest, as do those real
# stories leave out and dfrotz accepts (aread's parse in etude.z5, read_char's
# 1 in random.z5). Operands a later version adds (sread's time and routine in
# v4, sound_effect's routine in v5, the windows of version 6) are taken out
# in _EARLY and put in in _COUNTS_V6.
_COUNTS = {
    "je": (2, 4),                       # "je with just one operand is not permitted"
    "call": (1, 4), "call_vs": (1, 4), "call_vn": (1, 4),
    "call_vs2": (1, 8), "call_vn2": (1, 8),
    "storew": (3, 3), "storeb": (3, 3), "put_prop": (3, 3),
    "sread": (1, 4), "aread": (1, 4),   # parse too, as dfrotz and etude have it
    "print_char": (1, 1), "print_num": (1, 1), "random": (1, 1),
    "push": (1, 1), "pull": (1, 1), "not": (1, 1), "check_arg_count": (1, 1),
    "split_window": (1, 1), "set_window": (1, 1), "erase_window": (1, 1),
    "erase_line": (1, 1), "set_cursor": (2, 2), "get_cursor": (1, 1),
    "set_text_style": (1, 1), "buffer_mode": (1, 1),
    "output_stream": (1, 2), "input_stream": (1, 1),
    "sound_effect": (0, 4),             # none: "beep ... and in any case not to halt"
    "read_char": (0, 3),                # the 1 too, as dfrotz and random.z5 have it
    "scan_table": (3, 4), "tokenise": (2, 4), "encode_text": (4, 4),
    "copy_table": (3, 3), "print_table": (2, 4),
    "save": (0, 4), "restore": (0, 4),  # table bytes name prompt (Standard 1.1)
    "log_shift": (2, 2), "art_shift": (2, 2), "set_font": (1, 1),
    "save_undo": (0, 0), "restore_undo": (0, 0),
    "print_unicode": (1, 1), "check_unicode": (1, 1), "set_true_colour": (2, 2),
    # version 6 only
    "draw_picture": (1, 3), "picture_data": (2, 2), "erase_picture": (1, 3),
    "set_margins": (2, 3), "move_window": (3, 3), "window_size": (3, 3),
    "window_style": (2, 3), "get_wind_prop": (2, 2), "scroll_window": (2, 2),
    "pop_stack": (1, 2), "read_mouse": (1, 1), "mouse_window": (1, 1),
    "push_stack": (1, 2), "put_wind_prop": (3, 3), "print_form": (1, 1),
    "make_menu": (2, 2), "picture_table": (1, 1), "buffer_screen": (1, 1),
}
_COUNTS_V6 = {
    "set_colour": (2, 3), "set_true_colour": (2, 3), "set_cursor": (1, 3),
    "output_stream": (1, 3), "pull_stack": (0, 1), "set_font": (1, 2),
}
_EARLY = {"sread": (3, (1, 2)), "sound_effect": (4, (0, 3))}  # up to version: counts
_FIXED = {"0OP": (0, 0), "1OP": (1, 1), "2OP": (2, 2)}


def _counts(kind: str, name: str, version: int) -> tuple[int, int]:
    if kind in ("0OP", "1OP"):
        return _FIXED[kind]
    if version == 6 and name in _COUNTS_V6:
        return _COUNTS_V6[name]
    if name in _EARLY and version <= _EARLY[name][0]:
        return _EARLY[name][1]
    if kind == "2OP":
        return _COUNTS.get(name, _FIXED[kind])
    if name not in _COUNTS:
        raise LookupError(f"optable: no operand count for {kind} {name} (§15)")
    return _COUNTS[name]


def table(version: int) -> dict[tuple[str, int], OpSpec]:
    """The opcodes of one version (§14), with their operand counts."""
    ops = {}
    for kind, num, lo, hi, spec in _TABLE:
        if lo <= version <= hi:
            least, most = _counts(kind, spec.name, version)
            ops[(kind, num)] = spec._replace(least=least, most=most)
    return ops


def known_name(kind: str, number: int) -> str | None:
    """The opcode's name in whichever versions have it, for error messages."""
    for k, num, lo, hi, spec in _TABLE:
        if k == kind and num == number:
            return (f"{spec.name} (versions {lo}-{hi})" if lo != hi
                    else f"{spec.name} (version {lo})")
    return None
