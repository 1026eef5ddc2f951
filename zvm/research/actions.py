"""Valid actions: the commands that change the world from where a game is.

Each candidate is tried from the same state (the machine's own, restored
between tries without encoding), and the world after it is compared with
the world before (``zvm.research.world``): a candidate is valid when the
world changed or the game ended. Globals that change in more than 3% of
the tries (at least 8) are left out too: they are the parser's (the
objects of the latest command, pronouns) or clocks, not the world. Valid
candidates with the same outcome (the same world after them) form a group;
its simplest wording (fewest words, then a common verb, then shortest)
stands for it.

Candidates, when none are given, come from the story itself:

1. Its grammar (``zvm.research.grammar``): one verb word for each verb
   number, each grammar line as a pattern of words and object slots;
   lines with three or more objects, numbers or special tokens are left
   out; so are Inform's meta verbs (save, restore, undo ...).
2. The things to act on: each object is called by one word of its names
   property (§12.4); pronouns are not (Zork has an object called "it",
   which stands for the latest thing, tried under its own name). The
   words of what the location and the player
   contain and the words that the story's own "look" and "inventory"
   replies mention (Zork's house and window, which the tree keeps
   elsewhere) are tried with the story's "examine" verb, with a few words
   of things far away: the reply that most words get (the word itself
   blanked out) is the parser's "you can't see that here", and the words
   whose reply differs are in the parser's scope. Words with the same reply
   name one thing (aliases): one is kept. The things the player holds are
   always in. Without an "examine" verb: what the location and the player
   contain.
3. Patterns are filled with those words (two different ones for two
   slots). Movement words are added alone: Infocom's direction words
   (dictionary flag $10) and, in Inform stories, every word in the
   parser's scope that is neither in the room nor held (the compass).

``workers`` > 1 splits the tries across processes forked from this one,
kept for the next call until ``Game.close()``.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from typing import TYPE_CHECKING, Any

from zvm.research.common import alarm_handler, asks_game_over, forking
from zvm.research.grammar import PREFERRED_VERBS
from zvm.research.access import MachineState

if TYPE_CHECKING:
    from zvm.research.game import Game

CHUNK = 64                       # candidates per task sent to a worker
BUSY_MIN, BUSY_SHARE = 8, 0.03   # see busy_globals
WHOLE = 3                        # shorter words are mentioned only as whole words
PRONOUNS = ("it", "them", "him", "her")   # not names of things (Zork's IT object)

_worker_game: Game | None = None   # the game of a worker process (fork-inherited)


def wording(command: str) -> tuple:
    """How simple a wording is (smaller is simpler): fewest words, then a
    common verb (``PREFERRED_VERBS``, in its order), then the shortest."""
    words = command.split()
    verb = words[0] if words else ""
    rank = PREFERRED_VERBS.index(verb) if verb in PREFERRED_VERBS else len(PREFERRED_VERBS)
    return len(words), rank, len(command), command


def simplest(commands: list[str]) -> str:
    return min(commands, key=wording)


# -- the world after each try ---------------------------------------------------------------
Record = tuple  # (index, objects digest or None, changed globals, ended)


def try_all(game: Game, state: MachineState, candidates: list[str]) -> list[Record]:
    """What each candidate changed: (index, digest of the objects' world
    when it differs from the state's, the kept globals that changed, whether
    the game ended); candidates that changed none of these are left out."""
    mask, acc = game.profile.mask, game.access
    acc.restore(state)
    base = mask.digest(acc.mem)
    base_raw = mask.raw(acc.mem)
    base_globals = bytes(acc.mem[mask.globals])
    out: list[Record] = []
    with alarm_handler():                        # once, not once per try
        for i, command in enumerate(candidates):
            text, how = game._attempt(state, command)
            if how == "timeout":                 # a story that hangs: no action
                continue
            ended = how == "ended" or asks_game_over(text)
            # Most tries leave the objects' bytes as they were: no digest then.
            digest = base if mask.raw(acc.mem) == base_raw else mask.digest(acc.mem)
            changed = mask.changed_globals(base_globals, acc.mem)
            if digest != base or changed or ended:
                out.append((i, None if digest == base else digest, changed, ended))
    return out


def _init_worker(game: Game) -> None:
    global _worker_game
    _worker_game = game


def _work(task: tuple[MachineState, int, list[str]]) -> list[Record]:
    state, offset, chunk = task
    if TYPE_CHECKING:                       # set by _init_worker
        assert _worker_game is not None
    return [(offset + r[0],) + r[1:] for r in try_all(_worker_game, state, chunk)]


def busy_globals(records: list[Record], tries: int) -> set[int]:
    """Globals that change in many of the tries (the parser's pronouns and
    objects, clocks): more than max(BUSY_MIN, BUSY_SHARE of the tries)."""
    counts: dict[int, int] = {}
    for _, _, changed, _ in records:
        for g, _ in changed:
            counts[g] = counts.get(g, 0) + 1
    limit = max(BUSY_MIN, BUSY_SHARE * tries)
    return {g for g, n in counts.items() if n > limit}


class Pool:
    """Worker processes forked from a game, each with its own copy."""

    def __init__(self, game: Game, workers: int) -> None:
        self.workers = workers
        context = multiprocessing.get_context("fork")
        with forking():
            self.pool = context.Pool(workers, initializer=_init_worker, initargs=(game,))

    def map(self, state: MachineState, candidates: list[str]) -> list[Record]:
        size = max(1, min(CHUNK, len(candidates) // (self.workers * 4) or 1))
        tasks = [(state, i, candidates[i:i + size]) for i in range(0, len(candidates), size)]
        out: list[Record] = []
        for part in self.pool.imap_unordered(_work, tasks):
            out.extend(part)
        return sorted(out)

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


# -- the filter ---------------------------------------------------------------------------------
def valid_actions(game: Game, candidates: list[str] | None, groups: bool,
                  workers: int | None) -> list[Any]:
    """``Game.valid_actions`` (see the module's docstring)."""
    if game.done:
        return []
    profile = game.profile
    _ = profile.mask                                      # learned before any fork
    saved = game._state()
    state = saved[0]
    try:
        if candidates is None:
            candidates = generate(game, state)
        candidates = list(dict.fromkeys(c.strip() for c in candidates if c and c.strip()))
        workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
        if workers > 1 and len(candidates) > 2 * CHUNK:
            if game._pool is None or game._pool.workers != workers:
                game.close()
                game._pool = Pool(game, workers)
            found = game._pool.map(state, candidates)
        else:
            found = try_all(game, state, candidates)
    finally:
        game._set_state(saved)
    busy = busy_globals(found, len(candidates))
    by_outcome: dict[tuple, list[str]] = {}
    for i, digest, changed, ended in found:
        kept = tuple(gv for gv in changed if gv[0] not in busy)
        if digest is not None or kept or ended:
            by_outcome.setdefault((digest, kept, ended), []).append(candidates[i])
    result: list[Any] = []                  # wordings, or groups of them
    for group in by_outcome.values():
        best = simplest(group)
        result.append([best] + [c for c in group if c != best] if groups else best)
    return result


# -- candidates ------------------------------------------------------------------------------
def scope_words(game: Game, state: MachineState) -> tuple[list[str], list[str]]:
    """(words for the things to act on, words to try alone): see the
    module's docstring."""
    profile, acc = game.profile, game.access
    acc.restore(state)
    names = {o: w for o, w in profile.names.items() if w not in PRONOUNS}
    player, location = game.player, game.location
    held = set(acc.descendants(player)) if player else set()
    near = (set(acc.descendants(location)) | {location}) - {player} if location else set()
    held_words = [names[o] for o in sorted(held) if o in names]
    if not profile.examine:
        words = held_words + [names[o] for o in sorted(near) if o in names]
        return list(dict.fromkeys(words)), []
    shown = " ".join(game._attempt(state, verb)[0] for verb in ("look", "inventory")
                     if profile.has_verb(verb)).lower()
    owner: dict[str, int] = {}
    for o, w in sorted(names.items()):
        owner.setdefault(w, o)
    # "boards" mentions "board"; "north" and "stone" do not mention "n", "s".
    mentioned = {w for w in owner
                 if re.search(r"\b" + re.escape(w) + ("" if len(w) >= WHOLE else r"\b"), shown)}
    local = {names[o] for o in held | near if o in names} | mentioned
    far = [w for w in owner if w not in local]
    inform = bool(acc.inform_version)
    probe = [w for w in owner if inform or w in local] + far[:: max(1, len(far) // 4)][:4]
    replies: dict[str, str] = {}
    for word in dict.fromkeys(probe):
        text, how = game._attempt(state, f"{profile.examine} {word}")
        blank = re.sub(re.escape(word) + r"\w*", "#", text.lower())
        replies[word] = "\0ended" if how != "input" else blank
    counts: dict[str, int] = {}
    for reply in replies.values():
        counts[reply] = counts.get(reply, 0) + 1
    refusal, most = max(counts.items(), key=lambda kv: kv[1]) if counts else ("", 0)
    seen: set[str] = set()
    words = list(held_words)
    bare: list[str] = []
    for word, reply in replies.items():
        if (most >= 2 and reply == refusal) or reply == "\0ended" or reply in seen:
            continue
        seen.add(reply)
        if word in local:
            words.append(word)
        elif inform:
            bare.append(word)
    return list(dict.fromkeys(words)), bare


def generate(game: Game, state: MachineState) -> list[str]:
    """Candidates for ``valid_actions`` from state (see the module's
    docstring); the game is left in state."""
    grammar = game.profile.grammar
    try:
        words, bare = scope_words(game, state)
    finally:
        game.access.restore(state)
    out = list(grammar.directions) + bare
    for pattern in grammar.patterns:
        slots = pattern.count(None)
        if slots == 0:
            out.append(" ".join(pattern))
        elif slots == 1:
            i = pattern.index(None)
            head, tail = " ".join(pattern[:i]), " ".join(pattern[i + 1:])
            out += [f"{head} {w} {tail}".strip() for w in words]
        elif slots == 2:
            i = pattern.index(None)
            j = pattern.index(None, i + 1)
            a = " ".join(pattern[:i])
            b = " ".join(pattern[i + 1:j])
            c = " ".join(pattern[j + 1:])
            for x in words:
                for y in words:
                    if x != y:
                        out.append(" ".join(p for p in (a, x, b, y, c) if p))
    return list(dict.fromkeys(out))
