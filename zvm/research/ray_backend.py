"""``zvm.Games(..., backend="ray")``: the workers of ``zvm.Games`` as Ray
actors, for more games than one machine holds.

Each actor is a ``GameHost`` (``zvm.research.games``) holding several
games, as a local worker process does; the API, the seeds and so the texts
are the same as with the local backend. Ray is an optional dependency
(``pip install 'zvm[ray]'``); it is connected to as ``ray.init()`` does
when no connection exists yet: the cluster named by ``RAY_ADDRESS`` or a
local Ray started for this process. An actor that does not answer within
the timeout, or dies, is killed and replaced, and ``zvm.Games`` brings its
games back as it does with the local backend.
"""

from __future__ import annotations

from zvm.research.errors import GameError
from zvm.research.games import GameHost


def _ray():
    try:
        import ray
    except ImportError:
        raise GameError("backend='ray' needs the ray package: pip install 'zvm[ray]'") from None
    return ray


class RayBackend:
    """Ray actors holding the games (see the module's docstring)."""

    def __init__(self, parts: list[dict[int, str]], width: int):
        self.ray = ray = _ray()
        if not ray.is_initialized():
            ray.init()
        self.actor_class = ray.remote(num_cpus=1)(GameHost)
        self.parts = parts
        self.width = width
        self.actors = [self._new(p) for p in parts]

    def _new(self, part: dict[int, str]):
        return self.actor_class.remote(part, self.width)

    def call(self, name: str, args: list[tuple], timeout: float) -> list:
        """As ``LocalBackend.call``: every actor's answer, or a GameError
        for one that hung or died (it is replaced by a new, empty actor)."""
        ray = self.ray
        refs = [getattr(actor, name).remote(*a) for actor, a in zip(self.actors, args)]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=timeout)
        ready = set(ready)
        out = []
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

    def call_one(self, index: int, name: str, args: tuple, timeout: float):
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
