"""A game in a child process: a story that loops forever or fails badly
cannot hang or kill the caller.

``IsolatedGame`` has the methods of ``zvm.game.Game``; each call goes to a
child process and must answer within ``timeout`` seconds, or the child is
stopped and ``GameTimeout`` raised (the game is then over; ``reset()``
starts a new child). A fatal Z-machine error raises ``GameError`` as in
``Game``.
"""

from __future__ import annotations

import multiprocessing

from zvm.research.game import Game, GameError


class GameTimeout(GameError):
    """The story did not answer within the time allowed for a step."""


def _serve(conn, path, kwargs) -> None:
    """The child's loop: call Game methods and send back results."""
    game = None
    while True:
        try:
            name, args = conn.recv()
        except EOFError:
            return
        try:
            if game is None:
                game = Game(path, **kwargs)
            attr = getattr(game, name)
            result = attr(*args) if callable(attr) else attr
            conn.send(("ok", result))
        except GameError as e:
            conn.send(("error", str(e)))
        except Exception as e:                        # report, then carry on
            conn.send(("error", f"{type(e).__name__}: {e}"))


class IsolatedGame:
    CALLS = ("reset", "step", "snapshot", "restore", "objects", "inventory",
             "dictionary", "world_hash")
    PROPERTIES = ("score", "moves", "done", "player", "location", "last_text")

    def __init__(self, path, seed=None, width=0, player=None, timeout: float = 10.0, **_):
        self.path = str(path)
        self.kwargs = dict(seed=seed, width=width, player=player)
        self.timeout = timeout
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, self.path, self.kwargs),
                                        daemon=True)
        self._process.start()
        child.close()

    def _call(self, name: str, *args):
        if self._process is None:
            self._start()
        try:
            self._conn.send((name, args))
            if not self._conn.poll(self.timeout):
                self.close()
                raise GameTimeout(f"the story did not answer within {self.timeout} s")
            status, value = self._conn.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            self.close()
            raise GameError("the story's process ended unexpectedly") from None
        if status == "error":
            raise GameError(value)
        return value

    def reset(self) -> str:
        if self._process is None:
            self._start()
        return self._call("reset")

    def close(self) -> None:
        """Stop the child process."""
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._process = None
            self._conn.close()

    def __getattr__(self, name):
        if name in self.CALLS:
            return lambda *args: self._call(name, *args)
        if name in self.PROPERTIES:
            return self._call(name)
        raise AttributeError(name)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
