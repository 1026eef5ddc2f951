"""Instruction -> Python closure, the machine's fast path.

Each decoded instruction becomes one closure that evaluates its operands,
does its work, stores or branches, and returns the address of the next
instruction to run. Closures come from factories generated as Python source
once per *shape* (opcode, operand kinds, store and branch kinds), compiled
with ``exec`` and cached; the instruction's own numbers (constants,
variable addresses, branch targets) are the factory's arguments. So Zork I's
thousands of instructions need only a few hundred compiled shapes, and
running an instruction costs one Python call with no decoding or dispatch.

The hot opcodes have inline templates here; the rest call ``op_<name>``
methods of the machine with the Instruction (``zvm.vm.machine``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from zvm.errors import Unimplemented
from zvm.vm.decoder import VARIABLE, Instruction
from zvm.vm.ops import IMPLEMENTATIONS
from zvm.vm.ops.output import print_addr, print_obj, print_paddr

if TYPE_CHECKING:
    from zvm.vm.machine import Machine

NAMES = "abcdefgh"


class _Gen:
    """Source lines and factory arguments for one instruction."""

    def __init__(self, ins: Instruction, globals_addr: int, mem_size: int):
        self.ins = ins
        self.lines: list[str] = []
        self.params: list = []
        self.globals_addr = globals_addr
        self.mem_size = mem_size

    def param(self, value) -> str:
        self.params.append(value)
        return f"p{len(self.params) - 1}"

    def emit(self, line: str) -> None:
        self.lines.append(line)

    # -- variables (§4.2.2, §6.3) -----------------------------------------
    def global_addr(self, var: int) -> int:
        return self.globals_addr + 2 * (var - 16)

    def read_var(self, var: int) -> str:
        """An expression reading variable var as an operand (pops the stack)."""
        if var == 0:
            return "m.stack.pop()"
        if var < 16:
            return f"m.locals[{self.param(var - 1)}]"
        p = self.param(self.global_addr(var))
        return f"((mem[{p}] << 8) | mem[{p} + 1])"

    def peek_var(self, var: int) -> str:
        """Read var in place: the stack's top is read, not popped (§6.3.4)."""
        return "m.stack[-1]" if var == 0 else self.read_var(var)

    def write_var(self, var: int, expr: str, in_place: bool = False) -> None:
        """Store expr (a name) into var; in_place replaces the stack's top."""
        if var == 0:
            self.emit(f"m.stack[-1] = {expr}" if in_place else f"m.stack.append({expr})")
        elif var < 16:
            self.emit(f"m.locals[{self.param(var - 1)}] = {expr}")
        else:
            p = self.param(self.global_addr(var))
            self.emit(f"mem[{p}] = {expr} >> 8")
            self.emit(f"mem[{p} + 1] = {expr} & 255")

    def operands(self, start: int = 0) -> list[str]:
        """Evaluate operands from start, in order, into a, b, c ..."""
        names = []
        for i, (t, v) in enumerate(self.ins.operands):
            if i < start:
                continue
            n = NAMES[i]
            self.emit(f"{n} = {self.read_var(v) if t == VARIABLE else self.param(v)}")
            names.append(n)
        return names

    # -- endings ---------------------------------------------------------
    def next(self) -> str:
        return self.param(self.ins.next)

    def target_code(self) -> str:
        on_true, off = self.ins.branch
        if off in (0, 1):
            return f"return m.ret({off})"
        t = self.ins.next + off - 2
        if 0 <= t < self.mem_size:
            return f"return {self.param(t)}"
        return f"return m.bad_jump({self.param(t)})"

    def branch(self, cond: str) -> None:
        on_true = self.ins.branch[0]
        self.emit(f"if {cond}:" if on_true else f"if not ({cond}):")
        self.emit("    " + self.target_code())
        self.emit(f"return {self.next()}")

    def store(self) -> None:
        self.write_var(self.ins.store, "r")

    def store_next(self) -> None:
        self.store()
        self.emit(f"return {self.next()}")


SIGNED = "({0} - (({0} & 0x8000) << 1))"


def _signed(name: str) -> str:
    return SIGNED.format(name)


# -- templates: each emits lines; the result says how the instruction ends --
def t_arith(expr):
    def t(g):
        g.operands()
        g.emit(f"r = {expr}")
        g.store_next()
    return t


def t_div(g, mod=False):
    g.operands()
    g.emit("if b == 0:")
    g.emit("    m.fatal('division by zero')")
    g.emit(f"sa = {_signed('a')}")
    g.emit(f"sb = {_signed('b')}")
    g.emit("q = int(sa / sb)")
    g.emit("r = (sa - sb * q) & 0xFFFF" if mod else "r = q & 0xFFFF")
    g.store_next()


def t_cond(expr):
    def t(g):
        g.operands()
        g.branch(expr)
    return t


def t_je(g):
    names = g.operands()
    if len(names) < 2:
        g.branch("False")
    else:
        g.branch(" or ".join(f"a == {n}" for n in names[1:]))


def _varref(g) -> tuple[int | None, str | None]:
    """Operand 0 of inc/dec/load/store/pull names a variable (§6.3.4):
    (var, None) when it is a constant, else (None, name of its value)."""
    t, v = g.ins.operands[0]
    if t != VARIABLE:
        return v & 255, None
    g.emit(f"n = {g.read_var(v)}")
    return None, "n"


def _read_ref(g, var, ref) -> str:
    return g.peek_var(var) if ref is None else f"m.read_ind({ref})"


def _write_ref(g, var, ref, expr) -> None:
    if ref is None:
        g.write_var(var, expr, in_place=True)
    else:
        g.emit(f"m.write_ind({ref}, {expr})")


def t_incdec(delta, check=False):
    def t(g):
        var, ref = _varref(g)
        if check:
            g.operands(1)
        g.emit(f"x = ({_read_ref(g, var, ref)} {delta}) & 0xFFFF")
        _write_ref(g, var, ref, "x")
        if check:
            op = ">" if delta == "+ 1" else "<"
            g.branch(f"(x ^ 0x8000) {op} (b ^ 0x8000)")
        else:
            g.emit(f"return {g.next()}")
    return t


def t_load(g):
    var, ref = _varref(g)
    g.emit(f"r = {_read_ref(g, var, ref)}")
    g.store_next()


def t_store(g):
    var, ref = _varref(g)
    g.operands(1)
    _write_ref(g, var, ref, "b")
    g.emit(f"return {g.next()}")


def t_pull(g):
    var, ref = _varref(g)
    g.emit("x = m.stack.pop()")
    _write_ref(g, var, ref, "x")
    g.emit(f"return {g.next()}")


def t_stmt(*stmts):
    def t(g):
        g.operands()
        for s in stmts:
            g.emit(s)
        g.emit(f"return {g.next()}")
    return t


def t_store_branch(expr):
    def t(g):
        g.operands()
        g.emit(f"r = {expr}")
        g.store()
        g.branch("r")
    return t


def t_loadw(g):
    g.operands()
    g.emit("ad = (a + 2 * b) & 0xFFFF")
    g.emit("r = (mem[ad] << 8) | mem[ad + 1]")
    g.store_next()


def t_loadb(g):
    g.operands()
    g.emit("r = mem[(a + b) & 0xFFFF]")
    g.store_next()


def t_storew(g):
    g.operands()
    g.emit("ad = (a + 2 * b) & 0xFFFF")
    g.emit("if 64 <= ad < DYN:")
    g.emit("    mem[ad] = c >> 8")
    g.emit("    mem[ad + 1] = c & 255")
    g.emit("else:")
    g.emit("    m.write_special(ad, c, 2)")
    g.emit(f"return {g.next()}")


def t_storeb(g):
    g.operands()
    g.emit("ad = (a + b) & 0xFFFF")
    g.emit("if 64 <= ad < DYN:")
    g.emit("    mem[ad] = c & 255")
    g.emit("else:")
    g.emit("    m.write_special(ad, c, 1)")
    g.emit(f"return {g.next()}")


def t_call(store: bool):
    def t(g):
        names = g.operands()
        args = "(" + "".join(f"{n}, " for n in names[1:]) + ")"
        sv = g.ins.store if store else -1
        g.emit(f"return m.call(a, {args}, {g.param(sv)}, {g.next()})")
    return t


def t_jump(g):
    t, v = g.ins.operands[0]
    if t != VARIABLE:
        target = g.ins.next + (v - ((v & 0x8000) << 1)) - 2
        if 0 <= target < g.mem_size:
            g.emit(f"return {g.param(target)}")
        else:
            g.emit(f"return m.bad_jump({g.param(target)})")
        return
    g.operands()
    g.emit(f"return m.jump_to({g.next()} + {_signed('a')} - 2)")


def t_ret(expr):
    def t(g):
        g.operands()
        g.emit(f"return m.ret({expr})")
    return t


def t_print(g):
    g.emit(f"S.out({g.param(g.ins.text)})")
    g.emit(f"return {g.next()}")


def t_print_ret(g):
    g.emit(f"S.out({g.param(g.ins.text + chr(10))})")
    g.emit("return m.ret(1)")


def t_log_shift(g):
    g.operands()
    g.emit(f"sb = {_signed('b')}")
    g.emit("r = ((a << sb) & 0xFFFF) if sb >= 0 else (a >> -sb)")
    g.store_next()


def t_art_shift(g):
    g.operands()
    g.emit(f"sb = {_signed('b')}")
    g.emit(f"r = ((a << sb) if sb >= 0 else ({_signed('a')} >> -sb)) & 0xFFFF")
    g.store_next()


TEMPLATES = {
    "add": t_arith("(a + b) & 0xFFFF"),
    "sub": t_arith("(a - b) & 0xFFFF"),
    "mul": t_arith("(a * b) & 0xFFFF"),
    "div": t_div,
    "mod": lambda g: t_div(g, mod=True),
    "or": t_arith("a | b"),
    "and": t_arith("a & b"),
    "not": t_arith("a ^ 0xFFFF"),
    "je": t_je,
    "jl": t_cond("(a ^ 0x8000) < (b ^ 0x8000)"),
    "jg": t_cond("(a ^ 0x8000) > (b ^ 0x8000)"),
    "jz": t_cond("a == 0"),
    "test": t_cond("(a & b) == b"),
    "jin": t_cond("O.parent(a) == b"),
    "test_attr": t_cond("O.test_attr(a, b)"),
    "set_attr": t_stmt("O.set_attr(a, b)"),
    "clear_attr": t_stmt("O.clear_attr(a, b)"),
    "insert_obj": t_stmt("O.insert(a, b)"),
    "remove_obj": t_stmt("O.remove(a)"),
    "get_parent": t_arith("O.parent(a)"),
    "get_sibling": t_store_branch("O.sibling(a)"),
    "get_child": t_store_branch("O.child(a)"),
    "get_prop": t_arith("O.get_prop(a, b)"),
    "get_prop_addr": t_arith("O.get_prop_addr(a, b)"),
    "get_next_prop": t_arith("O.get_next_prop(a, b)"),
    "get_prop_len": t_arith("O.get_prop_len(a)"),
    "put_prop": t_stmt("O.put_prop(a, b, c)"),
    "inc": t_incdec("+ 1"),
    "dec": t_incdec("- 1"),
    "inc_chk": t_incdec("+ 1", check=True),
    "dec_chk": t_incdec("- 1", check=True),
    "load": t_load,
    "store": t_store,
    "pull": t_pull,
    "push": t_stmt("m.stack.append(a)"),
    "pop": t_stmt("m.stack.pop()"),
    "loadw": t_loadw,
    "loadb": t_loadb,
    "storew": t_storew,
    "storeb": t_storeb,
    "call": t_call(True), "call_vs": t_call(True), "call_vs2": t_call(True),
    "call_1s": t_call(True), "call_2s": t_call(True),
    "call_1n": t_call(False), "call_2n": t_call(False),
    "call_vn": t_call(False), "call_vn2": t_call(False),
    "ret": t_ret("a"),
    "rtrue": t_ret("1"),
    "rfalse": t_ret("0"),
    "ret_popped": t_ret("m.stack.pop()"),
    "jump": t_jump,
    "print": t_print,
    "print_ret": t_print_ret,
    "new_line": t_stmt("S.out('\\n')"),
    "print_num": t_stmt(f"S.out(str({_signed('a')}))"),
    "print_char": t_stmt("S.print_zscii(a)"),
    "print_addr": t_stmt("print_addr(m, a)"),
    "print_paddr": t_stmt("print_paddr(m, a)"),
    "print_obj": t_stmt("print_obj(m, a)"),
    "random": t_arith(f"m.rng.random({_signed('a')})"),
    "nop": t_stmt(),
    "check_arg_count": t_cond("a <= m.argc"),
    "catch": t_arith("len(m.frames)"),
    "piracy": t_cond("True"),
    "verify": t_cond("m.verify()"),
    "log_shift": t_log_shift,
    "art_shift": t_art_shift,
}


def t_method(g):
    """Any other opcode: its implementation F(m, ins, operands...) in
    ``zvm.vm.ops`` returns the next address, having stored and branched
    itself."""
    names = g.operands()
    args = "".join(f", {n}" for n in names)
    g.emit(f"return F(m, I{args})")


# What generated code may name besides its factory's arguments.
SCOPE = {"print_addr": print_addr, "print_paddr": print_paddr, "print_obj": print_obj}


class Compiler:
    """Compiles instructions of one machine to closures."""

    def __init__(self, machine: Machine):
        self.m = machine
        self._factories: dict[str, Callable[..., Callable[[], int]]] = {}

    def compile(self, ins: Instruction) -> Callable[[], int]:
        m = self.m
        g = _Gen(ins, m.globals_addr, len(m.mem))
        template = TEMPLATES.get(ins.name)
        function = None
        if template is None:
            function = IMPLEMENTATIONS.get(ins.name)
            if function is None:
                raise Unimplemented(f"opcode {ins.name} is not implemented", ins.addr)
            template = t_method
        template(g)
        body = "\n".join("        " + line for line in g.lines)
        unpack = ", ".join(f"p{i}" for i in range(len(g.params)))
        src = (f"def factory(m, mem, O, S, DYN, I, F, P):\n"
               f"    {unpack}{',' if len(g.params) == 1 else ''} = P\n"
               f"    def op():\n{body}\n"
               f"    return op\n") if g.params else (
               f"def factory(m, mem, O, S, DYN, I, F, P):\n"
               f"    def op():\n{body}\n"
               f"    return op\n")
        factory = self._factories.get(src)
        if factory is None:
            scope: dict[str, Any] = dict(SCOPE)
            exec(compile(src, f"<zvm {ins.name}>", "exec"), scope)
            factory = self._factories[src] = scope["factory"]
        return factory(m, m.mem, m.objects, m.streams, m.dyn_end, ins, function,
                       tuple(g.params))
