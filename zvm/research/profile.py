"""What the library learns about a story, once, from the story itself.

A fresh game of the story is run to its first prompt and tried with
commands that cannot change the world (each from the same snapshot):
unknown words, and the story's own "look", "inventory", "wait" and
"examine" for the things in the first room, when its dictionary has those
verbs. From what they change, and from the status line (§8.2), it finds:

* the noise of the world hash (``zvm.research.world``): globals, attributes
  and properties that changed after such a command; globals that refused
  commands change (``Profile.refusals``); globals that "look" overwrites
  unread (``zvm.research.scratch``);
* where the score and the moves are kept: versions 1-3 show globals 1 and 2
  (§8.2.2); in later versions, globals are set to telltale values and the
  status line redrawn, and the globals whose values show there, left to
  right, are the score and the moves. The moves are the counter that
  changes with the shown one and starts lowest (a story may show a clock);
* the location: the global the status line names (global 0 in versions 1-3),
  and the player: of the things in that location that stay put through the
  quiet commands, the one the globals hold after most of them (the parser's
  actor); then the globals that hold it, read afresh at every question;
* the maximum score, from the numbers of the story's reply to "score" other
  than the score and the moves;
* the property holding the names of objects (the one whose values are
  dictionary words in most objects, §12.4, §13).

Each part is learned when first asked for (the score and moves at the
first step, the noise at the first world hash) and kept per story contents
and width for the life of the process, and on disk (``zvm.research.kept``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from zvm.research.access import GLOBALS, Access, MachineState
from zvm.research.grammar import read_grammar
from zvm.research.kept import adopt, kept
from zvm.research.names import name_property, name_words
from zvm.research.scratch import overwritten
from zvm.research.world import Changes, Noise, Status, WorldLayout, WorldMask

if TYPE_CHECKING:
    from zvm.research.game import Game

NUMBER = re.compile(r"-?\d+")
TIME = re.compile(r"\b\d{1,2}:\d\d\b")
NONSENSE = ("zqxvj", "qvzjx xjqvz")
NEUTRAL_VERBS = ("look", "inventory", "wait", "l", "i", "z")
EXAMINE_VERBS = ("examine", "x")
POKE_BASE, POKE_STEP, POKE_SLACK = 2000, 16, 8
MAX_EXAMINED = 10
LEARN_LIMIT = 40_000_000           # Z-instructions for all the learning
FAILING_BUDGET = 2_500_000         # Z-instructions for refused commands
REFUSAL_BUDGET = 3_000_000         # ... for the commands of ``Profile.refusals``
ME_WORDS = ("me", "myself", "self")
COMPASS = ("north", "n")           # when the grammar names no direction words
REFUSALS_SHARING = 2               # refused commands that must change a global
EXAMINE_BUDGET = 3_000_000         # ... for each thing held in turn
CARRIED = 3

_cache: dict[tuple[str, int], "Profile"] = {}


class _Probe:
    """One command tried from the opening: the memory, globals, status
    rows and text after it."""

    def __init__(self, command: str, memory: bytes, globals_: list[int], rows: list[str],
                 text: str, ended: bool) -> None:
        self.command, self.memory, self.globals = command, memory, globals_
        self.rows, self.text, self.ended = rows, text, ended


def story_key(acc: Access, width: int) -> tuple[str, int]:
    """The story's contents (its code's key: a digest made once per story
    and process) and the width."""
    return acc.m.code.key, width


def cached(acc: Access, width: int) -> "Profile | None":
    return _cache.get(story_key(acc, width))


def learn(game: Game, width: int) -> "Profile":
    """The profile of game's story; game is a fresh game at its opening,
    kept to learn from (it is tried from there and left as it was)."""
    key = story_key(game.access, width)
    if key not in _cache:
        _cache[key] = adopt(Profile(game))
    return _cache[key]


class Profile:
    """What the library learned about a story (see the module)."""

    def __init__(self, game: Game) -> None:
        self.game = game
        self.acc: Access = game.access
        self.grammar = read_grammar(self.acc)
        self.words = {w for _, w, _ in self.acc.dictionary_entries()}
        self.verb_words = {w for ws in self.grammar.verbs.values() for w in ws}
        self.base: MachineState = self.acc.capture()
        self.base_globals = self.acc.global_values()
        self.base_rows = list(self.acc.upper_rows())
        self.hangs = False
        self.limit = self.acc.instructions + LEARN_LIMIT
        self.layout = WorldLayout(self.acc)

    def has_verb(self, word: str) -> bool:
        return word[:self.acc.word_length()] in self.verb_words

    def run(self, command: str, state: MachineState | None = None) -> _Probe:
        """Try command from state (the opening by default). Once a command
        has hung, the story is not tried again: every later probe ends."""
        acc = self.acc
        if self.hangs or acc.instructions > self.limit:
            acc.restore(self.base)
            return _Probe(command, self.base.memory, list(self.base_globals),
                          list(self.base_rows), "", True)
        text, how = self.game._attempt(state or self.base, command)
        ended = how != "input"
        self.hangs = how == "timeout"
        probe = _Probe(command, bytes(acc.mem[:acc.dyn_end]), acc.global_values(),
                       list(acc.upper_rows()), text, ended)
        return probe

    def nonsense(self) -> list[str]:
        out = []
        for phrase in NONSENSE:
            while any(w[:self.acc.word_length()] in self.words for w in phrase.split()):
                phrase = phrase.replace("q", "qz", 1)
            out.append(phrase)
        return out

    # -- the parts, each learned when first asked for ---------------------------------
    @cached_property
    def names(self) -> dict[int, str]:
        """A word for each object with names (``name_words``)."""
        return name_words(self.acc, self.name_property)

    @cached_property
    def name_property(self) -> int | None:
        return name_property(self.acc)

    @cached_property
    def examine(self) -> str | None:
        """The story's verb for looking at a thing, if it has one."""
        return next((w for w in EXAMINE_VERBS if self.has_verb(w)), None)

    @cached_property
    def location_global(self) -> int | None:
        return self.find_location(self.base_globals, self.base_rows)

    @cached_property
    def quiet(self) -> list[_Probe]:
        """The quiet commands tried from the opening."""
        acc, location = self.acc, self.location
        commands = self.nonsense() + [w for w in NEUTRAL_VERBS if self.has_verb(w)]
        if self.examine and location:
            seen: set[str] = set()
            for obj in acc.descendants(location)[:4 * MAX_EXAMINED]:
                word = self.names.get(obj)
                if word and word not in seen and len(seen) < MAX_EXAMINED:
                    seen.add(word)
                    commands.append(f"{self.examine} {word}")
        return self.run_all(commands)

    @property
    def location(self) -> int:
        g = self.location_global
        return self.base_globals[g] if g is not None else 0

    @kept
    def status(self) -> Status:
        score_g, moves_g = self.status_globals(self.base_globals, self.quiet)
        players, depth = self.find_player(self.location, self.base_globals, self.quiet)
        return Status(score_g, moves_g, self.location_global, players, depth)

    @kept
    def noise(self) -> Noise:
        players = self.status.player_globals
        player = self.base_globals[players[0]] if players else 0
        failing = self.run_all(self.failing_commands(self.location, self.names, self.examine),
                               FAILING_BUDGET)
        noise = self.find_noise(self.quiet, failing, player)
        noise = self.refusal_noise(noise, self.run_all(self.refusals(), REFUSAL_BUDGET))
        noise = replace(noise, globals=noise.globals | overwritten(self, set(noise.globals)))
        return self.carrying_noise(noise, player)

    def refusals(self) -> list[str]:
        """Commands the story refuses in any world: each verb that needs an
        object, alone (the parser asks what to act on), and each sentence
        of the grammar with the player ("me") in its slots (hugging, waking
        or asking oneself), then with a direction (Inform's compass objects
        are always in scope: "look north", "take north"). They run the parser's and the library's
        per-command scratch that quiet commands leave alone (Inform's
        reason_code, take_all_rule, the question's inferred word)."""
        n = self.acc.word_length()
        me = next((w for w in ME_WORDS if w[:n] in self.words), None)
        way = next((w for w in self.grammar.directions + list(COMPASS) if w[:n] in self.words),
                   None)
        slotted = [p for p in self.grammar.patterns if 0 < p.count(None) <= 2]
        out = [p[0] for p in slotted if p[0] is not None]
        for p in slotted:                   # interleaved: any prefix is a sample
            out += [" ".join(w if w is not None else word for w in p)
                    for word in (me, way) if word is not None]
        return list(dict.fromkeys(out))

    def refusal_noise(self, noise: Noise, probes: list[_Probe]) -> Noise:
        """More noise globals: those a refused command changed when it moved
        nothing and changed no attribute or property, and that at least
        REFUSALS_SHARING of them changed: scratch is shared by many commands,
        while a refusal that does something (Zork III's "play me" kills the
        player and counts it) is alone in it. The globals of the status
        (score, location, player) are never noise."""
        st = self.status
        keep = {g for g in (st.score_global, st.location_global) if g is not None}
        keep |= set(st.player_globals)
        counts: dict[int, int] = {}
        for probe in probes:
            if probe.ended:
                continue
            ch = self.layout.changes(self.base.memory, probe.memory)
            if (ch.tree - noise.objects or ch.attributes - noise.attributes
                    or ch.properties - noise.properties):
                continue
            for g in ch.globals - keep:
                counts[g] = counts.get(g, 0) + 1
        found = noise.globals | {g for g, n in counts.items() if n >= REFUSALS_SHARING}
        return replace(noise, globals=frozenset(found))

    def carrying_noise(self, noise: Noise, player: int) -> Noise:
        """More noise, from more starting states (a global that a command
        sets to its value at the opening is not seen from there): the states
        after a few quiet and refused commands; the player moved to another
        room; the player carrying things and the room holding one (things
        far away moved there in memory, as @insert_obj would, §15: listing
        things uses globals and attributes that an empty inventory does
        not). From each, the quiet commands are tried again."""
        acc = self.acc
        quiet = [p.command for p in self.quiet]
        followers = quiet[:2] + [c for c in quiet[2:] if c.split()[0] != self.examine][:6] + \
            [c for c in quiet if self.examine and c.split()[0] == self.examine][:2]
        starts: list[MachineState] = []
        for command in quiet[:1] + followers[2:5] + self.failing_commands(
                self.location, self.names, self.examine)[-3:]:
            _, how = self.game._attempt(self.base, command)
            if how == "input":
                starts.append(acc.capture())
        acc.restore(self.base)
        carried = self.carried_state(player)
        elsewhere = self.moved_state(player)
        if elsewhere is not None:
            starts.append(elsewhere)
        if carried is not None:
            starts.append(carried)
            if self.examine:
                followers.append(f"{self.examine} {self.names[acc.children(player)[0]]}"
                                 if acc.children(player) and acc.children(player)[0] in self.names
                                 else quiet[0])
        try:
            tried = [(state.memory, self.run(c, state)) for state in starts for c in followers]
        finally:
            acc.restore(self.base)
        tried += self.held_examines(player)
        # Each probe against its start, and against the probe before it from
        # the same start: a global that two quiet commands leave with two
        # values is the commands', even when one of them is the start's.
        g, a, p = set(noise.globals), set(noise.attributes), set(noise.properties)
        previous: dict[bytes, bytes] = {}
        for before, probe in tried:
            if probe.ended:
                continue
            for other in (before, previous.get(before)):
                if other is None:
                    continue
                ch = self.layout.changes(other, probe.memory)
                if ch.tree - noise.objects or (player and player in ch.tree):
                    continue
                g |= ch.globals
                a |= ch.attributes
                p |= ch.properties
            previous[before] = probe.memory
        return Noise(frozenset(g), frozenset(a), frozenset(p), noise.objects)

    def held_examines(self, player: int) -> list[tuple[bytes, _Probe]]:
        """(memory before, probe): each thing in turn put in the player's
        hands (in memory), then examined, looked about with and listed,
        within EXAMINE_BUDGET instructions: a thing's own routines use
        globals as scratch too."""
        acc = self.acc
        if not (player and self.examine):
            return []
        depth = self.status.room_depth
        out = []
        end = acc.instructions + EXAMINE_BUDGET
        try:
            for o, word in sorted(self.names.items()):
                if acc.instructions > end:
                    break
                if o == player or o in acc.ancestors(player) or len(acc.ancestors(o)) <= depth:
                    continue
                acc.restore(self.base)
                acc.move(o, player)
                state = self.settled(acc.capture())
                if state is None:
                    continue
                for command in [f"{self.examine} {word}"] + [
                        w for w in ("look", "inventory") if self.has_verb(w)]:
                    out.append((state.memory, self.run(command, state)))
        finally:
            acc.restore(self.base)
        return out

    def settled(self, state: MachineState) -> MachineState | None:
        """A state made in memory after one turn-taking quiet command, so that
        what the end of a turn does to it (Inform's "visited" and "moved")
        is done before the quiet commands are tried; None if that fails."""
        verb = next((w for w in ("look", "wait") if self.has_verb(w)), None)
        if verb is None:
            return state
        _, how = self.game._attempt(state, verb)
        return self.acc.capture() if how == "input" else None

    def moved_state(self, player: int) -> MachineState | None:
        """The opening with the player (and the location global) moved to
        another room (the room of a thing far away), settled."""
        acc, st = self.acc, self.status
        if not (player and st.location_global is not None):
            return None
        rooms = []
        for o in sorted(self.names):
            chain = acc.ancestors(o)[::-1]
            if len(chain) > st.room_depth and chain[st.room_depth] != self.location:
                rooms.append(chain[st.room_depth])
        if not rooms:
            return None
        try:
            acc.restore(self.base)
            acc.move(player, rooms[0])
            a = acc.globals_addr + 2 * st.location_global
            acc.mem[a], acc.mem[a + 1] = rooms[0] >> 8, rooms[0] & 255
            return self.settled(acc.capture())
        finally:
            acc.restore(self.base)

    def carried_state(self, player: int) -> MachineState | None:
        """The opening with a few far things moved to the player and one to
        the room, settled; None when there is no player or nothing to move."""
        acc = self.acc
        if not (player and acc.valid_object(self.location)):
            return None
        near = set(acc.descendants(self.location)) | set(acc.ancestors(player)) | {player}
        depth = self.status.room_depth
        things = [o for o in sorted(self.names) if o not in near and not acc.children(o)
                  and len(acc.ancestors(o)) > depth + 1]
        chosen = things[:: max(1, len(things) // CARRIED)][:CARRIED + 1]
        if not chosen:
            return None
        try:
            acc.restore(self.base)
            for o in chosen[:-1]:
                acc.move(o, player)
            acc.move(chosen[-1], self.location)
            return self.settled(acc.capture())
        finally:
            acc.restore(self.base)

    @cached_property
    def mask(self) -> WorldMask:
        return WorldMask(self.layout, self.noise)

    @kept
    def max_score(self) -> int | None:
        if not self.has_verb("score"):
            return None
        st = self.status
        return self.find_max_score(st.score_global, st.moves_global)

    def run_all(self, commands: list[str], budget: int = 0) -> list[_Probe]:
        """Try each command from the opening; with a budget, stop once the
        commands have run that many Z-instructions (deterministic, unlike
        a time limit, so every process learns the same)."""
        acc = self.acc
        end = acc.instructions + budget
        out = []
        try:
            for c in commands:
                if budget and acc.instructions > end:
                    break
                out.append(self.run(c))
            return out
        finally:
            acc.restore(self.base)

    def failing_commands(self, location: int, names: dict[int, str],
                         examine: str | None) -> list[str]:
        """Commands for the globals the parser's other paths use: the
        movement words and the sentences without objects (most do nothing
        here), the grammar's sentences about things far away, and with an
        unknown word for a thing (which the parser must refuse)."""
        acc = self.acc
        near = set(acc.descendants(location)) | set(acc.ancestors(location)) | {location} \
            if acc.valid_object(location) else set()
        near_words = {names[o] for o in near if o in names}
        far = [w for o, w in sorted(names.items()) if o not in near and w not in near_words]
        far = list(dict.fromkeys(far))
        if not far:
            return []
        unknown = self.nonsense()[0]
        out = list(self.grammar.directions)
        out += [" ".join(p) for p in self.grammar.patterns if None not in p]
        out += [f"{examine} {w}" for w in far[:: max(1, len(far) // 5)][:5]] if examine else []
        patterns = [p for p in self.grammar.patterns if None in p]
        stride = 7 if len(patterns) % 7 else 5             # spread: any prefix is a sample
        order = sorted(range(len(patterns)), key=lambda k: ((k * stride) % len(patterns), k))
        for i in order:
            words = iter(far[i % len(far):] + far)
            out.append(" ".join(w if w is not None else next(words) for w in patterns[i]))
            out.append(" ".join(w if w is not None else unknown for w in patterns[i]))
        return out

    def find_noise(self, quiet: list[_Probe], other: list[_Probe], player: int) -> Noise:
        """What the quiet commands changed (globals, attributes, properties)
        and the things that moved by themselves in two of them or more (the
        thief), and what the other commands changed when they moved nothing
        but those things. A command that moved the player teaches nothing."""
        base = self.base.memory
        seen: list[tuple[_Probe, Changes]] = []
        moved: dict[int, int] = {}
        for probe in quiet + other:
            if probe.ended:
                continue
            ch = self.layout.changes(base, probe.memory)
            if player and player in ch.tree:
                continue
            seen.append((probe, ch))
            if probe in quiet:
                for o in ch.tree:
                    moved[o] = moved.get(o, 0) + 1
        wanderers = {o for o, n in moved.items() if n >= 2}
        g, a, p = set(), set(), set()
        for _, ch in seen:
            if ch.tree - wanderers:
                continue
            g |= ch.globals
            a |= ch.attributes
            p |= ch.properties
        return Noise(frozenset(g), frozenset(a), frozenset(p), frozenset(wanderers))

    # -- the status line -----------------------------------------------------------------
    def find_location(self, values: list[int], rows: list[str]) -> int | None:
        acc = self.acc
        if acc.version <= 3:
            return 0
        status = " ".join(rows[:3])
        named = [i for i, v in enumerate(values)
                 if acc.valid_object(v) and acc.object_name(v).strip()
                 and acc.object_name(v).strip() in status]
        if named:
            return named[0]
        return 0 if acc.valid_object(values[0]) else None

    def status_globals(self, base: list[int],
                       probes: list[_Probe]) -> tuple[int | None, int | None]:
        acc = self.acc
        shown: list[int] | None
        if acc.version <= 3:
            if acc.time_game:
                return None, None
            shown = [1, 2]
        else:
            shown = self.poke()
            if shown is None:
                return None, None
        score_g = shown[0] if len(shown) >= 2 else None
        moves_g = shown[1] if len(shown) >= 2 else (shown[0] if shown else None)
        if len(shown) == 1 and not any(p.globals[shown[0]] != base[shown[0]] for p in probes):
            score_g, moves_g = shown[0], None           # one number that turns do not move
        if moves_g is not None:
            moves_g = self.turn_counter(moves_g, base, probes)
        return score_g, moves_g

    def poke(self) -> list[int] | None:
        """The globals the status line shows, left to right (see the module);
        None when it shows a time of day. Globals holding objects (the
        location ...) are left alone; a batch whose status line changed with
        none of its values shown is split and tried again."""
        acc = self.acc
        command = self.nonsense()[0]
        plain = " ".join(self.run_all([command])[0].rows[:3])
        shown: dict[int, int] = {}            # global -> position of its number
        time_seen = False
        eligible = [i for i, v in enumerate(acc.global_values())
                    if v < 1000 and not acc.valid_object(v)]
        todo = [eligible[i:i + 16] for i in range(0, len(eligible), 16)]
        while todo:
            batch = todo.pop()
            probe = self.run(command, self._poked(batch))
            acc.restore(self.base)
            status = " ".join(probe.rows[:3])
            found = False
            for m in NUMBER.finditer(status):
                k, off = divmod(int(m.group()) - POKE_BASE, POKE_STEP)
                if 0 <= off <= POKE_SLACK and k in batch:
                    shown.setdefault(k, m.start())
                    found = True
            if found:
                time_seen |= bool(TIME.search(status))
            elif (probe.ended or status != plain) and len(batch) > 1:
                todo += [batch[:len(batch) // 2], batch[len(batch) // 2:]]
        if time_seen and len(shown) == 2:
            return None
        return sorted(shown, key=shown.__getitem__)

    def _poked(self, batch: list[int]) -> MachineState:
        acc = self.acc
        acc.restore(self.base)
        for k in batch:
            value = POKE_BASE + POKE_STEP * k
            a = acc.globals_addr + 2 * k
            acc.mem[a], acc.mem[a + 1] = value >> 8, value & 255
        state = acc.capture()
        acc.restore(self.base)
        return state

    def turn_counter(self, shown: int, base: list[int], probes: list[_Probe]) -> int:
        """Of the globals that change with the shown counter on every
        command, the one that starts lowest (the moves, not a clock)."""
        deltas = [p.globals[shown] - base[shown] for p in probes if not p.ended]
        if not any(deltas):
            return shown
        best = shown
        for g in range(GLOBALS):
            if g == shown:
                continue
            if [p.globals[g] - base[g] for p in probes if not p.ended] == deltas \
                    and base[g] < base[best]:
                best = g
        return best

    # -- the player -------------------------------------------------------------------
    def find_player(self, location: int, base: list[int],
                    probes: list[_Probe]) -> tuple[tuple[int, ...], int]:
        """The globals holding the player: of the things in the location that
        stay put through the quiet commands, the one that globals hold after
        the most of them (the parser's actor), then by the most globals."""
        acc = self.acc
        if not acc.valid_object(location):
            return (), 0
        done = [p for p in probes if not p.ended]
        movers: set[int] = set()
        for p in done:
            movers |= self.layout.changes(self.base.memory, p.memory).tree
        inside = set(acc.descendants(location)) - movers
        seen: dict[int, int] = {}
        refs: dict[int, int] = {}
        for values in [base] + [p.globals for p in done]:
            held = [v for v in values if v in inside]
            for v in set(held):
                seen[v] = seen.get(v, 0) + 1
            for v in held:
                refs[v] = refs.get(v, 0) + 1
        if not seen:
            return (), 0
        player = max(sorted(seen), key=lambda o: (seen[o], refs[o]))
        holders = tuple(g for g, v in enumerate(base) if v == player)
        steady = tuple(g for g in holders if all(p.globals[g] == player for p in done))
        return steady or holders, len(acc.ancestors(location))

    # -- the maximum score -------------------------------------------------------------
    def find_max_score(self, score_g: int | None, moves_g: int | None) -> int | None:
        probe = self.run_all(["score"])[0]
        numbers = [int(n) for n in NUMBER.findall(probe.text)]
        for g in (score_g, moves_g):
            if g is not None:
                v = probe.globals[g]
                v = v - 0x10000 if v & 0x8000 else v
                if v in numbers:
                    numbers.remove(v)
        numbers = [n for n in numbers if n > 0]
        return max(numbers) if numbers else None
