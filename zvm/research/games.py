"""Many games at once: ``zvm.Games`` steps N games in parallel.

    with zvm.Games(["zork1.z3"] * 16, seed=1, workers=2) as games:
        openings = games.reset()                  # one opening text per game
        results = games.step(["north"] * 16)      # one StepResult per game, in order

A pool of worker processes, each holding several games (game i lives in
worker i mod workers). ``step`` sends each worker its games' commands at
once and waits for all. A story that hangs (no answer within ``timeout``
seconds) or kills its process costs that worker only: it is stopped and
replaced, its other games are brought back by replaying their commands
(every game has a definite seed, so the replay is exact), and the game
that failed ends with a ``StepResult`` whose ``error`` says why (it starts
again at the next ``reset``). A fatal Z-machine error ends only its game,
the same way.

``backend="ray"`` runs the same workers as Ray actors, for more games than
one machine holds: each actor is a ``GameHost`` as a local worker is, so
the API, the seeds and the texts are the same. Ray is optional
(``pip install 'zvm-interpreter[ray]'``); it is connected to as
``ray.init()`` does when no connection exists yet (the cluster named by
``RAY_ADDRESS``, or a local Ray started for this process). An actor that hangs or dies is killed and
replaced like a local worker.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from multiprocessing.connection import Connection, wait
from typing import Any, Iterable, cast

from zvm.research.common import GameError, StepResult, forking
from zvm.research.game import Game


class GameHost:
    """The games of one worker, by index (used by every backend)."""

    def __init__(self, stories: dict[int, str], width: int = 0) -> None:
        self.stories = stories
        self.width = width
        self.games: dict[int, Game] = {}
        self.failed: dict[int, str] = {}

    def reset(self, seeds: dict[int, int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for i, seed in seeds.items():
            self.failed.pop(i, None)
            try:
                game = self.games[i] = Game(self.stories[i], seed=seed, width=self.width)
                out[i] = game.reset()
            except GameError as e:
                self.failed[i] = str(e)
                out[i] = ""
        return out

    def step(self, commands: dict[int, str]) -> dict[int, StepResult]:
        out: dict[int, StepResult] = {}
        for i, command in commands.items():
            game = self.games.get(i)
            if game is None or i in self.failed:
                out[i] = StepResult("", None, None, True, error=self.failed.get(i, "not started"))
                continue
            try:
                out[i] = game.step(command)
            except GameError as e:
                self.failed[i] = str(e)
                out[i] = StepResult("", None, None, True, error=str(e))
        return out

    def replay(self, seeds: dict[int, int], histories: dict[int, list[str]]) -> None:
        self.reset(seeds)
        for i, history in histories.items():
            for command in history:
                self.step({i: command})


def _serve(conn: Connection, stories: dict[int, str], width: int) -> None:
    """A local worker's loop: run GameHost calls sent over conn."""
    host = GameHost(stories, width)
    while True:
        try:
            name, args = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(getattr(host, name)(*args))


class _LocalWorker:
    def __init__(self, stories: dict[int, str], width: int) -> None:
        self.stories, self.width = stories, width
        self.start()

    def start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, self.stories, self.width),
                                       daemon=True)
        with forking():
            self.process.start()
        child.close()

    def send(self, name: str, *args: Any) -> None:
        self.conn.send((name, args))

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class LocalBackend:
    """Worker processes on this machine (see the module's docstring)."""

    def __init__(self, parts: list[dict[int, str]], width: int) -> None:
        self.workers = [_LocalWorker(p, width) for p in parts]

    def call(self, name: str, args: list[tuple[Any, ...]], timeout: float) -> list[Any]:
        """Call name on every worker at once (args: one tuple per worker);
        each worker's answer, or a GameError for one that hung or died (it
        is replaced by a new, empty worker)."""
        pending: dict[Connection, _LocalWorker] = {}
        for w, a in zip(self.workers, args, strict=True):
            try:
                w.send(name, *a)
                pending[w.conn] = w
            except (BrokenPipeError, OSError):
                pass
        answers: dict[int, object] = {}
        end = time.monotonic() + timeout
        while pending:
            # (wait answers with some of the connections it was given)
            ready = cast("list[Connection]", wait(list(pending), max(0.0, end - time.monotonic())))
            if not ready:
                break
            for conn in ready:
                w = pending.pop(conn)
                try:
                    answers[id(w)] = conn.recv()
                except (EOFError, OSError):
                    pass
        out: list[Any] = []
        for w in self.workers:
            if id(w) in answers:
                out.append(answers[id(w)])
                continue
            alive = w.process.is_alive()
            w.stop()
            w.start()
            out.append(GameError("the story did not answer in time" if alive
                                 else "the story's process ended unexpectedly"))
        return out

    def call_one(self, index: int, name: str, args: tuple[Any, ...], timeout: float) -> Any:
        """Call name on one worker; its answer or a GameError (as ``call``)."""
        keep = self.workers
        self.workers = [keep[index]]
        try:
            return self.call(name, [args], timeout)[0]
        finally:
            self.workers = keep

    def close(self) -> None:
        for w in self.workers:
            w.stop()


# -- Ray ------------------------------------------------------------------------------------
def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise GameError("backend='ray' needs the ray package: "
                        "pip install 'zvm-interpreter[ray]'") from None
    return ray


class RayBackend:
    """Ray actors holding the games (see the module's docstring)."""

    def __init__(self, parts: list[dict[int, str]], width: int) -> None:
        self.ray = ray = _ray()
        if not ray.is_initialized():
            ray.init()
        self.actor_class = ray.remote(num_cpus=1)(GameHost)
        self.parts = parts
        self.width = width
        self.actors = [self._new(p) for p in parts]

    def _new(self, part: dict[int, str]) -> Any:
        return self.actor_class.remote(part, self.width)

    def call(self, name: str, args: list[tuple[Any, ...]], timeout: float) -> list[Any]:
        """As ``LocalBackend.call``: every actor's answer, or a GameError
        for one that hung or died (it is replaced by a new, empty actor)."""
        ray = self.ray
        refs = [getattr(actor, name).remote(*a) for actor, a in zip(self.actors, args, strict=True)]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=timeout)
        ready = set(ready)
        out: list[Any] = []
        for k, ref in enumerate(refs):
            error = "the story did not answer in time"
            if ref in ready:
                try:
                    out.append(ray.get(ref))
                    continue
                except ray.exceptions.RayError as e:
                    error = f"the story's worker failed ({type(e).__name__})"
            ray.kill(self.actors[k])
            self.actors[k] = self._new(self.parts[k])
            out.append(GameError(error))
        return out

    def call_one(self, index: int, name: str, args: tuple[Any, ...], timeout: float) -> Any:
        keep_actors, keep_parts = self.actors, self.parts
        self.actors, self.parts = [keep_actors[index]], [keep_parts[index]]
        try:
            return self.call(name, [args], timeout)[0]
        finally:
            keep_actors[index] = self.actors[0]
            self.actors, self.parts = keep_actors, keep_parts

    def close(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception:
                pass
        self.actors = []


class Games:
    """N games stepped in parallel (see the module's docstring). ``seed``:
    None (random seeds), one int (game i gets seed + i) or one per game;
    ``width`` as in ``zvm.Game``; ``timeout``: seconds a step may take."""

    def __init__(self, stories: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
                 seed: int | Iterable[int] | None = None, workers: int | None = None,
                 backend: str = "local", width: int = 0, timeout: float = 60.0) -> None:
        if isinstance(stories, (str, os.PathLike)):
            stories = [stories]
        self.stories = [os.fspath(s) for s in stories]
        n = len(self.stories)
        self.backend: LocalBackend | RayBackend | None = None
        if n == 0:
            raise GameError("Games needs at least one story")
        for path in dict.fromkeys(self.stories):
            Game(path)                             # a bad path is named here, not in a worker
        if seed is None:
            self.seeds = [random.randrange(1, 2 ** 31) for _ in range(n)]
        elif isinstance(seed, int):
            self.seeds = [seed + i for i in range(n)]
        else:
            self.seeds = [int(s) for s in seed]
            if len(self.seeds) != n:
                raise GameError(f"{len(self.seeds)} seeds for {n} games")
        count = max(1, min(n, workers or os.cpu_count() or 1))
        self.parts = [{i: self.stories[i] for i in range(w, n, count)} for w in range(count)]
        self.timeout = timeout
        self.histories: list[list[str]] = [[] for _ in range(n)]
        self.failed: dict[int, str] = {}
        if backend == "local":
            self.backend = LocalBackend(self.parts, width)
        elif backend == "ray":
            self.backend = RayBackend(self.parts, width)
        else:
            raise GameError(f"unknown backend {backend!r} (local or ray)")

    def __len__(self) -> int:
        return len(self.stories)

    def _live(self) -> LocalBackend | RayBackend:
        """The workers; GameError once the games are closed."""
        if self.backend is None:
            raise GameError("the games are closed")
        return self.backend

    def _seeds(self, indices: Iterable[int]) -> dict[int, int]:
        return {i: self.seeds[i] for i in indices}

    def reset(self) -> list[str]:
        """Start every game afresh; their opening texts, in order."""
        self.histories = [[] for _ in self.stories]
        self.failed = {}
        texts = [""] * len(self.stories)
        answers = self._live().call("reset", [(self._seeds(p),) for p in self.parts], self.timeout)
        for w, (part, answer) in enumerate(zip(self.parts, answers, strict=True)):
            if isinstance(answer, Exception):       # one by one: find the story that fails
                answer = {}
                for i in part:
                    one = self._live().call_one(w, "reset", (self._seeds([i]),), self.timeout)
                    if isinstance(one, Exception):
                        self.failed[i] = str(one)
                        self._replay(w, [j for j in part if j in answer])
                    else:
                        answer.update(one)
            for i, text in answer.items():
                texts[i] = text
        return texts

    def step(self, commands: list[str]) -> list[StepResult]:
        """One command per game; their StepResults, in order."""
        if len(commands) != len(self.stories):
            raise GameError(f"{len(commands)} commands for {len(self.stories)} games")
        results: list[StepResult | None] = [None] * len(self.stories)
        args = [({i: commands[i] for i in p if i not in self.failed},) for p in self.parts]
        for w, (part, answer) in enumerate(zip(self.parts,
                                               self._live().call("step", args, self.timeout),
                                               strict=True)):
            recovered = isinstance(answer, Exception)
            if recovered:
                answer = self._recover(w, part, commands, str(answer))
            for i, result in answer.items():
                results[i] = result
                if result.error is None:
                    if not recovered:
                        self.histories[i].append(commands[i])
                elif i not in self.failed:
                    self.failed[i] = result.error
        return [r if r is not None else
                StepResult("", None, None, True, error=self.failed.get(i, "lost"))
                for i, r in enumerate(results)]

    def _replay(self, w: int, indices: list[int]) -> None:
        """Bring games back into a new worker from their seeds and commands."""
        if not indices:
            return
        answer = self._live().call_one(
            w, "replay", (self._seeds(indices), {i: self.histories[i] for i in indices}),
            self.timeout * (1 + max(len(self.histories[i]) for i in indices)))
        if isinstance(answer, Exception):
            for i in indices:
                self.failed[i] = str(answer)

    def _recover(self, w: int, part: dict[int, str], commands: list[str],
                 reason: str) -> dict[int, StepResult]:
        """A worker hung or died during a step, and which of its games did it
        cannot be known: each game is put back and its command tried alone;
        one that fails again is ended, the others go on (their histories
        take the command here)."""
        placed: list[int] = []
        out: dict[int, StepResult] = {}
        for i in sorted(part):
            if i in self.failed:
                out[i] = StepResult("", None, None, True, error=self.failed[i])
                continue
            self._replay(w, [i])
            one = (self._live().call_one(w, "step", ({i: commands[i]},), self.timeout)
                   if i not in self.failed else GameError(self.failed[i]))
            if isinstance(one, Exception):
                self.failed[i] = str(one) or reason
                out[i] = StepResult("", None, None, True, error=self.failed[i])
                self._replay(w, placed)
                continue
            out.update(one)
            if one[i].error is None:
                self.histories[i].append(commands[i])
            placed.append(i)
        return out

    def close(self) -> None:
        """Stop the workers."""
        if self.backend is not None:
            self.backend.close()
            self.backend = None

    def __enter__(self) -> "Games":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
