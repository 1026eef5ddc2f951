"""zvm as a library: drive any story from Python.

    game = zvm.Game("zork1.z3", seed=12)
    opening = game.reset()
    result = game.step("open mailbox")   # .text .score .moves .done .won .lost
    state = game.snapshot()              # bytes(state) is a Quetzal save
    game.restore(state)
    game.valid_actions()                 # the actions that change the world here

The machine runs until the story asks for a line (or a key) and stops
there, so it can be stopped, snapshot or copied
between any two commands (``zvm.research.common``). Text comes back unwrapped, in full Unicode.
What the library knows about a story — where it keeps the score, the
moves, the player and the location, what of its memory is the world — is
learned from the story itself (``zvm.research.profile``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zvm.compile.shapes import publish_sources
from zvm.errors import Quit, StoryError, ZMachineError
from zvm.research.access import Access, MachineState
from zvm.research.common import (
    GameError,
    LibraryFrontend,
    StepResult,
    TryTimeout,
    WaitInput,
    asks_game_over,
    says_won,
    split_prompt,
    time_limit,
)
from zvm.research.profile import Profile, cached, learn
from zvm.screen.protocol import InputEnded, Style
from zvm.story.loader import Story, parse, read
from zvm.story.quetzal import SaveError
from zvm.story.state import ZVM_GAME
from zvm.vm.machine import Machine

if TYPE_CHECKING:
    from zvm.research.actions import Pool

publish_sources()           # the library's users see tracebacks: generated code shows its lines

SCORE = re.compile(r"Score:\s*(-?\d+)")
MOVES = re.compile(r"(?:Moves|Turns):\s*(-?\d+)")
TRY_SECONDS = 5.0                     # a command tried for valid_actions or learning


@dataclass(frozen=True)
class GameObject:
    number: int
    name: str
    parent: int
    sibling: int
    child: int
    attributes: tuple[int, ...]
    properties: dict[int, bytes] = field(hash=False)


class Snapshot:
    """A game's whole state (``Game.snapshot``). Restoring it into a game
    of the same story is a copy of Python values; ``bytes(snapshot)`` is
    the same state as a Quetzal save, encoded when first asked for (and
    what a snapshot becomes when it is pickled)."""

    __slots__ = ("_game", "state", "width", "story_key", "_data")

    def __init__(self, game: Game, state: tuple, width: int) -> None:
        self._game: Game | None = game
        self.state = state
        self.width = width
        self.story_key = game.story_key
        self._data: bytes | None = None

    def __bytes__(self) -> bytes:
        if self._data is None:
            assert self._game is not None
            self._data = self._game._encode(self)
            self._game = None                   # the bytes no longer need it
        return self._data

    def __len__(self) -> int:
        return len(bytes(self))

    def __reduce__(self) -> tuple:
        return (bytes, (bytes(self),))


_loaded: dict[str, tuple[bytes, Story]] = {}
LOADED_KEPT = 32          # story files kept read (a story is read-only: Games share it)


def _load(path: str) -> Story:
    """The story at path; while the file holds the same bytes, the Story
    read first (100 Games of Zork I kept 100 copies of it, 9 MB)."""
    data = read(path)
    key = os.path.realpath(path)
    known = _loaded.get(key)
    if known is not None and known[0] == data:
        story = known[1]
        return story if story.path == path else story._replace(path=path)
    story = parse(path, data)
    if len(_loaded) >= LOADED_KEPT:
        _loaded.clear()
    _loaded[key] = (data, story)
    return story


class Game:
    """A story to play from Python. ``seed`` makes random numbers (and so
    the whole game) reproducible, as ``dfrotz -s`` does; ``width`` is the
    screen width the story is told (§11.1: header bytes $21 and $22;
    default 255); ``player`` names the player's object when the one found
    is wrong. ``isolated=True`` returns an ``IsolatedGame`` running in a
    child process (``zvm.research.isolated``), with ``timeout`` seconds
    allowed per step. A direct game (the default) has no time bound:
    a story that loops without printing or reading never returns from
    ``reset`` or ``step``, as in Frotz; ``timeout`` applies only to an
    isolated game."""

    def __new__(cls, *args: Any, isolated: bool = False, **kwargs: Any) -> Any:
        # (the path and the rest are __init__'s, or IsolatedGame's)
        if isolated and cls is Game:
            from zvm.research.isolated import IsolatedGame
            return IsolatedGame(Game, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] | Story, seed: int | None = None,
                 width: int = 0, player: int | None = None, isolated: bool = False,
                 timeout: float = 10.0) -> None:
        if isinstance(path, Story):
            self.story = path
        else:
            try:
                self.story = _load(os.fspath(path))
            except StoryError as e:
                raise GameError(f"{path}: {e}") from None
        self.seed = seed
        self.width = max(0, int(width))
        self.player_override = player
        self._pool: Pool | None = None
        self._profile: Profile | None = None
        self._learning = False
        self._new_machine()

    def _new_machine(self) -> None:
        """A machine at the story's start, not yet run."""
        self.frontend = LibraryFrontend(self.width)
        self.machine = Machine(self.story, self.frontend, seed=self.seed, meta=False)
        self.access = Access(self.machine)
        self.done = self.won = self.lost = False
        self.last_text = ""

    # -- playing ------------------------------------------------------------
    def _run(self) -> str:
        """Run until the story waits for input or ends; the text printed."""
        quit_ = False
        try:
            self.machine.run_until_input()
        except WaitInput:
            pass
        except (Quit, InputEnded):
            quit_ = True
        except ZMachineError as e:
            self.done = True
            self.frontend.take_text()
            raise GameError(str(e)) from None
        text = self.frontend.take_text()
        self.last_text = text
        if quit_ or asks_game_over(text):
            self._finish(text, asked=not quit_)
        return text

    def _finish(self, text: str, asked: bool) -> None:
        """The game is over: won or lost (``zvm.research.common``)."""
        self.done = True
        score, best = (None, None) if self._learning else (self.score, self.max_score)
        self.won = (score is not None and best is not None and score >= best) \
            or says_won(text)
        self.lost = not self.won and asked

    def reset(self) -> str:
        """Start the story afresh; the opening text."""
        self._new_machine()
        return self._run()

    def step(self, command: str) -> StepResult:
        """Type command; what it printed, the score and moves after it,
        and whether the game is over (and won or lost)."""
        if not self.done:
            self.frontend.pending = command
            self._run()
            text = self.last_text
        else:
            text = ""
        body, prompt = split_prompt(text)
        return StepResult(body, self.score, self.moves, self.done, self.won, self.lost,
                          prompt=prompt)

    def _attempt(self, state: MachineState, command: str, text: bool = True) -> tuple[str, str]:
        """Run command from state, for trying it: (text, how it stopped:
        "input", "ended" (quit or a fatal error) or "timeout" (still running
        after TRY_SECONDS)). The game's own flags are left alone."""
        acc, fe = self.access, self.frontend
        acc.restore(state, screen=text)
        fe.discard = not text
        fe.pending = command
        how = "input"
        try:
            with time_limit(TRY_SECONDS), acc.quarantine():
                self.machine.run_until_input()
        except WaitInput:
            pass
        except TryTimeout:
            how = "timeout"
        except (Quit, InputEnded, ZMachineError, RecursionError):
            how = "ended"
        finally:
            fe.pending = None
            fe.discard = False
        return fe.take_text(), how

    # -- what the story keeps: score, moves, player, location ---------------------
    @property
    def profile(self) -> Profile:
        """What the library learned about this story (``zvm.research.profile``)."""
        found = self._profile or cached(self.access, self.width)
        if found is None:
            fresh = Game(self.story, seed=0, width=self.width)
            fresh._learning = True                 # its ending must not ask for this profile
            fresh.reset()
            for _ in range(5):                   # past a "press a key" opening
                if fresh.frontend.waiting != "char" or fresh.done:
                    break
                fresh.frontend.pending = ""
                fresh._run()
            found = learn(fresh, self.width)
        self._profile = found
        return found

    def _global(self, g: int | None) -> int | None:
        return None if g is None else self.access.global_value(g, signed=True)

    @property
    def score(self) -> int | None:
        """The score: where the story keeps it (§8.2.2 in versions 1-3),
        else as the status line shows it; None when it keeps none."""
        p = self.profile
        if p.status.score_global is not None:
            return self._global(p.status.score_global)
        return self._from_upper(SCORE) if self.access.version > 3 else None

    @property
    def moves(self) -> int | None:
        """The moves (turns) taken, as the story counts them."""
        p = self.profile
        if p.status.moves_global is not None:
            return self._global(p.status.moves_global)
        return self._from_upper(MOVES) if self.access.version > 3 else None

    @property
    def max_score(self) -> int | None:
        """The highest score, as the story states it; None when it does not."""
        return self.profile.max_score

    def _from_upper(self, pattern: re.Pattern[str]) -> int | None:
        found = pattern.search(" ".join(self.access.upper_rows()))
        return int(found.group(1)) if found else None

    @property
    def status(self) -> list[str]:
        """The status line and the rest of the upper window, as shown."""
        st = self.frontend.status
        if self.access.version <= 3 and st is not None:
            return [f"{st[0]}  {st[1]}"]
        return list(self.access.upper_rows())

    @property
    def player(self) -> int:
        """The player's object: the object the parser acts for, as the
        story's globals hold it (``player=`` when given); 0 when none."""
        if self.player_override is not None:
            return self.player_override
        acc = self.access
        for g in self.profile.status.player_globals:
            v = acc.global_value(g)
            if acc.valid_object(v):
                return v
        return 0

    @property
    def location(self) -> int:
        """The room the player is in: the status line's location when it
        holds the player, else the player's container at the depth of rooms
        (in the dark, or in a vehicle); 0 when unknown."""
        acc, p = self.access, self.profile.status
        shown = acc.global_value(p.location_global) if p.location_global is not None else 0
        player = self.player
        if not player or not acc.valid_object(player):
            return shown if acc.valid_object(shown) else 0
        chain = acc.ancestors(player)
        if shown in chain:
            return shown
        top_down = chain[::-1]
        if len(top_down) > p.room_depth:
            return top_down[p.room_depth]
        return shown if acc.valid_object(shown) else (chain[0] if chain else 0)

    # -- states ---------------------------------------------------------------
    @property
    def story_key(self) -> str:
        """What identifies the story's code (and so its snapshots)."""
        return self.machine.code.key

    def _state(self) -> tuple:
        return (self.access.capture(), self.done, self.won, self.lost, self.last_text)

    def _set_state(self, state: tuple) -> None:
        machine, self.done, self.won, self.lost, self.last_text = state
        self.access.restore(machine)
        self.frontend.pending = None
        self.frontend.clear_text()

    def snapshot(self) -> Snapshot:
        """The whole state, for ``restore``: kept as Python values, so
        taking and restoring one is cheap; ``bytes(snapshot)`` is a Quetzal
        save with zvm's chunks for the random generator, the screen (upper
        window, status line), the done, won and lost flags and the width,
        made the first time it is asked for."""
        return Snapshot(self, self._state(), self.width)

    def _encode(self, snap: Snapshot) -> bytes:
        st, done, won, lost, last_text = snap.state
        info = {"done": done, "won": won, "lost": lost, "width": snap.width,
                "last_text": last_text, "screen": _screen_json(st)}
        return self.access.encode(st, {ZVM_GAME: json.dumps(info).encode()})

    def restore(self, data: Snapshot | bytes) -> None:
        """Go back to a snapshot of this story (from any game of it): a
        ``Snapshot`` or its bytes."""
        if isinstance(data, Snapshot) and data.story_key == self.story_key \
                and data.width == self.width:
            self._set_state(data.state)           # copies: the snapshot stays as it was
            return
        try:
            st, extra = self.access.decode(bytes(data))
            info = json.loads(extra[ZVM_GAME]) if ZVM_GAME in extra else {}
        except (SaveError, ZMachineError, ValueError, KeyError, TypeError) as e:
            raise GameError(f"cannot restore the snapshot: {e}") from None
        width = int(info.get("width", self.width))
        if width != self.width:
            self.width = width
            frontend = self.machine.frontend
            if TYPE_CHECKING:                    # the game's own (_new_machine)
                assert isinstance(frontend, LibraryFrontend)
            self.frontend = frontend
            self.frontend.features = LibraryFrontend(width).features
            self.access.resize(self.frontend.features.width, self.frontend.features.height)
        if "screen" in info:
            st.screen, st.status = _screen_from_json(info["screen"])
        self._set_state((st, bool(info.get("done", False)), bool(info.get("won", False)),
                         bool(info.get("lost", False)), str(info.get("last_text", ""))))
        self.access.set_header()

    def copy(self) -> "Game":
        """An independent game in the same state."""
        other = Game(self.story, seed=self.seed, width=self.width, player=self.player_override)
        other._set_state(self._state())
        return other

    # -- the world --------------------------------------------------------------
    def objects(self) -> list[GameObject]:
        """Every object (§12), numbered from 1."""
        return [self.object(n) for n in range(1, self.access.object_count() + 1)]

    def object(self, n: int) -> GameObject:
        """Object n (§12)."""
        acc = self.access
        if not acc.valid_object(n):
            raise GameError(f"no object {n} (the story has {acc.object_count()})")
        parent, sibling, child = acc.links(n)
        return GameObject(n, acc.object_name(n), parent, sibling, child,
                          tuple(acc.attributes(n)), dict(acc.properties(n)))

    def inventory(self) -> list[GameObject]:
        """The objects the player holds (children of the player object)."""
        player = self.player
        return [self.object(n) for n in self.access.children(player)] if player else []

    def dictionary(self) -> list[str]:
        """The words of the story's dictionary (§13), as stored."""
        return sorted(w for _, w, _ in self.access.dictionary_entries())

    def world_hash(self) -> str:
        """A hash of the world (``zvm.research.world``): equal after
        commands that change nothing (look, inventory, examine, an unknown
        word, waiting where nothing happens), different after taking,
        dropping, opening or moving."""
        return self.profile.mask.hash(self.access.mem)

    def valid_actions(self, candidates: list[str] | None = None, groups: bool = False,
                      workers: int | None = 1) -> list:
        """The actions that change the world here, one per group of actions
        with the same outcome (its simplest wording), or with ``groups=True``
        the groups. Without candidates they are made from the story's
        grammar and the objects in scope (``zvm.research.actions``);
        ``workers`` > 1 (None: every core) tries them in that many processes."""
        from zvm.research.actions import valid_actions
        return valid_actions(self, candidates, groups, workers)

    def close(self) -> None:
        """Stop the worker processes of ``valid_actions``, if any."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> "Game":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _screen_json(st: MachineState) -> dict:
    if isinstance(st.screen, dict):              # version 6: zvm.screen.v6's plain values
        return {"v6": st.screen}
    window, height, cells, cursor, style, buffering = st.screen
    styles: list[list[int]] = []
    index: dict[Style, int] = {}
    rows = []
    for row in cells:
        text = "".join(ch for ch, _ in row)
        ids = []
        for _, s in row:
            if s not in index:
                index[s] = len(styles)
                styles.append([s.bits, s.fg, s.bg, s.font])
            ids.append(index[s])
        rows.append([text, ids])
    return {"window": window, "height": height, "rows": rows, "styles": styles,
            "cursor": cursor, "style": [style.bits, style.fg, style.bg, style.font],
            "buffering": buffering, "status": list(st.status) if st.status else None}


def _screen_from_json(d: dict) -> tuple[tuple | dict, tuple[str, str] | None]:
    if "v6" in d:
        return d["v6"], None
    styles = [Style(*s) for s in d["styles"]]
    cells = [[(ch, styles[i]) for ch, i in zip(text, ids, strict=False)]
             for text, ids in d["rows"]]
    screen = (int(d["window"]), int(d["height"]), cells, list(d["cursor"]),
              Style(*d["style"]), bool(d["buffering"]))
    status = tuple(d["status"]) if d.get("status") else None
    return screen, status
