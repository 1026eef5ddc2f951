"""Opcodes that are not inline templates (§15), as methods of the machine.

Each ``op_<name>(ins, *operands)`` gets the decoded Instruction and its
operand values, does its work, stores (``_store``) or branches
(``_branch``) and returns the address of the next instruction. Output
streams (§7) and input (§10, §13) live here too.
"""

from __future__ import annotations

import os

from zvm.story import quetzal
from zvm.story.files import FileNameError, auxiliary_file, player_file, write_atomically
from zvm.errors import Quit, Restart, ZMachineError
from zvm.screen.protocol import CharRequest, LineRequest
from zvm.vm.meta import TURN_CHUNK


def signed(v: int) -> int:
    return v - ((v & 0x8000) << 1)


class Opcodes:
    # -- store and branch for methods ---------------------------------------
    def _store(self, ins, value: int) -> int:
        self.set_var(ins.store, value & 0xFFFF)
        return ins.next

    def _branch(self, ins, cond: bool) -> int:
        on_true, off = ins.branch
        if bool(cond) == on_true:
            if off in (0, 1):
                return self.ret(off)
            return self.jump_to(ins.next + off - 2)
        return ins.next

    # -- output streams (§7) ----------------------------------------------
    def out(self, text: str) -> None:
        """Send text to the selected output streams (§7.1.2)."""
        if self.mem_streams:
            self._memory_write([13 if ch == "\n" else self.codec.unicode_to_zscii(ch)
                                for ch in text])
            return
        if self.screen_stream:
            self.screen.print(text)
        if self.transcript_on and self.screen.window == 0:
            self._transcript_write(text)

    def print_zscii(self, code: int) -> None:
        """print_char: one ZSCII code (§3.8); memory streams get it unchanged,
        and ZSCII 0 prints nothing (§3.8.2.1)."""
        if code == 0:
            return
        if self.mem_streams:
            self._memory_write([code])
        else:
            self.out(self.codec.zscii_to_unicode(code))

    def _memory_write(self, codes: list[int]) -> None:
        entry = self.mem_streams[-1]
        table, count = entry
        a = table + 2 + count
        end = a + len(codes)
        if end > self.dyn_end:
            raise ZMachineError("memory stream table runs past dynamic memory")
        self.mem[a:end] = bytes(c & 255 for c in codes)
        entry[1] = count = count + len(codes)
        self.mem[table] = (count >> 8) & 255
        self.mem[table + 1] = count & 255

    def _transcript_write(self, text: str) -> None:
        if self._transcript is None:
            path = self.transcript_path or os.path.join(self.save_dir, self.story_stem() + ".txt")
            try:
                self._transcript = open(path, "a", encoding="utf-8")
            except OSError as e:
                self.frontend.message(f"zvm: cannot open transcript {path}: {e.strerror}")
                self.transcript_on = False
                self.mem[0x11] &= ~1
                return
        self._transcript.write(text)
        self._transcript.flush()

    def story_stem(self) -> str:
        return os.path.splitext(os.path.basename(self.story.path))[0]

    def op_output_stream(self, ins, number, table=0, width=0):
        self.frontend.flush()
        n = signed(number)
        if n == 0:
            return ins.next
        if n == 3:
            if len(self.mem_streams) >= 16:
                raise ZMachineError("memory streams nested more than 16 deep (§7.1.2.1)")
            self.mem_streams.append([table, 0])
            self.mem[table] = self.mem[table + 1] = 0
        elif n == -3:
            if self.mem_streams:
                self.mem_streams.pop()
        elif abs(n) == 1:
            self.screen_stream = n > 0
        elif abs(n) == 2:
            self.transcript_on = n > 0
            if n > 0:
                self.mem[0x11] |= 1
            else:
                self.mem[0x11] &= ~1 & 255
        elif abs(n) == 4:
            self.record_on = n > 0
        return ins.next

    def op_input_stream(self, ins, number):
        # §10.2: stream 1 (a file of commands) is offered by the frontend's replay.
        self.frontend.flush()
        return ins.next

    # -- text ---------------------------------------------------------------
    def print_addr(self, addr: int) -> None:
        self.out(self.codec.decode(addr)[0])

    def print_paddr(self, packed: int) -> None:
        self.out(self.codec.decode(self.header.string_address(packed))[0])

    def print_obj(self, obj: int) -> None:
        if obj == 0:
            self.warn("print_obj of object 0")
            return
        self.out(self.object_name(obj))

    def object_name(self, obj: int) -> str:
        """The short name (§12.4): none when its length byte is 0."""
        if obj == 0 or not self.objects.has_name(obj):
            return ""
        return self.codec.decode(self.objects.name_address(obj))[0]

    def op_print_unicode(self, ins, code):
        if self.mem_streams:
            z = self.codec.unicode_to_zscii(chr(code))
            self._memory_write([z])
        else:
            self.out(chr(code) if code >= 32 else "?")
        return ins.next

    def op_check_unicode(self, ins, code):
        """§15 check_unicode: bit 0 can print, bit 1 can read."""
        if 32 <= code <= 126 or 160 <= code <= 0xFFFF and not 0xD800 <= code <= 0xDFFF:
            return self._store(ins, 3)
        return self._store(ins, 0)

    def op_print_table(self, ins, table, width, height=1, skip=0):
        """§15 print_table: rows of width characters; in the upper window
        each row starts below the previous one at the same column."""
        self.frontend.flush()
        mem = self.mem
        column = self.screen.cursor[1]
        for row in range(height):
            a = table + row * (width + skip)
            if row:
                if self.screen.window == 1 and not self.mem_streams:
                    self.screen.cursor = [self.screen.cursor[0] + 1, column]
                else:
                    self.out("\n")
            self.out("".join(self.codec.zscii_to_unicode(mem[a + i]) for i in range(width)))
        return ins.next

    # -- screen (§8) ----------------------------------------------------------
    def op_show_status(self, ins):
        self.show_status()
        return ins.next

    def show_status(self) -> None:
        """§8.2: location name, then score and moves or the time."""
        if self.version > 3:
            return
        g = self.globals_addr
        mem = self.mem
        loc = (mem[g] << 8) | mem[g + 1]
        a = signed((mem[g + 2] << 8) | mem[g + 3])
        b = (mem[g + 4] << 8) | mem[g + 5]
        left = self.object_name(loc) if 0 < loc <= 255 else ""
        if mem[1] & 0x02:
            hours = a % 24
            right = f"Time: {(hours % 12) or 12}:{b:02d} {'am' if hours < 12 else 'pm'}"
        else:
            right = f"Score: {a}  Moves: {signed(b)}"
        self.screen.status_line(left, right)

    def op_split_window(self, ins, lines):
        self.screen.split(lines)
        return ins.next

    def op_set_window(self, ins, window):
        self.screen.set_window(window)
        return ins.next

    def op_erase_window(self, ins, window):
        self.screen.erase_window(signed(window))
        return ins.next

    def op_erase_line(self, ins, value):
        self.screen.erase_line(value)
        return ins.next

    def op_set_cursor(self, ins, line, column=1, window=0):
        self.screen.set_cursor(signed(line), signed(column))
        return ins.next

    def op_get_cursor(self, ins, array):
        row, col = self.screen.get_cursor()
        mem = self.mem
        mem[array], mem[array + 1] = row >> 8, row & 255
        mem[array + 2], mem[array + 3] = col >> 8, col & 255
        return ins.next

    def op_set_text_style(self, ins, style):
        self.screen.set_text_style(style)
        return ins.next

    def op_buffer_mode(self, ins, flag):
        self.screen.set_buffering(bool(flag))
        return ins.next

    def op_set_colour(self, ins, fg, bg, window=0):
        self.screen.set_colour(fg, bg)
        return ins.next

    def op_set_true_colour(self, ins, fg, bg, window=0):
        self.screen.set_true_colour(fg, bg)
        return ins.next

    def op_set_font(self, ins, font, window=0):
        return self._store(ins, self.screen.set_font(font))

    def op_sound_effect(self, ins, number=1, effect=2, volume=0, routine=0):
        if number in (1, 2):
            self.frontend.sound_effect(number)
        return ins.next

    # -- input (§10, §13, §15 read) -------------------------------------------
    def terminators(self) -> frozenset[int]:
        """§10.5.2.1: the terminating characters table (v5+)."""
        if self.version < 5:
            return frozenset()
        mem = self.mem
        a = (mem[0x2E] << 8) | mem[0x2F]
        found = set()
        while a and a < len(mem) and mem[a]:
            c = mem[a]
            if c == 255:
                found.update(range(129, 155))
                found.update((252, 253, 254))
            elif 129 <= c <= 154 or 252 <= c <= 254:
                found.add(c)
            a += 1
        return frozenset(found)

    def _timeout_handler(self, routine: int):
        if not routine:
            return None
        return lambda: self.call_interrupt(routine) != 0

    def read_line(self, text: int, time: int, routine: int, read_pc: int) -> int:
        """Read a command into the text buffer; returns the terminator.
        Meta-commands are handled here, before the game sees them."""
        mem = self.mem
        self.input_buffer = text                    # the world hash leaves it out
        v = self.version
        if v <= 4:
            max_len = max(0, mem[text] - 1)
            preloaded = ""
        else:
            max_len = mem[text]
            n = min(mem[text + 1], max_len)
            preloaded = "".join(self.codec.zscii_to_unicode(c) for c in mem[text + 2:text + 2 + n])
        request = LineRequest(max_len=max_len, preloaded=preloaded,
                              timeout=time if routine else 0,
                              on_timeout=self._timeout_handler(routine),
                              terminators=self.terminators())
        self.remember_turn(read_pc)
        while True:
            result = self.frontend.read_line(request)
            line = result.text              # preloaded text included (LineResult)
            if not self.meta_command(line):
                break
        zs = [self.codec.unicode_to_zscii(ch) for ch in line.lower()][:max_len]
        if v <= 4:
            mem[text + 1:text + 1 + len(zs)] = bytes(zs)
            mem[text + 1 + len(zs)] = 0
        else:
            mem[text + 1] = len(zs)
            mem[text + 2:text + 2 + len(zs)] = bytes(zs)
        if self.transcript_on:
            self._transcript_write(line + "\n")
        if self.record_on and self.record_path:
            with open(self.record_path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        return result.terminator

    def op_sread(self, ins, text, parse=0, time=0, routine=0):
        if self.version <= 3:
            self.show_status()
        self.read_line(text, time, routine, ins.addr)
        self.parse_buffer = parse
        if parse:
            self.dictionaries.tokenise(text, parse)
        return ins.next

    def op_aread(self, ins, text, parse=0, time=0, routine=0):
        term = self.read_line(text, time, routine, ins.addr)
        self.parse_buffer = parse
        if parse:
            self.dictionaries.tokenise(text, parse)
        return self._store(ins, term)

    def op_read_char(self, ins, device=1, time=0, routine=0):
        code = self.frontend.read_char(CharRequest(
            timeout=time if routine else 0, on_timeout=self._timeout_handler(routine)))
        return self._store(ins, code)

    def op_tokenise(self, ins, text, parse, dictionary=0, flag=0):
        self.dictionaries.tokenise(text, parse, dictionary, bool(flag))
        return ins.next

    def op_encode_text(self, ins, text, length, start, coded):
        mem = self.mem
        word = "".join(self.codec.zscii_to_unicode(c) for c in mem[text + start:text + start + length])
        data = self.codec.encode(word)
        mem[coded:coded + len(data)] = data
        return ins.next

    # -- tables (§15) -----------------------------------------------------------
    def op_scan_table(self, ins, x, table, length, form=0x82):
        mem = self.mem
        size = form & 0x7F
        word = bool(form & 0x80)
        a = table
        found = 0
        for _ in range(length):
            v = ((mem[a] << 8) | mem[a + 1]) if word else mem[a]
            if v == x:
                found = a
                break
            a += size
        self.set_var(ins.store, found)
        return self._branch(ins, found != 0)

    def op_copy_table(self, ins, first, second, size):
        mem = self.mem
        n = signed(size)
        if second == 0:
            mem[first:first + abs(n)] = bytes(abs(n))
        elif n < 0:                         # copy forwards, even if it corrupts
            for i in range(-n):
                mem[second + i] = mem[first + i]
        else:
            if second + n > self.dyn_end:
                raise ZMachineError("copy_table writes past dynamic memory")
            mem[second:second + n] = mem[first:first + n]
        return ins.next

    # -- control ----------------------------------------------------------------
    def op_throw(self, ins, value, frame):
        return self.throw(value, frame)

    def op_quit(self, ins):
        self.end_autosave()
        raise Quit

    def op_restart(self, ins):
        raise Restart

    def _save_result(self, ins, ok: bool) -> int:
        """save/restore answer by branching (v1-3) or storing (v4+)."""
        if ins.branch is not None:
            return self._branch(ins, ok)
        return self._store(ins, 1 if ok else 0)

    def _file_for(self, name_addr: int, prompt: int | None, saving: bool) -> str | None:
        """The path of a save (or, with a name from the game, auxiliary
        file) inside the save folder; None when the player's name is unusable
        or an existing file is not to be overwritten."""
        default = self.story_stem() + ".qzl"
        if name_addr:
            given = "".join(chr(c) for c in self.mem[name_addr + 1:name_addr + 1 + self.mem[name_addr]])
            default = os.path.basename(auxiliary_file(self.save_dir, given))
        asked = prompt != 0 if name_addr else True
        name = self.frontend.ask_filename(default, saving) if asked else default
        try:
            path = (auxiliary_file(self.save_dir, name) if name_addr and not asked
                    else player_file(self.save_dir, name))
        except FileNameError as e:
            self.frontend.message(f"zvm: {e}")
            return None
        if saving and os.path.exists(path) and not self.frontend.confirm(
                f"Overwrite the existing file {os.path.basename(path)}?", self.overwrite):
            self.frontend.message(f"zvm: {os.path.basename(path)} exists; not overwritten")
            return None
        return path

    def op_save(self, ins, table=0, nbytes=0, name=0, prompt=None):
        """§15 save: the whole state as a Quetzal file (the saved PC is the
        branch data in v1-3, the store byte in v4+, as Quetzal asks), or
        with a table, those bytes as an auxiliary file (§7.6)."""
        path = self._file_for(name if table else 0, prompt, saving=True)
        if path is None:
            return self._save_result(ins, False)
        if table:
            data = bytes(self.mem[table:table + nbytes])
        else:
            pc = ins.branch_addr if ins.branch is not None else ins.store_addr
            data = quetzal.encode(self.state(pc), self.original_dynamic)
        try:
            write_atomically(path, data)
        except OSError as e:
            self.frontend.message(f"zvm: cannot save to {path}: {e.strerror or e}")
            return self._save_result(ins, False)
        return self._save_result(ins, True)

    def op_restore(self, ins, table=0, nbytes=0, name=0, prompt=None):
        """§15 restore: on success execution continues after the save that
        made the file, which now answers 2 (v4+) or branches (v1-3). With
        a table, up to nbytes of an auxiliary file are read into it and the
        count is the result."""
        path = self._file_for(name if table else 0, prompt, saving=False)
        if path is None:
            return self._save_result(ins, False)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            self.frontend.message(f"zvm: cannot restore {path}: {e.strerror or e}")
            return self._save_result(ins, False)
        if table:
            data = data[:nbytes]
            if table + len(data) > self.dyn_end:
                raise ZMachineError("restore: the table runs past dynamic memory")
            self.mem[table:table + len(data)] = data
            return self._store(ins, len(data))
        return self.restore_from(path, data, ins)

    def restore_from(self, path: str, data: bytes, ins=None) -> int | None:
        """Put the machine into the state saved in data (from path); the PC
        to continue at, or (when it cannot) a message and the failed save
        answer for ins, or None without ins."""
        try:
            state = quetzal.decode(data, self.original_dynamic)
            h = self.header
            if (state.release, state.serial, state.checksum) != (h.release, h.serial, h.checksum):
                raise quetzal.SaveError("it was saved from another story")
        except quetzal.SaveError as e:
            self.frontend.message(f"zvm: cannot restore {path}: {e}")
            return None if ins is None else self._save_result(ins, False)
        self.load_state(state)
        if TURN_CHUNK in state.extra:                # a /save: run its read again
            return state.pc
        return self.resume_after_save(state.pc, 2)

    def op_save_undo(self, ins):
        """§15 save_undo: keep a snapshot (a Quetzal SavedState, not encoded:
        it never leaves memory) whose PC is the store byte."""
        self.undo_states.append(self.state(ins.store_addr, keep_rng=False))
        if len(self.undo_states) > self.undo_limit:
            del self.undo_states[0]
        return self._store(ins, 1)

    def op_restore_undo(self, ins):
        if not self.undo_states:
            return self._store(ins, 0)
        state = self.undo_states.pop()
        self.load_state(state)
        return self.resume_after_save(state.pc, 2)

    def resume_after_save(self, pc: int, value: int) -> int:
        """Continue after a restore: the saved PC points at the save
        instruction's store byte (v4+) or branch data (v1-3)."""
        if self.version >= 4:
            self.set_var(self.mem[pc], value)
            return pc + 1
        b1 = self.mem[pc]
        on_true = bool(b1 & 0x80)
        if b1 & 0x40:
            offset, nxt = b1 & 0x3F, pc + 1
        else:
            offset = ((b1 & 0x3F) << 8) | self.mem[pc + 1]
            if offset & 0x2000:
                offset -= 0x4000
            nxt = pc + 2
        if on_true:
            if offset in (0, 1):
                return self.ret(offset)
            return self.jump_to(nxt + offset - 2)
        return nxt
