"""Meta-commands: lines starting with "/" that the interpreter handles
before the game sees them (the way Bocfel does), and interpreter-level
undo for stories without @save_undo.

At every line input the machine keeps a snapshot whose PC is the read
instruction itself ("turn snapshots"); restoring one runs that read again,
so the player is back at the prompt of that turn. Snapshots are kept as
``Moment`` records (cheap to take: most are never used), made Quetzal
``SavedState`` records when used and bytes only when written to disk, where
zvm's own ``ZVMm`` chunk marks the PC as an instruction to run again
rather than the store or branch of a save (Quetzal lets interpreters add
chunks of their own, which others skip).
"""

from __future__ import annotations

import os
from collections import deque

from zvm.errors import Restart
from zvm.records import TYPE_CHECKING
from zvm.screen.protocol import PLAIN
from zvm.story.files import (
    FileNameError,
    player_file,
    player_read_file,
    read_bounded,
    read_command_file,
    with_extension,
    write_atomically,
)
from zvm.story.state import ZVM_RNG, ZVM_TURN, Moment, SavedState
from zvm.vm.ops.saves import OVERWRITE, restore_from

if TYPE_CHECKING:
    from zvm.vm.machine import Machine

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

    def __init__(self, pc: int) -> None:
        super().__init__(pc)
        self.pc = pc


class MetaCommands:
    """The meta-commands and turn snapshots of one machine."""

    def __init__(self, machine: Machine, enabled: bool) -> None:
        self.m = machine
        self.enabled = enabled
        self.autosave_path: str | None = None        # --autosave: the turn's file
        # The file name last typed at a save or restore prompt: Frotz offers
        # it as the next prompt's default.
        self.save_name: str | None = None
        self.turns: deque[Moment] = deque(maxlen=TURNS_KEPT)

    def say(self, text: str) -> None:
        """Interpreter text in the lower window, then a fresh prompt."""
        self.m.frontend.write(text + "\n\n>", PLAIN)

    def remember_turn(self, read_pc: int) -> None:
        """A snapshot at the start of a line input (the undo history); none
        when nothing can use it (meta-commands off and no autosave)."""
        m = self.m
        if not (self.enabled or self.autosave_path):
            return
        if m.interrupt_depths:          # (a read in an interrupt routine: no turn)
            return
        self.turns.append(m.moment(read_pc))
        if self.autosave_path:
            try:
                write_atomically(self.autosave_path, self.turn_save_bytes(self.turns[-1]))
            except OSError as e:
                m.frontend.message(f"zvm: cannot autosave to {self.autosave_path}: "
                                   f"{e.strerror or e}")
                self.autosave_path = None

    def turn_state(self, turn: Moment) -> SavedState:
        """A turn snapshot as a SavedState (without the generator's state:
        undo does not rewind it, as in Frotz)."""
        return turn.saved(self.m.header)

    def turn_save_bytes(self, turn: Moment) -> bytes:
        """A turn snapshot as a save file: marked as resuming at its read,
        with a seeded generator's state."""
        extra = {ZVM_TURN: b"\x01"}
        if self.m.rng.seeded:
            extra[ZVM_RNG] = self.m.rng.state()
        from zvm.story import quetzal
        return quetzal.encode(turn.saved(self.m.header, extra), self.m.original_dynamic)

    def end_autosave(self) -> None:
        """The story ended by itself (@quit): the next start is a new game."""
        if self.autosave_path and os.path.exists(self.autosave_path):
            os.unlink(self.autosave_path)

    def command(self, line: str) -> bool:
        """Handle line if it is a meta-command; False when the game should
        have it. May raise Resume or Restart."""
        if not self.enabled or not line.startswith("/") or line.startswith("//"):
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
        state = self.turn_state(self.turns.pop())    # the read before it runs again
        self.m.load_state(state)
        self.say("[Previous turn undone.]")
        raise Resume(state.pc)

    def _path(self, arg: str, ext: str, reading: bool = False) -> str | None:
        """The file for /save (in the save folder, ``ext`` added to a name
        without one) or /restore (``reading``: from where a path names)."""
        try:
            if reading:
                return player_read_file(self.m.save_dir, arg or self.m.stem + ext, ext)
            return player_file(self.m.save_dir, with_extension(arg or self.m.stem, ext))
        except FileNameError as e:
            self.say(f"[{e}]")
            return None

    def meta_save(self, arg: str) -> None:
        path = self._path(arg, ".qzl")
        if path is None:
            return
        if os.path.exists(path) and not self.m.frontend.confirm(
                OVERWRITE, self.m.overwrite):
            self.say(f"[{os.path.basename(path)} exists; not overwritten.]")
            return
        try:
            write_atomically(path, self.turn_save_bytes(self.turns[-1]))
        except OSError as e:
            self.say(f"[Cannot save to {path}: {e.strerror or e}]")
            return
        self.say(f"[Saved to {path}.]")

    def meta_restore(self, arg: str) -> None:
        path = self._path(arg, ".qzl", reading=True)
        if path is None:
            return
        try:
            data = read_bounded(path)                # /restore /dev/zero reads no more
        except OSError as e:
            self.say(f"[Cannot restore {path}: {e.strerror or e}]")
            return
        pc = restore_from(self.m, path, data)
        if pc is None:
            self.say("[Not restored.]")
            return
        self.say(f"[Restored {path}.]")
        raise Resume(pc)

    def meta_restart(self, arg: str) -> None:
        """Ask first where the frontend can (the terminal UI); headless
        play restarts at once."""
        if not self.m.frontend.confirm("Restart the story from the beginning?", True):
            self.say("[Not restarted.]")
            return
        raise Restart

    def meta_script(self, arg: str) -> None:
        on = arg.lower() != "off"
        streams = self.m.streams
        if on:
            streams.start_transcript(streams.transcript_path)
        else:
            streams.set_transcript(False)
        self.say(f"[Transcript {'on' if on else 'off'}.]")

    def meta_record(self, arg: str) -> None:
        on = arg.lower() != "off"
        streams = self.m.streams
        if on and not streams.record_path:
            streams.record_path = os.path.join(self.m.save_dir, self.m.stem + ".rec")
        streams.record_on = on
        self.say(f"[Recording {'to ' + streams.record_path if on else 'off'}.]")

    def replay_file(self, path: str) -> int | None:
        """Queue the commands in path (one a line); how many, or None with
        the reason said when the file cannot be read."""
        try:
            lines = read_command_file(path)          # bounded: /replay /dev/zero
        except OSError as e:
            self.m.frontend.message(f"zvm: cannot replay {path}: {e.strerror or e}")
            return None
        self.m.frontend.script(lines)
        return len(lines)

    def meta_replay(self, arg: str) -> None:
        if self.m.frontend.line_was_scripted:
            # A replayed /replay: a file naming itself (or two naming each
            # other) would replay for ever.
            self.say("[Not replayed: a replay cannot start another.]")
            return
        count = self.replay_file(arg)
        self.say("[Not replayed.]" if count is None else
                 f"[Replaying {count} commands from {arg}.]")

    def meta_seed(self, arg: str) -> None:
        try:
            seed = int(arg)
        except ValueError:
            self.say("[/seed takes a number.]")
            return
        rng = self.m.rng
        rng.seed = seed & 0xFFFFFFFF
        rng.seeded = True
        rng.reset()
        self.say(f"[Random numbers seeded with {seed}.]")
