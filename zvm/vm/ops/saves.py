"""Saving and restoring (§15 save, restore, save_undo, restore_undo; the
Quetzal standard for the file format, ``zvm.story.quetzal``).

A save writes the whole state as a Quetzal file whose PC is the save's
branch data (versions 1-3) or store byte (4+), as Quetzal asks; a restore
puts that state back and answers the save again with 2 (§15 restore). With
a table (versions 5+) the same opcodes write and read an auxiliary file of
raw bytes instead (§7.6): the table operand's presence decides, not its
value, so a table at address 0 (the header's bytes) is one too (§15).
Undo states stay ``SavedState`` records in memory; nothing encodes them,
and the file format (``zvm.story.quetzal``, with construct) is imported
only when a file is written or read.
"""

from __future__ import annotations

import os

from zvm.errors import ZMachineError
from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import PLAIN
from zvm.story.files import (
    FileNameError,
    auxiliary_file,
    player_file,
    player_read_file,
    read_bounded,
    write_atomically,
)

if TYPE_CHECKING:
    from zvm.screen.v6 import V6Screen
    from zvm.story.state import SavedState
    from zvm.vm.decoder import Instruction
    from zvm.vm.machine import Machine

# What is asked before a save replaces an existing file (dfrotz's words, so
# that a transcript recorded with dfrotz answers it where zvm asks it).
OVERWRITE = "Overwrite existing file?"


def _answer(m: Machine, ins: Instruction, ok: bool) -> int:
    """save/restore answer by branching (v1-3) or storing (v4+)."""
    if ins.branch is not None:
        return m.branch_on(ins, ok)
    return m.store_result(ins, 1 if ok else 0)


def _file_for(m: Machine, name_addr: int, prompt: int | None, saving: bool) -> str | None:
    """The path of a save (or, with a name from the game, auxiliary
    file) inside the save folder; None when the player's name is unusable
    or an existing file the player named is not to be overwritten. A
    save's prompt offers the name last typed at one (as Frotz), at first
    STORY.qzl."""
    frontend = m.frontend
    default = m.meta.save_name or m.stem + ".qzl"
    if name_addr:
        given = "".join(chr(c) for c in m.mem[name_addr + 1:name_addr + 1 + m.mem[name_addr]])
        default = os.path.basename(auxiliary_file(m.save_dir, given))
    asked = prompt != 0 if name_addr else True
    name = frontend.ask_filename(default, saving) if asked else default
    if not name_addr:
        m.meta.save_name = name
    try:
        if name_addr and not asked:
            path = auxiliary_file(m.save_dir, name)
        elif saving or name_addr:
            path = player_file(m.save_dir, name)        # writing stays in the save folder
        else:
            path = player_read_file(m.save_dir, name)   # a save is read from where it is named
    except FileNameError as e:
        frontend.message(f"zvm: {e}")
        return None
    # (a file the story names without asking the player is the story's own
    # to replace, as a high-score table is)
    if saving and asked and os.path.exists(path) and not frontend.confirm(
            OVERWRITE, m.overwrite):
        frontend.message(f"zvm: {os.path.basename(path)} exists; not overwritten")
        return None
    return path


def op_save(m: Machine, ins: Instruction, table: int | None = None, nbytes: int = 0,
            name: int = 0, prompt: int | None = None) -> int:
    """§15 save: the whole state as a Quetzal file, or with a table, those
    bytes as an auxiliary file (§7.6)."""
    aux = table is not None
    path = _file_for(m, name if aux else 0, prompt, saving=True)
    if path is None:
        return _answer(m, ins, False)
    if table is not None:
        data = bytes(m.mem[table:table + nbytes])
    else:
        from zvm.story import quetzal
        pc = ins.branch_addr if ins.branch is not None else ins.store_addr
        if TYPE_CHECKING:                    # save branches (versions 1-3) or stores
            assert pc is not None
        data = quetzal.encode(m.state(pc), m.original_dynamic)
    try:
        write_atomically(path, data)
    except OSError as e:
        m.frontend.message(f"zvm: cannot save to {path}: {e.strerror or e}")
        return _answer(m, ins, False)
    return _answer(m, ins, True)


def op_restore(m: Machine, ins: Instruction, table: int | None = None, nbytes: int = 0,
               name: int = 0, prompt: int | None = None) -> int:
    """§15 restore: on success execution continues after the save that
    made the file, which now answers 2 (v4+) or branches (v1-3). With a
    table, up to nbytes of an auxiliary file are read into it and the
    count is the result."""
    path = _file_for(m, name if table is not None else 0, prompt, saving=False)
    if path is None:
        return _answer(m, ins, False)
    try:
        if table is not None:                    # at most the table's bytes
            with open(path, "rb") as f:
                data = f.read(nbytes)
        else:                                    # bounded: /dev/zero is no save
            data = read_bounded(path)
    except OSError as e:
        m.frontend.message(f"zvm: cannot restore {path}: {e.strerror or e}")
        return _answer(m, ins, False)
    if table is not None:
        if table + len(data) > m.dyn_end:
            raise ZMachineError("restore: the table runs past dynamic memory")
        m.mem[table:table + len(data)] = data
        return m.store_result(ins, len(data))
    pc = restore_from(m, path, data)
    if pc is None:
        return _answer(m, ins, False)
    if resumes_at_read(m, data):                 # a /save or autosave: its prompt again
        m.frontend.write(TURN_PROMPT, PLAIN)
    return pc


# What is shown after continuing from a save made at a prompt (a /save, the
# autosave), whose read runs again: the prompt the player would have seen.
TURN_PROMPT = "\n>"


def resumes_at_read(m: Machine, data: bytes) -> bool:
    """The save in data (already restored) was made at a line input and
    continues by running that read again (zvm's ``ZVMm`` chunk)."""
    from zvm.story import quetzal  # imported when first used (start-up)
    try:
        return quetzal.ZVM_TURN in quetzal.decode(data, m.original_dynamic).extra
    except quetzal.SaveError:
        return False


def restore_from(m: Machine, path: str, data: bytes) -> int | None:
    """Put the machine into the state saved in data (read from path); the
    PC to continue at, or None (the reason said in one line) when the
    save cannot be used."""
    from zvm.story import quetzal
    try:
        state = quetzal.decode(data, m.original_dynamic)
        h = m.header
        if (state.release, state.serial, state.checksum) != (h.release, h.serial, h.checksum):
            raise quetzal.SaveError("it was saved from another story")
        # The whole state before any of it is used: PC and return PCs inside
        # the story, frames within the call-depth limit, locals <= 15 (§5.2).
        quetzal.validate(state, len(m.mem), len(m.original_dynamic), code=m.mem)
        if quetzal.ZVM_TURN not in state.extra:
            _check_resume(m, state)
    except quetzal.SaveError as e:
        m.frontend.message(f"zvm: cannot restore {path}: {e}")
        return None
    try:
        m.load_state(state)                      # refuses before it changes anything
    except ZMachineError as e:
        m.frontend.message(f"zvm: cannot restore {path}: {e}")
        return None
    if m.version == 6:
        # The screen is not in the save: the story is asked to draw it
        # again (Flags 2 bit 2, §8.8.2).
        if TYPE_CHECKING:
            assert isinstance(m.screen, V6Screen)
        m.screen.redraw_wanted = True
        m.set_header()
    if quetzal.ZVM_TURN in state.extra:          # a /save: run its read again
        return state.pc
    return resume_after_save(m, state.pc, 2)


def op_save_undo(m: Machine, ins: Instruction) -> int:
    """§15 save_undo: keep a snapshot whose PC is the store byte."""
    if TYPE_CHECKING:                        # save_undo stores
        assert ins.store_addr is not None
    m.undo_states.append(m.state(ins.store_addr, keep_rng=False))
    if len(m.undo_states) > m.undo_limit:
        del m.undo_states[0]
    return m.store_result(ins, 1)


def op_restore_undo(m: Machine, ins: Instruction) -> int:
    """§15 restore_undo: 0 when there is nothing to undo."""
    if not m.undo_states:
        return m.store_result(ins, 0)
    state = m.undo_states.pop()
    m.load_state(state)
    return resume_after_save(m, state.pc, 2)


def _branch_at(mem: bytes | bytearray, pc: int) -> tuple[bool, int, int]:
    """The branch data at pc (§4.7): (on true, offset, next address)."""
    b1 = mem[pc]
    if b1 & 0x40:
        return bool(b1 & 0x80), b1 & 0x3F, pc + 1
    offset = ((b1 & 0x3F) << 8) | mem[pc + 1]
    return bool(b1 & 0x80), offset - 0x4000 if offset & 0x2000 else offset, pc + 2


def _check_resume(m: Machine, state: SavedState) -> None:
    """SaveError unless the save can be answered as a restore answers it
    (``resume_after_save``): in versions 4+ its store byte names a variable
    the saved routine has (§6.2: a local it does not have is no variable),
    in 1-3 its branch stays inside the story. Checked on the saved state
    before it replaces the game's."""
    from zvm.story.quetzal import SaveError
    mem = bytes(state.memory) + bytes(m.mem[len(state.memory):])
    if m.version >= 4:
        var = mem[state.pc]
        routine_locals = len(state.frames[-1].locals) if state.frames else 0
        if 1 <= var <= 15 and var > routine_locals:
            raise SaveError(f"it stores into local variable {var}, which its routine "
                            f"does not have")
        return
    if state.pc + 1 >= len(mem) and not mem[state.pc] & 0x40:
        raise SaveError("its PC lies at the very end of the story")
    on_true, offset, nxt = _branch_at(mem, state.pc)
    if on_true and offset in (0, 1) and len(state.frames) < 2:
        raise SaveError("it returns from the main routine")
    if on_true and offset not in (0, 1) and not 0 <= nxt + offset - 2 < len(mem):
        raise SaveError("it continues outside the story")


def resume_after_save(m: Machine, pc: int, value: int) -> int:
    """Continue after a restore: the saved PC points at the save
    instruction's store byte (v4+) or branch data (v1-3)."""
    mem = m.mem
    if m.version >= 4:
        m.set_var(mem[pc], value)
        return pc + 1
    on_true, offset, nxt = _branch_at(mem, pc)
    if on_true:
        if offset in (0, 1):
            return m.ret(offset)
        return m.jump_to(nxt + offset - 2)
    return nxt
