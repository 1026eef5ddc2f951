"""Meta-commands: lines starting with "/" that the interpreter handles
before the game sees them (the way Bocfel does), and interpreter-level
undo for stories without @save_undo.

At every line input the machine keeps a snapshot whose PC is the read
instruction itself ("turn snapshots"); restoring one runs that read again,
so the player is back at the prompt of that turn. Snapshots are Quetzal
``SavedState`` records, encoded to bytes only when written to disk, where
zvm's own ``ZVMm`` chunk marks the PC as an instruction to run again
rather than the store or branch of a save (Quetzal §5.8).
"""

from __future__ import annotations

import os
from collections import deque

from zvm.story import quetzal
from zvm.errors import Restart
from zvm.story.files import FileNameError, player_file, write_atomically
from zvm.screen.protocol import PLAIN

TURN_CHUNK = b"ZVMm"        # marks a save taken at a read, not at @save
TURNS_KEPT = 50

HELP = """[Meta-commands, handled by zvm before the game sees them:
  /undo            take back the last turn
  /save [FILE]     save the game now (default STORY.qzl)
  /restore [FILE]  restore a saved game
  /restart         start the story again
  /script on|off   copy the game's text to STORY.txt
  /record on|off   record your commands to STORY.rec
  /replay FILE     play the commands in FILE
  /seed N          seed the random numbers as dfrotz -s N does
  /help            this list]"""


class Resume(Exception):
    """Leave the current instruction and continue at pc (a restored state)."""

    def __init__(self, pc: int):
        super().__init__(pc)
        self.pc = pc


class MetaCommands:
    def init_meta(self, enabled: bool) -> None:
        self.meta_enabled = enabled
        self.autosave_path: str | None = None        # --autosave: the turn's file
        self.turns: deque = deque(maxlen=TURNS_KEPT)

    def say(self, text: str) -> None:
        """Interpreter text in the lower window, then a fresh prompt."""
        self.frontend.write(text + "\n\n>", PLAIN)

    def remember_turn(self, read_pc: int) -> None:
        """A snapshot at the start of a line input (the undo history); none
        when nothing can use it (meta-commands off and no autosave)."""
        if not (self.meta_enabled or self.autosave_path):
            return
        if self.frames and self.frames[-1][1] == -2:
            return                                   # inside an interrupt routine
        self.turns.append(self.state(read_pc, keep_rng=False))
        if self.autosave_path:
            try:
                write_atomically(self.autosave_path, self.turn_save_bytes(self.turns[-1]))
            except OSError as e:
                self.frontend.message(f"zvm: cannot autosave to {self.autosave_path}: "
                                      f"{e.strerror or e}")
                self.autosave_path = None

    def turn_save_bytes(self, state) -> bytes:
        """A turn snapshot as a save file: marked as resuming at its read,
        with a seeded generator's state."""
        extra = dict(state.extra)
        extra[TURN_CHUNK] = b"\x01"
        if self.rng.seeded:
            extra[b"ZVMr"] = self.rng.state()
        return quetzal.encode(quetzal.SavedState(**{**state.__dict__, "extra": extra}),
                              self.original_dynamic)

    def end_autosave(self) -> None:
        """The story ended by itself (@quit): the next start is a new game."""
        if self.autosave_path and os.path.exists(self.autosave_path):
            os.unlink(self.autosave_path)

    def meta_command(self, line: str) -> bool:
        """Handle line if it is a meta-command; False when the game should
        have it. May raise Resume or Restart."""
        if not self.meta_enabled or not line.startswith("/") or line.startswith("//"):
            return False
        word, _, arg = line[1:].strip().partition(" ")
        word, arg = word.lower(), arg.strip()
        handler = getattr(self, f"meta_{word}", None)
        if handler is None:
            self.say(f"[No meta-command /{word}; /help lists them.]")
        else:
            handler(arg)
        return True

    # -- the commands ---------------------------------------------------------
    def meta_help(self, arg: str) -> None:
        self.say(HELP)

    def meta_undo(self, arg: str) -> None:
        if len(self.turns) < 2:
            self.say("[Nothing to undo.]")
            return
        self.turns.pop()                             # this turn's own snapshot
        state = self.turns.pop()                     # the read before it runs again
        self.load_state(state)
        self.say("[Previous turn undone.]")
        raise Resume(state.pc)

    def _meta_path(self, arg: str, ext: str) -> str | None:
        try:
            return player_file(self.save_dir, arg or self.story_stem() + ext)
        except FileNameError as e:
            self.say(f"[{e}]")
            return None

    def meta_save(self, arg: str) -> None:
        path = self._meta_path(arg, ".qzl")
        if path is None:
            return
        if os.path.exists(path) and not self.frontend.confirm(
                f"Overwrite the existing file {os.path.basename(path)}?", self.overwrite):
            self.say(f"[{os.path.basename(path)} exists; not overwritten.]")
            return
        try:
            write_atomically(path, self.turn_save_bytes(self.turns[-1]))
        except OSError as e:
            self.say(f"[Cannot save to {path}: {e.strerror or e}]")
            return
        self.say(f"[Saved to {path}.]")

    def meta_restore(self, arg: str) -> None:
        path = self._meta_path(arg, ".qzl")
        if path is None:
            return
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            self.say(f"[Cannot restore {path}: {e.strerror or e}]")
            return
        pc = self.restore_from(path, data)
        if pc is None:
            self.say("[Not restored.]")
            return
        self.say(f"[Restored {path}.]")
        raise Resume(pc)

    def meta_restart(self, arg: str) -> None:
        raise Restart

    def meta_script(self, arg: str) -> None:
        on = arg.lower() != "off"
        if on:
            self.start_transcript(self.transcript_path
                                  or os.path.join(self.save_dir, self.story_stem() + ".txt"))
        else:
            self.transcript_on = False
            self.mem[0x11] &= 0xFE
        self.say(f"[Transcript {'on' if on else 'off'}.]")

    def meta_record(self, arg: str) -> None:
        on = arg.lower() != "off"
        if on and not self.record_path:
            self.record_path = os.path.join(self.save_dir, self.story_stem() + ".rec")
        self.record_on = on
        self.say(f"[Recording {'to ' + self.record_path if on else 'off'}.]")

    def replay_file(self, path: str) -> int | None:
        """Queue the commands in path (one a line); how many, or None with
        the reason said when the file cannot be read."""
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            self.frontend.message(f"zvm: cannot replay {path}: {e.strerror or e}")
            return None
        self.frontend.script(lines)
        return len(lines)

    def meta_replay(self, arg: str) -> None:
        count = self.replay_file(arg)
        self.say("[Not replayed.]" if count is None else
                 f"[Replaying {count} commands from {arg}.]")

    def start_transcript(self, path: str) -> None:
        """Output stream 2 to path from now on (§7.3); Flags 2 bit 0 says so."""
        self.transcript_path = path
        self.transcript_on = True
        self.mem[0x11] |= 1

    def meta_seed(self, arg: str) -> None:
        try:
            seed = int(arg)
        except ValueError:
            self.say("[/seed takes a number.]")
            return
        self.rng.seed = seed & 0xFFFFFFFF
        self.rng.seeded = True
        self.rng.reset()
        self.say(f"[Random numbers seeded with {seed}.]")
