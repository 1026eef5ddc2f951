"""What the hot opcodes do, written as Python source (§14, §15).

A template is a function that writes the statements of one instruction
through an ``Emitter``. Both tiers of the compiler use the same
templates: ``zvm.compile.shapes`` turns one instruction into one small
function (cold code), ``zvm.compile.units`` strings many together into a
larger one, with branches and loops as Python control flow (hot code).
The emitter decides what a constant, a variable access, a branch or the
way to the next instruction looks like in its tier.

Generated code sees these names: ``m`` the machine, and after the
emitter's prologue ``mem`` (memory, §1), ``L`` (the routine's locals),
``S`` (its evaluation stack), ``O`` (the object table, §12) and ``ST``
(the output streams, §7). Opcodes without a template run their function
in ``zvm.vm.ops``.
"""

from __future__ import annotations

from zvm.records import TYPE_CHECKING
from zvm.vm.decoder import VARIABLE, Instruction

if TYPE_CHECKING:
    from typing import Any, Callable
    Template = Callable[["Emitter"], None]

SIGNED = "({0} - (({0} & 0x8000) << 1))"


def signed(expr: str) -> str:
    """A 16-bit value as a signed number (§2.2); a literal is folded."""
    if expr.isdigit():
        v = int(expr)
        return str(v - ((v & 0x8000) << 1))
    return SIGNED.format(expr)


def flipped(expr: str) -> str:
    """expr ^ 0x8000: unsigned numbers that compare as the signed ones do."""
    if expr.isdigit():
        return str(int(expr) ^ 0x8000)
    return f"({expr} ^ 0x8000)"


class Emitter:
    """What templates call; each tier provides one."""

    ins: Instruction
    layout: Any
    # Whether a local is a Python variable of its own (a unit's l1 ...),
    # which a template may update in place.
    locals_named = False

    def const(self, value: int | str) -> str:
        raise NotImplementedError

    def line(self, text: str) -> None:
        raise NotImplementedError

    def use(self, name: str) -> str:
        """Name one of mem, L, S, O, ST, making sure it is loaded."""
        raise NotImplementedError

    def global_addr(self, var: int) -> int:
        raise NotImplementedError

    def cont(self) -> None:
        """Go on to the next instruction."""
        raise NotImplementedError

    def branch(self, cond: str) -> None:
        """Branch (§4.7) when cond is the instruction's branch sense."""
        raise NotImplementedError

    def goto(self, target: int) -> None:
        """Jump to a known address (§15 jump)."""
        raise NotImplementedError

    def next_address(self) -> str:
        """The address of the next instruction, as a constant (where a call
        returns to, what a jump is relative to)."""
        return self.const(self.ins.next)

    def leave(self, expr: str) -> None:
        """Leave this code: the run loop goes on at the address expr."""
        raise NotImplementedError

    def sync(self) -> None:
        """Make the machine's own stack and locals up to date before code
        that reads them behind the emitter's back (indirect variable
        references, opcode functions)."""

    def reload(self, var: int | None = None) -> None:
        """Code behind the emitter's back may have written the locals."""

    def ret(self, value: str) -> None:
        """Return value from the routine (§6.4.4): leave for the caller."""
        self.leave(f"m.ret({value})")

    def call(self, routine: str, args: list[str], store: int) -> None:
        """A call (§6.4): leave for the routine's first instruction."""
        arglist = "(" + "".join(f"{x}, " for x in args) + ")"
        self.leave(f"m.call({routine}, {arglist}, {self.const(store)}, "
                   f"{self.next_address()})")

    # -- variables (§4.2.2, §6.2, §6.3) -----------------------------------------
    def read_var(self, var: int) -> str:
        """An expression reading variable var as an operand (pops the stack)."""
        if var == 0:
            return f"{self.use('S')}.pop()"
        if var < 16:
            return f"{self.use('L')}[{var - 1}]"
        a = self.const(self.global_addr(var))
        mem = self.use("mem")
        return f"(({mem}[{a}] << 8) | {mem}[{a} + 1])"

    def peek_var(self, var: int) -> str:
        """Read var in place: the stack's top is read, not popped (§6.3.4)."""
        return f"{self.use('S')}[-1]" if var == 0 else self.read_var(var)

    def write_var(self, var: int, expr: str, in_place: bool = False) -> None:
        """Store expr (a name) into var; in_place replaces the stack's top."""
        if var == 0:
            s = self.use("S")
            self.line(f"{s}[-1] = {expr}" if in_place else f"{s}.append({expr})")
        elif var < 16:
            self.line(f"{self.use('L')}[{var - 1}] = {expr}")
        else:
            a = self.const(self.global_addr(var))
            mem = self.use("mem")
            self.line(f"{mem}[{a}] = {expr} >> 8")
            self.line(f"{mem}[{a} + 1] = {expr} & 255")

    def operands(self, start: int = 0) -> list[str]:
        """The operands from start, evaluated in order (§4.4): stack pops
        and globals go into temporaries a, b, c ...; locals and constants
        are used as they are."""
        out = []
        operands = self.ins.operands
        for i in range(start, len(operands)):
            t, v = operands[i]
            if t != VARIABLE:
                out.append(self.const(v))
            elif 0 < v < 16:
                out.append(self.read_var(v))
            else:
                value = self.read_var(v)
                if value.isidentifier():          # a value already in a variable
                    out.append(value)
                    continue
                name = "abcdefgh"[i]
                self.line(f"{name} = {value}")
                out.append(name)
        return out

    def store(self, expr: str) -> None:
        """Store expr in the result variable (§4.6) and go on."""
        var = self.ins.store
        if TYPE_CHECKING:                   # an instruction that stores
            assert var is not None
        if var >= 16:
            self.line(f"r = {expr}")
            expr = "r"
        self.write_var(var, expr)
        self.cont()




# -- the templates -------------------------------------------------------------
def t_arith(expr: str) -> Template:
    def t(e: Emitter) -> None:
        ops = e.operands()
        e.store(expr.format(*ops))
    return t


def t_div(e: Emitter, mod: bool = False) -> None:
    a, b = e.operands()
    e.line(f"if {b} == 0:")
    e.line("    m.fatal('division by zero')")
    e.line(f"sa = {signed(a)}")
    e.line(f"sb = {signed(b)}")
    e.line("q = int(sa / sb)")
    e.store("(sa - sb * q) & 0xFFFF" if mod else "q & 0xFFFF")


def t_cond(expr: str) -> Template:
    def t(e: Emitter) -> None:
        ops = e.operands()
        e.branch(expr.format(*ops))
    return t


def t_compare(op: str) -> Template:
    """jl, jg: signed comparison (§15)."""
    def t(e: Emitter) -> None:
        a, b = e.operands()
        e.branch(f"{flipped(a)} {op} {flipped(b)}")
    return t


def t_je(e: Emitter) -> None:
    ops = e.operands()
    if len(ops) < 2:
        e.branch("False")
    elif len(ops) == 2:
        e.branch(f"{ops[0]} == {ops[1]}")
    else:
        if ops[0] not in "abcdefgh":
            e.line(f"a = {ops[0]}")
        e.branch(" or ".join(f"a == {x}" for x in ops[1:]))


def _varref(e: Emitter) -> tuple[int | None, str | None]:
    """Operand 0 of inc/dec/load/store/pull names a variable (§6.3.4):
    (var, None) when it is a constant, else (None, name of its value)
    (``w``: ``n`` is a unit's count of instructions run in its loops)."""
    t, v = e.ins.operands[0]
    if t != VARIABLE:
        return v & 255, None
    e.line(f"w = {e.read_var(v)}")
    return None, "w"


def _read_ref(e: Emitter, var: int | None, ref: str | None) -> str:
    if ref is None:
        return e.peek_var(var)                                        # type: ignore[arg-type]
    e.sync()
    return f"m.read_ind({ref})"


def _write_ref(e: Emitter, var: int | None, ref: str | None, expr: str) -> None:
    if ref is None:
        e.write_var(var, expr, in_place=True)                         # type: ignore[arg-type]
    else:
        e.sync()
        e.line(f"m.write_ind({ref}, {expr})")
        e.reload()


def t_incdec(delta: str, check: bool = False) -> Template:
    def t(e: Emitter) -> None:
        var, ref = _varref(e)
        b = e.operands(1)[0] if check else ""
        if check:
            kind, number = e.ins.operands[1]
            if kind == VARIABLE and number and (ref is not None or number == var):
                # The operand was read before the change (§4.4): @dec_chk x x
                # compares x's new value with its old one.
                e.line(f"y = {b}")
                b = "y"
        if ref is None and var is not None and 0 < var < 16 and e.locals_named:
            now = e.read_var(var)
            e.write_var(var, f"({now} {delta}) & 0xFFFF")
            x = e.read_var(var)
        else:
            e.line(f"x = ({_read_ref(e, var, ref)} {delta}) & 0xFFFF")
            _write_ref(e, var, ref, "x")
            x = "x"
        if check:
            op = ">" if delta == "+ 1" else "<"
            e.branch(f"({x} ^ 0x8000) {op} {flipped(b)}")
        else:
            e.cont()
    return t


def t_load(e: Emitter) -> None:
    var, ref = _varref(e)
    e.line(f"r = {_read_ref(e, var, ref)}")
    e.store("r")


def t_store(e: Emitter) -> None:
    """§15 store: a value that is a name or a number is stored as it is,
    anything else once evaluated (the writes of a global read it twice)."""
    var, ref = _varref(e)
    b = e.operands(1)[0]
    if not (b.isidentifier() or b.isdigit()):
        e.line(f"b = {b}")
        b = "b"
    _write_ref(e, var, ref, b)
    e.cont()


def t_pull(e: Emitter) -> None:
    var, ref = _varref(e)
    e.line(f"x = {e.read_var(0)}")
    _write_ref(e, var, ref, "x")
    e.cont()


def t_stmt(*stmts: str) -> Template:
    def t(e: Emitter) -> None:
        ops = e.operands()
        for s in stmts:
            e.line(s.format(*ops, mem=e.use("mem") if "{mem}" in s else "",
                            O=e.use("O") if "{O}" in s else "",
                            S=e.use("S") if "{S}" in s else "",
                            ST=e.use("ST") if "{ST}" in s else ""))
        e.cont()
    return t


def t_objstore(expr: str) -> Template:
    """An object-table result (§12): O.f(...) stored."""
    def t(e: Emitter) -> None:
        ops = e.operands()
        e.store(expr.format(*ops, O=e.use("O")))
    return t


def _entry(e: Emitter, obj: str, offset: int | str) -> str:
    """The address of byte offset (a number, or an expression) of obj's entry."""
    lay = e.layout
    if isinstance(offset, str):
        return f"{e.const(lay.object_base)} + {obj} * {e.const(lay.entry_size)} + {offset}"
    return f"{e.const(lay.object_base + offset)} + {obj} * {e.const(lay.entry_size)}"


def _link(e: Emitter, obj: str, which: int) -> str:
    """obj's parent (0), sibling (1) or child (2), for obj not 0 (§12.3.1-2)."""
    mem = e.use("mem")
    if e.layout.version <= 3:
        return f"{mem}[{_entry(e, obj, 4 + which)}]"
    e.line(f"t = {_entry(e, obj, 6 + 2 * which)}")
    return f"(({mem}[t] << 8) | {mem}[t + 1])"


def t_get_link(which: int, method: str) -> Template:
    """get_parent, get_sibling, get_child (§15)."""
    def t(e: Emitter) -> None:
        a, = e.operands()
        objects = e.use("O")
        link = _link(e, a, which)
        e.line(f"if {a}:")
        e.line(f"    r = {link}")
        e.line("else:")
        e.line(f"    r = {objects}.{method}({a})")
        if e.ins.branch is None:
            e.store("r")
        else:
            if TYPE_CHECKING:               # get_sibling, get_child store and branch
                assert e.ins.store is not None
            e.write_var(e.ins.store, "r")
            e.branch("r")
    return t


def t_jin(e: Emitter) -> None:
    a, b = e.operands()
    link = _link(e, a, 0)
    e.line(f"if {a}:")
    e.line(f"    r = {link}")
    e.line("else:")
    e.line(f"    r = {e.use('O')}.parent({a})")
    e.branch(f"r == {b}")


def t_test_attr(e: Emitter) -> None:
    a, b = e.operands()
    objects, mem = e.use("O"), e.use("mem")
    kind, attr = e.ins.operands[1]
    if kind != VARIABLE:                        # a constant: its byte and bit are known
        if attr > e.layout.max_attr:
            e.branch(f"{objects}.test_attr({a}, {b})")
            return
        cell = f"{mem}[{_entry(e, a, attr >> 3)}] & {e.const(0x80 >> (attr & 7))}"
        e.branch(f"({cell} if {a} else {objects}.test_attr({a}, {b}))")
        return
    cell = f"{mem}[{_entry(e, a, f'({b} >> 3)')}] & (128 >> ({b} & 7))"   # a variable's
    e.branch(f"({cell} if {a} and {b} <= {e.const(e.layout.max_attr)} "
             f"else {objects}.test_attr({a}, {b}))")


def t_set_attr(value: bool) -> Template:
    """set_attr, clear_attr (§15): a constant attribute's byte and bit are
    known, so the bit is set or cleared in place."""
    def t(e: Emitter) -> None:
        a, b = e.operands()
        objects = e.use("O")
        method = "set_attr" if value else "clear_attr"
        kind, attr = e.ins.operands[1]
        if kind == VARIABLE or attr > e.layout.max_attr:
            e.line(f"{objects}.{method}({a}, {b})")
            e.cont()
            return
        mem, mask = e.use("mem"), 0x80 >> (attr & 7)
        change = f"| {e.const(mask)}" if value else f"& {e.const(~mask & 255)}"
        e.line(f"if {a}:")
        e.line(f"    t = {_entry(e, a, attr >> 3)}")
        e.line(f"    {mem}[t] = {mem}[t] {change}")
        e.line("else:")
        e.line(f"    {objects}.{method}({a}, {b})")
        e.cont()
    return t


def _address(a: str, b: str, scale: str = "") -> str:
    """An array's entry (§15 loadw, loadb, storew, storeb): a + scale*b as
    16 bits; entry 0 is a itself (every value is already 16 bits)."""
    return a if b == "0" else f"({a} + {scale}{b}) & 0xFFFF"


def t_loadw(e: Emitter) -> None:
    a, b = e.operands()
    mem = e.use("mem")
    e.line(f"ad = {_address(a, b, '2 * ')}")
    e.store(f"({mem}[ad] << 8) | {mem}[ad + 1]")


def t_loadb(e: Emitter) -> None:
    a, b = e.operands()
    e.store(f"{e.use('mem')}[{_address(a, b)}]")


def t_storew(e: Emitter) -> None:
    a, b, c = e.operands()
    mem = e.use("mem")
    e.line(f"ad = {_address(a, b, '2 * ')}")
    # (both bytes in dynamic memory above the header, §1.1; a word that
    # reaches static memory is the machine's to refuse, as dfrotz does)
    e.line(f"if 64 <= ad < {e.const('DYN')} - 1:")
    e.line(f"    {mem}[ad] = {c} >> 8")
    e.line(f"    {mem}[ad + 1] = {c} & 255")
    e.line("else:")
    e.line(f"    m.write_special(ad, {c}, 2)")
    e.cont()


def t_storeb(e: Emitter) -> None:
    a, b, c = e.operands()
    mem = e.use("mem")
    e.line(f"ad = {_address(a, b)}")
    e.line(f"if 64 <= ad < {e.const('DYN')}:")
    e.line(f"    {mem}[ad] = {c} & 255")
    e.line("else:")
    e.line(f"    m.write_special(ad, {c}, 1)")
    e.cont()


def t_call(store: bool) -> Template:
    def t(e: Emitter) -> None:
        ops = e.operands()
        var = e.ins.store if store else -1
        if TYPE_CHECKING:                   # the call_*s opcodes store
            assert var is not None
        e.call(ops[0], ops[1:], var)
    return t


def t_jump(e: Emitter) -> None:
    target = e.ins.jump_target()
    if target is not None:
        e.goto(target)
        return
    a, = e.operands()
    e.leave(f"m.jump_to({e.next_address()} + {signed(a)} - 2)")


def t_ret(expr: str) -> Template:
    def t(e: Emitter) -> None:
        ops = e.operands()
        e.ret(expr.format(*ops))
    return t


def t_ret_popped(e: Emitter) -> None:
    """§15 ret_popped; on an empty stack the function in zvm.vm.ops.control
    decides (Seastalker needs Frotz's answer)."""
    top = e.read_var(0)
    if top.isidentifier():                      # a value the emitter holds
        e.ret(top)
        return
    s = e.use("S")
    e.leave(f"(m.ret({s}.pop()) if {s} else ret_popped(m, None))")


def t_push(e: Emitter) -> None:
    e.write_var(0, e.operands()[0])
    e.cont()


def t_pop(e: Emitter) -> None:
    e.line(e.read_var(0))
    e.cont()


def t_print(e: Emitter) -> None:
    if TYPE_CHECKING:                       # print carries its text
        assert e.ins.text is not None
    e.line(f"{e.use('ST')}.out({e.const(e.ins.text)})")
    e.cont()


def t_print_ret(e: Emitter) -> None:
    if TYPE_CHECKING:
        assert e.ins.text is not None
    e.line(f"{e.use('ST')}.out({e.const(e.ins.text + chr(10))})")
    e.ret("1")


def t_log_shift(e: Emitter) -> None:
    a, b = e.operands()
    e.line(f"sb = {signed(b)}")
    e.store(f"(({a} << sb) & 0xFFFF) if sb >= 0 else ({a} >> -sb)")


def t_art_shift(e: Emitter) -> None:
    a, b = e.operands()
    e.line(f"sb = {signed(b)}")
    e.store(f"(({a} << sb) if sb >= 0 else ({signed(a)} >> -sb)) & 0xFFFF")


TEMPLATES: dict[str, Template] = {
    "add": t_arith("({} + {}) & 0xFFFF"),
    "sub": t_arith("({} - {}) & 0xFFFF"),
    "mul": t_arith("({} * {}) & 0xFFFF"),
    "div": t_div,
    "mod": lambda e: t_div(e, mod=True),
    "or": t_arith("{} | {}"),
    "and": t_arith("{} & {}"),
    "not": t_arith("{} ^ 0xFFFF"),
    "je": t_je,
    "jl": t_compare("<"),
    "jg": t_compare(">"),
    "jz": t_cond("{} == 0"),
    "test": t_cond("({0} & {1}) == {1}"),
    "jin": t_jin,
    "test_attr": t_test_attr,
    "set_attr": t_set_attr(True),
    "clear_attr": t_set_attr(False),
    "insert_obj": t_stmt("{O}.insert({}, {})"),
    "remove_obj": t_stmt("{O}.remove({})"),
    "get_parent": t_get_link(0, "parent"),
    "get_sibling": t_get_link(1, "sibling"),
    "get_child": t_get_link(2, "child"),
    "get_prop": t_objstore("{O}.get_prop({}, {})"),
    "get_prop_addr": t_objstore("{O}.get_prop_addr({}, {})"),
    "get_next_prop": t_objstore("{O}.get_next_prop({}, {})"),
    "get_prop_len": t_objstore("{O}.get_prop_len({})"),
    "put_prop": t_stmt("{O}.put_prop({}, {}, {})"),
    "inc": t_incdec("+ 1"),
    "dec": t_incdec("- 1"),
    "inc_chk": t_incdec("+ 1", check=True),
    "dec_chk": t_incdec("- 1", check=True),
    "load": t_load,
    "store": t_store,
    "pull": t_pull,
    "push": t_push,
    "pop": t_pop,
    "loadw": t_loadw,
    "loadb": t_loadb,
    "storew": t_storew,
    "storeb": t_storeb,
    "call": t_call(True), "call_vs": t_call(True), "call_vs2": t_call(True),
    "call_1s": t_call(True), "call_2s": t_call(True),
    "call_1n": t_call(False), "call_2n": t_call(False),
    "call_vn": t_call(False), "call_vn2": t_call(False),
    "ret": t_ret("{}"),
    "rtrue": t_ret("1"),
    "rfalse": t_ret("0"),
    "ret_popped": t_ret_popped,
    "jump": t_jump,
    "print": t_print,
    "print_ret": t_print_ret,
    "new_line": t_stmt("{ST}.out('\\n')"),
    "print_num": t_stmt("{ST}.out(str(" + signed("{0}") + "))"),
    "print_char": t_stmt("{ST}.print_zscii({})"),
    "print_addr": t_stmt("print_addr(m, {})"),
    "print_paddr": t_stmt("print_paddr(m, {})"),
    "print_obj": t_stmt("print_obj(m, {})"),
    "random": t_arith("m.rng.random(" + signed("{0}") + ") & 0xFFFF"),
    "nop": t_stmt(),
    "check_arg_count": t_cond("{} <= m.argc"),
    "catch": lambda e: e.store("len(m.frames)"),
    "piracy": t_cond("True"),
    "verify": t_cond("m.verify()"),
    "log_shift": t_log_shift,
    "art_shift": t_art_shift,
}

# Opcodes after which the machine may be somewhere else entirely: their
# implementation returns where to go on (a restored state, another frame)
# or stops the run (input, quit, restart). Compiled code leaves before
# them, so the run loop knows the PC exactly when they run.
STOPS = frozenset({
    "sread", "aread", "read_char", "save", "restore", "save_undo", "restore_undo",
    "quit", "restart", "throw",
})
