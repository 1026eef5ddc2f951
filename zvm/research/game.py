"""zvm as a library: drive any story from Python.

    game = zvm.Game("zork1.z3", seed=12)
    opening = game.reset()
    result = game.step("open mailbox")   # result.text, .score, .moves, .done
    state = game.snapshot()              # bytes (a Quetzal save inside)
    game.restore(state)

The machine runs until the story asks for a line (or a key), and stops
there: ``LibraryFrontend.read_line`` raises ``_WaitInput`` and the read
instruction runs again when the next command arrives, so the machine can
stop, be snapshot or be copied between any two commands. Text comes back
unwrapped and in full Unicode.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from zvm.story import quetzal
from zvm.errors import Quit, ZMachineError
from zvm.screen.protocol import CharRequest, Features, Frontend, InputEnded, LineRequest, LineResult, Style
from zvm.story.loader import Story, load
from zvm.vm.machine import Machine
from zvm.vm.ops.output import object_name

# The questions games ask when they are over: Infocom's "(Type RESTART,
# RESTORE, or QUIT)" and the Inform library's "Would you like to RESTART,
# RESTORE a saved game, ... or QUIT?".
GAME_OVER = re.compile(r"RESTART.{0,80}RESTORE.{0,200}QUIT", re.S)
SCORE = re.compile(r"Score:\s*(-?\d+)")
MOVES = re.compile(r"(?:Moves|Turns):\s*(-?\d+)")
PLAYER_NAMES = ("yourself", "you", "self", "cretin", "player", "adventurer")


class GameError(Exception):
    """The story stopped with a fatal Z-machine error."""


class _WaitInput(Exception):
    """The story asks for input: the machine stops at the read."""


@dataclass(frozen=True)
class StepResult:
    text: str
    score: int | None
    moves: int | None
    done: bool


@dataclass(frozen=True)
class GameObject:
    number: int
    name: str
    parent: int
    sibling: int
    child: int
    attributes: tuple[int, ...]
    properties: dict[int, bytes] = field(hash=False)


class LibraryFrontend(Frontend):
    """Collects the text a story prints; stops the machine at input."""

    features = Features(width=255, height=255, status_line=True, split=True,
                        timed_input=False)

    def __init__(self) -> None:
        super().__init__()
        self.buffer: list[str] = []
        self.status: tuple[str, str] | None = None
        self.pending: str | None = None

    def write(self, text: str, style: Style) -> None:
        self.buffer.append(text)

    def status_line(self, left: str, right: str) -> None:
        self.status = (left, right)

    def read_line(self, request: LineRequest) -> LineResult:
        if self.pending is None:
            raise _WaitInput
        line, self.pending = self.pending, None
        return LineResult((request.preloaded or "") + line, 13)

    def read_char(self, request: CharRequest) -> int | str:
        if self.pending is None:
            raise _WaitInput
        line, self.pending = self.pending, None
        return line[0] if line else 13

    def take_text(self) -> str:
        text = "".join(self.buffer)
        self.buffer.clear()
        return text


class Game:
    """A story to play from Python. ``seed`` makes random numbers (and so
    the whole game) reproducible, as ``dfrotz -s`` does; ``player`` names
    the player's object when the built-in guess is wrong (see ``player``).
    ``isolated=True`` returns an ``IsolatedGame`` running in a child process
    (zvm.research.isolated), with ``timeout`` seconds allowed per step."""

    def __new__(cls, path=None, *args, isolated: bool = False, **kwargs):
        if isolated and cls is Game:
            from zvm.research.isolated import IsolatedGame
            return IsolatedGame(path, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, path: str | Story, seed: int | None = None, width: int = 0,
                 player: int | None = None, isolated: bool = False, timeout: float = 10.0):
        self.story = path if isinstance(path, Story) else load(str(path))
        self.seed = seed
        self.width = width
        self.player_override = player
        self._new_machine()

    def _new_machine(self) -> None:
        """A machine at the story's start, not yet run."""
        self.frontend = LibraryFrontend()
        self.machine = Machine(self.story, self.frontend, seed=self.seed, meta=False)
        self.done = False
        self.last_text = ""

    # -- playing ------------------------------------------------------------
    def _run(self) -> str:
        """Run until the story waits for input or ends; the text printed."""
        m = self.machine
        try:
            m.run_until_input()
        except _WaitInput:
            pass
        except (Quit, InputEnded):
            self.done = True
        except ZMachineError as e:
            self.done = True
            raise GameError(str(e)) from None
        text = self.frontend.take_text()
        if GAME_OVER.search(text):
            self.done = True
        self.last_text = text
        return text

    def reset(self) -> str:
        """Start the story afresh; the opening text."""
        self._new_machine()
        return self._run()

    def step(self, command: str) -> StepResult:
        """Type command; the text it printed, the score and moves, and
        whether the game is over."""
        if self.done:
            return StepResult("", self.score, self.moves, True)
        self.frontend.pending = command
        text = self._run()
        return StepResult(text, self.score, self.moves, self.done)

    # -- the status: score and moves (§8.2) ------------------------------------
    @property
    def score(self) -> int | None:
        m = self.machine
        if m.version <= 3:
            if m.mem[1] & 0x02:                     # a "time" game has no score
                return None
            return m.get_global(1, signed=True)
        return self._from_upper(SCORE)

    @property
    def moves(self) -> int | None:
        m = self.machine
        if m.version <= 3:
            if m.mem[1] & 0x02:
                return None
            return m.get_global(2, signed=True)
        return self._from_upper(MOVES)

    def _from_upper(self, pattern) -> int | None:
        found = pattern.search(" ".join(self.machine.screen.upper_rows))
        return int(found.group(1)) if found else None

    # -- states ---------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The whole state as bytes (a Quetzal save), cheap enough to take
        every step; ``restore`` takes it back."""
        m = self.machine
        state = m.state(m.pc, keep_rng=False)
        state.extra[quetzal.ZVM_TURN] = b"\x01"
        state.extra[quetzal.ZVM_RNG] = m.rng.state()
        state.extra[quetzal.ZVM_DONE] = b"\x01" if self.done else b"\x00"
        # Where the latest command was typed, so the world hash of a
        # restored game leaves out the same bytes.
        state.extra[quetzal.ZVM_BUFFERS] = (m.input_buffer.to_bytes(2, "big")
                                            + m.parse_buffer.to_bytes(2, "big"))
        return quetzal.encode(state, m.original_dynamic)

    def restore(self, data: bytes) -> None:
        m = self.machine
        state = quetzal.decode(data, m.original_dynamic)
        m.load_state(state)
        m.pc = state.pc
        m.rng.set_state(state.extra.get(quetzal.ZVM_RNG, b""))
        self.done = state.extra.get(quetzal.ZVM_DONE) == b"\x01"
        buffers = state.extra.get(quetzal.ZVM_BUFFERS, bytes(4))
        m.input_buffer = int.from_bytes(buffers[:2], "big")
        m.parse_buffer = int.from_bytes(buffers[2:4], "big")
        self.frontend.pending = None
        self.frontend.buffer.clear()

    def copy(self) -> "Game":
        """An independent game in the same state."""
        other = Game(self.story, seed=self.seed, width=self.width, player=self.player_override)
        other.restore(self.snapshot())
        return other

    # -- the world --------------------------------------------------------------
    def objects(self) -> list[GameObject]:
        """Every object (§12), numbered from 1."""
        return [self._object(n) for n in range(1, self.machine.objects.count() + 1)]

    def _object(self, n: int) -> GameObject:
        m = self.machine
        table = m.objects
        return GameObject(n, object_name(m, n), table._link(n, 0), table._link(n, 1),
                          table._link(n, 2), tuple(table.attributes(n)),
                          dict(table.properties(n)))

    @property
    def location(self) -> int:
        """The player's location: the parent of the player object, or, when
        no player is found, the first global (where Infocom and Inform
        games keep it for the status line, §8.2.2)."""
        player = self.player
        if player:
            parent = self.machine.objects._link(player, 0)
            if parent:
                return parent
        return self.machine.get_global(0)

    @property
    def player(self) -> int:
        """The player's object: ``player=`` when given; else the object in
        the status line's location (global 0) named like a player
        ("yourself", "cretin" ...); 0 when none is found."""
        if self.player_override is not None:
            return self.player_override
        m = self.machine
        table = m.objects
        location = m.get_global(0)
        if 0 < location <= table.count():
            child = table._link(location, 2)
            while child:
                if object_name(m, child).lower() in PLAYER_NAMES:
                    return child
                child = table._link(child, 1)
        return 0

    def inventory(self) -> list[GameObject]:
        """The objects the player holds (children of the player object)."""
        player = self.player
        if not player:
            return []
        table = self.machine.objects
        found = []
        child = table._link(player, 2)
        while child:
            found.append(self._object(child))
            child = table._link(child, 1)
        return found

    def dictionary(self) -> list[str]:
        """The words of the story's dictionary (§13), as stored."""
        m = self.machine
        _, words = m.dictionaries.load(m.header.dictionary)
        return sorted(m.codec.decode_zchars(m.codec.zchars(addr)[0]) for addr in words.values())

    def world_hash(self) -> str:
        """A hash of the world: dynamic memory (the object tree and every
        variable the game keeps there) without the header and the buffers
        the latest command was typed into, so it changes when the world
        changes and not with the words used."""
        m = self.machine
        mem = bytearray(m.mem[0x40:m.dyn_end])
        for buf in (m.input_buffer, m.parse_buffer):
            if buf:
                size = m.mem[buf] + 2 if buf == m.input_buffer else 2 + 4 * m.mem[buf]
                start = buf - 0x40
                mem[start:start + size] = bytes(len(mem[start:start + size]))
        return hashlib.blake2b(bytes(mem), digest_size=16).hexdigest()
